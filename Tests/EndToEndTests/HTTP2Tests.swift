import Foundation
import Testing

/// HTTP/2 in front, with real clients: curl (`--http2` over TLS with ALPN, `--http2-prior-knowledge` on the plain
/// listener with `http2_cleartext`), and Python's h2 for many streams on one connection and for the hostile
/// clients each limit is there for. Handlers are the unchanged Python Mongrel2 handler: they answer in HTTP/1.1
/// and the gateway frames it. One test at a time: each runs a gateway, a handler and clients on two shared cores.
@Suite(.serialized) struct HTTP2Tests {
    /// A gateway whose plain listener also takes HTTP/2 with prior knowledge, with the Python handler at `/py`.
    private func cleartextGateway(limits: String = "", keepAlive: Double = 60, routes: String = "") async throws -> GatewayProcess {
        let gateway = try await GatewayProcess(
            handlers: [.init(name: "py", route: "/py", command: ["python3", TestPaths.pythonHandler])], keepAlive: keepAlive,
            limits: limits, routes: routes, server: { _ in "http2_cleartext = true" })
        try await gateway.waitForConnected("py", 1)
        return gateway
    }

    private func curl(_ gateway: GatewayProcess, _ target: String, options: [String] = []) async throws -> (status: Int32, output: String) {
        try await runCommand(
            ["curl", "-sS", "-i", "--max-time", "20", "--http2-prior-knowledge"] + options
                + ["http://127.0.0.1:\(gateway.port)\(target)"],
            in: gateway.directory)
    }

    private func h2Client(_ gateway: GatewayProcess, _ arguments: [String]) async throws -> String {
        let result = try await runCommand(
            ["python3", TestPaths.http2Client, arguments[0], "\(gateway.port)"] + arguments.dropFirst(), in: gateway.directory)
        guard result.status == 0 else { throw CommandFailed(command: "h2_client.py \(arguments)", output: result.output) }
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// What follows the head in a file curl `-i -o` wrote.
    private func body(ofFile path: String) throws -> Data {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let end = try #require(data.range(of: Data("\r\n\r\n".utf8)))
        return data[end.upperBound...]
    }

    private func http2Count(_ gateway: GatewayProcess, _ name: String) async throws -> Int? {
        (try await gateway.gatewayStatus()["http2"] as? [String: Any])?[name] as? Int
    }

    // MARK: - Requests and answers

    @Test func curlOverTLSNegotiatesHTTP2AndTheMongrel2HandlerSeesHTTP11() async throws {
        let folder = try await TLSFolder()
        let gateway = try await folder.gateway(tls: "hsts = \"max-age=60\"")
        let result = try await folder.curl(gateway, "/py/hello?x=1", options: ["--http2", "-H", "Cookie: a=1", "-H", "Cookie: b=2"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.hasPrefix("HTTP/2 200"), "\(result.output)")
        #expect(result.output.contains("strict-transport-security: max-age=60"), "\(result.output)")
        #expect(result.output.contains("date: "), "\(result.output)")
        let headers = try #require(try jsonBody(result.output)["headers"] as? [String: Any])
        #expect(headers["VERSION"] as? String == "HTTP/1.1")
        #expect(headers["CLIENT_VERSION"] as? String == "HTTP/2")
        #expect(headers["URL_SCHEME"] as? String == "https")
        #expect(headers["METHOD"] as? String == "GET")
        #expect(headers["QUERY"] as? String == "x=1")
        #expect((headers["host"] as? String)?.hasPrefix("localhost:") == true, "\(headers)")
        #expect(headers["cookie"] as? String == "a=1; b=2", "\(headers)")
        // The gateway's own answers carry the header once too.
        let missing = try await folder.curl(gateway, "/nothing", options: ["--http2"])
        #expect(missing.output.hasPrefix("HTTP/2 404"), "\(missing.output)")
        #expect(missing.output.components(separatedBy: "strict-transport-security").count == 2, "\(missing.output)")
        // The same listener still speaks HTTP/1.1 to a client that asks for it.
        let http1 = try await folder.curl(gateway, "/py/hello", options: ["--http1.1"])
        #expect(http1.output.hasPrefix("HTTP/1.1 200"), "\(http1.output)")
        #expect(try await http2Count(gateway, "streams") == 2, "the handler's answer and the 404")
    }

    @Test func thePlainListenerTakesPriorKnowledgeAndStillSpeaksHTTP1() async throws {
        let gateway = try await cleartextGateway()
        let http2 = try await curl(gateway, "/py/hello", options: ["-d", "name=lurcher"])
        #expect(http2.output.hasPrefix("HTTP/2 200"), "\(http2.output)")
        let answer = try jsonBody(http2.output)
        #expect(answer["body"] as? String == "name=lurcher")
        #expect((answer["headers"] as? [String: Any])?["METHOD"] as? String == "POST")
        #expect((answer["headers"] as? [String: Any])?["URL_SCHEME"] as? String == "http")
        let http1 = try gateway.get("/py/hello")
        #expect(http1.status == 200)
        #expect(try await http2Count(gateway, "streams") == 1)
    }

    @Test(arguments: ["push", "broker"]) func theSwiftHelloHandlerAnswersOverHTTP2(mode: String) async throws {
        let gateway = try await GatewayProcess(
            handlers: [.init(name: "hello", route: "/hello", command: [TestPaths.helloHandler], mode: mode)],
            server: { _ in "http2_cleartext = true" })
        // Held until the handler is up, then answered.
        let get = try await curl(gateway, "/hello")
        #expect(get.output.hasPrefix("HTTP/2 200"), "\(get.output)")
        let post = try await curl(gateway, "/hello", options: ["-d", "name=lurcher"])
        #expect(post.output.hasPrefix("HTTP/2 200"), "\(post.output)")
        #expect(post.output.hasSuffix("{\"received\":\"name=lurcher\"}"), "\(post.output)")
    }

    @Test func theAccessLogShowsHTTP2AndTheRealStatusAndBodySize() async throws {
        let path = NSTemporaryDirectory() + "lurcher-access-\(UUID().uuidString.prefix(8)).log"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let gateway = try await GatewayProcess(
            handlers: [.init(name: "py", route: "/py", command: ["python3", TestPaths.pythonHandler])],
            extra: "[access_log]\npath = \"\(path)\"", server: { _ in "http2_cleartext = true" })
        _ = try await curl(gateway, "/py/created")
        _ = try await curl(gateway, "/py/chunked-answer")
        let lines = try await gateway.lines(of: path, atLeast: 2)
        #expect(lines.contains { $0.contains("\"GET /py/created HTTP/2.0\" 201 4 ") }, "\(lines)")
        #expect(lines.contains { $0.contains("\"GET /py/chunked-answer HTTP/2.0\" 200 11 ") }, "decoded body size: \(lines)")
    }

    @Test func chunkedCloseDelimitedAndCutShortRepliesAreFramed() async throws {
        let gateway = try await cleartextGateway()
        let chunked = try await curl(gateway, "/py/chunked-answer")
        #expect(chunked.status == 0, "\(chunked.output)")
        #expect(chunked.output.hasSuffix("\r\n\r\nhello world"), "\(chunked.output)")
        for header in ["transfer-encoding", "connection", "keep-alive"] {
            #expect(!chunked.output.lowercased().contains(header + ":"), "\(header) in \(chunked.output)")
        }
        let untilClose = try await curl(gateway, "/py/until-close")
        #expect(untilClose.status == 0, "\(untilClose.output)")
        #expect(untilClose.output.hasSuffix("\r\n\r\npart one, part two"), "\(untilClose.output)")
        // Declared 100 bytes, sent 9: the stream is reset, and curl says so (92: the stream was not closed cleanly).
        let cutShort = try await curl(gateway, "/py/cut-short")
        #expect(cutShort.status == 92, "\(cutShort.output)")
        // A handler's broken reply is a 502, as over HTTP/1.
        let notHTTP = try await curl(gateway, "/py/not-http")
        #expect(notHTTP.output.hasPrefix("HTTP/2 502"), "\(notHTTP.output)")
    }

    @Test func manyStreamsOnOneConnectionAreEachAnswered() async throws {
        let gateway = try await cleartextGateway()
        let lines = try await h2Client(gateway, ["many", "/py/stream", "50"]).split(separator: "\n")
        #expect(lines.count == 50)
        #expect(lines.allSatisfy { $0.hasPrefix("200 ") }, "\(lines)")
        #expect(try await http2Count(gateway, "streams") == 50)
        try await waitUntil("the connection counted closed") { try await http2Count(gateway, "open") == 0 }
    }

    @Test func oneReplyToManyIdsReachesHTTP1ConnectionsAndHTTP2StreamsAlike() async throws {
        let gateway = try await cleartextGateway()
        async let streams = h2Client(gateway, ["many", "/py/gather?n=3", "2"])
        try await waitUntil("two streams at the handler") { try await gateway.inFlight() == 2 }
        let http1 = try gateway.get("/py/gather?n=3")
        #expect(http1.status == 200)
        let ids = try #require(try JSONSerialization.jsonObject(with: Data(http1.body)) as? [String])
        #expect(ids.count == 3)
        let lines = try await streams.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.allSatisfy { $0.hasPrefix("200 ") }, "\(lines)")
    }

    @Test func aStreamResetByTheClientTellsTheHandlerAndTheConnectionGoesOn() async throws {
        let gateway = try await cleartextGateway()
        #expect(try await h2Client(gateway, ["reset", "/py/never"]) == "200")
        try await waitUntil("the handler told of the reset stream") {
            let disconnects = try await curl(gateway, "/py/disconnects")
            return (try? JSONSerialization.jsonObject(with: Data(disconnects.output.split(separator: "\r\n\r\n").last!.utf8)) as? [String])?.count == 1
        }
        // Answered streams (the second, and each poll above) are not announced as disconnects: only the reset one.
        let disconnects = try await curl(gateway, "/py/disconnects")
        let ids = try JSONSerialization.jsonObject(with: Data(disconnects.output.split(separator: "\r\n\r\n").last!.utf8))
        #expect((ids as? [String])?.count == 1, "\(ids)")
        #expect(try await gateway.inFlight() == 0)
    }

    @Test func staticFilesGoOutWholeInRangesAndConditionallyOverHTTP2() async throws {
        let folder = try await TLSFolder()
        let bytes = (0..<(3 * 65536 + 123)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try Data(bytes).write(to: URL(fileURLWithPath: folder.path + "/files/large.bin", isDirectory: false).createParents())
        let gateway = try await folder.gateway(routes: "\"/files/\" = { dir = \"\(folder.path)/files/\" }")
        let output = folder.path + "/large.out"
        let whole = try await folder.curl(gateway, "/files/large.bin", options: ["--http2", "-o", output, "-D", folder.path + "/head"])
        #expect(whole.status == 0, "\(whole.output)")
        #expect(try body(ofFile: output) == Data(bytes))
        let head = try String(contentsOfFile: folder.path + "/head", encoding: .utf8)
        #expect(head.hasPrefix("HTTP/2 200"), "\(head)")
        let etag = try #require(head.split(separator: "\r\n").first { $0.hasPrefix("etag: ") }).dropFirst(6)
        let rangeOutput = folder.path + "/range.out"
        let range = try await folder.curl(
            gateway, "/files/large.bin", options: ["--http2", "-r", "65530-65545", "-o", rangeOutput, "-D", folder.path + "/range-head"])
        #expect(range.status == 0, "\(range.output)")
        #expect(try String(contentsOfFile: folder.path + "/range-head", encoding: .utf8).hasPrefix("HTTP/2 206"))
        #expect(try body(ofFile: rangeOutput) == Data(bytes[65530...65545]))
        let conditional = try await folder.curl(gateway, "/files/large.bin", options: ["--http2", "-H", "If-None-Match: \(etag)"])
        #expect(conditional.output.hasPrefix("HTTP/2 304"), "\(conditional.output)")
        let missing = try await folder.curl(gateway, "/files/nothing", options: ["--http2"])
        #expect(missing.output.hasPrefix("HTTP/2 404"), "\(missing.output)")
    }

    @Test func nghttpFetchesThroughTheGateway() async throws {
        let gateway = try await cleartextGateway()
        let result = try await runCommand(
            ["nghttp", "-n", "-s", "http://127.0.0.1:\(gateway.port)/py/a", "http://127.0.0.1:\(gateway.port)/py/b"],
            in: gateway.directory)
        #expect(result.status == 0, "\(result.output)")
        #expect(try await http2Count(gateway, "streams") == 2)
    }

    @Test func aStreamedUploadIsSentBackToHTTP11WhichCurlRetriesIn() async throws {
        let folder = try await TLSFolder()
        let gateway = try await folder.gateway(
            extra: "[uploads]\nthreshold_bytes = 65536",
            handlers: [
                .init(
                    name: "up", route: "/up", command: ["python3", TestPaths.pythonUploadStreamHandler],
                    extra: "upload_stream = true")
            ])
        // The handler's test pattern: the bytes 0 to 250 over and over.
        let body = (0..<200_000).map { UInt8($0 % 251) }
        try Data(body).write(to: URL(fileURLWithPath: folder.path + "/body"))
        let result = try await folder.curl(gateway, "/up/file", options: ["--http2", "--data-binary", "@" + folder.path + "/body"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("HTTP/1.1 200"), "answered over HTTP/1.1: \(result.output)")
        let report = try jsonBody(String(result.output[result.output.range(of: "HTTP/1.1 200")!.lowerBound...]))
        #expect(report["bytes"] as? Int == body.count)
        #expect((report["errors"] as? [Any])?.isEmpty == true, "\(report)")
        // A small body to the same handler is not streamed, and stays on HTTP/2.
        let small = try await folder.curl(gateway, "/up/small", options: ["--http2", "-d", "x=1"])
        #expect(small.output.hasPrefix("HTTP/2 200"), "\(small.output)")
    }

    @Test func aGracefulStopSendsGoAwayAndFinishesTheStreamInFlight() async throws {
        let gateway = try await cleartextGateway()
        async let client = h2Client(gateway, ["through-stop", "/py/slow"])
        try await waitUntil("the stream at the handler") { try await gateway.inFlight() == 1 }
        let stop = try await gateway.ctl(["stop"])
        #expect(stop.status == 0, "\(stop.output)")
        #expect(try await client == "goaway 0 status 200 body 4")
    }

    // MARK: - Limits and hostile clients

    @Test func aClientOpeningMoreThanMaxConcurrentStreamsIsSentGoAway() async throws {
        let gateway = try await cleartextGateway(limits: "max_concurrent_streams = 5")
        // Within the limit, streams are answered (together: one reply to five ids).
        #expect(try await h2Client(gateway, ["streams", "/py/gather?n=5", "5"]) == "answered 5 refused 0")
        // Past it, swift-nio-http2 ends the connection (PROTOCOL_ERROR; RFC 9113 also allows refusing the stream),
        // and the five streams it had taken are dropped with it.
        let outcome = try await h2Client(gateway, ["streams", "/py/gather?n=6", "20"])
        #expect(outcome.hasPrefix("goaway 1 "), "\(outcome)")
        #expect(try await http2Count(gateway, "violations") == 1)
        try await waitUntil("no request in flight") { try await gateway.inFlight() == 0 }
        let seen = try gateway.get("/py/seen")
        let paths = try #require(try JSONSerialization.jsonObject(with: Data(seen.body)) as? [String])
        #expect(paths.count <= 10, "at most 5 of the 20 reached the handler: \(paths)")
    }

    @Test func aRapidResetClientIsSentGoAway() async throws {
        let gateway = try await cleartextGateway()
        let outcome = try await h2Client(gateway, ["rapid-reset", "/py/never"])
        #expect(outcome == "goaway 11", "ENHANCE_YOUR_CALM: \(outcome)")
        #expect(try await http2Count(gateway, "violations") == 1)
        try await waitUntil("no request in flight") { try await gateway.inFlight() == 0 }
    }

    @Test func aContinuationFloodIsSentGoAway() async throws {
        let gateway = try await cleartextGateway()
        let outcome = try await h2Client(gateway, ["continuation"])
        #expect(outcome == "goaway 11", "ENHANCE_YOUR_CALM: \(outcome)")
        #expect(try await http2Count(gateway, "violations") == 1)
    }

    @Test func pingAndSettingsFloodsAreSentGoAway() async throws {
        let gateway = try await cleartextGateway()
        #expect(try await h2Client(gateway, ["ping-flood"]) == "goaway 11")
        #expect(try await h2Client(gateway, ["settings-flood"]) == "goaway 11")
        #expect(try await http2Count(gateway, "violations") == 2)
    }

    @Test func aHeaderBlockPastMaxHeaderBytesEndsTheConnection() async throws {
        let gateway = try await cleartextGateway(limits: "max_header_bytes = 8192")
        let outcome = try await h2Client(gateway, ["big-headers", "/py/x", "20000"])
        #expect(outcome.hasPrefix("goaway") || outcome == "closed", "\(outcome)")
        #expect(try await gateway.inFlight() == 0)
        // Under the limit, the same request is answered.
        let fine = try await curl(gateway, "/py/x", options: ["-H", "X-Big: \(String(repeating: "a", count: 4000))"])
        #expect(fine.output.hasPrefix("HTTP/2 200"), "\(fine.output)")
    }

    @Test func anIdleConnectionIsClosedWithGoAwayAfterTheKeepAliveTimeout() async throws {
        let gateway = try await cleartextGateway(keepAlive: 1)
        #expect(try await h2Client(gateway, ["idle", "8"]) == "goaway 0")
        try await waitUntil("the connection counted closed") { try await http2Count(gateway, "open") == 0 }
    }
}
