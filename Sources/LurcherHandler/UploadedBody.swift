import Foundation

/// A request body the gateway wrote to a temp file, as Mongrel2 does: the request names the file in its
/// `x-mongrel2-upload-start` and `x-mongrel2-upload-done` headers.
///
/// Whoever can put those headers in a request can make a handler read any file it names. Lurcher's gateway
/// removes a client's own, but a handler may sit behind Mongrel2, which passes them on, so the library reads
/// a file only when it is where and what the gateway makes: a regular file named like the gateway's temp
/// files (`lurcher-upload-` and mkstemp's six letters or digits), directly in the configured upload
/// directory, with one link, opened without following a symbolic link.
enum UploadedBody {
    /// Why upload headers were not taken for the gateway's.
    enum Refusal: Error, Equatable, CustomStringConvertible {
        /// The handler was not told the gateway's upload directory.
        case noUploadDirectory
        /// The two headers name different files.
        case startDiffersFromDone
        /// The path is not a temp-file name directly in the upload directory.
        case outsideUploadDirectory
        /// The file is missing, a link, not a regular file, or has other names (hard links).
        case notAnUpload(String)

        var description: String {
            switch self {
            case .noUploadDirectory:
                "no upload directory is set: pass the gateway's [uploads] directory in LURCHER_UPLOAD_DIRECTORY or --upload-directory"
            case .startDiffersFromDone: "x-mongrel2-upload-start and x-mongrel2-upload-done name different files"
            case .outsideUploadDirectory: "the path is not one of the gateway's temp files in the upload directory"
            case .notAnUpload(let reason): "the file is not an upload: \(reason)"
            }
        }
    }

    static let namePrefix = "lurcher-upload-"

    /// Checks that `path` names one of the gateway's temp files in `directory`, and returns the file's name.
    static func fileName(of path: String, in directory: String?) throws(Refusal) -> String {
        guard let directory else { throw .noUploadDirectory }
        guard path.hasPrefix("/"), let slash = path.lastIndex(of: "/") else { throw .outsideUploadDirectory }
        let name = String(path[path.index(after: slash)...])
        let parent = slash == path.startIndex ? "/" : String(path[..<slash])
        let suffix = name.utf8.dropFirst(namePrefix.utf8.count)
        guard name.hasPrefix(namePrefix), suffix.count == 6,
            suffix.allSatisfy({ (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) }),
            standardized(parent) == standardized(directory)
        else { throw .outsideUploadDirectory }
        return name
    }

    /// The body in the file both headers name, read only if it passes every check.
    static func read(start: String, done: String, directory: String?) throws(Refusal) -> [UInt8] {
        guard start == done else { throw .startDiffersFromDone }
        let name = try fileName(of: done, in: directory)
        let directoryDescriptor = open(directory!, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directoryDescriptor >= 0 else { throw .notAnUpload("cannot open the upload directory (errno \(errno))") }
        defer { close(directoryDescriptor) }
        // O_NOFOLLOW: a link planted under a temp-file name is not followed. O_NONBLOCK: a FIFO does not hang the
        // open; it is refused below for not being a regular file.
        let descriptor = openat(directoryDescriptor, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw .notAnUpload("cannot open it (errno \(errno))") }
        let file = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .notAnUpload("cannot stat it (errno \(errno))") }
        guard status.st_mode & S_IFMT == S_IFREG else { throw .notAnUpload("not a regular file") }
        // The gateway's mkstemp file has one name; another would be a hard link to a file made elsewhere.
        guard status.st_nlink == 1 else { throw .notAnUpload("it has \(status.st_nlink) links") }
        do {
            return [UInt8](try file.readToEnd() ?? Data())
        } catch {
            throw .notAnUpload("cannot read it: \(error)")
        }
    }

    private static func standardized(_ path: String) -> String {
        URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL.path
    }
}
