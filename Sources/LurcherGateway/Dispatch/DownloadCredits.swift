/// Mongrel2's download flow control (`download.flow_control`; `src/connection.c`, `Connection_deliver_enqueue`):
/// a handler that asks for it may have at most ``window`` bytes of its replies to a connection not yet written to
/// the client's socket. Each time a reply has been written the handler hears how many bytes it was, in a `credits`
/// event, and may send that many more. A reply that would overdraw the window closes its connection instead of
/// being queued, so a handler cannot make the gateway buffer a stream faster than the client takes it.
///
/// Kept on the dispatch thread, which sees every reply before its connection does, per connection as Mongrel2
/// keeps it.
struct DownloadCredits {
    /// Mongrel2's `MAX_CREDITS`, which it also tells the connection's first request (`DOWNLOAD_CREDITS`).
    static let window = 102_400
    static let windowText = Array(String(window).utf8)

    /// Reply bytes sent to each connection and not yet written; a connection with none has no entry.
    private var unwritten: [UInt64: Int] = [:]

    /// Counts a reply of `bytes` to connection `id` as unwritten; false, counting nothing, when that would leave
    /// more than the window unwritten.
    mutating func take(_ bytes: Int, for id: UInt64) -> Bool {
        let total = unwritten[id, default: 0] + bytes
        guard total <= Self.window else { return false }
        unwritten[id] = total
        return true
    }

    /// A reply of `bytes` to connection `id` has been written (or dropped with its connection).
    mutating func written(_ bytes: Int, for id: UInt64) {
        guard let current = unwritten[id] else { return }
        unwritten[id] = current > bytes ? current - bytes : nil
    }

    /// Connection `id` has closed.
    mutating func forget(_ id: UInt64) {
        unwritten[id] = nil
    }

    /// Connections with replies unwritten, for tests.
    var connectionsOwed: Int { unwritten.count }
}

/// What a connection hands back once a flow-controlled handler's reply has been written: which handler (and, in
/// broker mode, which of its processes) gets the credits, and how many bytes they are.
struct DownloadReceipt: Equatable, Sendable {
    var handler: Int
    /// The broker-mode process that sent the reply; nil in push mode, where any process may take the event, as
    /// in Mongrel2.
    var process: [UInt8]?
    var bytes: Int
}
