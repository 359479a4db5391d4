import Synchronization

/// The ids handlers see in the Mongrel2 message: a counter that only increases, as Mongrel2's do, so an id is
/// never reused. Client connections and jobs both draw from it, so a handler's reply to an id names one origin.
final class ConnectionIDs: Sendable {
    private let counter = Atomic<UInt64>(0)

    func next() -> UInt64 {
        counter.wrappingAdd(1, ordering: .relaxed).newValue
    }
}
