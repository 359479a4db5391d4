import LurcherConfiguration
import LurcherProtocol

/// Bytes a connection passes to its client without reading them: it needs only how many there are.
protocol ConnectionOutput {
    var byteCount: Int { get }
}

extension HTTP1Connection {
    /// What the connection asks its glue to do, in order.
    enum Action {
        /// Write to the client; what the actions of one event write is flushed together.
        case write(Write)
        /// Send a request to a handler. The in-flight count goes up by one; ``handlerRequestEnded`` brings it down.
        case submit(Submission)
        /// Begin the current request's streamed upload: read the body the client has sent with the head (as far
        /// as ``HTTP1Connection/uploadAllowance`` allows), send the first message to handler `handler` under
        /// `token`, and report it with ``HTTP1Connection/uploadSent(bytes:isLast:now:)``. The in-flight count
        /// goes up by one, as for ``submit(_:)``.
        case startUploadStream(handler: Int, token: UInt64)
        /// Pass the current request to its proxy route's backend (``ProxyExchange``) under `token`: read the body
        /// sent with the head (as far as ``HTTP1Connection/uploadAllowance`` allows), report it with
        /// ``HTTP1Connection/uploadSent(bytes:isLast:now:)``, then start the exchange. The in-flight count goes up
        /// by one, as for ``submit(_:)``; `keepAlive` is whether the client's request lets its connection go on.
        case startProxy(ProxyRequest, token: UInt64, keepAlive: Bool)
        /// Look up a file for a Dir route and hand the answer to ``HTTP1Connection/fileReady(_:now:)``.
        case serveFile(FileRequest)
        /// Parse the input held back while requests waited, and report it as any other input.
        case parseHeldInput
        /// Issue the read the channel asked for and the connection deferred.
        case read
        /// Close once everything written has gone out.
        case closeAfterWrites
        /// Close now, dropping what is queued: the client will never take it.
        case closeNow
        /// A request is done with, answered or not: report it (access log, metrics, events).
        case report(Exchange, at: Instant)
        /// Make ``HTTP1Connection/wake(now:bufferedBytes:)`` run at this time, in place of any earlier schedule.
        case scheduleWake(at: Instant)
        /// The request at a handler is over: it leaves the in-flight count (which a drain waits on).
        case handlerRequestEnded
        /// Something an operator may want to know happened.
        case notice(Notice)
        /// The connection has closed: forget it, and tell these handlers, which had its requests, that the client
        /// is gone unless `notify` is false (a handler cancelled it).
        case tellHandlersClosed([Int], notify: Bool)
        /// The handler accepted a WebSocket: write what is queued, then give the channel to the WebSocket room.
        /// HTTP/1 does nothing more on this connection.
        case handOver(WebSocketHandOver)
        /// A proxy route's backend switched protocols: write what is queued, then splice the channel to the
        /// backend's (``ProxySplice``). HTTP/1 does nothing more on this connection.
        case spliceToBackend
    }

    /// What goes to the client.
    enum Write {
        case canned(CannedResponse)
        /// `100 Continue`, for a client waiting on `Expect: 100-continue`.
        case continueInterim
        /// Bytes from a handler or a file, passed through.
        case output(Output)
    }

    /// A request for a handler, encoded for the wire.
    struct Submission {
        var handler: Int
        /// Matches replies and dispatcher events to this request rather than an earlier one.
        var token: UInt64
        var message: [UInt8]
        /// For a body spooled to a file: the message announcing the upload, sent first under the same token.
        var uploadStart: [UInt8]?
        /// Safe to send to another handler process if the first dies (GET, HEAD, OPTIONS).
        var retriable: Bool
        /// The request is HEAD: its reply has no body.
        var answersHead: Bool
    }

    /// A request for a Dir route.
    struct FileRequest {
        var directory: DirectoryConfiguration
        /// The raw URL path below the route's pattern.
        var relativePath: [UInt8]
        /// The whole URL path, for a redirect's Location.
        var requestPath: String
        var conditions: FileConditions
        var isHead: Bool
        var keepAlive: Bool
    }

    /// What the file lookup for a Dir route came to.
    enum FileAnswer {
        /// The file (or parts of it): `status` and the head's length, and every byte to send.
        case send(Output, status: HTTPStatus, headBytes: Int)
        case canned(status: HTTPStatus, extraHeaders: [String])
        /// The lookup itself failed.
        case failed
    }

    /// How a parse of the client's input ended.
    enum InputOutcome: Equatable {
        case consumedAll
        /// Parsing stopped because enough requests wait; the rest of the input is held.
        case held
        /// The input is not acceptable HTTP; answer with this status and close.
        case malformed(HTTPStatus)
        /// A WebSocket handshake was parsed; the input after it is frames, kept by the glue.
        case upgraded
    }

    /// What the glue logs.
    enum Notice: Equatable {
        case clientLeftWhileAtHandler
        case clientTooSlowToSend
        case clientTooSlowToRead
        case handlerLostRequest
        case handlerTooSlow
        case replyMalformed
        case replyTooLong(excessBytes: Int)
    }
}
