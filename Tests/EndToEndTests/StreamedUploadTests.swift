import Foundation
import Testing

/// Mongrel2's streamed uploads (`upload_stream = true`) through the real gateway, with a handler written with
/// nothing but pyzmq (`Fixtures/upload_stream_handler.py`), in push and broker mode. The handler checks every
/// piece's offset and bytes against the test pattern (the bytes 0 to 250 over and over) and grants credits as it
/// takes pieces, so the tests see what reached it, in order, and that no piece went past its credits. One at a
/// time: two 50 MB uploads at once would take the CPU the suite's timing-sensitive tests need.
@Suite(.serialized) struct StreamedUploadTests {
    /// A gateway whose handler `up` streams bodies over 64 KiB; in broker mode it has two processes, so that a
    /// piece sent to the wrong one would be lost.
    private func gateway(mode: String = "push", request: Double = 30, reply: Double = 30) async throws -> GatewayProcess {
        let count = mode == "broker" ? 2 : 1
        let gateway = try await GatewayProcess(
            handlers: [
                .init(
                    name: "up", route: "/up", command: ["python3", TestPaths.pythonUploadStreamHandler],
                    processes: count, mode: mode, extra: "upload_stream = true")
            ],
            reply: reply, request: request, limits: "max_body_bytes = 104857600",
            extra: "[uploads]\nthreshold_bytes = 65536")
        if mode == "push" {
            try await gateway.waitForConnected("up", 1)
        } else {
            try await waitUntil("both broker-mode processes to say READY") {
                processes(try await gateway.handlerStatus("up")).count == 2
            }
        }
        return gateway
    }

    /// The test pattern from `offset` on.
    private static func pattern(from offset: Int = 0, count: Int) -> [UInt8] {
        (0..<count).map { UInt8((offset + $0) % 251) }
    }

    /// `count` bytes of the pattern as a body with `Content-Length`, sent in blocks so that 50 MB is not built
    /// in memory: a block of 251 × 4096 bytes repeats the pattern exactly.
    private static func sendFixedLength(_ connection: HTTPConnection, target: String, count: Int, after: String = "") throws {
        try connection.send(HTTPConnection.request("POST", target, headers: ["Content-Length": "\(count)"]))
        let block = pattern(count: 251 * 4096)
        var left = count
        while left > 0 {
            try connection.send(Array(block.prefix(left)))
            left -= min(left, block.count)
        }
        if !after.isEmpty { try connection.send(after) }
    }

    /// What the handler reported of the upload, with the checks every upload must pass: every byte, in order, at
    /// the offsets it was sent with, and no piece after the first beyond the `window` of credits.
    private func checkedReport(_ response: HTTPResponse, bytes: Int, window: Int) throws -> [String: Any] {
        #expect(response.status == 200, "\(response.text.prefix(300))")
        let report = try response.json()
        #expect(report["errors"] as? [String] == [])
        #expect(report["bytes"] as? Int == bytes)
        #expect(report["crc32"] as? Int == report["expected_crc32"] as? Int)
        let sizes = (report["messages"] as? [[Any]] ?? []).map { $0[1] as? Int ?? -1 }
        #expect(sizes.dropFirst().allSatisfy { $0 >= 0 && $0 <= window }, "pieces past the credits: \(sizes.max() ?? 0)")
        return report
    }

    /// The messages' upload headers, `[UPLOAD_STREAM, UPLOAD_STREAM_DONE or ""]`, and body lengths.
    private func shape(_ report: [String: Any]) -> [(offset: String, done: String, length: Int)] {
        (report["messages"] as? [[Any]] ?? []).map {
            let headers = $0[0] as? [String: String] ?? [:]
            return (headers["UPLOAD_STREAM"] ?? "?", headers["UPLOAD_STREAM_DONE"] ?? "", $0[1] as? Int ?? -1)
        }
    }

    // MARK: - Streams

    @Test(arguments: ["push", "broker"])
    func aFiftyMegabyteUploadArrivesInOrderUnderCreditsWithBoundedMemory(mode: String) async throws {
        let gateway = try await gateway(mode: mode)
        let pid = gateway.child.pid
        let before = try residentBytes(of: pid)
        let size = 50 << 20
        let connection = try gateway.connect()
        let response = try await onThread {
            // 200 kB grants: 260 round trips, not the 2,600 of a 20 kB window, for a suite that runs beside others.
            try Self.sendFixedLength(connection, target: "/up/big?window=200000", count: size)
            return try connection.readResponse()
        }
        let report = try checkedReport(response, bytes: size, window: 200_000)
        let messages = shape(report)
        #expect(messages.first?.offset == "0")
        #expect(messages.last?.done == "1")
        #expect(messages.filter { $0.done == "1" }.count == 1)
        // The most the gateway was resident, against what it was before: a gateway that read ahead of the
        // credits would have held much of the 50 MB.
        let grown = try residentBytes(of: pid, peak: true) - before
        #expect(grown < 16 << 20, "the gateway grew by \(grown) bytes")
        try await waitUntil("the upload to leave the in-flight count") { try await gateway.inFlight() == 0 }
    }

    @Test(arguments: ["push", "broker"])
    func aChunkedUploadArrivesDechunkedAndNoChunkOverdrawsTheCredits(mode: String) async throws {
        let gateway = try await gateway(mode: mode)
        let connection = try gateway.connect()
        let size = 3 << 20
        let body = Self.pattern(count: size)
        var chunked: [UInt8] = []
        let sizes = [1, 700, 30000, 10, 65541]
        var sent = 0
        for index in 0... {
            guard sent < size else { break }
            let chunk = body[sent..<min(size, sent + sizes[index % sizes.count])]
            chunked += Array(String(chunk.count, radix: 16).utf8) + [13, 10] + chunk + [13, 10]
            sent += chunk.count
        }
        chunked += Array("0\r\n\r\n".utf8)
        let framed = chunked
        let response = try await onThread {
            try connection.send(HTTPConnection.request("PUT", "/up/chunked?window=20000", headers: ["Transfer-Encoding": "chunked"]))
            try connection.send(framed)
            return try connection.readResponse()
        }
        let report = try checkedReport(response, bytes: size, window: 20000)
        let headers = report["headers"] as? [String: String] ?? [:]
        #expect(headers["transfer-encoding"] == "chunked" && headers["content-length"] == nil, "as Mongrel2 sends it")
        let messages = shape(report)
        #expect(messages.first?.length == 0, "the first message goes before any chunk is read")
        #expect(messages.dropFirst().first?.offset == "0", "so the second has offset 0 too")
        #expect(messages.last.map { "\($0.offset) \($0.done) \($0.length)" } == "\(size) 1 0", "the end has a message of its own")
    }

    // MARK: - Stalls and timeouts

    @Test func aClientThatStallsMidBodyIsCutOffByTheRequestTimeoutAndTheHandlerIsTold() async throws {
        let gateway = try await gateway(request: 1)
        let connection = try gateway.connect()
        try connection.send(HTTPConnection.request("POST", "/up/stall", headers: ["Content-Length": "1000000"]))
        try connection.send(Self.pattern(count: 100_000))
        let rest = try await onThread { try connection.readToEnd() }
        #expect(rest.isEmpty, "closed, with no 408: the handler holds the request")
        #expect(try await gateway.gatewayStatus()["clientsTooSlowToSend"] as? Int == 1)
        let started = try JSONSerialization.jsonObject(with: Data(gateway.get("/up/started").body)) as? [String] ?? []
        #expect(started.count == 1)
        try await waitUntil("the handler to hear that the client is gone") {
            let noticed = try JSONSerialization.jsonObject(with: Data(gateway.get("/up/disconnects").body)) as? [String] ?? []
            return noticed.contains(started[0])
        }
    }

    @Test func aHandlerThatNeverGrantsCreditsGetsTheReplyTimeout() async throws {
        let gateway = try await gateway(reply: 1)
        let connection = try gateway.connect()
        let response = try await onThread {
            // Kernel buffers take what the gateway does not read.
            try Self.sendFixedLength(connection, target: "/up/stuck?never=1", count: 200_000)
            return try connection.readResponse()
        }
        #expect(response.status == 504)
        try await waitUntil("the request to leave the in-flight count") { try await gateway.inFlight() == 0 }
    }

    @Test(arguments: ["push", "broker"])
    func aClientThatLeavesMidStreamIsNoticedByTheHandler(mode: String) async throws {
        let gateway = try await gateway(mode: mode)
        let connection = try gateway.connect()
        try connection.send(HTTPConnection.request("POST", "/up/leave", headers: ["Content-Length": "10000000"]))
        try connection.send(Self.pattern(count: 300_000))
        var started: [String] = []
        try await waitUntil("the upload to start") {
            started = try JSONSerialization.jsonObject(with: Data(gateway.get("/up/started").body)) as? [String] ?? []
            return !started.isEmpty
        }
        connection.close()
        try await waitUntil("the handler to hear that the client is gone") {
            let noticed = try JSONSerialization.jsonObject(with: Data(gateway.get("/up/disconnects").body)) as? [String] ?? []
            return noticed.contains(started[0])
        }
        try await waitUntil("the upload to leave the in-flight count") { try await gateway.inFlight() == 0 }
    }

    // MARK: - Hostile input

    @Test func refusedCreditsAndCreditsForOtherConnectionsLetNothingMoreBeRead() async throws {
        let gateway = try await gateway()
        let connection = try gateway.connect()
        // 1000000 credits to this connection while it streams nothing: the upload after must not inherit them.
        try connection.send(HTTPConnection.request("GET", "/up/grant"))
        #expect(try connection.readResponse().status == 200)
        let size = 1 << 20
        let response = try await onThread {
            try Self.sendFixedLength(connection, target: "/up/hostile?window=5000&hostile=1", count: size)
            return try connection.readResponse()
        }
        _ = try checkedReport(response, bytes: size, window: 5000)
        try await waitUntil("the notice for the gone id 900007") {
            let noticed = try JSONSerialization.jsonObject(with: Data(gateway.get("/up/disconnects").body)) as? [String] ?? []
            return noticed.contains("900007")
        }
    }

    @Test func bytesPastTheBodyAreTheNextRequest() async throws {
        let gateway = try await gateway()
        let connection = try gateway.connect()
        let size = 200_000
        let (upload, after) = try await onThread {
            try Self.sendFixedLength(
                connection, target: "/up/pipelined?window=30000", count: size,
                after: HTTPConnection.request("GET", "/up/after") + "NOT HTTP\r\n\r\n")
            return (try connection.readResponse(), try connection.readResponse())
        }
        _ = try checkedReport(upload, bytes: size, window: 30000)
        #expect(after.status == 200 && after.text == "{}", "the request after the body is answered after it")
        let garbage = try await onThread { try connection.readResponse() }
        #expect(garbage.status == 400)
    }

    // MARK: - Against Mongrel2

    /// The same uploads through Mongrel2 1.12 (`upload.stream = 1`) and through Lurcher, to the same handler: the
    /// first message's headers are the same, and so are the upload headers' rules (offset 0 first, no piece past the
    /// credits even with credits granted before the upload, one DONE, a chunked upload's empty first and last
    /// messages). Where the pieces are cut depends on the socket reads, so piece sizes are not compared. The head
    /// is sent alone and the body only once the handler has the first message: Mongrel2 corrupts a first message
    /// that carries more than `limits.content_length` bytes.
    @Test(.enabled(if: Mongrel2Process.isInstalled, "mongrel2-core is not installed: no comparison with Mongrel2"))
    func mongrel2AndLurcherSendTheSameStreamedUploads() async throws {
        let size = 300_000
        let mongrel2 = try await Mongrel2Process(
            handlers: [.init(name: "up", route: "/up")], settings: ["upload.stream": "1", "limits.content_length": "65536"])
        let handler = try ChildProcess(
            ["python3", TestPaths.pythonUploadStreamHandler] + mongrel2.handlerSpecs("up"),
            outputPath: mongrel2.directory + "/up.log")
        try await mongrel2.waitForHandler(answering: "/up/started")
        let lurcher = try await gateway()
        for chunked in [false, true] {
            let fromMongrel2 = try await onThread { try Self.uploadAfterItsHead(port: mongrel2.port, server: mongrel2, count: size, chunked: chunked) }
            let fromLurcher = try await onThread { try Self.uploadAfterItsHead(port: lurcher.port, server: lurcher, count: size, chunked: chunked) }
            for report in [fromMongrel2, fromLurcher] {
                _ = try checkedReport(report, bytes: size, window: 20000)
            }
            let (m2, ours) = (try fromMongrel2.json(), try fromLurcher.json())
            #expect(
                ours["headers"] as? [String: String] == m2["headers"] as? [String: String],
                "chunked \(chunked): \(ours["headers"] ?? "") against \(m2["headers"] ?? "")")
            let (m2Messages, ourMessages) = (shape(m2), shape(ours))
            for messages in [m2Messages, ourMessages] {
                #expect(messages.first.map { "\($0.offset) \($0.done) \($0.length)" } == "0  0", "the body came after the head")
                #expect(messages.filter { $0.done == "1" }.count == 1 && messages.last?.done == "1")
                if chunked {
                    #expect(messages.dropFirst().first?.offset == "0")
                    #expect(messages.last.map { "\($0.offset) \($0.length)" } == "\(size) 0")
                }
            }
        }
        _ = handler
    }

    /// On one connection: a GET to `/up/grant`, which earns it credits it must not keep, then an upload of
    /// `count` pattern bytes whose body is sent once the handler has its first message (chunked in pieces of 100,
    /// 2000 and 50 bytes, or with `Content-Length`).
    private static func uploadAfterItsHead(port: Int, server: AnyObject, count: Int, chunked: Bool) throws -> HTTPResponse {
        func started() throws -> Int {
            let connection = try HTTPConnection(port: port, server: server)
            try connection.send(HTTPConnection.request("GET", "/up/started"))
            return (try JSONSerialization.jsonObject(with: Data(connection.readResponse().body)) as? [String])?.count ?? 0
        }
        let client = try HTTPConnection(port: port, server: server)
        try client.send(HTTPConnection.request("GET", "/up/grant"))
        _ = try client.readResponse()
        let before = try started()
        let framing = chunked ? ["Transfer-Encoding": "chunked"] : ["Content-Length": "\(count)"]
        try client.send(HTTPConnection.request("POST", "/up/compare?window=20000", headers: framing))
        try waitUntilBlocking("the handler to have the upload's first message") { try started() > before }
        let body = pattern(count: count)
        guard chunked else {
            try client.send(body)
            return try client.readResponse()
        }
        var framed: [UInt8] = []
        var sent = 0
        for index in 0... {
            guard sent < count else { break }
            let chunk = body[sent..<min(count, sent + [100, 2000, 50][index % 3])]
            framed += Array(String(chunk.count, radix: 16).utf8) + [13, 10] + chunk + [13, 10]
            sent += chunk.count
        }
        try client.send(framed + Array("0\r\n\r\n".utf8))
        return try client.readResponse()
    }
}
