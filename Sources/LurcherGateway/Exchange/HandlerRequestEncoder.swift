import LurcherProtocol

/// Encodes a request routed to a handler into the Mongrel2 wire message (docs/PROTOCOL.md): the client's
/// headers, lowercased, and the gateway's own keys, in the handler's header encoding.
///
/// The one place a request becomes handler bytes, whichever protocol brought it. One encoder serves every
/// request of a connection, so that its header buffer is reused rather than allocated again each time.
struct HandlerRequestEncoder {
    let connectionID: UInt64
    /// Where the client headers removed for passing as the gateway's own are counted.
    private let counters: GatewayCounters
    /// The peer is believed (`no_clobber_xff`, `trusted_proxies`): its `x-forwarded-for` is kept, with the peer
    /// appended, and its `x-forwarded-proto` and `forwarded` pass. Otherwise those two are removed.
    private let trustsForwarding: Bool
    private var headers = RequestHeadersWriter(reservingCapacity: 0)
    /// Whether this connection has told a flow-controlled handler its `DOWNLOAD_CREDITS`: Mongrel2 tells only the
    /// connection's first request.
    private var announcedCredits = false

    init(connectionID: UInt64, trustsForwarding: Bool = false, counters: GatewayCounters) {
        self.connectionID = connectionID
        self.trustsForwarding = trustsForwarding
        self.counters = counters
    }

    /// The message for a request whose whole body is `body`.
    /// - Parameters:
    ///   - target: `head.url`, parsed.
    ///   - pattern: the route that matched, sent as `PATTERN`.
    mutating func message(
        for head: RequestHead, target: RequestTarget, pattern: [UInt8], body: [UInt8], to handler: HandlerIdentity
    ) -> [UInt8] {
        encodeHeaders(of: head, target: target, pattern: pattern, bodyLength: body.count, for: handler)
        return wireMessage(for: head, path: target.path, body: body, to: handler)
    }

    /// Mongrel2's upload protocol for a body spooled to `file`: one message when the file is started, one when
    /// it is complete, both with an empty body; the second carries both headers.
    mutating func uploadMessages(
        for head: RequestHead, target: RequestTarget, pattern: [UInt8], file: SpooledBody, bodyLength: Int,
        to handler: HandlerIdentity
    ) -> (start: [UInt8], done: [UInt8]) {
        encodeHeaders(of: head, target: target, pattern: pattern, bodyLength: bodyLength, for: handler)
        headers.append(name: "x-mongrel2-upload-start".utf8, value: file.path.utf8)
        let start = wireMessage(for: head, path: target.path, body: [], to: handler)
        headers.append(name: "x-mongrel2-upload-done".utf8, value: file.path.utf8)
        return (start, wireMessage(for: head, path: target.path, body: [], to: handler))
    }

    /// The first message of a streamed upload: the request's headers with `UPLOAD_STREAM: "0"` (and
    /// `UPLOAD_STREAM_DONE: "1"` when `body` is all of it), and the body read so far. The later messages are
    /// ``UploadStream``'s. A chunked body's length is unknown, so it keeps `transfer-encoding: chunked` and gets
    /// no `content-length`, as Mongrel2 sends it; the pieces are de-chunked.
    mutating func uploadStreamStart(
        for head: RequestHead, target: RequestTarget, pattern: [UInt8], body: [UInt8], isLast: Bool,
        to handler: HandlerIdentity
    ) -> [UInt8] {
        encodeHeaders(of: head, target: target, pattern: pattern, bodyLength: nil, for: handler)
        headers.append(name: UploadStream.stream, value: "0".utf8)
        if isLast { headers.append(name: UploadStream.done, value: UploadStream.one) }
        return wireMessage(for: head, path: target.path, body: body, to: handler)
    }

    /// A WebSocket handshake's message (`METHOD` `WEBSOCKET_HANDSHAKE`, whose body is the `Sec-WebSocket-Accept`
    /// value the handler's 101 must carry), and the encoder for the WebSocket's messages, which repeat its headers.
    mutating func webSocketHandshake(
        for head: RequestHead, target: RequestTarget, pattern: [UInt8], accept: [UInt8], handler index: Int,
        to handler: HandlerIdentity
    ) -> (message: [UInt8], messages: WebSocketMessageEncoder) {
        encodeHeaders(of: head, target: target, pattern: pattern, bodyLength: 0, withMethod: false, for: handler)
        let messages = WebSocketMessageEncoder(
            handler: index,
            messages: FollowUpMessages(sendIdent: handler.sendIdent, connectionID: connectionID, path: Array(target.path)),
            headers: headers)
        headers.append(name: "METHOD".utf8, value: "WEBSOCKET_HANDSHAKE".utf8)
        return (wireMessage(for: head, path: target.path, body: accept, to: handler), messages)
    }

    /// The message framing around the headers ``encodeHeaders(of:target:pattern:bodyLength:withMethod:for:)`` wrote.
    private func wireMessage(
        for head: RequestHead, path: ArraySlice<UInt8>, body: [UInt8], to handler: HandlerIdentity
    ) -> [UInt8] {
        var message: [UInt8] = []
        message.reserveCapacity(handler.sendIdent.count + path.count + head.bytes.count + body.count + 512)
        WireRequest.append(
            sender: handler.sendIdent, connectionID: connectionID, path: path, headers: headers, body: body,
            to: &message)
        return message
    }

    /// Writes the request's headers, and the gateway's own keys, into ``headers``.
    /// - Parameter bodyLength: the decoded length a chunked body is announced with, in place of its
    ///   `transfer-encoding`; nil for a streamed upload, whose length is not known yet.
    /// - Parameter withMethod: whether to write `METHOD` (the request's); without it, the caller adds its own.
    private mutating func encodeHeaders(
        of head: RequestHead, target: RequestTarget, pattern: [UInt8], bodyLength: Int?, withMethod: Bool = true,
        for handler: HandlerIdentity
    ) {
        headers.reset(encoding: handler.encoding, reservingCapacity: head.bytes.count + head.url.count * 2 + 256)
        headers.append(name: "PATH".utf8, value: target.path)
        // x-forwarded-for is written below, with the real peer; the handler gets a chunked body decoded, so it is
        // told the decoded length instead of transfer-encoding. A client's header that would pass for one of the
        // gateway's is dropped: handlers trust those (an upload header names a file they read).
        var removed = 0
        head.writeFields(to: &headers) { name in
            if GatewayHeaderNames.isReserved(name) {
                removed += 1
                return true
            }
            return name == Self.forwardedFor || (bodyLength != nil && name == Self.transferEncoding)
                || (!trustsForwarding && (name == Self.forwardedProto || name == Self.forwarded))
        }
        if removed > 0 { counters.reservedHeadersRemoved.add(removed, ordering: .relaxed) }
        if let bodyLength, head.value(of: "transfer-encoding") != nil {
            headers.append(name: "content-length".utf8, value: String(bodyLength).utf8)
        }
        if withMethod { headers.append(name: "METHOD".utf8, value: head.method.name) }
        headers.append(name: "VERSION".utf8, value: head.version.name)
        if head.overHTTP2 { headers.append(name: "CLIENT_VERSION".utf8, value: Self.http2Name) }
        headers.append(name: "URI".utf8, value: head.url)
        if let query = target.query { headers.append(name: "QUERY".utf8, value: query) }
        if let fragment = target.fragment { headers.append(name: "FRAGMENT".utf8, value: fragment) }
        headers.append(name: "PATTERN".utf8, value: pattern)
        headers.append(name: "URL_SCHEME".utf8, value: head.scheme.name)
        if let fingerprint = head.peerCertificateSHA1 { headers.append(name: "PEER_CERT_SHA1".utf8, value: fingerprint) }
        headers.append(name: "REMOTE_ADDR".utf8, value: head.peer)
        appendForwardedFor(of: head)
        if handler.downloadFlowControl, !announcedCredits {
            announcedCredits = true
            headers.append(name: "DOWNLOAD_CREDITS".utf8, value: DownloadCredits.windowText)
        }
    }

    /// `x-forwarded-for`: the peer; with `no_clobber_xff`, the client's own values first, comma-separated, as a proxy
    /// in front would have it (nginx's `$proxy_add_x_forwarded_for`).
    private mutating func appendForwardedFor(of head: RequestHead) {
        let clientValues = trustsForwarding ? head.values(of: "x-forwarded-for") : []
        guard !clientValues.isEmpty else {
            headers.append(name: "x-forwarded-for".utf8, value: head.peer)
            return
        }
        var value: [UInt8] = []
        for part in clientValues { value += part + Array(", ".utf8) }
        headers.append(name: "x-forwarded-for".utf8, value: value + head.peer)
    }

    private static let forwardedFor = Array("x-forwarded-for".utf8)[...]
    private static let transferEncoding = Array("transfer-encoding".utf8)[...]
    private static let forwardedProto = Array("x-forwarded-proto".utf8)[...]
    private static let forwarded = Array("forwarded".utf8)[...]
    private static let http2Name = Array("HTTP/2".utf8)
}
