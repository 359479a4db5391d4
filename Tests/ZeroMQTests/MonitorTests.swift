import Foundation
import Testing
import ZeroMQ

@Suite struct MonitorTests {
    // The reader connects first: libzmq blocks a monitored socket whose events nobody is connected to receive.
    @Test func monitorReportsAPeerConnectingAndGoing() throws {
        let context = ZMQContext()
        let monitor = try ZMQMonitor(context: context, endpoint: "inproc://server-events")
        try monitor.socket.setReceiveTimeout(.seconds(5))
        let server = try ZMQSocket.make(context, .pull)
        try server.monitor(endpoint: "inproc://server-events", events: [.listening, .accepted, .handshakeSucceeded, .disconnected])
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

    /// libzmq blocks the monitored socket when the monitor pipe is full; the reader's queue must not fill.
    @Test func unreadEventsNeverBlockTheMonitoredSocket() throws {
        let context = ZMQContext()
        let monitor = try ZMQMonitor(context: context, endpoint: "inproc://slow-reader")
        try monitor.socket.setReceiveTimeout(.seconds(5))

        // On its own thread, so that a regression fails the wait below instead of hanging the test.
        let rounds = 2000  // 4000 events, well past the default high-water marks of 1000 per end.
        let finished = Inbox<Bool>()
        Thread {
            do {
                let server = try ZMQSocket.make(context, .pull)
                try server.monitor(endpoint: "inproc://slow-reader", events: [.listening, .closed])
                for _ in 0..<rounds {
                    try server.bind("tcp://127.0.0.1:*")
                    try server.unbind(try server.lastEndpoint)
                }
                finished.append(true)
            } catch {
                finished.append(false)
            }
        }.start()
        try #require(finished.wait(for: 1, timeout: .seconds(10)) == [true])

        var listening = 0
        var closed = 0
        while listening + closed < 2 * rounds, let event = try monitor.receiveEvent() {
            if event.kind == .listening { listening += 1 }
            if event.kind == .closed { closed += 1 }
        }
        #expect(listening == rounds)
        #expect(closed == rounds)
    }

    @Test func unknownEventIDsAreKeptAsOther() {
        let event = ZMQMonitorEvent(kind: .other(0x8000), value: 7, endpoint: "tcp://x:1")
        #expect(event.kind == .other(0x8000))
        #expect(event.description == "other(32768) tcp://x:1 (7)")
    }
}
