import NIOConcurrencyHelpers
import NIOCore

/// Every open client connection, for the control port's `status what=net` and `kill`.
///
/// The lock is taken only when a connection opens or closes. Each connection's figures live in its
/// ``ConnectionRecord`` on its own event loop; a snapshot visits each loop once with `submit`, as the
/// dispatcher's snapshot visits its thread.
final class ConnectionTable: Sendable {
    private struct Entry: Sendable {
        let channel: any Channel
        let record: NIOLoopBound<ConnectionRecord>
    }

    private let entries = NIOLockedValueBox<[UInt64: Entry]>([:])

    /// Starts tracking `record`; on the channel's event loop. Being accepted counts as its first ping, as in
    /// Mongrel2.
    func opened(_ record: ConnectionRecord, channel: any Channel, now: Duration) {
        record.ping(now: now)
        let entry = Entry(channel: channel, record: NIOLoopBound(record, eventLoop: channel.eventLoop))
        entries.withLockedValue { $0[record.id] = entry }
    }

    func closed(id: UInt64) {
        entries.withLockedValue { _ = $0.removeValue(forKey: id) }
    }

    /// The open connections, in id order.
    func snapshot() async -> [ConnectionStatus] {
        let byLoop = Dictionary(grouping: entries.withLockedValue { Array($0.values) }) {
            ObjectIdentifier($0.channel.eventLoop)
        }
        var statuses: [ConnectionStatus] = []
        for group in byLoop.values {
            let loop = group[0].channel.eventLoop
            // A loop that is shutting down refuses the task; its connections are closing anyway.
            let part = try? await loop.submit {
                let now = Duration.nanoseconds(Int64(loop.now.uptimeNanoseconds))
                return group.map { $0.record.value.status(now: now) }
            }.get()
            statuses += part ?? []
        }
        return statuses.sorted { $0.id < $1.id }
    }

    /// Closes the connection with `id` as though its client had gone: handlers with its requests are told.
    /// - Returns: whether such a connection was open.
    func close(id: UInt64) -> Bool {
        guard let entry = entries.withLockedValue({ $0[id] }) else { return false }
        entry.channel.close(promise: nil)
        return true
    }
}
