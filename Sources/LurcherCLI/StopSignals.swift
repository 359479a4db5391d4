import Dispatch
import Foundation

/// Turns SIGTERM and SIGINT into an awaitable event, so shutdown runs as ordinary async code.
final class StopSignals {
    private let sources: [any DispatchSourceSignal]
    private let stream: AsyncStream<Int32>

    init() {
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        self.stream = stream
        sources = [SIGTERM, SIGINT].map { signalNumber in
            // The default action would kill the process before it could stop its handlers.
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { continuation.yield(signalNumber) }
            source.resume()
            return source
        }
    }

    /// Waits for the first stop signal and returns its number.
    func wait() async -> Int32 {
        for await signal in stream { return signal }
        return SIGTERM
    }
}
