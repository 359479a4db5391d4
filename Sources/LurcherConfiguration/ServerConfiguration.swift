/// The gateway's own settings: where it listens, who it is, and how long it waits.
public struct ServerConfiguration: Sendable, Equatable {
    /// Address to listen on. Port 0 picks an ephemeral port (the chosen one is logged).
    public var listenHost: String
    /// Port to listen on.
    public var listenPort: Int
    /// The server's identity, used in logs and by `lurcher ctl`.
    public var uuid: String
    /// Name of the host that serves requests whose Host header matches no host.
    public var defaultHost: String?
    /// Sizes past which a request is refused.
    public var limits: Limits
    /// How long the gateway waits, for a handler to appear and for its reply.
    public var timeouts: Timeouts
    /// Where request bodies too large to keep in memory go.
    public var uploads: Uploads
    /// Unix socket `lurcher ctl` talks to (relative paths are relative to the working directory).
    public var controlSocket: String
    /// Mongrel2's `no_clobber_xff`: keep a client's `X-Forwarded-For` and append the peer to it, for a gateway
    /// behind a proxy that sets it. Off, the header is the peer alone, so a client cannot forge it.
    public var noClobberForwardedFor: Bool
    /// Mongrel2's control port, for `m2sh control` and other Mongrel2 tools; nil (the default) opens none.
    public var controlPort: ControlPortConfiguration?
    /// `redirect_to_https`: plain-HTTP requests are answered 301 with the same URL on the `[tls]` listener.
    public var redirectsToHTTPS: Bool
    /// `trusted_proxies`: the peers whose forwarding headers are believed (``TrustedProxies``).
    public var trustedProxies = TrustedProxies()
    /// `http2`: the `[tls]` listener offers HTTP/2 (`h2`) beside HTTP/1.1 in ALPN.
    public var offersHTTP2: Bool
    /// `http2_cleartext`: the plain listener also takes HTTP/2 with prior knowledge (a client that opens with
    /// the HTTP/2 preface, as `curl --http2-prior-knowledge` does).
    public var acceptsCleartextHTTP2: Bool

    public init(
        listenHost: String = "127.0.0.1",
        listenPort: Int = 6767,
        uuid: String = "lurcher",
        defaultHost: String? = nil,
        limits: Limits = .init(),
        timeouts: Timeouts = .init(),
        uploads: Uploads = .init(),
        controlSocket: String = "run/lurcher.sock",
        noClobberForwardedFor: Bool = false,
        controlPort: ControlPortConfiguration? = nil,
        redirectsToHTTPS: Bool = false,
        offersHTTP2: Bool = true,
        acceptsCleartextHTTP2: Bool = false
    ) {
        self.offersHTTP2 = offersHTTP2
        self.acceptsCleartextHTTP2 = acceptsCleartextHTTP2
        self.redirectsToHTTPS = redirectsToHTTPS
        self.noClobberForwardedFor = noClobberForwardedFor
        self.controlSocket = controlSocket
        self.controlPort = controlPort
        self.listenHost = listenHost
        self.listenPort = listenPort
        self.uuid = uuid
        self.defaultHost = defaultHost
        self.limits = limits
        self.timeouts = timeouts
        self.uploads = uploads
    }
}

/// Mongrel2's control port: a ZeroMQ REP socket that answers Mongrel2's control commands (`status`, `kill`,
/// `stop` and the rest) as tnetstrings.
public struct ControlPortConfiguration: Sendable, Equatable {
    /// `ipc://PATH` (a relative path is relative to the working directory, as Mongrel2's is to its chroot) or
    /// `tcp://HOST:PORT`.
    public var endpoint: String

    public init(endpoint: String = "ipc://run/control") {
        self.endpoint = endpoint
    }

    /// The socket file of an `ipc://` endpoint, or nil for TCP.
    public var socketPath: String? {
        endpoint.hasPrefix(Self.ipcScheme) ? String(endpoint.dropFirst(Self.ipcScheme.count)) : nil
    }

    static let ipcScheme = "ipc://"
    static let tcpScheme = "tcp://"
}

/// Request size limits. Each is enforced while parsing, before a handler sees the request.
public struct Limits: Sendable, Equatable {
    /// Longest request target (URI); longer gets 414.
    public var maxURIBytes: Int
    /// Total bytes of header names and values; more gets 431.
    public var maxHeaderBytes: Int
    /// Number of header lines; more gets 431.
    public var maxHeaderCount: Int
    /// Largest request body; larger gets 413.
    public var maxBodyBytes: Int
    /// Parsed requests waiting on one connection behind the one being answered.
    /// Past it the gateway stops reading from that client until it catches up.
    public var maxPipelinedRequests: Int
    /// Requests held while no handler is connected, across all handlers; past it new ones get 503 at once.
    public var maxHeldRequests: Int
    /// Open client connections. At the limit the gateway stops accepting; new clients wait in the listen
    /// backlog until a connection closes.
    public var maxConnections: Int
    /// Largest WebSocket message a client may send, in payload bytes (fragments together); larger ends the
    /// WebSocket with close 1009. Mongrel2 has no such limit.
    public var maxWebSocketMessageBytes: Int
    /// HTTP/2 streams one client connection may have open at once (`SETTINGS_MAX_CONCURRENT_STREAMS`); a stream
    /// past it is refused with `REFUSED_STREAM`.
    public var maxConcurrentStreams: Int

    public init(
        maxURIBytes: Int = 8192,
        maxHeaderBytes: Int = 32768,
        maxHeaderCount: Int = 100,
        maxBodyBytes: Int = 8 * 1024 * 1024,
        maxPipelinedRequests: Int = 16,
        maxHeldRequests: Int = 10000,
        maxConnections: Int = 16384,
        maxWebSocketMessageBytes: Int = 16 * 1024 * 1024,
        maxConcurrentStreams: Int = 100
    ) {
        self.maxConcurrentStreams = maxConcurrentStreams
        self.maxURIBytes = maxURIBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
        self.maxPipelinedRequests = maxPipelinedRequests
        self.maxHeldRequests = maxHeldRequests
        self.maxConnections = maxConnections
        self.maxWebSocketMessageBytes = maxWebSocketMessageBytes
    }
}

/// How long the gateway waits before answering on a handler's behalf.
public struct Timeouts: Sendable, Equatable {
    /// How long a request may wait for a handler to connect before it gets 503 with Retry-After.
    public var hold: Duration
    /// How long a dispatched request may wait for the handler's complete reply before it gets 504.
    public var reply: Duration

    /// How long a client may take to send a whole request once it has started one; past it, 408 and close.
    public var request: Duration
    /// How long an idle keep-alive connection is kept open between requests.
    public var keepAlive: Duration
    /// How long output may wait for a client that does not read it; past it the connection is closed.
    public var write: Duration
    /// How long an open WebSocket may pass no frame either way before the gateway closes it (1001). It takes
    /// the place of the keep-alive and request timeouts, which do not apply once a connection is a WebSocket.
    public var webSocketIdle: Duration

    public init(
        hold: Duration = .seconds(30), reply: Duration = .seconds(60), request: Duration = .seconds(60),
        keepAlive: Duration = .seconds(60), write: Duration = .seconds(60), webSocketIdle: Duration = .seconds(300)
    ) {
        self.hold = hold
        self.reply = reply
        self.request = request
        self.keepAlive = keepAlive
        self.write = write
        self.webSocketIdle = webSocketIdle
    }
}

/// Request bodies larger than ``threshold`` are written to a temp file in ``directory`` instead of memory,
/// and the handler is told the file's path as Mongrel2 does (`x-mongrel2-upload-start` and `-done`).
public struct Uploads: Sendable, Equatable {
    /// Directory for the temp files; it must exist, and the handlers must be able to read it. Loading makes
    /// it absolute (relative to the working directory), and handlers accept uploads only from it.
    public var directory: String
    /// Largest body kept in memory and sent inside the request message.
    public var threshold: Int

    public init(directory: String = "/tmp", threshold: Int = 1024 * 1024) {
        self.directory = directory
        self.threshold = threshold
    }

    /// The most body bytes one message of a streamed upload (`upload_stream`) carries: the threshold, as
    /// Mongrel2's pieces are at most `limits.content_length`, but no fewer than 16 KiB, so that a small threshold
    /// does not cut a stream into tiny messages.
    public var streamPieceLimit: Int { max(threshold, 16 * 1024) }
}
