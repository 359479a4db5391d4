import Dispatch
import Foundation

/// SIGTTIN and SIGTTOU as an async sequence: swift-service-lifecycle's `UnixSignal` has no case for them.
///
/// They are ignored first, since their default action would stop the whole process until SIGCONT.
/// `@unchecked Sendable`: after `init` the signal sources are only kept alive, never touched, and the stream is
/// Sendable itself.
final class ScalingSignals: @unchecked Sendable {
    let stream: AsyncStream<Int32>
    private let sources: [any DispatchSourceSignal]

    init() {
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        self.stream = stream
        sources = [SIGTTIN, SIGTTOU].map { signalNumber in
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { continuation.yield(signalNumber) }
            source.resume()
            return source
        }
    }

    deinit {
        for source in sources { source.cancel() }
    }
}
