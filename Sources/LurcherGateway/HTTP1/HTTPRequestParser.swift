import CHTTPParser
import Glibc
import LurcherConfiguration
import LurcherOperations
import LurcherProtocol
import NIOCore

/// Parses a connection's requests with the C `http_parser` and turns each into a ``ParsedRequest``.
///
/// The callbacks collect the request line and headers into one flat byte array (no dictionary), route the
/// request when its head is complete, and encode the Mongrel2 wire message for handler routes directly from
/// those bytes. One instance lives for the life of a connection and is used only on its event loop.
final class HTTPRequestParser {
    /// What became of a call to ``feed(_:)``.
    enum FeedOutcome: Equatable {
        /// Every byte was parsed.
        case consumedAll
        /// Parsing stopped after `consumed` bytes because enough requests are waiting; feed the rest later.
        case paused(consumed: Int)
        /// The input is not acceptable HTTP; answer with `status` and close.
        case failed(HTTPStatus)
    }

    /// Requests parsed and not yet taken by the connection, oldest first.
    var completed = CircularBuffer<ParsedRequest>()
    /// Set from the head of a request that carries `Expect: 100-continue` until the connection has answered
    /// it or the body has arrived anyway.
    private(set) var expectsContinue = false
    /// True between the first byte of a request and its end: the client owes the rest of it.
    private(set) var isMidRequest = false

    private let parser: UnsafeMutablePointer<http_parser>
    private let connectionID: UInt64
    private let remoteAddress: [UInt8]
    private let router: RoutingTable
    /// Whether to keep each request's line and a few headers for the access log (off when nothing logs).
    private let summarizes: Bool
    private let handlers: [HandlerIdentity]
    private let limits: Limits
    private let uploads: Uploads
    /// Where the client headers removed for passing as the gateway's own are counted.
    private let counters: GatewayCounters

    // Per-request state, reset when a message begins.
    private var head = RequestHead()
    private var lastCallbackWasValue = false
    private var body: [UInt8] = []
    private var bodyLength = 0
    /// The body so far, once it outgrew `uploads.threshold`.
    private var spooled: SpooledBody?
    private var pending: PendingRequest?
    private var rejection: HTTPStatus?
    private var routePattern: [UInt8] = []
    /// The headers of the request being encoded for a handler, kept from request to request so that its buffer
    /// is reused rather than allocated again for every request.
    private var headers = RequestHeadersWriter(reservingCapacity: 0)

    // The input being parsed, so the value callback can look at what precedes a value (obs-fold detection).
    private var input: UnsafeRawBufferPointer?
    /// How many requests may be completed before parsing pauses; set by each ``feed(_:room:)``.
    private var pauseAt = 0
    private var lastNonBlankOfPreviousInput: UInt8 = 0

    /// What the head of the request decided, kept until the body is complete.
    private enum PendingRequest {
        case handler(index: Int, target: RequestTarget, pattern: [UInt8])
        case directory(DirectoryConfiguration, relativePath: [UInt8], requestPath: String, conditions: FileConditions)
        case reject(HTTPStatus, extraHeaders: [String])
    }

    init(
        connectionID: UInt64, remoteAddress: String, router: RoutingTable, handlers: [HandlerIdentity], limits: Limits,
        uploads: Uploads = Uploads(), summarizes: Bool = false, counters: GatewayCounters = GatewayCounters()
    ) {
        self.connectionID = connectionID
        self.counters = counters
        self.summarizes = summarizes
        self.remoteAddress = Array(remoteAddress.utf8)
        self.router = router
        self.handlers = handlers
        self.limits = limits
        self.uploads = uploads
        parser = .allocate(capacity: 1)
        http_parser_init(parser, HTTP_REQUEST)
        parser.pointee.data = Unmanaged.passUnretained(self).toOpaque()
    }

    deinit {
        parser.deallocate()
    }

    private var parserErrno: http_errno { http_errno(rawValue: parser.pointee.http_errno) }

    /// Parses as much of `buffer` as it can, appending complete requests to ``completed``.
    /// - Parameter room: how many requests ``completed`` may hold before parsing pauses; by default the limit on
    ///   pipelined requests.
    func feed(_ buffer: ByteBuffer, room: Int? = nil) -> FeedOutcome {
        // http_parser takes no bytes as the end of the input; that is ``finish()``'s job, not an empty read's.
        guard buffer.readableBytes > 0 else { return .consumedAll }
        pauseAt = room ?? limits.maxPipelinedRequests
        if parserErrno == HPE_PAUSED { http_parser_pause(parser, 0) }
        let consumed = buffer.withUnsafeReadableBytes { bytes in
            input = bytes
            defer { input = nil }
            // http_parser can report one byte more than it was given (it counts the byte it failed at).
            let consumed = min(
                http_parser_execute(parser, &Self.settings, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count),
                bytes.count)
            if let last = bytes[..<consumed].last(where: { !Self.isBlank($0) }) { lastNonBlankOfPreviousInput = last }
            return consumed
        }
        switch parserErrno {
        case HPE_OK:
            if parser.pointee.upgrade == 1 {
                // http_parser stops at an Upgrade; this gateway does not switch protocols, so the request was
                // answered normally and the parser starts afresh on whatever follows.
                http_parser_init(parser, HTTP_REQUEST)
                parser.pointee.data = Unmanaged.passUnretained(self).toOpaque()
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
        http_parser_execute(parser, &Self.settings, nil, 0)
        let errno = parserErrno
        return errno == HPE_OK || errno == HPE_PAUSED ? .consumedAll : .failed(rejection ?? .badRequest)
    }

    /// Clears the flag set for `Expect: 100-continue` once the connection has acted on it.
    func acknowledgeContinue() { expectsContinue = false }

    // MARK: - Callbacks

    private func messageBegin() -> Int32 {
        isMidRequest = true
        head.removeAll()
        body.removeAll(keepingCapacity: true)
        bodyLength = 0
        spooled = nil
        lastCallbackWasValue = false
        pending = nil
        rejection = nil
        routePattern = []
        expectsContinue = false
        return 0
    }

    private func urlData(_ bytes: UnsafeRawBufferPointer) -> Int32 {
        guard head.url.count + bytes.count <= limits.maxURIBytes else { return reject(.uriTooLong) }
        head.url.append(contentsOf: bytes)
        return 0
    }

    private func headerField(_ bytes: UnsafeRawBufferPointer) -> Int32 {
        let startsField = lastCallbackWasValue || head.fields.isEmpty
        if startsField {
            guard head.fields.count < limits.maxHeaderCount else { return reject(.requestHeaderFieldsTooLarge) }
            lastCallbackWasValue = false
        }
        guard head.bytes.count + bytes.count <= limits.maxHeaderBytes else { return reject(.requestHeaderFieldsTooLarge) }
        head.appendName(bytes, startsField: startsField)
        return 0
    }

    private func headerValue(_ bytes: UnsafeRawBufferPointer) -> Int32 {
        guard head.bytes.count + bytes.count <= limits.maxHeaderBytes else { return reject(.requestHeaderFieldsTooLarge) }
        // A value preceded by a line end and blanks is obsolete line folding, which http_parser joins silently;
        // RFC 9112 (5.2) lets a server refuse it, and a proxy in front may not join it the same way.
        if !bytes.isEmpty, nonBlankByteBefore(bytes) == UInt8(ascii: "\n") { return reject(.badRequest) }
        head.appendValue(bytes, startsValue: !lastCallbackWasValue)
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
        let isConnect = parser.pointee.method == HTTP_CONNECT.rawValue
        // http_parser leaves content_length at ULLONG_MAX when there is no Content-Length header.
        let declaredLength = parser.pointee.content_length
        if declaredLength != UInt64.max, declaredLength > UInt64(limits.maxBodyBytes) {
            return reject(.payloadTooLarge)
        }
        if let status = head.violation(httpMajor: parser.pointee.http_major, httpMinor: parser.pointee.http_minor) {
            return reject(status)
        }
        guard let target = RequestTarget(url: head.url, isConnect: isConnect) else { return reject(.badRequest) }
        if isConnect {
            pending = .reject(.methodNotAllowed, extraHeaders: ["Allow: GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH"])
            return 0
        }
        let hostHeader = target.host ?? head.value(of: "host") ?? []
        guard let match = router.route(host: hostHeader, path: target.path) else {
            pending = .reject(.notFound, extraHeaders: [])
            return 0
        }
        routePattern = match.pattern
        switch match.target {
        case .directory(let directory):
            let method = parser.pointee.method
            guard method == HTTP_GET.rawValue || method == HTTP_HEAD.rawValue else {
                pending = .reject(.methodNotAllowed, extraHeaders: ["Allow: GET, HEAD"])
                return 0
            }
            pending = .directory(
                directory, relativePath: Array(target.path.dropFirst(match.pattern.count)),
                requestPath: String(decoding: target.path, as: UTF8.self), conditions: FileConditions(head))
        case .handler(let index):
            pending = .handler(index: index, target: target, pattern: match.pattern)
            // The validation let only `100-continue` through; HTTP/1.0 clients do not wait for the 100.
            expectsContinue = parser.pointee.http_minor >= 1 && head.value(of: "expect") != nil
        }
        return 0
    }

    private func bodyData(_ bytes: UnsafeRawBufferPointer) -> Int32 {
        guard case .handler = pending else { return 0 }  // Bodies sent to files or errors are read and dropped.
        guard bodyLength + bytes.count <= limits.maxBodyBytes else { return reject(.payloadTooLarge) }
        bodyLength += bytes.count
        if spooled == nil, bodyLength > uploads.threshold {
            guard let file = SpooledBody(directory: uploads.directory) else { return reject(.internalServerError) }
            let written = body.withUnsafeBytes { file.append($0) }
            guard written else { return reject(.internalServerError) }
            body.removeAll()
            spooled = file
        }
        if let spooled {
            guard spooled.append(bytes) else { return reject(.internalServerError) }
        } else {
            body.append(contentsOf: bytes)
        }
        return 0
    }

    private func messageComplete() -> Int32 {
        isMidRequest = false
        expectsContinue = false
        let disposition: ParsedRequest.Disposition
        switch pending {
        case .handler(let index, let target, let pattern):
            encodeHeaders(for: handlers[index], target: target, pattern: pattern)
            if let spooled {
                // Mongrel2's upload protocol: one message when the file is started, one when it is complete,
                // both with an empty body; the second carries both headers.
                spooled.finish()
                headers.append(name: "x-mongrel2-upload-start".utf8, value: spooled.path.utf8)
                let start = wireMessage(to: index, path: target.path, body: [])
                headers.append(name: "x-mongrel2-upload-done".utf8, value: spooled.path.utf8)
                disposition = .handler(
                    index: index, message: wireMessage(to: index, path: target.path, body: []),
                    upload: HandlerUpload(startMessage: start, file: spooled))
            } else {
                disposition = .handler(
                    index: index, message: wireMessage(to: index, path: target.path, body: body), upload: nil)
            }
        case .directory(let directory, let relativePath, let requestPath, let conditions):
            disposition = .directory(directory, relativePath: relativePath, requestPath: requestPath, conditions: conditions)
        case .reject(let status, let extraHeaders):
            disposition = .reject(status, extraHeaders: extraHeaders)
        case nil:
            disposition = .reject(.badRequest, extraHeaders: [])
        }
        completed.append(
            ParsedRequest(
                disposition: disposition, isHead: parser.pointee.method == HTTP_HEAD.rawValue,
                keepAlive: http_should_keep_alive(parser) != 0,
                isSafe: [HTTP_GET.rawValue, HTTP_HEAD.rawValue, HTTP_OPTIONS.rawValue].contains(parser.pointee.method),
                requestLine: summarizes ? requestLine() : nil))
        pending = nil
        spooled = nil
        if completed.count >= pauseAt { http_parser_pause(parser, 1) }
        return 0
    }

    /// Stops parsing with an error. -1, because on_headers_complete reads 1 as "no body" and 2 as "upgrade".
    private func reject(_ status: HTTPStatus) -> Int32 {
        rejection = status
        return -1
    }

    // MARK: - Encoding

    /// The message for the handler at `index`, with the headers ``encodeHeaders(for:target:pattern:)`` wrote.
    private func wireMessage(to index: Int, path: ArraySlice<UInt8>, body: [UInt8]) -> [UInt8] {
        var message: [UInt8] = []
        message.reserveCapacity(handlers[index].sendIdent.count + path.count + head.bytes.count + body.count + 512)
        WireRequest.append(
            sender: handlers[index].sendIdent, connectionID: connectionID, path: path, headers: headers, body: body,
            to: &message)
        return message
    }

    /// Writes the request's headers, and the gateway's own keys, into ``headers``.
    private func encodeHeaders(for handler: HandlerIdentity, target: RequestTarget, pattern: [UInt8]) {
        headers.reset(encoding: handler.encoding, reservingCapacity: head.bytes.count + head.url.count * 2 + 256)
        headers.append(name: "PATH".utf8, value: target.path)
        // x-forwarded-for is replaced by the real peer below; the handler gets a chunked body decoded, so it is
        // told the decoded length instead of transfer-encoding. A client's header that would pass for one of the
        // gateway's is dropped: handlers trust those (an upload header names a file they read).
        var removed = 0
        head.writeFields(to: &headers) { name in
            if GatewayHeaderNames.isReserved(name) {
                removed += 1
                return true
            }
            return name == Self.forwardedFor || name == Self.transferEncoding
        }
        if removed > 0 { counters.reservedHeadersRemoved.add(removed, ordering: .relaxed) }
        if head.value(of: "transfer-encoding") != nil {
            headers.append(name: "content-length".utf8, value: String(bodyLength).utf8)
        }
        let methodName = http_method_str(http_method(rawValue: parser.pointee.method))!
        headers.append(name: "METHOD".utf8, value: UnsafeRawBufferPointer(start: methodName, count: Int(strlen(methodName))))
        headers.append(name: "VERSION".utf8, value: versionText())
        headers.append(name: "URI".utf8, value: head.url)
        if let query = target.query { headers.append(name: "QUERY".utf8, value: query) }
        if let fragment = target.fragment { headers.append(name: "FRAGMENT".utf8, value: fragment) }
        headers.append(name: "PATTERN".utf8, value: pattern)
        headers.append(name: "URL_SCHEME".utf8, value: "http".utf8)
        headers.append(name: "REMOTE_ADDR".utf8, value: remoteAddress)
        headers.append(name: "x-forwarded-for".utf8, value: remoteAddress)
    }

    private static let forwardedFor = Array("x-forwarded-for".utf8)[...]
    private static let transferEncoding = Array("transfer-encoding".utf8)[...]
    private static let http10 = Array("HTTP/1.0".utf8)
    private static let http11 = Array("HTTP/1.1".utf8)

    /// The request's protocol version as sent, without formatting numbers for the two there are in practice.
    private func versionText() -> [UInt8] {
        switch (parser.pointee.http_major, parser.pointee.http_minor) {
        case (1, 1): Self.http11
        case (1, 0): Self.http10
        case (let major, let minor): Array("HTTP/\(major).\(minor)".utf8)
        }
    }

    /// The request as the access log shows it.
    private func requestLine() -> RequestLine {
        func text(_ bytes: some Collection<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }
        return RequestLine(
            method: String(cString: http_method_str(http_method(rawValue: parser.pointee.method))),
            target: text(head.url), version: text(versionText()),
            host: head.string(of: "host") ?? "", referer: head.string(of: "referer") ?? "",
            userAgent: head.string(of: "user-agent") ?? "", route: text(routePattern))
    }

    // MARK: - C callback table

    private static func parser(_ raw: UnsafeMutablePointer<http_parser>?) -> HTTPRequestParser {
        Unmanaged<HTTPRequestParser>.fromOpaque(raw!.pointee.data).takeUnretainedValue()
    }

    private static func bytes(_ at: UnsafePointer<CChar>?, _ length: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: at, count: length)
    }

    /// The callback table. Written once, read only by http_parser_execute; the callbacks themselves find
    /// their parser through `http_parser.data`, so the table holds no state.
    nonisolated(unsafe) private static var settings: http_parser_settings = {
        var settings = http_parser_settings()
        http_parser_settings_init(&settings)
        settings.on_message_begin = { parser($0).messageBegin() }
        settings.on_url = { parser($0).urlData(bytes($1, $2)) }
        settings.on_header_field = { parser($0).headerField(bytes($1, $2)) }
        settings.on_header_value = { parser($0).headerValue(bytes($1, $2)) }
        settings.on_headers_complete = { parser($0).headersComplete() }
        settings.on_body = { parser($0).bodyData(bytes($1, $2)) }
        settings.on_message_complete = { parser($0).messageComplete() }
        return settings
    }()
}
