import Foundation
import Testing

/// Dir routes answer conditional and range requests as RFC 9110 says (and as nginx does, see BENCHMARKS.md).
/// `style.css` in the test site holds the 22 bytes `body { color: #222; }\n`.
@Suite struct ConditionalAndRangeTests {
    private static let css = "body { color: #222; }\n"

    /// One request for /style.css with `headers`, on a new connection.
    private func get(_ gateway: GatewayProcess, _ headers: [String: String], method: String = "GET") throws -> HTTPResponse {
        let connection = try gateway.connect()
        try connection.send(HTTPConnection.request(method, "/style.css", headers: headers))
        return try connection.readResponse(toHead: method == "HEAD")
    }

    @Test func aMatchingEntityTagGets304WithTheValidatorsAndNoBody() async throws {
        let gateway = try await GatewayProcess(handlers: [])
        let first = try get(gateway, [:])
        let tag = try #require(first.header("etag"))
        #expect(first.header("accept-ranges") == "bytes")
        for ifNoneMatch in [tag, "W/\(tag)", "\"other\", \(tag)", "*"] {
            let response = try get(gateway, ["If-None-Match": ifNoneMatch])
            #expect(response.status == 304, "If-None-Match: \(ifNoneMatch)")
            #expect(response.header("etag") == tag)
            #expect(response.header("last-modified") == first.header("last-modified"))
        }
        #expect(try get(gateway, ["If-None-Match": "\"other\""]).text == Self.css)
    }

    @Test func ifModifiedSinceGets304UnlessTheFileIsNewer() async throws {
        let gateway = try await GatewayProcess(handlers: [])
        let lastModified = try #require(try get(gateway, [:]).header("last-modified"))
        #expect(try get(gateway, ["If-Modified-Since": lastModified]).status == 304)
        #expect(try get(gateway, ["If-Modified-Since": "Thu, 01 Jan 1970 00:00:01 GMT"]).status == 200)
        #expect(try get(gateway, ["If-Modified-Since": "not a date"]).status == 200, "an invalid date is ignored")
        // If-None-Match wins over If-Modified-Since (RFC 9110, 13.2.2).
        #expect(try get(gateway, ["If-Modified-Since": lastModified, "If-None-Match": "\"other\""]).status == 200)
    }

    @Test func failedPreconditionsGet412() async throws {
        let gateway = try await GatewayProcess(handlers: [])
        let tag = try #require(try get(gateway, [:]).header("etag"))
        #expect(try get(gateway, ["If-Unmodified-Since": "Thu, 01 Jan 1970 00:00:01 GMT"]).status == 412)
        #expect(try get(gateway, ["If-Match": "\"other\""]).status == 412)
        #expect(try get(gateway, ["If-Match": "W/\(tag)"]).status == 412, "If-Match compares strongly")
        #expect(try get(gateway, ["If-Match": tag]).status == 200)
        #expect(try get(gateway, ["If-Unmodified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"]).status == 200)
    }

    @Test(arguments: [("bytes=0-3", "0-3", "body"), ("bytes=-4", "18-21", "; }\n"), ("bytes=18-", "18-21", "; }\n"), ("bytes=5-1000", "5-21", "{ color: #222; }\n")])
    func aSingleRangeGets206WithContentRange(_ range: String, _ bytes: String, _ body: String) async throws {
        let gateway = try await GatewayProcess(handlers: [])
        let response = try get(gateway, ["Range": range])
        #expect(response.status == 206)
        #expect(response.header("content-range") == "bytes \(bytes)/22")
        #expect(response.text == body)
        #expect(response.header("content-length") == "\(body.utf8.count)")
    }

    @Test func unsatisfiableSeveralAndInvalidRanges() async throws {
        let gateway = try await GatewayProcess(handlers: [])
        let unsatisfiable = try get(gateway, ["Range": "bytes=22-30"])
        #expect(unsatisfiable.status == 416)
        #expect(unsatisfiable.header("content-range") == "bytes */22")
        let several = try get(gateway, ["Range": "bytes=0-1,4-5"])
        #expect(several.status == 206)
        let type = try #require(several.header("content-type"))
        #expect(type.hasPrefix("multipart/byteranges; boundary="))
        let boundary = type.dropFirst("multipart/byteranges; boundary=".count)
        #expect(several.text == "\r\n--\(boundary)\r\nContent-Type: text/css; charset=utf-8\r\nContent-Range: bytes 0-1/22\r\n\r\nbo"
            + "\r\n--\(boundary)\r\nContent-Type: text/css; charset=utf-8\r\nContent-Range: bytes 4-5/22\r\n\r\n {"
            + "\r\n--\(boundary)--\r\n")
        let many = try get(gateway, ["Range": "bytes=" + (0..<17).map { "\($0)-\($0)" }.joined(separator: ",")])
        #expect(many.status == 200, "more than 16 ranges get the whole file")
        #expect(try get(gateway, ["Range": "bytes=0-1,30-40"]).header("content-range") == "bytes 0-1/22", "one satisfiable of two")
        #expect(try get(gateway, ["Range": "bytes=5-1"]).status == 416, "an invalid range satisfies nothing")
        #expect(try get(gateway, ["Range": "lines=1-2"]).status == 200, "an unknown unit is ignored")
        let head = try get(gateway, ["Range": "bytes=0-3"], method: "HEAD")
        #expect(head.status == 206, "HEAD gets the head its GET would")
        #expect(head.header("content-length") == "4")
    }

    @Test func ifRangeSendsThePartOnlyWhileTheFileIsUnchanged() async throws {
        let gateway = try await GatewayProcess(handlers: [])
        let first = try get(gateway, [:])
        let tag = try #require(first.header("etag"))
        let lastModified = try #require(first.header("last-modified"))
        #expect(try get(gateway, ["Range": "bytes=0-3", "If-Range": tag]).status == 206)
        #expect(try get(gateway, ["Range": "bytes=0-3", "If-Range": lastModified]).status == 206)
        let stale = try get(gateway, ["Range": "bytes=0-3", "If-Range": "\"stale\""])
        #expect(stale.status == 200)
        #expect(stale.text == Self.css)
    }

    @Test func aRouteSendsItsCacheControlAndDefaultContentType() async throws {
        let site = try TemporarySite()
        try site.write("notes.unknownext", "x")
        let gateway = try await GatewayProcess(
            handlers: [],
            routes: "\"/cached/\" = { dir = \"\(site.path)\", cache_control = \"public, max-age=60\", default_content_type = \"text/plain\" }")
        let response = try gateway.get("/cached/notes.unknownext")
        #expect(response.header("cache-control") == "public, max-age=60")
        #expect(response.header("content-type") == "text/plain")
        #expect(try gateway.get("/style.css").header("cache-control") == nil, "other routes send none")
    }

    @Test func aPerRouteIndexFileIsServedForTheDirectory() async throws {
        let site = try TemporarySite()
        try site.write("start.html", "the start page")
        let gateway = try await GatewayProcess(handlers: [], routes: "\"/other/\" = { dir = \"\(site.path)\", index = \"start.html\" }")
        #expect(try gateway.get("/other/").text == "the start page")
    }

    @Test func aSymlinkOutOfTheBaseIs404UnlessTheRouteAllowsIt() async throws {
        let site = try TemporarySite()
        try site.write("inside.txt", "inside")
        let outside = try TemporarySite()
        try outside.write("secret.txt", "secret")
        try FileManager.default.createSymbolicLink(atPath: site.path + "/escape.txt", withDestinationPath: outside.path + "/secret.txt")
        try FileManager.default.createSymbolicLink(atPath: site.path + "/alias.txt", withDestinationPath: site.path + "/inside.txt")
        try FileManager.default.createSymbolicLink(atPath: site.path + "/outdir", withDestinationPath: outside.path)
        try FileManager.default.createSymbolicLink(atPath: site.path + "/relative.txt", withDestinationPath: "inside.txt")
        let up = "../" + URL(fileURLWithPath: outside.path).lastPathComponent + "/secret.txt"
        try FileManager.default.createSymbolicLink(atPath: site.path + "/up.txt", withDestinationPath: up)
        let gateway = try await GatewayProcess(
            handlers: [],
            routes: "\"/strict/\" = { dir = \"\(site.path)\" }\n\"/loose/\" = { dir = \"\(site.path)\", allow_symlinks_outside = true }")
        let escaped = try gateway.get("/strict/escape.txt")
        #expect(escaped.status == 404)
        #expect(!escaped.text.contains("secret"))
        #expect(try gateway.get("/strict/outdir/secret.txt").status == 404)
        #expect(try gateway.get("/strict/up.txt").status == 404, "a relative link out")
        #expect(try gateway.get("/strict/alias.txt").text == "inside", "an absolute link within the base is followed")
        #expect(try gateway.get("/strict/relative.txt").text == "inside", "a relative link within the base is followed")
        #expect(try gateway.get("/loose/up.txt").text == "secret")
        #expect(try gateway.get("/loose/escape.txt").text == "secret")
    }

    @Test func aLargeFileArrivesWholeAndARangeInItsMiddleToo() async throws {
        let site = try TemporarySite()
        let bytes = (0..<(3 << 20) + 123).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 11) }
        try Data(bytes).write(to: URL(fileURLWithPath: site.path + "/big.bin"))
        let gateway = try await GatewayProcess(handlers: [], routes: "\"/big/\" = { dir = \"\(site.path)\" }")
        let (whole, part) = try await onThread {
            let connection = try gateway.connect()
            try connection.send(HTTPConnection.request("GET", "/big/big.bin") + HTTPConnection.request("GET", "/big/big.bin", headers: ["Range": "bytes=1048000-2097300"]))
            return (try connection.readResponse(), try connection.readResponse())
        }
        #expect(whole.body == bytes)
        #expect(part.status == 206)
        #expect(part.body[...] == bytes[1_048_000...2_097_300])
    }
}

/// A temp directory for a test's own files, removed when the test ends.
final class TemporarySite {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "lurcher-site-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func write(_ name: String, _ text: String) throws {
        try text.write(toFile: path + "/" + name, atomically: true, encoding: .utf8)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
