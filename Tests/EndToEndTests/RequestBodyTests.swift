import Foundation
import Testing

/// Request bodies reach handlers whole: chunked ones decoded, large ones through a temp file as Mongrel2
/// sends them, and `Expect: 100-continue` is answered.
@Suite struct RequestBodyTests {
    private func gateway(uploads: String = "", limits: String = "") async throws -> GatewayProcess {
        try await GatewayProcess.withPythonHandler(limits: limits, extra: uploads)
    }

    @Test func aChunkedBodyReachesTheHandlerDecodedWithAContentLength() async throws {
        let gateway = try await gateway()
        let connection = try gateway.connect()
        try connection.send(
            "POST /py/chunked HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
        let seen = try connection.readResponse().json()
        #expect(seen["body"] as? String == "abcde")
        let headers = try #require(seen["headers"] as? [String: Any])
        #expect(headers["content-length"] as? String == "5")
        #expect(headers["transfer-encoding"] == nil)
    }

    @Test func expectContinueGets100ThenTheAnswer() async throws {
        let gateway = try await gateway(limits: "max_body_bytes = 100")
        let connection = try gateway.connect()
        try connection.send("POST /py/continue HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n")
        #expect(try connection.readResponse().status == 100, "the client is asked for its body before sending it")
        try connection.send("abc")
        #expect(try connection.readResponse().json()["body"] as? String == "abc")

        let tooBig = try gateway.connect()
        try tooBig.send("POST /py/continue HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\nContent-Length: 1000\r\n\r\n")
        #expect(try tooBig.readResponse().status == 413, "a body that would be refused is not asked for")
    }

    @Test func aLargeBodyIsSpooledToATempFileAnnouncedAsMongrel2DoesAndDeletedAfterTheAnswer() async throws {
        let spool = try TemporarySite()
        let gateway = try await gateway(uploads: "[uploads]\ndirectory = \"\(spool.path)\"\nthreshold_bytes = 1000")
        let body = String((0..<5000).map { Character(UnicodeScalar(UInt8(97 + $0 % 26))) })
        let response = try await onThread {
            let connection = try gateway.connect()
            try connection.send(HTTPConnection.request("POST", "/py/upload", body: body))
            return try connection.readResponse()
        }
        let seen = try response.json()
        #expect(seen["body"] as? String == body, "the handler read the whole body from the file")
        let path = try #require(seen["upload"] as? String)
        #expect(path.hasPrefix(spool.path + "/lurcher-upload-"))
        let headers = try #require(seen["headers"] as? [String: Any])
        #expect(headers["x-mongrel2-upload-start"] as? String == path)
        #expect(headers["content-length"] as? String == "5000")
        try await waitUntil("the temp file to be deleted") { !FileManager.default.fileExists(atPath: path) }
        #expect(try gateway.get("/py/small").json()["upload"] is NSNull, "a small body still travels in the message")
    }

    @Test(arguments: ["push", "broker"])
    func aSwiftHandlerGetsALargeBodyAsItsRequestBody(mode: String) async throws {
        let spool = try TemporarySite()
        let gateway = try await GatewayProcess(
            handlers: [.init(name: "echo", route: "/echo", command: [TestPaths.echoHandler], mode: mode)],
            extra: "[uploads]\ndirectory = \"\(spool.path)\"\nthreshold_bytes = 1000")
        let body = String((0..<5000).map { Character(UnicodeScalar(UInt8(65 + $0 % 26))) })
        let responses = try await onThread {
            let connection = try gateway.connect()
            try connection.send(HTTPConnection.request("POST", "/echo/upload", body: body))
            let large = try connection.readResponse()
            // The same connection goes on: the upload notice got no answer of its own.
            try connection.send(HTTPConnection.request("GET", "/echo/after"))
            return (large, try connection.readResponse())
        }
        let echoed = try responses.0.json()
        #expect(echoed["body"] as? String == body, "the library read the body from the temp file")
        #expect(try responses.1.json()["path"] as? String == "/echo/after")
    }

    @Test func aTempFileIsDeletedWhenTheClientGoesAwayMidUpload() async throws {
        let spool = try TemporarySite()
        let gateway = try await gateway(uploads: "[uploads]\ndirectory = \"\(spool.path)\"\nthreshold_bytes = 100")
        func spooled() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: spool.path) }
        var connection: HTTPConnection? = try gateway.connect()
        try connection?.send("POST /py/abandoned HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000\r\n\r\n" + String(repeating: "x", count: 500))
        try await waitUntil("the body to be spooled") { try spooled().count == 1 }
        connection = nil
        try await waitUntil("the temp file to be deleted") { try spooled().isEmpty }
        #expect(try gateway.get("/py/seen").text == "[]", "the handler never heard of the unfinished request")
    }
}
