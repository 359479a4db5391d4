import NIOCore

extension Channel {
    /// The socket's file descriptor, or -1 for a channel without one (an `EmbeddedChannel`); on the channel's
    /// event loop. Only shown, never used: NIO owns the descriptor.
    var fileDescriptor: Int32 {
        let descriptor = try? pipeline.syncOperations.withUnsafeTransportIfAvailable(of: NIOBSDSocket.Handle.self) { $0 }
        return descriptor ?? -1
    }
}
