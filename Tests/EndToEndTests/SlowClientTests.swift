import Foundation
import Testing

/// Clients that are slow to send, slow to read, or too many cannot hold the gateway's resources forever.
@Suite struct SlowClientTests {
    @Test func aClientThatStallsMidBodyGets408() async throws {
        let gateway = try await GatewayProcess(handlers: [], request: 1)
        let slow = try gateway.connect()
        try slow.send("POST /index.html HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\n\r\nabc")  // 7 bytes owed
        let response = try await onThread { try slow.readResponse() }
        #expect(response.status == 408)
        #expect(try slow.isClosedByServer())
    }

    @Test func aClientThatStopsReadingIsClosedAfterTheWriteTimeout() async throws {
        let site = try TemporarySite()
        // Sparse, so it costs no disk; far more than the socket buffers on both sides can hold.
        try site.write("huge.bin", "")
        let file = try FileHandle(forWritingTo: URL(fileURLWithPath: site.path + "/huge.bin"))
        try file.truncate(atOffset: 256 << 20)
        try file.close()
        let gateway = try await GatewayProcess(handlers: [], write: 1, routes: "\"/huge/\" = { dir = \"\(site.path)\" }")
        let stalled = try gateway.connect()
        try stalled.send(HTTPConnection.request("GET", "/huge/huge.bin"))  // and never reads
        try await waitUntil("the gateway to give up on the client") {
            try await gateway.gatewayStatus()["clientsTooSlowToRead"] as? Int == 1
        }
        #expect(try gateway.get("/index.html").status == 200, "other clients are served")
        let received = try await onThread { try stalled.readToEnd() }
        #expect(received.count < 256 << 20, "the connection ended before the whole file went out")
    }

    @Test func aClientThatReadsSlowlyButSteadilyGetsTheWholeFile() async throws {
        let site = try TemporarySite()
        try site.write("big.bin", "")
        let size = 64 << 20
        let file = try FileHandle(forWritingTo: URL(fileURLWithPath: site.path + "/big.bin"))
        try file.truncate(atOffset: UInt64(size))
        try file.close()
        // A write timeout well above the client's pauses, so that only a client starved of CPU for 6 s (not one
        // that is merely slow) could look stalled when the whole test suite runs at once (3 s was seen to be
        // too short beside the WebSocket load tests).
        let gateway = try await GatewayProcess(handlers: [], write: 6, routes: "\"/big/\" = { dir = \"\(site.path)\" }")
        // A small receive window, so the file cannot sit in socket buffers: it goes out only as fast as it is read,
        // 2 MiB every half second, about 16 s for the whole file and so at least two write timeouts.
        let reader = try gateway.connect(receiveBuffer: 64 << 10)
        try reader.send(HTTPConnection.request("GET", "/big/big.bin", headers: ["Connection": "close"]))
        let head = try await onThread { try reader.readResponse(toHead: true) }
        #expect(head.status == 200)
        let received = try await onThread { try reader.readSlowly(size, step: 2 << 20, pause: 0.5) }
        #expect(received == size, "the gateway kept the connection while the client took output")
        #expect(try await gateway.gatewayStatus()["clientsTooSlowToRead"] as? Int == 0)
    }

    @Test func pastMaxConnectionsNewClientsWaitUntilOneCloses() async throws {
        let gateway = try await GatewayProcess(handlers: [], limits: "max_connections = 2")
        let first = try gateway.connect()
        let second = try gateway.connect()
        for connection in [first, second] {
            try connection.send(HTTPConnection.request("GET", "/index.html"))
            #expect(try connection.readResponse().status == 200)
        }
        let third = try gateway.connect()  // completes in the kernel's backlog
        try third.send(HTTPConnection.request("GET", "/index.html"))
        // A round trip on an accepted connection gives the gateway time to have served the third, had it accepted it.
        try second.send(HTTPConnection.request("GET", "/index.html"))
        #expect(try second.readResponse().status == 200)
        #expect(third.hasNothingToRead(), "the third client is not served while two are open")
        try second.send(HTTPConnection.request("GET", "/index.html", headers: ["Connection": "close"]))
        #expect(try second.readResponse().status == 200)
        let answer = try await onThread { try third.readResponse() }
        #expect(answer.status == 200, "served once a connection closed")
        #expect(gateway.child.isRunning)
    }
}
