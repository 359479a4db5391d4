import NIOCore

/// What every protocol's connection glue asks of its channel the same way.
extension ChannelHandlerContext {
    /// The event loop's clock as a connection's time: an `EmbeddedEventLoop` lets a test move it.
    var connectionNow: Duration { .nanoseconds(Int64(eventLoop.now.uptimeNanoseconds)) }

    /// Closes the channel (or, with `mode` `.output`, its sending side) once everything written before has gone
    /// out.
    func closeAfterWrites(mode: CloseMode = .all) {
        let channel = self.channel
        whenWritten { _ in
            // A channel that cannot close one side alone (not a socket) closes whole.
            channel.close(mode: mode).whenFailure { _ in channel.close(promise: nil) }
        }
    }

    /// Calls `done` once everything written before has gone to the kernel, or failed to (the channel closed):
    /// an empty write, flushed, completes after every write queued ahead of it.
    func whenWritten(_ done: @escaping @Sendable (Result<Void, any Error>) -> Void) {
        let flushed = eventLoop.makePromise(of: Void.self)
        flushed.futureResult.whenComplete(done)
        writeAndFlush(NIOAny(IOData.byteBuffer(channel.allocator.buffer(capacity: 0))), promise: flushed)
    }

    /// Hands a flow-controlled handler's `receipt` to `dispatcher` once the reply before it has been written, so
    /// the handler gets its credits. A channel that closes first fails the write, and the handler hears of the
    /// close instead.
    func returnCredits(_ receipt: DownloadReceipt, connectionID: UInt64, to dispatcher: Dispatcher) {
        whenWritten { result in
            if case .success = result { dispatcher.downloadWritten(receipt, connectionID: connectionID) }
        }
    }

    /// Runs `fire` at `time` on the connection's clock, cancelling `previous`: a connection keeps one timer.
    func scheduleWake(
        at time: Duration, replacing previous: Scheduled<Void>?, _ fire: @escaping @Sendable () -> Void
    ) -> Scheduled<Void> {
        previous?.cancel()
        let deadline = NIODeadline.uptimeNanoseconds(UInt64(max(0, time / .nanoseconds(1))))
        return eventLoop.scheduleTask(deadline: deadline, fire)
    }

    /// Bytes written and not yet taken by the kernel, or nil when the channel cannot say.
    var bufferedWritableBytes: Int? { try? channel.syncOptions?.getOption(.bufferedWritableBytes) }
}
