import NIOCore
import NIOEmbedded
import Testing

@testable import LurcherGateway

/// The outbox that batches dispatcher events: each connection hears its events, in order, once the outbox is
/// sent, and its event loop gets them in one task.
@Suite struct EventOutboxTests {
    /// Notes the events a connection hears.
    private final class Listener: DispatcherEventReceiver {
        var heard: [DispatcherEvent] = []
        func dispatcherEvent(_ event: DispatcherEvent) { heard.append(event) }
    }

    private func sink(for listener: Listener, on loop: EmbeddedEventLoop) -> (ConnectionSink, ConnectionMailbox) {
        let mailbox = ConnectionMailbox(receiver: listener)
        return (ConnectionSink(eventLoop: loop, mailbox: NIOLoopBound(mailbox, eventLoop: loop)), mailbox)
    }

    @Test func eachConnectionHearsItsEventsInOrderOnceSent() {
        let first = EmbeddedEventLoop(), second = EmbeddedEventLoop()
        let a = Listener(), b = Listener(), c = Listener()
        let (sinkA, mailboxA) = sink(for: a, on: first)
        let (sinkB, mailboxB) = sink(for: b, on: first)
        let (sinkC, mailboxC) = sink(for: c, on: second)
        var outbox = EventOutbox()
        outbox.add(.dispatched(token: 1), to: sinkA)
        outbox.add(.dispatched(token: 2), to: sinkB)
        outbox.add(.close, to: sinkA)
        outbox.add(.keepAlive, to: sinkC)
        outbox.add(.unavailable(token: 3), to: sinkA)
        first.run()
        #expect(a.heard.isEmpty)
        outbox.send()
        first.run()
        #expect(a.heard == [.dispatched(token: 1), .close, .unavailable(token: 3)])
        #expect(b.heard == [.dispatched(token: 2)])
        #expect(c.heard.isEmpty)
        second.run()
        #expect(c.heard == [.keepAlive])
        // Sent once: a second send delivers nothing again.
        outbox.send()
        first.run()
        second.run()
        #expect(a.heard.count == 3 && c.heard.count == 1)
        withExtendedLifetime((mailboxA, mailboxB, mailboxC)) {}
    }
}
