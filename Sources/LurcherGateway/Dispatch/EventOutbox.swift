import NIOCore

/// Dispatcher events on their way to connections, gathered on the dispatch thread so that each event loop gets
/// what a batch of replies has for it in one task, instead of one task (a lock, an allocation and maybe a
/// wake-up) per event.
///
/// Events for one connection keep their order: they all go to its own event loop, in the order added.
struct EventOutbox {
    private typealias Delivery = (mailbox: NIOLoopBound<ConnectionMailbox>, event: DispatcherEvent)

    /// One event loop's events: the first apart, so that a loop with one event costs no array.
    private struct Group {
        let eventLoop: any EventLoop
        let first: Delivery
        var more: [Delivery] = []
    }

    private var groups: [Group] = []

    /// Queues `event` for the connection `sink` reaches.
    mutating func add(_ event: DispatcherEvent, to sink: ConnectionSink) {
        // A gateway has one event loop per core: a linear search is the cheapest lookup.
        if let index = groups.firstIndex(where: { $0.eventLoop === sink.eventLoop }) {
            groups[index].more.append((sink.mailbox, event))
        } else {
            groups.append(Group(eventLoop: sink.eventLoop, first: (sink.mailbox, event)))
        }
    }

    /// Hands each event loop its events, one task per loop, and empties the outbox.
    mutating func send() {
        for group in groups {
            let (first, more) = (group.first, group.more)
            group.eventLoop.execute {
                first.mailbox.value.receiver?.dispatcherEvent(first.event)
                for delivery in more { delivery.mailbox.value.receiver?.dispatcherEvent(delivery.event) }
            }
        }
        groups.removeAll(keepingCapacity: true)
    }
}
