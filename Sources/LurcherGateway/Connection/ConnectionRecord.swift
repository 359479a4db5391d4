/// One connection's figures for ``ConnectionTable``: owned by the connection's event loop and updated there by
/// its glue, so reading and writing cost a few stores and no lock.
final class ConnectionRecord {
    let id: UInt64
    let fileDescriptor: Int32
    private(set) var kind = ConnectionStatus.Kind.new
    /// Times on the event loop's clock (`ChannelHandlerContext.connectionNow`); nil for never.
    private var lastPing: Duration?
    private var lastRead: Duration?
    private var lastWrite: Duration?
    private var bytesRead = 0
    private var bytesWritten = 0

    init(id: UInt64, fileDescriptor: Int32) {
        self.id = id
        self.fileDescriptor = fileDescriptor
    }

    func read(_ count: Int, now: Duration) {
        bytesRead &+= count
        lastRead = now
    }

    func wrote(_ count: Int, now: Duration) {
        bytesWritten &+= count
        lastWrite = now
    }

    func ping(now: Duration) {
        lastPing = now
    }

    /// The connection now serves `kind`; each request or message pings it, as Mongrel2's state machine does.
    func serving(_ kind: ConnectionStatus.Kind, now: Duration) {
        self.kind = kind
        lastPing = now
    }

    func status(now: Duration) -> ConnectionStatus {
        func since(_ time: Duration?) -> Int? { time.map { Int((now - $0).components.seconds) } }
        return ConnectionStatus(
            id: id, fileDescriptor: fileDescriptor, kind: kind, sinceLastPing: since(lastPing),
            sinceLastRead: since(lastRead), sinceLastWrite: since(lastWrite), bytesRead: bytesRead,
            bytesWritten: bytesWritten)
    }
}
