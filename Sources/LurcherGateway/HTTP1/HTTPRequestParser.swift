import CHTTPParser
import LurcherConfiguration
import LurcherProtocol
import NIOCore

/// Parses a connection's HTTP/1 requests with the C `http_parser`, and hands each to a ``RequestIntake``,
/// which turns it into a ``ParsedRequest``.
///
/// The callbacks collect the request line and headers into the intake's flat ``RequestHead`` (no dictionary)
/// and check what only HTTP/1 has: line folding, the limits on the head's size, the framing and smuggling
/// rules, keep-alive and upgrades. Routing and the Mongrel2 encoding are the intake's. One instance lives for
/// the life of a connection and is used only on its event loop.
final class HTTPRequestParser {
    /// What became of a call to ``feed(_:)``.
    enum FeedOutcome: Equatable {
        /// Every byte was parsed.
        case consumedAll
        /// Parsing stopped after `consumed` bytes because enough requests are waiting; feed the rest later.
        case paused(consumed: Int)
        /// The input is not acceptable HTTP; answer with `status` and close.
        case failed(HTTPStatus)
        /// A WebSocket handshake ended after `consumed` bytes: what follows is frames, which this parser never
        /// reads; it takes no more input.
        case upgraded(consumed: Int)
    }

    private typealias Binding = HTTPParserBinding<HTTPRequestParser>

    /// Requests parsed and not yet taken by the connection, oldest first.
    var completed = CircularBuffer<ParsedRequest>()
    /// Set from the head of a request that carries `Expect: 100-continue` until the connection has answered
    /// it or the body has arrived anyway.
    var expectsContinue: Bool { intake.expectsContinue }
    /// True between the first byte of a request and its end: the client owes the rest of it.
    private(set) var isMidRequest = false
    /// Set once a WebSocket handshake has been parsed: the input after it is not HTTP.
    private(set) var upgraded = false

    private let parser: Binding
    private let limits: Limits
    private var intake: RequestIntake

    // Per-request state, reset when a message begins.
    private var lastCallbackWasValue = false
    private var rejection: HTTPStatus?

    // The input being parsed, so the value callback can look at what precedes a value (obs-fold detection).
    private var input: UnsafeRawBufferPointer?
    /// How many requests may be completed before parsing pauses; set by each ``feed(_:room:)``.
    private var pauseAt = 0
    private var lastNonBlankOfPreviousInput: UInt8 = 0

    init(
        connectionID: UInt64, remoteAddress: String, router: RoutingTable, handlers: [HandlerIdentity], limits: Limits,
        uploads: Uploads = Uploads(), summarizes: Bool = false, trustsForwarding: Bool = false,
        counters: GatewayCounters = GatewayCounters(), scheme: RequestHead.Scheme = .http, httpsRedirect: HTTPSRedirect? = nil
    ) {
        parser = Binding(HTTP_REQUEST, callbacks: Self.callbacks)
        self.limits = limits
        intake = RequestIntake(
            connectionID: connectionID, peer: Array(remoteAddress.utf8), scheme: scheme, router: router,
            handlers: handlers, maxBodyBytes: limits.maxBodyBytes, uploads: uploads, summarizes: summarizes,
            trustsForwarding: trustsForwarding, counters: counters, httpsRedirect: httpsRedirect)
        parser.reset(owner: self)
    }

    /// Parses as much of `buffer` as it can, appending complete requests to ``completed``.
    /// - Parameter room: how many requests ``completed`` may hold before parsing pauses; by default the limit on
    ///   pipelined requests.
    func feed(_ buffer: ByteBuffer, room: Int? = nil) -> FeedOutcome {
        // http_parser takes no bytes as the end of the input; that is ``finish()``'s job, not an empty read's.
        guard buffer.readableBytes > 0 else { return .consumedAll }
        guard !upgraded else { return .upgraded(consumed: 0) }
        pauseAt = room ?? limits.maxPipelinedRequests
        if parser.errno == HPE_PAUSED { parser.pause(false) }
        let consumed = buffer.withUnsafeReadableBytes { bytes in
            input = bytes
            defer { input = nil }
            let consumed = min(parser.execute(bytes), bytes.count)
            if let last = bytes[..<consumed].last(where: { !Self.isBlank($0) }) { lastNonBlankOfPreviousInput = last }
            return consumed
        }
        if upgraded { return .upgraded(consumed: consumed) }
        switch parser.errno {
        case HPE_OK:
            if parser.state.upgrade == 1 {
                // http_parser stops at an Upgrade; one that is not a WebSocket handshake (h2c, say) is answered
                // as an ordinary request, and the parser starts afresh on whatever follows.
                parser.reset(owner: self)
                let rest = buffer.getSlice(at: buffer.readerIndex + consumed, length: buffer.readableBytes - consumed)
                return rest.map { feed($0, room: pauseAt) } ?? .consumedAll
            }
            return .consumedAll
        case HPE_PAUSED:
            return .paused(consumed: consumed)
        default:
            return .failed(rejection ?? .badRequest)
        }
    }

    /// Tells the parser the client closed its side; a request cut short there is a client error.
    func finish() -> FeedOutcome {
        guard !upgraded else { return .consumedAll }
        _ = parser.execute(UnsafeRawBufferPointer(start: nil, count: 0))
        let errno = parser.errno
        return errno == HPE_OK || errno == HPE_PAUSED ? .consumedAll : .failed(rejection ?? .badRequest)
    }

    /// The client's TLS certificate fingerprint, for `PEER_CERT_SHA1` in every request from now on.
    func clientCertificateIdentified(sha1: [UInt8]) { intake.clientCertificateIdentified(sha1: sha1) }

    // MARK: - Streamed uploads

    /// Whether the body being read is a streamed upload's: the glue feeds it no faster than the connection's
    /// ``HTTP1Connection/uploadAllowance`` allows.
    var readsStreamedBody: Bool { intake.readsStreamedBody }
    /// Body bytes of the streamed upload read and not yet in a message.
    var pendingUploadBytes: Int { intake.pendingUploadBytes }
    /// Whether the request is a streamed upload whose first message has not been taken: until it is, nothing
    /// after the body may be parsed, since the next request's head starts the intake afresh.
    var uploadAwaitsStart: Bool { intake.uploadAwaitsStart }

    /// The streamed upload's first message (see ``RequestIntake/takeUploadStart()``).
    func takeUploadStart() -> (message: [UInt8], bodyBytes: Int, isLast: Bool) { intake.takeUploadStart() }

    /// The streamed upload's next message, if there is one to send.
    func takeUploadPiece() -> UploadStream.Piece? { intake.takeUploadPiece() }

    /// Clears the flag set for `Expect: 100-continue` once the connection has acted on it.
    func acknowledgeContinue() { intake.acknowledgeContinue() }

    // MARK: - Callbacks

    private func messageBegin() -> Int32 {
        isMidRequest = true
        intake.beginRequest()
        lastCallbackWasValue = false
        rejection = nil
        return 0
    }

    private func urlData(_ bytes: UnsafeRawBufferPointer) -> Int32 {
        guard intake.head.url.count + bytes.count <= limits.maxURIBytes else { return reject(.uriTooLong) }
        intake.head.url.append(contentsOf: bytes)
        return 0
    }

    private func headerField(_ bytes: UnsafeRawBufferPointer) -> Int32 {
        let startsField = lastCallbackWasValue || intake.head.fields.isEmpty
        if startsField {
            guard intake.head.fields.count < limits.maxHeaderCount else { return reject(.requestHeaderFieldsTooLarge) }
            lastCallbackWasValue = false
        }
        guard intake.head.bytes.count + bytes.count <= limits.maxHeaderBytes else {
            return reject(.requestHeaderFieldsTooLarge)
        }
        intake.head.appendName(bytes, startsField: startsField)
        return 0
    }

    private func headerValue(_ bytes: UnsafeRawBufferPointer) -> Int32 {
        guard intake.head.bytes.count + bytes.count <= limits.maxHeaderBytes else {
            return reject(.requestHeaderFieldsTooLarge)
        }
        // A value preceded by a line end and blanks is obsolete line folding, which http_parser joins silently;
        // RFC 9112 (5.2) lets a server refuse it, and a proxy in front may not join it the same way.
        if !bytes.isEmpty, nonBlankByteBefore(bytes) == UInt8(ascii: "\n") { return reject(.badRequest) }
        intake.head.appendValue(bytes, startsValue: !lastCallbackWasValue)
        lastCallbackWasValue = true
        return 0
    }

    /// The last byte before `bytes` that is not a space or tab, which may be in the previous read. For a
    /// value it is the colon, unless the value is folded onto a new line.
    private func nonBlankByteBefore(_ bytes: UnsafeRawBufferPointer) -> UInt8? {
        guard let input, let inputStart = input.baseAddress, var position = bytes.baseAddress else { return nil }
        while position > inputStart {
            position -= 1
            let byte = position.load(as: UInt8.self)
            if !Self.isBlank(byte) { return byte }
        }
        return lastNonBlankOfPreviousInput
    }

    private static func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }

    private func headersComplete() -> Int32 {
        let state = parser.state
        // http_parser leaves content_length at ULLONG_MAX when there is no Content-Length header.
        if state.content_length != UInt64.max, let status = intake.refusal(declaredBodyLength: state.content_length) {
            return reject(status)
        }
        if let status = intake.head.violation(httpMajor: state.http_major, httpMinor: state.http_minor) {
            return reject(status)
        }
        intake.head.method = RequestMethod(httpParserMethod: state.method)
        intake.head.version = RequestHead.Version(major: Int(state.http_major), minor: Int(state.http_minor))
        let chunked = state.flags & UInt32(F_CHUNKED.rawValue) != 0
        if let status = intake.receiveHead(
            chunked: chunked, contentLength: state.content_length == UInt64.max ? nil : state.content_length)
        {
            return reject(status)
        }
        if intake.streamsUpload {
            // The request goes to its handler now; its body is read only as the connection allows (the handler's
            // credits), so the parser stops here until it is fed again.
            completed.append(intake.streamedUploadRequest(keepAlive: parser.shouldKeepAlive))
            parser.pause(true)
        }
        return 0
    }

    private func bodyData(_ bytes: UnsafeRawBufferPointer) -> Int32 {
        if let status = intake.receiveBody(bytes) { return reject(status) }
        return 0
    }

    private func messageComplete() -> Int32 {
        isMidRequest = false
        if intake.streamsUpload {
            // Stop at the body's end, so its last message is taken before the next request's head resets the intake.
            intake.endStreamedBody()
            // After a proxied upgrade the input is the other protocol's, for the backend if it switches.
            if intake.proxiesUpgrade { upgraded = true }
            parser.pause(true)
            return 0
        }
        let request = intake.finishRequest(keepAlive: parser.shouldKeepAlive)
        completed.append(request)
        if request.isWebSocketHandshake {
            upgraded = true
            parser.pause(true)
        } else if completed.count >= pauseAt {
            parser.pause(true)
        }
        return 0
    }

    /// Stops parsing with an error. -1, because on_headers_complete reads 1 as "no body" and 2 as "upgrade".
    private func reject(_ status: HTTPStatus) -> Int32 {
        rejection = status
        return -1
    }

    // MARK: - C callback table

    /// Written once, read only by http_parser_execute (see ``HTTPParserBinding/callbacks(_:)``).
    nonisolated(unsafe) private static let callbacks = Binding.callbacks { settings in
        settings.on_message_begin = { Binding.owner(of: $0).messageBegin() }
        settings.on_url = { Binding.owner(of: $0).urlData(Binding.bytes($1, $2)) }
        settings.on_header_field = { Binding.owner(of: $0).headerField(Binding.bytes($1, $2)) }
        settings.on_header_value = { Binding.owner(of: $0).headerValue(Binding.bytes($1, $2)) }
        settings.on_headers_complete = { Binding.owner(of: $0).headersComplete() }
        settings.on_body = { Binding.owner(of: $0).bodyData(Binding.bytes($1, $2)) }
        settings.on_message_complete = { Binding.owner(of: $0).messageComplete() }
    }
}
