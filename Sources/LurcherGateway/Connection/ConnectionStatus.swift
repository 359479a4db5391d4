/// One open client connection as the control port's `status what=net` shows it (Mongrel2's `Register_info`).
public struct ConnectionStatus: Sendable, Equatable {
    /// What a connection is serving, numbered as Mongrel2 numbers its `CONN_TYPE`s. Mongrel2's 2 (`MSG`, its
    /// JSON and XML socket protocol) has no counterpart in Lurcher.
    public enum Kind: Int, Sendable {
        /// Accepted, no request read yet.
        case new = 0
        case http = 1
        case webSocket = 3
    }

    /// The id handlers see in its messages.
    public var id: UInt64
    /// Its socket's file descriptor, or -1 when the channel has none.
    public var fileDescriptor: Int32
    public var kind: Kind
    /// Whole seconds since the connection last did something that keeps it alive (opened, sent a request or a
    /// WebSocket frame, or had a handler's `ctl keep-alive`), since it last read and since it last wrote; nil
    /// for never, which Mongrel2 shows as 0.
    public var sinceLastPing: Int?
    public var sinceLastRead: Int?
    public var sinceLastWrite: Int?
    /// Bytes read from the client, and bytes written to it (handed to the socket), since it was accepted.
    public var bytesRead: Int
    public var bytesWritten: Int

    public init(
        id: UInt64, fileDescriptor: Int32, kind: Kind, sinceLastPing: Int? = nil, sinceLastRead: Int? = nil,
        sinceLastWrite: Int? = nil, bytesRead: Int = 0, bytesWritten: Int = 0
    ) {
        self.id = id
        self.fileDescriptor = fileDescriptor
        self.kind = kind
        self.sinceLastPing = sinceLastPing
        self.sinceLastRead = sinceLastRead
        self.sinceLastWrite = sinceLastWrite
        self.bytesRead = bytesRead
        self.bytesWritten = bytesWritten
    }
}
