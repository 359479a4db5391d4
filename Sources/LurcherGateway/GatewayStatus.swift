import Synchronization

/// A snapshot of the gateway, for `lurcher ctl status`.
public struct GatewayStatus: Sendable, Codable, Equatable {
    /// One handler's side of the dispatcher.
    public struct Handler: Sendable, Codable, Equatable {
        public var name: String
        /// `push` or `broker`.
        public var mode: String
        /// Handler processes connected to its request socket.
        public var connected: Int
        /// Requests waiting for a handler to connect (push) or to have room (broker).
        public var held: Int
        /// Requests sent to it since the gateway started.
        public var dispatched: Int
        /// Replies from its processes dropped since the gateway started because they were not Mongrel2 replies.
        public var malformedReplies: Int = 0
        /// Requests sent to another process since the gateway started, because the process holding them went
        /// away before answering (broker mode; push mode cannot tell, so it stays 0).
        public var redispatched: Int = 0
        /// Open WebSockets whose handshake it accepted.
        public var webSockets: Int = 0
        /// Connections to its sockets refused since the gateway started because their CURVE key is not allowed.
        public var curveRefused: Int = 0
        /// In broker mode, each connected process as the broker sees it; push mode cannot tell them apart.
        public var processes: [HandlerProcess]? = nil
    }

    /// One handler process connected to a broker-mode handler.
    public struct HandlerProcess: Sendable, Codable, Equatable {
        /// The process id it announced, if it did.
        public var processID: Int32?
        /// `ready` (has room), `busy` (full) or `leaving` (finishing what it holds before it exits).
        public var state: String
        /// Requests it holds now.
        public var busy: Int
        /// How many requests it takes at once.
        public var concurrency: Int
        /// Seconds since the gateway last heard from it.
        public var lastHeard: Double
        /// Open WebSockets whose messages go to it.
        public var webSockets: Int = 0
    }

    public var openConnections: Int
    /// Requests sent (or held) for a handler and not yet answered.
    public var inFlight: Int
    /// Clients closed since the gateway started because they took longer than `timeouts.request` to send a request.
    public var clientsTooSlowToSend: Int
    /// Clients closed since the gateway started because they read nothing of their response for `timeouts.write`.
    public var clientsTooSlowToRead: Int
    /// WebSockets open now, and since the gateway started: client messages passed to handlers, handler replies
    /// written to clients, and WebSockets closed for breaking the protocol.
    public var webSockets: WebSockets = WebSockets()
    /// The HTTPS listener's figures since the gateway started; nil without `[tls]`.
    public var tls: TLS? = nil
    /// HTTP/2's figures since the gateway started.
    public var http2: HTTP2 = HTTP2()
    public var handlers: [Handler]
    /// Each proxy route backend's figures since the gateway started; empty without proxy routes.
    public var proxies: [ProxyBackend] = []

    /// One proxy route backend (`HOST:PORT`), for `lurcher ctl status`.
    public struct ProxyBackend: Sendable, Codable, Equatable {
        public var name: String
        /// Requests passed to it, and answered with its own status.
        public var requests = 0
        public var responses = 0
        /// Requests answered 502 (refused, or no usable response) and 504 (no answer within `timeouts.reply`).
        public var badGateway = 0
        public var timedOut = 0
        /// Responses it cut short after their head, which closed the client's connection.
        public var cutShort = 0
        /// Connections opened, requests sent on a kept-alive one, and connections open now (idle ones included).
        public var connectionsOpened = 0
        public var connectionsReused = 0
        public var connectionsOpen = 0
        /// Connections switched to another protocol (a WebSocket) and spliced to their clients.
        public var upgrades = 0
    }

    /// HTTP/2 clients, for `lurcher ctl status`.
    public struct HTTP2: Sendable, Codable, Equatable {
        /// HTTP/2 connections open now (they count in `openConnections` too).
        public var open = 0
        /// Streams begun since the gateway started: one per request.
        public var streams = 0
        /// Connections ended for breaking the protocol or its limits (a GOAWAY with an error: floods, rapid
        /// resets, oversized header blocks).
        public var violations = 0
    }

    /// The HTTPS listener, for `lurcher ctl status`.
    public struct TLS: Sendable, Codable, Equatable {
        /// Handshakes completed.
        public var handshakes = 0
        /// Connections closed for a TLS failure: a handshake refused or not finished within `timeouts.request`,
        /// or a bad record later.
        public var failures = 0
        /// Certificate reloads applied (the first load at start is not one).
        public var reloads = 0
    }

    /// The gateway's WebSockets, for `lurcher ctl status`.
    public struct WebSockets: Sendable, Codable, Equatable {
        public var open = 0
        public var messagesReceived = 0
        public var framesSent = 0
        public var violations = 0
    }
}

/// Counters the event loops update as connections come and go; read by status and draining.
final class GatewayCounters: Sendable {
    let openConnections = Atomic<Int>(0)
    let inFlight = InFlightCount()
    /// Client headers dropped because they would pass for the gateway's own (``GatewayHeaderNames``).
    let reservedHeadersRemoved = Atomic<Int>(0)
    /// Clients given up on because they were too slow to send a request, or to read a response.
    let clientsTooSlowToSend = Atomic<Int>(0)
    let clientsTooSlowToRead = Atomic<Int>(0)
    /// Connections that are WebSockets now (they count in `openConnections` too).
    let openWebSockets = Atomic<Int>(0)
    /// Client messages passed to handlers, and handler replies written to WebSockets, since the gateway started.
    let webSocketMessagesReceived = Atomic<Int>(0)
    let webSocketFramesSent = Atomic<Int>(0)
    /// WebSockets closed because the client broke the protocol (1002, 1007, 1009).
    let webSocketViolations = Atomic<Int>(0)
    /// TLS handshakes completed, and TLS connections that failed (a handshake refused or timed out, a bad record).
    let tlsHandshakes = Atomic<Int>(0)
    let tlsFailures = Atomic<Int>(0)
    let tlsReloads = Atomic<Int>(0)
    /// HTTP/2 connections open now, streams begun, and connections ended for a protocol error.
    let openHTTP2Connections = Atomic<Int>(0)
    let http2Streams = Atomic<Int>(0)
    let http2Violations = Atomic<Int>(0)
}
