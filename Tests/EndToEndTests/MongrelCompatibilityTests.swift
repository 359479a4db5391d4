import Foundation
import Testing

/// A handler written for Mongrel2 with nothing but pyzmq works unchanged behind Lurcher.
@Suite struct MongrelCompatibilityTests {
    private func gateway(protocolName: String = "json") async throws -> GatewayProcess {
        let gateway = try await GatewayProcess(handlers: [
            .init(name: "py", route: "/py", command: ["python3", TestPaths.pythonHandler], protocolName: protocolName)
        ])
        try await gateway.waitForConnected("py", 1)
        return gateway
    }

    @Test func jsonHeadersReachAPythonMongrel2Handler() async throws {
        let gateway = try await gateway()
        let response = try gateway.get("/py/items?colour=red#top", headers: ["X-Custom-Header": "Value"])
        #expect(response.status == 200)
        let answer = try response.json()
        #expect(answer["handler"] as? String == "python")
        #expect(answer["encoding"] as? String == "json")
        #expect(answer["path"] as? String == "/py/items")
        let headers = try #require(answer["headers"] as? [String: Any])
        #expect(headers["METHOD"] as? String == "GET")
        #expect(headers["VERSION"] as? String == "HTTP/1.1")
        #expect(headers["PATH"] as? String == "/py/items")
        #expect(headers["QUERY"] as? String == "colour=red")
        #expect(headers["PATTERN"] as? String == "/py")
        #expect(headers["URL_SCHEME"] as? String == "http")
        #expect(headers["REMOTE_ADDR"] as? String == "127.0.0.1")
        #expect(headers["x-forwarded-for"] as? String == "127.0.0.1")
        #expect(headers["x-custom-header"] as? String == "Value", "client header names are lowercased")
        #expect(headers["host"] as? String == "localhost")
    }

    @Test func tnetstringHeadersReachAPythonMongrel2Handler() async throws {
        let gateway = try await gateway(protocolName: "tnetstring")
        let response = try gateway.get("/py/t?x=1", headers: ["Accept": "text/plain"])
        #expect(response.status == 200)
        let answer = try response.json()
        #expect(answer["encoding"] as? String == "tnetstring")
        let headers = try #require(answer["headers"] as? [String: Any])
        #expect(headers["METHOD"] as? String == "GET")
        #expect(headers["QUERY"] as? String == "x=1")
        #expect(headers["accept"] as? String == "text/plain")
    }

    @Test func aRepeatedHeaderArrivesAsAList() async throws {
        let gateway = try await gateway()
        let connection = try gateway.connect()
        try connection.send("GET /py/r HTTP/1.1\r\nHost: localhost\r\nX-Tag: one\r\nX-Tag: two\r\n\r\n")
        let headers = try #require(try connection.readResponse().json()["headers"] as? [String: Any])
        #expect(headers["x-tag"] as? [String] == ["one", "two"])
    }

    @Test func aPostBodyReachesTheHandler() async throws {
        let gateway = try await gateway()
        let connection = try gateway.connect()
        try connection.send(HTTPConnection.request("POST", "/py/submit", body: "name=lurcher&kind=dog"))
        let answer = try connection.readResponse().json()
        #expect(answer["body"] as? String == "name=lurcher&kind=dog")
        #expect((answer["headers"] as? [String: Any])?["METHOD"] as? String == "POST")
    }

    @Test func headerValuesThatNeedEscapingStillMakeValidJSON() async throws {
        let gateway = try await gateway()
        let connection = try gateway.connect()
        // Quotes, a backslash, a tab and bytes that are not UTF-8: Mongrel2 would send invalid JSON here.
        var request = Array("GET /py/e HTTP/1.1\r\nHost: localhost\r\nX-Nasty: \"quoted\" back\\slash\ttab ".utf8)
        request += [0xFF, 0xFE] + Array("\r\n\r\n".utf8)
        try connection.send(request)
        let response = try connection.readResponse()
        #expect(response.status == 200, "the Python handler's json.loads accepted the headers")
        let headers = try #require(try response.json()["headers"] as? [String: Any])
        let nasty = try #require(headers["x-nasty"] as? String)
        #expect(nasty.hasPrefix("\"quoted\" back\\slash\ttab "))
    }

    /// The same handler behind Mongrel2 and behind Lurcher is sent the same request message, apart from what
    /// differs by design (listed in docs/PROTOCOL.md).
    @Test(.enabled(if: Mongrel2Process.isInstalled, "mongrel2-core is not installed: no comparison with Mongrel2"))
    func mongrel2AndLurcherSendTheSameRequestMessage() async throws {
        let request = HTTPConnection.request("POST", "/py/items?colour=red", headers: ["X-Tag": "one"], body: "a=1")
        let (fromMongrel2, fromLurcher) = try await answersFromBoth(to: request)
        #expect(fromMongrel2["path"] as? String == fromLurcher["path"] as? String)
        #expect(fromMongrel2["body"] as? String == fromLurcher["body"] as? String)
        let mongrel2Headers = try #require(fromMongrel2["headers"] as? [String: Any])
        let lurcherHeaders = try #require(fromLurcher["headers"] as? [String: Any])
        #expect(Set(mongrel2Headers.keys) == Set(lurcherHeaders.keys))
        for (key, value) in mongrel2Headers where key != "host" {
            #expect("\(value)" == "\(lurcherHeaders[key] ?? "missing")", "header \(key)")
        }
    }

    /// Repeats of a header: Mongrel2 keeps the first five and drops the rest (`MAX_DUPE_HEADERS`, logged);
    /// Lurcher passes every one, within `max_header_count` and `max_header_bytes` (docs/CONFIGURATION.md).
    @Test(.enabled(if: Mongrel2Process.isInstalled, "mongrel2-core is not installed: no comparison with Mongrel2"))
    func aHeaderRepeatedSevenTimesKeepsFiveInMongrel2AndAllInLurcher() async throws {
        var request = "GET /py/repeats HTTP/1.1\r\nHost: localhost\r\n"
        for index in 1...7 { request += "X-Tag: \(index)\r\n" }
        request += "\r\n"
        let (fromMongrel2, fromLurcher) = try await answersFromBoth(to: request)
        #expect((fromMongrel2["headers"] as? [String: Any])?["x-tag"] as? [String] == ["1", "2", "3", "4", "5"])
        #expect((fromLurcher["headers"] as? [String: Any])?["x-tag"] as? [String] == (1...7).map(String.init))
    }

    /// `no_clobber_xff`: behind a proxy, the proxy's `X-Forwarded-For` reaches the handler with the peer appended;
    /// without it the header is the peer alone, whatever the client claims.
    @Test(arguments: [true, false])
    func noClobberXFFKeepsTheClientsForwardedFor(keep: Bool) async throws {
        let gateway = try await GatewayProcess(
            handlers: [.init(name: "py", route: "/py", command: ["python3", TestPaths.pythonHandler])],
            server: { _ in "no_clobber_xff = \(keep)" })
        try await gateway.waitForConnected("py", 1)
        let headers = try #require(
            try gateway.get("/py/xff", headers: ["X-Forwarded-For": "203.0.113.7"]).json()["headers"] as? [String: Any])
        #expect(headers["x-forwarded-for"] as? String == (keep ? "203.0.113.7, 127.0.0.1" : "127.0.0.1"))
        #expect(headers["REMOTE_ADDR"] as? String == "127.0.0.1")
    }

    /// Mongrel2's own `no_clobber_xff` passes the client's header on unchanged, where Lurcher's appends the peer.
    @Test(.enabled(if: Mongrel2Process.isInstalled, "mongrel2-core is not installed: no comparison with Mongrel2"))
    func mongrel2sNoClobberXFFPassesTheClientsValueUnchanged() async throws {
        let answer = try await answerFromMongrel2(
            to: HTTPConnection.request("GET", "/py/xff", headers: ["X-Forwarded-For": "203.0.113.7"]),
            settings: ["no_clobber_xff": "1"])
        #expect((answer["headers"] as? [String: Any])?["x-forwarded-for"] as? String == "203.0.113.7")
    }

    /// The Python handler's account of `request`, through a real Mongrel2 with `settings`.
    private func answerFromMongrel2(to request: String, settings: [String: String] = [:]) async throws -> [String: Any] {
        let mongrel2 = try await Mongrel2Process(handlers: [.init(name: "py", route: "/py")], settings: settings)
        let handler = try ChildProcess(
            ["python3", TestPaths.pythonHandler] + mongrel2.handlerSpecs("py"), outputPath: mongrel2.directory + "/py.log")
        defer { _ = handler }
        try await mongrel2.waitForHandler(answering: "/py/ready")
        return try answer(to: request, connection: try mongrel2.connect())
    }

    /// The Python handler's account of `request` through Mongrel2, and through Lurcher.
    private func answersFromBoth(to request: String) async throws -> (mongrel2: [String: Any], lurcher: [String: Any]) {
        let fromMongrel2 = try await answerFromMongrel2(to: request)
        return (fromMongrel2, try answer(to: request, connection: try await gateway().connect()))
    }

    /// Sends `request` on `connection` and returns the Python handler's account of what it received.
    private func answer(to request: String, connection: HTTPConnection) throws -> [String: Any] {
        try connection.send(request)
        let response = try connection.readResponse()
        try #require(response.status == 200, "\(response.status): \(response.text)")
        return try response.json()
    }
}
