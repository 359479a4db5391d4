import Dispatch
import Synchronization
import ZeroMQ

/// Collects values from any thread and lets a test wait, with a bound, until enough have arrived.
final class Inbox<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])
    private let arrivals = DispatchSemaphore(value: 0)

    func append(_ value: Value) {
        values.withLock { $0.append(value) }
        arrivals.signal()
    }

    var items: [Value] {
        values.withLock { $0 }
    }

    /// Waits until at least `count` values have arrived or `timeout` passes; returns what arrived.
    @discardableResult
    func wait(for count: Int, timeout: Duration = .seconds(5)) -> [Value] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let current = items
            if current.count >= count { return current }
            let remaining = deadline - .now
            guard remaining > .zero else { return current }
            let nanoseconds = UInt64(remaining.components.seconds) * 1_000_000_000
                + UInt64(remaining.components.attoseconds / 1_000_000_000)
            _ = arrivals.wait(timeout: .now() + .nanoseconds(Int(nanoseconds)))
        }
    }
}

extension ZMQSocket {
    /// A socket whose blocking receives give up after a few seconds, so a broken test fails instead of hanging.
    static func make(_ context: ZMQContext, _ type: ZMQSocketType) throws -> ZMQSocket {
        let socket = try ZMQSocket(context: context, type: type)
        try socket.setReceiveTimeout(.seconds(5))
        try socket.setLinger(.zero)
        return socket
    }
}

extension String {
    var bytes: [UInt8] { Array(utf8) }
}
