import LurcherConfiguration
import LurcherOperations
import LurcherProtocol

/// A complete request from a client, ready to be answered in arrival order.
struct ParsedRequest {
    /// How the request is to be answered.
    enum Disposition {
        /// Send `message` (the Mongrel2 wire bytes, already encoded) to the handler at `index`; for a body
        /// spooled to a file, `upload` holds the file and the message announcing it, which goes first.
        case handler(index: Int, message: [UInt8], upload: HandlerUpload?)
        /// Stream the body to the handler at `index` as Mongrel2's streamed upload: decided from the head, before
        /// the body is read (`chunked` when it is). The intake encodes the messages as the body arrives
        /// (``UploadStream``).
        case streamedUpload(index: Int, chunked: Bool)
        /// Send a WebSocket handshake's `message` to the handler `messages` names; if it answers 101, the
        /// connection becomes a WebSocket whose messages `messages` encodes.
        case webSocketHandshake(message: [UInt8], messages: WebSocketMessageEncoder)
        /// Serve a file; `relativePath` is the raw URL path below the route's pattern, `requestPath` the whole one.
        case directory(DirectoryConfiguration, relativePath: [UInt8], requestPath: String, conditions: FileConditions)
        /// Pass the request to a proxy route's backend: decided from the head, before the body is read, which
        /// follows as the backend takes it (the intake's ``UploadStream`` holds it, its pieces unencoded).
        case proxy(ProxyRequest)
        /// Answer with a canned error; the connection continues unless the request said otherwise.
        case reject(HTTPStatus, extraHeaders: [String])
    }

    var disposition: Disposition
    /// True for HEAD, whose answer carries no body.
    var isHead: Bool
    /// Whether the connection may carry another request after this one's answer.
    var keepAlive: Bool
    /// Whether it is a WebSocket handshake, after which the client's input is frames, not HTTP.
    var isWebSocketHandshake: Bool {
        if case .webSocketHandshake = disposition { return true }
        return false
    }
    /// GET, HEAD or OPTIONS (RFC 9110 9.2.1): in broker mode, sent to another handler process if its first dies.
    var isSafe = false
    /// What the access log and events show of the request; nil when nothing logs requests.
    var requestLine: RequestLine? = nil
}

/// A request whose body went to a temp file: the `x-mongrel2-upload-start` message, and the file, which is
/// deleted when this is released (when the request is answered or its connection closes).
struct HandlerUpload {
    var startMessage: [UInt8]
    var file: SpooledBody
}

/// The facts about a connection's handlers that the parser needs to encode requests for them.
struct HandlerIdentity: Sendable {
    /// The sender put at the front of every request (the handler's `send_ident`).
    var sendIdent: [UInt8]
    /// How the request headers are encoded.
    var encoding: LurcherProtocol.HeaderEncoding
    /// Broker mode: its processes finish each WebSocket message, and the client is read no faster. In push mode
    /// the socket takes messages at once, and the dispatcher says only when one has to wait.
    var finishesWebSocketMessages = false
    /// `upload_stream`: a body past the upload threshold, or chunked, goes to it as a streamed upload.
    var streamsUploads = false
    /// Download flow control: the connection's first request to it says the window, `DOWNLOAD_CREDITS`.
    var downloadFlowControl = false
}
