/// The times by which a connection's client or handler must have done something, all watched by one timer.
///
/// NIO cancels a scheduled task by searching its whole timer heap, so timers scheduled and cancelled per
/// request cost time that grows with the number of open connections: with one timer of each kind per request,
/// scheduling and cancelling took 8 % of the gateway's samples at 50 connections (`bench/profile`). A connection
/// instead keeps plain deadlines here and one task that wakes at the earliest. Moving a deadline later, which is
/// what every new request does, costs nothing; a task that wakes early finds nothing due and sleeps again.
struct ConnectionDeadlines {
    /// Time since an arbitrary origin, which every caller shares.
    typealias Instant = Duration

    /// What a deadline is for.
    enum Kind: CaseIterable {
        /// The client has begun a request and must finish sending it (408 past it).
        case request
        /// The connection is idle between requests (closed past it).
        case idle
        /// A handler owes the current request its reply, or the next part of it (504 past it).
        case reply
        /// Output is waiting for the client to read it; past it, the client must have taken some.
        case write
    }

    private var request: Instant?
    private var idle: Instant?
    private var reply: Instant?
    private var write: Instant?
    /// When the one timer is set to wake; only a deadline earlier than this moves it.
    private var wakeScheduled: Instant?

    /// Sets the `kind` deadline to `time`; returns when the timer must now wake, or nil if it already wakes soon
    /// enough.
    mutating func set(_ kind: Kind, at time: Instant) -> Instant? {
        self[kind] = time
        if let wakes = wakeScheduled, wakes <= time { return nil }
        wakeScheduled = time
        return time
    }

    /// The timer woke: it is no longer scheduled.
    mutating func woke() { wakeScheduled = nil }

    /// After the deadlines that passed were dealt with: when the timer must wake next, if it is not already set
    /// to wake soon enough.
    mutating func nextWake() -> Instant? {
        guard let next = earliest, wakeScheduled.map({ next < $0 }) ?? true else { return nil }
        wakeScheduled = next
        return next
    }

    subscript(kind: Kind) -> Instant? {
        get {
            switch kind {
            case .request: request
            case .idle: idle
            case .reply: reply
            case .write: write
            }
        }
        set {
            switch kind {
            case .request: request = newValue
            case .idle: idle = newValue
            case .reply: reply = newValue
            case .write: write = newValue
            }
        }
    }

    /// The earliest deadline set, which is when the timer must next wake.
    var earliest: Instant? {
        [request, idle, reply, write].lazy.compactMap { $0 }.min()
    }

    /// Removes and returns a deadline that has passed at `now` (in ``Kind`` order), or nil when none has.
    mutating func takeExpired(at now: Instant) -> Kind? {
        for kind in Kind.allCases {
            if let time = self[kind], time <= now {
                self[kind] = nil
                return kind
            }
        }
        return nil
    }
}
