import Foundation
import Testing

/// Dir routes serve files from disk.
@Suite struct StaticFileTests {
    private func gateway() async throws -> GatewayProcess { try await GatewayProcess(handlers: []) }

    @Test func theIndexFileIsServedForADirectory() async throws {
        let gateway = try await gateway()
        let response = try gateway.get("/")
        #expect(response.status == 200)
        #expect(response.header("content-type") == "text/html; charset=utf-8")
        let onDisk = try String(contentsOfFile: TestPaths.site + "/index.html", encoding: .utf8)
        #expect(response.text == onDisk)
        #expect(response.header("etag") != nil)
        #expect(response.header("last-modified") != nil)
    }

    @Test func aFileGetsItsMIMEType() async throws {
        let gateway = try await gateway()
        #expect(try gateway.get("/style.css").header("content-type") == "text/css; charset=utf-8")
    }

    @Test func aDirectoryWithoutItsSlashIsRedirected() async throws {
        let gateway = try await gateway()
        let response = try gateway.get("/docs")
        #expect(response.status == 301)
        #expect(response.header("location") == "/docs/")
        #expect(try gateway.get("/docs/").text.contains("docs index"))
    }

    @Test func headGetsTheLengthButNoBody() async throws {
        let gateway = try await gateway()
        let connection = try gateway.connect()
        try connection.send(HTTPConnection.request("HEAD", "/style.css") + HTTPConnection.request("GET", "/style.css"))
        let head = try connection.readResponse(toHead: true)
        #expect(head.header("content-length") == "22")
        let get = try connection.readResponse()
        #expect(get.text == "body { color: #222; }\n", "the GET's response follows the HEAD's head directly")
    }

    @Test(arguments: ["/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/docs/..%2f..%2f..%2fetc/passwd", "/missing.html"])
    func pathsOutsideTheBaseOrMissingAre404(_ target: String) async throws {
        let gateway = try await gateway()
        let response = try gateway.get(target)
        #expect(response.status == 404)
        #expect(!response.text.contains("root:"))
    }
}
