import Dispatch
import Foundation

/// The signals `lurcher start` acts on, turned into an async sequence so they are handled as ordinary code.
///
/// SIGTERM and SIGINT drain and stop; SIGQUIT stops at once; SIGHUP restarts every pool; SIGTTIN and
/// SIGTTOU add or remove one process in every pool; SIGUSR1 reopens the access log; SIGUSR2 reloads the
/// configuration. `lurcher ctl stop` feeds SIGTERM in through ``send(_:)``.
/// `@unchecked Sendable`: after `init` the signal sources are only kept alive, never touched, and the stream
/// and its continuation are Sendable themselves.
final class SignalEvents: @unchecked Sendable {
    static let handled: [Int32] = [SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGTTIN, SIGTTOU, SIGUSR1, SIGUSR2]

    let stream: AsyncStream<Int32>
    private let continuation: AsyncStream<Int32>.Continuation
    private let sources: [any DispatchSourceSignal]

    init() {
        (stream, continuation) = AsyncStream<Int32>.makeStream()
        let continuation = self.continuation
        sources = Self.handled.map { signalNumber in
            // The default actions would kill or stop the process before it could act.
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { continuation.yield(signalNumber) }
            source.resume()
            return source
        }
    }

    /// Delivers a signal as if the process had received it.
    func send(_ signal: Int32) { continuation.yield(signal) }
}
