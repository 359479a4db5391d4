import Synchronization

/// What the responder tasks share about one request in hand: whom it came
/// from, and whether its client has gone.
final class RequestLifetime: Sendable {
    let connectionID: UInt64
    let sender: String
    private let disconnected = Atomic<Bool>(false)

    init(connectionID: UInt64, sender: String) {
        self.connectionID = connectionID
        self.sender = sender
    }

    /// Whether the gateway said the client went away.
    var isDisconnected: Bool { disconnected.load(ordering: .acquiring) }

    func markDisconnected() {
        disconnected.store(true, ordering: .releasing)
    }
}
