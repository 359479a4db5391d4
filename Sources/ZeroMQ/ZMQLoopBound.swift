#if canImport(Glibc)
import Glibc
#endif

/// A value that belongs to a ``ZMQLoop``'s thread: it can be passed to other
/// threads, but only read or changed on the loop thread.
///
/// This is how work given to ``ZMQLoopThread/execute(_:)`` reaches sockets
/// and state created on the loop, in the manner of NIO's `NIOLoopBound`:
///
/// ```swift
/// let push = ZMQLoopBound(try ZMQSocket(context: loop.context, type: .push), loop: loop)
/// thread.execute { _ in try? push.value.send(bytes) }
/// ```
///
/// Touching ``value`` off the loop thread is a programming error and traps.
/// The last copy may be released on any thread; sockets the loop registered
/// are closed on the loop thread when it ends.
// `@unchecked Sendable` is safe: the value is only reachable through `value`,
// which checks that the caller is on the one thread that owns it.
public struct ZMQLoopBound<Value>: @unchecked Sendable {
    private final class Box {
        var value: Value
        init(_ value: Value) { self.value = value }
    }

    private let box: Box
    private let owner: pthread_t

    /// Binds `value` to `loop`'s thread. Call it on that thread.
    public init(_ value: Value, loop: ZMQLoop) {
        precondition(loop.isOnLoopThread, "ZMQLoopBound created off its loop's thread")
        self.box = Box(value)
        self.owner = loop.thread
    }

    /// The value. Only on the loop thread.
    public var value: Value {
        get {
            precondition(pthread_equal(owner, pthread_self()) != 0, "ZMQLoopBound used off its loop's thread")
            return box.value
        }
        nonmutating set {
            precondition(pthread_equal(owner, pthread_self()) != 0, "ZMQLoopBound used off its loop's thread")
            box.value = newValue
        }
    }
}
