import Foundation
import Testing

@testable import LurcherHandler

/// Upload headers are taken for the gateway's only when they name one of its temp files in the upload
/// directory; anything else is refused before a file is opened.
@Suite struct UploadedBodyTests {
    /// A fresh upload directory, removed when the test ends.
    final class Directory {
        let path: String

        init() throws {
            path = NSTemporaryDirectory() + "lurcher-uploads-" + UUID().uuidString.prefix(8)
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }

        /// A file made as the gateway makes its temp files (mkstemp), holding `contents`.
        func upload(_ contents: String) throws -> String {
            var template = Array((path + "/lurcher-upload-XXXXXX").utf8CString)
            let descriptor = mkstemp(&template)
            try #require(descriptor >= 0)
            _ = contents.withCString { write(descriptor, $0, strlen($0)) }
            close(descriptor)
            return String(cString: template)
        }

        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    private func refusal(start: String, done: String, directory: String?) -> UploadedBody.Refusal? {
        do {
            _ = try UploadedBody.read(start: start, done: done, directory: directory)
            return nil
        } catch {
            return error
        }
    }

    /// Expects `path` to be refused for what the file is, not for its name.
    private func expectNotAnUpload(_ path: String, in directory: Directory, _ what: Comment) {
        guard case .notAnUpload = refusal(start: path, done: path, directory: directory.path) else {
            Issue.record(what)
            return
        }
    }

    @Test func theGatewaysTempFileIsRead() throws {
        let directory = try Directory()
        let file = try directory.upload("the body")
        #expect(try UploadedBody.read(start: file, done: file, directory: directory.path) == Array("the body".utf8))
        // The directory as configured may be written differently from the path the gateway built.
        #expect(try UploadedBody.read(start: file, done: file, directory: directory.path + "/") == Array("the body".utf8))
    }

    @Test func withoutAnUploadDirectoryNothingIsRead() throws {
        let directory = try Directory()
        let file = try directory.upload("x")
        #expect(refusal(start: file, done: file, directory: nil) == .noUploadDirectory)
    }

    @Test func startAndDoneMustNameTheSameFile() throws {
        let directory = try Directory()
        let first = try directory.upload("a")
        let second = try directory.upload("b")
        #expect(refusal(start: first, done: second, directory: directory.path) == .startDiffersFromDone)
    }

    @Test(arguments: [
        "/etc/passwd", "/etc/lurcher-upload-abcdef", "lurcher-upload-abcdef", "DIR/../lurcher-upload-abcdef",
        "DIR/sub/lurcher-upload-abcdef", "DIR/lurcher-upload-abcde", "DIR/lurcher-upload-abcdefg",
        "DIR/lurcher-upload-abc/ef", "DIR/lurcher-upload-abc.ef", "DIR/passwd", "DIR/", "DIR",
    ])
    func aPathThatIsNotATempFileInTheDirectoryIsRefused(_ template: String) throws {
        let directory = try Directory()
        let path = template.replacingOccurrences(of: "DIR", with: directory.path)
        #expect(refusal(start: path, done: path, directory: directory.path) == .outsideUploadDirectory)
    }

    @Test func aSymbolicLinkUnderATempFileNameIsNotFollowed() throws {
        let directory = try Directory()
        let elsewhere = try Directory()
        let secret = try elsewhere.upload("secret")
        let link = directory.path + "/lurcher-upload-Link01"
        try #require(symlink(secret, link) == 0)
        expectNotAnUpload(link, in: directory, "a link was followed")
        withExtendedLifetime(elsewhere) {}
    }

    @Test func aHardLinkToAnotherFileIsRefused() throws {
        let directory = try Directory()
        let elsewhere = try directory.upload("secret")
        let linked = directory.path + "/lurcher-upload-Hard01"
        try #require(link(elsewhere, linked) == 0)
        expectNotAnUpload(linked, in: directory, "a file with two names was read")
    }

    @Test func aFIFOIsRefusedWithoutHangingTheOpen() throws {
        let directory = try Directory()
        let fifo = directory.path + "/lurcher-upload-Fifo01"
        try #require(mkfifo(fifo, 0o600) == 0)
        expectNotAnUpload(fifo, in: directory, "a FIFO was taken for an upload")
    }

    @Test func aStartNoticeIsCheckedToo() throws {
        let directory = try Directory()
        #expect(throws: UploadedBody.Refusal.outsideUploadDirectory) {
            try UploadedBody.fileName(of: "/etc/passwd", in: directory.path)
        }
        #expect(try UploadedBody.fileName(of: directory.path + "/lurcher-upload-Ab12Cd", in: directory.path) == "lurcher-upload-Ab12Cd")
    }
}
