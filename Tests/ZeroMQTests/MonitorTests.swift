import Testing
import ZeroMQ

@Suite struct MonitorTests {
    @Test func monitorReportsAPeerConnectingAndGoing() throws {
        let context = ZMQContext()
        let server = try ZMQSocket.make(context, .pull)
        try server.monitor(endpoint: "inproc://server-events", events: [.listening, .accepted, .handshakeSucceeded, .disconnected])
        let monitor = try ZMQMonitor(context: context, endpoint: "inproc://server-events")
        try monitor.socket.setReceiveTimeout(.seconds(5))
        try server.bind("tcp://127.0.0.1:*")
        let endpoint = try server.lastEndpoint

        #expect(try monitor.receiveEvent()?.kind == .listening)

        let client = try ZMQSocket.make(context, .push)
        try client.connect(endpoint)
        let accepted = try monitor.receiveEvent()
        #expect(accepted?.kind == .accepted)
        #expect(accepted?.endpoint == endpoint)
        #expect(try monitor.receiveEvent()?.kind == .handshakeSucceeded)

        client.close()
        let gone = try monitor.receiveEvent()
        #expect(gone?.kind == .disconnected)
        #expect(gone?.endpoint == endpoint)
        #expect(try monitor.receiveEvent(dontWait: true) == nil)
    }

    @Test func unknownEventIDsAreKeptAsOther() {
        let event = ZMQMonitorEvent(kind: .other(0x8000), value: 7, endpoint: "tcp://x:1")
        #expect(event.kind == .other(0x8000))
        #expect(event.description == "other(32768) tcp://x:1 (7)")
    }
}
