import LurcherConfiguration
import LurcherOperations
import LurcherProtocol

/// Where a request from any protocol front end becomes a ``ParsedRequest``: it routes the head, decides how
/// the request is answered, takes the body (in memory, or spooled to a file past the upload threshold) and
/// has the handler's wire message encoded.
///
/// A front end fills ``head``, then calls ``receiveHead()``, ``receiveBody(_:)`` for each part of the body,
/// and ``finishRequest(keepAlive:)``; ``beginRequest()`` starts the next request. What only one protocol can
/// check (HTTP/1's line folding, header limits and smuggling rules) stays with that protocol, before it calls
/// ``receiveHead()``. One intake serves a stream of requests one at a time, reusing its buffers.
struct RequestIntake {
    /// The head of the request being received, filled by the front end.
    var head: RequestHead
    /// Set from the head of a request for a handler that carries `Expect: 100-continue` until the front end
    /// has answered it or the body has arrived anyway.
    private(set) var expectsContinue = false

    private let router: RoutingTable
    private let handlers: [HandlerIdentity]
    private let maxBodyBytes: Int
    private let uploads: Uploads
    /// Whether to keep each request's line and a few headers for the access log (off when nothing logs).
    private let summarizes: Bool
    private var encoder: HandlerRequestEncoder
    /// Where plain-HTTP requests are sent instead of being answered, with `redirect_to_https`.
    private let httpsRedirect: HTTPSRedirect?
    /// `no_clobber_xff`, which proxy routes honour as handlers do.
    private let trustsForwarding: Bool

    // Per-request state, reset by ``beginRequest()``.
    private var pending: Pending?
    /// The route pattern that matched, empty when none did.
    private var pattern: [UInt8] = []
    private var body: [UInt8] = []
    private var bodyLength = 0
    /// The body so far, once it outgrew `uploads.threshold`.
    private var spooled: SpooledBody?
    /// The request's streamed upload, for a handler with `upload_stream`.
    private var upload: UploadStream?

    /// What the head decided, kept until the body is complete.
    private enum Pending {
        case handler(index: Int, target: RequestTarget)
        /// A streamed upload to the handler at `index`, whose first message is not encoded yet.
        case streamedUpload(index: Int, target: RequestTarget)
        /// A WebSocket handshake for the handler at `index`; `accept` is its `Sec-WebSocket-Accept` value.
        case webSocket(index: Int, target: RequestTarget, accept: [UInt8])
        case directory(DirectoryConfiguration, relativePath: [UInt8], requestPath: String, conditions: FileConditions)
        case reject(HTTPStatus, extraHeaders: [String])
        /// A request for a proxy route, streamed to its backend as a streamed upload is to a handler.
        case proxy(ProxyRequest)
    }

    /// - Parameters:
    ///   - peer: the client's address; `scheme`, what it connected over.
    ///   - handlers: the handlers that ``RoutingTable`` routes name by index.
    ///   - summarizes: keep each request's line for the access log.
    ///   - trustsForwarding: the peer's forwarding headers are believed (`no_clobber_xff`, `trusted_proxies`; see
    ///     ``HandlerRequestEncoder``).
    ///   - httpsRedirect: `redirect_to_https`, for requests over `http`.
    init(
        connectionID: UInt64, peer: [UInt8], scheme: RequestHead.Scheme, router: RoutingTable, handlers: [HandlerIdentity],
        maxBodyBytes: Int, uploads: Uploads, summarizes: Bool, trustsForwarding: Bool = false, counters: GatewayCounters,
        httpsRedirect: HTTPSRedirect? = nil
    ) {
        self.httpsRedirect = scheme == .http ? httpsRedirect : nil
        self.trustsForwarding = trustsForwarding
        head = RequestHead(peer: peer, scheme: scheme)
        self.router = router
        self.handlers = handlers
        self.maxBodyBytes = maxBodyBytes
        self.uploads = uploads
        self.summarizes = summarizes
        encoder = HandlerRequestEncoder(connectionID: connectionID, trustsForwarding: trustsForwarding, counters: counters)
    }

    /// Forgets the previous request, keeping the buffers, for the next one's head.
    mutating func beginRequest() {
        head.removeAll()
        body.removeAll(keepingCapacity: true)
        bodyLength = 0
        spooled = nil
        upload = nil
        pending = nil
        pattern = []
        expectsContinue = false
    }

    /// 413 for a body declared longer than the limit. A front end asks as soon as it knows the length, before
    /// its own checks of the head, so a client whose upload is too large hears that first.
    func refusal(declaredBodyLength length: UInt64) -> HTTPStatus? {
        length > UInt64(maxBodyBytes) ? .payloadTooLarge : nil
    }

    /// Routes the complete ``head`` and decides how the request will be answered: by a handler, from a
    /// directory, or with an error status (404, 405) once its body has been read.
    /// - Parameters:
    ///   - chunked: the body is chunked; `contentLength`, the declared length otherwise (nil for none). For a
    ///     handler with `upload_stream` they decide whether the body is streamed (``streamsUpload``).
    /// - Returns: the status to refuse the request with when the front end cannot go on reading (a target
    ///   that does not parse); nil otherwise.
    mutating func receiveHead(chunked: Bool = false, contentLength: UInt64? = nil) -> HTTPStatus? {
        let isConnect = head.method == .connect
        guard let target = RequestTarget(url: head.url, isConnect: isConnect) else { return .badRequest }
        if isConnect {
            pending = .reject(.methodNotAllowed, extraHeaders: ["Allow: GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH"])
            return nil
        }
        if let httpsRedirect {
            let host = target.host ?? head.value(of: "host") ?? []
            if let location = httpsRedirect.location(host: host, path: target.path, query: target.query) {
                pending = .reject(.movedPermanently, extraHeaders: ["Location: \(location)"])
            } else {
                pending = .reject(.badRequest, extraHeaders: [])
            }
            return nil
        }
        guard let match = router.route(host: target.host ?? head.value(of: "host") ?? [], path: target.path) else {
            pending = .reject(.notFound, extraHeaders: [])
            return nil
        }
        pattern = match.pattern
        switch match.target {
        case .directory(let directory):
            guard head.method == .get || head.method == .head else {
                pending = .reject(.methodNotAllowed, extraHeaders: ["Allow: GET, HEAD"])
                return nil
            }
            pending = .directory(
                directory, relativePath: Array(target.path.dropFirst(pattern.count)),
                requestPath: String(decoding: target.path, as: UTF8.self), conditions: FileConditions(head))
        case .proxy(let backend):
            pending = .proxy(proxyRequest(to: backend, target: target, chunked: chunked, contentLength: contentLength))
            upload = UploadStream(chunked: chunked, messages: nil)
            expectsContinue = (head.version.major, head.version.minor) >= (1, 1) && head.value(of: "expect") != nil
        case .handler(let index):
            switch WebSocketHandshake.verdict(for: head) {
            case .upgrade(let accept):
                pending = .webSocket(index: index, target: target, accept: accept)
                return nil
            case .wrongVersion:
                pending = .reject(.upgradeRequired, extraHeaders: ["Sec-WebSocket-Version: 13"])
                return nil
            case .notAnUpgrade:
                pending = .handler(index: index, target: target)
            }
            let handler = handlers[index]
            // Mongrel2 streams a body over `limits.content_length`, or any chunked one (`connection.c`).
            if handler.streamsUploads, chunked || (contentLength ?? 0) > UInt64(uploads.threshold) {
                pending = .streamedUpload(index: index, target: target)
                upload = UploadStream(
                    chunked: chunked,
                    messages: FollowUpMessages(
                        sendIdent: handler.sendIdent, connectionID: encoder.connectionID, path: Array(target.path)),
                    encoding: handler.encoding)
            }
            // The front end refuses any other expectation (417); HTTP/1.0 clients do not wait for the 100.
            expectsContinue = (head.version.major, head.version.minor) >= (1, 1) && head.value(of: "expect") != nil
        }
        return nil
    }

    /// The head a proxy route's backend gets, with the body framed as the client framed it.
    private func proxyRequest(to backend: ProxyTarget, target: RequestTarget, chunked: Bool, contentLength: UInt64?) -> ProxyRequest {
        let framing: ProxyRequest.BodyFraming
        if chunked {
            framing = .chunked
        } else if let contentLength {
            framing = .length(contentLength)
        } else {
            // A body-less request whose method usually has a body says so with a length, as nginx sends it.
            let bodiless = [RequestMethod.get, .head, .options, RequestMethod(name: Array("DELETE".utf8)), RequestMethod(name: Array("TRACE".utf8))]
            framing = bodiless.contains(where: { $0.name == head.method.name }) ? .none : .length(0)
        }
        let upgrade = head.value(of: "upgrade") != nil
            && head.values(of: "connection").contains { String(decoding: $0, as: UTF8.self).lowercased().contains("upgrade") }
        return ProxyRequest(
            backend: backend,
            head: ProxyRequestHead.make(
                from: head, target: target, framing: framing, upgrade: upgrade,
                hostHeader: backend.configuration.hostHeader, trustsForwarding: trustsForwarding),
            framing: framing, upgrade: upgrade, isHead: head.method == .head,
            clientTakesChunked: (head.version.major, head.version.minor) >= (1, 1))
    }

    /// Takes the next part of the body; a body for anything but a handler is read and dropped.
    /// - Returns: the status to refuse the request with (413 past the limit, 500 when the spool file fails),
    ///   or nil.
    mutating func receiveBody(_ bytes: UnsafeRawBufferPointer) -> HTTPStatus? {
        if upload != nil {
            guard bodyLength + bytes.count <= maxBodyBytes else { return .payloadTooLarge }
            bodyLength += bytes.count
            upload!.append(bytes)
            return nil
        }
        guard case .handler = pending else { return nil }
        guard bodyLength + bytes.count <= maxBodyBytes else { return .payloadTooLarge }
        bodyLength += bytes.count
        if spooled == nil, bodyLength > uploads.threshold {
            guard let file = SpooledBody(directory: uploads.directory), body.withUnsafeBytes({ file.append($0) }) else {
                return .internalServerError
            }
            body.removeAll()
            spooled = file
        }
        if let spooled {
            guard spooled.append(bytes) else { return .internalServerError }
        } else {
            body.append(contentsOf: bytes)
        }
        return nil
    }

    // MARK: - Streamed uploads

    /// Whether the request's body is streamed (``receiveHead(chunked:contentLength:)`` decided so): the front end
    /// then takes ``streamedUploadRequest()`` at once, instead of ``finishRequest(keepAlive:)`` at the end.
    var streamsUpload: Bool { upload != nil }
    /// Whether the request is a proxy route's asking to switch protocols (a WebSocket for the backend).
    var proxiesUpgrade: Bool {
        if case .proxy(let request) = pending { return request.upgrade }
        return false
    }
    /// Whether a streamed body is still being read.
    var readsStreamedBody: Bool { upload.map { !$0.bodyEnded } ?? false }
    /// Body bytes of the streamed upload read and not yet in a message.
    var pendingUploadBytes: Int { upload?.pending.count ?? 0 }
    /// Whether the request is a streamed upload whose first message has not been taken yet.
    var uploadAwaitsStart: Bool { upload.map { !$0.started } ?? false }

    /// The request a streamed upload is, complete from its head; its body follows in messages.
    mutating func streamedUploadRequest(keepAlive: Bool) -> ParsedRequest {
        if case .proxy(let request) = pending {
            return ParsedRequest(
                disposition: .proxy(request), isHead: request.isHead, keepAlive: keepAlive && !request.upgrade, isSafe: false,
                requestLine: summarizes ? head.requestLine(route: pattern) : nil)
        }
        guard case .streamedUpload(let index, _) = pending else { preconditionFailure("not a streamed upload") }
        return ParsedRequest(
            disposition: .streamedUpload(index: index, chunked: upload!.chunked), isHead: false, keepAlive: keepAlive, isSafe: false,
            requestLine: summarizes ? head.requestLine(route: pattern) : nil)
    }

    /// The streamed body's last byte is in.
    mutating func endStreamedBody() {
        expectsContinue = false
        upload?.endBody()
    }

    /// The streamed upload's first message, with the body read so far; how many body bytes it carries, and
    /// whether it is the last.
    mutating func takeUploadStart() -> (message: [UInt8], bodyBytes: Int, isLast: Bool) {
        if case .proxy = pending, upload != nil {
            let (body, isLast) = upload!.takeFirst()
            return (body, body.count, isLast)
        }
        guard case .streamedUpload(let index, let target) = pending, upload != nil else {
            preconditionFailure("not a streamed upload")
        }
        let (body, isLast) = upload!.takeFirst()
        let message = encoder.uploadStreamStart(
            for: head, target: target, pattern: pattern, body: body, isLast: isLast, to: handlers[index])
        return (message, body.count, isLast)
    }

    /// The streamed upload's next message, once its first has been taken and there is more to send.
    mutating func takeUploadPiece() -> UploadStream.Piece? { upload?.takePiece() }

    /// Ends the request, whose body is all in: what it decided, with the handler's message encoded.
    /// - Parameter keepAlive: whether the front end's connection may carry another request after this one.
    mutating func finishRequest(keepAlive: Bool) -> ParsedRequest {
        expectsContinue = false
        let disposition: ParsedRequest.Disposition
        var keepAlive = keepAlive
        switch pending {
        case .webSocket(let index, let target, let accept):
            let handshake = encoder.webSocketHandshake(
                for: head, target: target, pattern: pattern, accept: accept, handler: index, to: handlers[index])
            disposition = .webSocketHandshake(message: handshake.message, messages: handshake.messages)
            // Past the handshake the client sends frames, not requests: an answer other than 101 ends the connection.
            keepAlive = false
        case .handler(let index, let target):
            if let spooled {
                spooled.finish()
                let messages = encoder.uploadMessages(
                    for: head, target: target, pattern: pattern, file: spooled, bodyLength: bodyLength, to: handlers[index])
                disposition = .handler(
                    index: index, message: messages.done, upload: HandlerUpload(startMessage: messages.start, file: spooled))
            } else {
                disposition = .handler(
                    index: index, message: encoder.message(for: head, target: target, pattern: pattern, body: body, to: handlers[index]),
                    upload: nil)
            }
        case .directory(let directory, let relativePath, let requestPath, let conditions):
            disposition = .directory(directory, relativePath: relativePath, requestPath: requestPath, conditions: conditions)
        case .streamedUpload, .proxy:
            preconditionFailure("a streamed upload or proxied request is taken from its head")
        case .reject(let status, let extraHeaders):
            disposition = .reject(status, extraHeaders: extraHeaders)
        case nil:
            disposition = .reject(.badRequest, extraHeaders: [])
        }
        // The target's slices share the head's buffer: let go of them, so the next request reuses it in place.
        pending = nil
        spooled = nil
        return ParsedRequest(
            disposition: disposition, isHead: head.method == .head, keepAlive: keepAlive, isSafe: head.method.isSafe,
            requestLine: summarizes ? head.requestLine(route: pattern) : nil)
    }

    /// The client's TLS certificate, once the handshake is done: its fingerprint goes to handlers from then on.
    mutating func clientCertificateIdentified(sha1: [UInt8]) { head.peerCertificateSHA1 = sha1 }

    /// Clears ``expectsContinue`` once the front end has acted on it.
    mutating func acknowledgeContinue() { expectsContinue = false }
}
