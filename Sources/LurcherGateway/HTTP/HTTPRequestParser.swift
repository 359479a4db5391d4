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
    /// Set when the current request carries `Expect: 100-continue` and its head has just been parsed.
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

    // Per-request state, reset when a message begins.
    private var url: [UInt8] = []
    private var headerBytes: [UInt8] = []
    private var fields: [HeaderField] = []
    private var lastCallbackWasValue = false
    private var body: [UInt8] = []
    private var pending: PendingRequest?
    private var rejection: HTTPStatus?
    private var routePattern: [UInt8] = []

    private struct HeaderField {
        var name: Range<Int>
        var value: Range<Int>
    }

    /// What the head of the request decided, kept until the body is complete.
    private enum PendingRequest {
        case handler(index: Int, headers: RequestHeadersWriter, path: [UInt8])
        case directory(DirectoryConfiguration, relativePath: [UInt8], requestPath: String)
        case reject(HTTPStatus, extraHeaders: [String])
    }

    init(
        connectionID: UInt64, remoteAddress: String, router: RoutingTable, handlers: [HandlerIdentity], limits: Limits,
        summarizes: Bool = false
    ) {
        self.connectionID = connectionID
        self.summarizes = summarizes
        self.remoteAddress = Array(remoteAddress.utf8)
        self.router = router
        self.handlers = handlers
        self.limits = limits
        parser = .allocate(capacity: 1)
        http_parser_init(parser, HTTP_REQUEST)
        parser.pointee.data = Unmanaged.passUnretained(self).toOpaque()
    }

    deinit {
        parser.deallocate()
    }

    private var parserErrno: http_errno { http_errno(rawValue: parser.pointee.http_errno) }

    /// Parses as much of `buffer` as it can, appending complete requests to ``completed``.
    func feed(_ buffer: ByteBuffer) -> FeedOutcome {
        if parserErrno == HPE_PAUSED { http_parser_pause(parser, 0) }
        let consumed = buffer.withUnsafeReadableBytes { bytes in
            http_parser_execute(parser, &Self.settings, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count)
        }
        switch parserErrno {
        case HPE_OK:
            if parser.pointee.upgrade == 1 {
                // http_parser stops at an Upgrade; this gateway does not switch protocols, so the request was
                // answered normally and the parser starts afresh on whatever follows.
                http_parser_init(parser, HTTP_REQUEST)
                parser.pointee.data = Unmanaged.passUnretained(self).toOpaque()
                let rest = buffer.getSlice(at: buffer.readerIndex + consumed, length: buffer.readableBytes - consumed)
                return rest.map { feed($0) } ?? .consumedAll
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
        url.removeAll(keepingCapacity: true)
        headerBytes.removeAll(keepingCapacity: true)
        fields.removeAll(keepingCapacity: true)
        body.removeAll(keepingCapacity: true)
        lastCallbackWasValue = false
        pending = nil
        rejection = nil
        routePattern = []
        expectsContinue = false
        return 0
    }

    private func urlData(_ bytes: UnsafeRawBufferPointer) -> Int32 {
        guard url.count + bytes.count <= limits.maxURIBytes else { return reject(.uriTooLong) }
        url.append(contentsOf: bytes)
        return 0
    }

    private func headerField(_ bytes: UnsafeRawBufferPointer) -> Int32 {
        if lastCallbackWasValue || fields.isEmpty {
            guard fields.count < limits.maxHeaderCount else { return reject(.requestHeaderFieldsTooLarge) }
            fields.append(HeaderField(name: headerBytes.count..<headerBytes.count, value: 0..<0))
            lastCallbackWasValue = false
        }
        guard headerBytes.count + bytes.count <= limits.maxHeaderBytes else { return reject(.requestHeaderFieldsTooLarge) }
        // Mongrel2 sends client header names lowercased.
        for byte in bytes { headerBytes.append(byte >= 65 && byte <= 90 ? byte | 0x20 : byte) }
        fields[fields.count - 1].name = fields[fields.count - 1].name.lowerBound..<headerBytes.count
        return 0
    }

    private func headerValue(_ bytes: UnsafeRawBufferPointer) -> Int32 {
        guard headerBytes.count + bytes.count <= limits.maxHeaderBytes else { return reject(.requestHeaderFieldsTooLarge) }
        if !lastCallbackWasValue {
            fields[fields.count - 1].value = headerBytes.count..<headerBytes.count
            lastCallbackWasValue = true
        }
        headerBytes.append(contentsOf: bytes)
        fields[fields.count - 1].value = fields[fields.count - 1].value.lowerBound..<headerBytes.count
        return 0
    }

    private func headersComplete() -> Int32 {
        let isConnect = parser.pointee.method == HTTP_CONNECT.rawValue
        // http_parser leaves content_length at ULLONG_MAX when there is no Content-Length header.
        let declaredLength = parser.pointee.content_length
        if declaredLength != UInt64.max, declaredLength > UInt64(limits.maxBodyBytes) {
            return reject(.payloadTooLarge)
        }
        guard let target = RequestTarget(url: url, isConnect: isConnect) else { return reject(.badRequest) }
        if isConnect {
            pending = .reject(.methodNotAllowed, extraHeaders: ["Allow: GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH"])
            return 0
        }
        let hostHeader = value(of: "host") ?? target.host ?? []
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
                requestPath: String(decoding: target.path, as: UTF8.self))
        case .handler(let index):
            pending = .handler(
                index: index, headers: encodeHeaders(for: handlers[index], target: target, pattern: match.pattern),
                path: Array(target.path))
            if parser.pointee.http_major == 1, parser.pointee.http_minor >= 1,
                let expect = value(of: "expect"), expect.elementsEqual("100-continue".utf8, by: Self.caseInsensitiveEqual)
            {
                expectsContinue = true
            }
        }
        return 0
    }

    private func bodyData(_ bytes: UnsafeRawBufferPointer) -> Int32 {
        guard case .handler = pending else { return 0 }  // Bodies sent to files or errors are read and dropped.
        guard body.count + bytes.count <= limits.maxBodyBytes else { return reject(.payloadTooLarge) }
        body.append(contentsOf: bytes)
        return 0
    }

    private func messageComplete() -> Int32 {
        isMidRequest = false
        let disposition: ParsedRequest.Disposition
        switch pending {
        case .handler(let index, let headers, let path):
            var message: [UInt8] = []
            message.reserveCapacity(handlers[index].sendIdent.count + path.count + headerBytes.count + body.count + 512)
            WireRequest.append(
                sender: handlers[index].sendIdent, connectionID: connectionID, path: path, headers: headers,
                body: body, to: &message)
            disposition = .handler(index: index, message: message)
        case .directory(let directory, let relativePath, let requestPath):
            disposition = .directory(directory, relativePath: relativePath, requestPath: requestPath)
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
        if completed.count >= limits.maxPipelinedRequests { http_parser_pause(parser, 1) }
        return 0
    }

    /// Stops parsing with an error. -1, because on_headers_complete reads 1 as "no body" and 2 as "upgrade".
    private func reject(_ status: HTTPStatus) -> Int32 {
        rejection = status
        return -1
    }

    // MARK: - Encoding

    private func encodeHeaders(for handler: HandlerIdentity, target: RequestTarget, pattern: [UInt8]) -> RequestHeadersWriter {
        var writer = RequestHeadersWriter(encoding: handler.encoding, reservingCapacity: headerBytes.count + url.count * 2 + 256)
        writer.append(name: "PATH".utf8, value: target.path)
        for (position, field) in fields.enumerated() {
            let name = headerBytes[field.name]
            if name.elementsEqual("x-forwarded-for".utf8) { continue }  // replaced by the real peer below
            // A repeated header is sent once, as a list, at the place it first appeared.
            if fields[..<position].contains(where: { headerBytes[$0.name].elementsEqual(name) }) { continue }
            let repeats = fields[(position + 1)...].filter { headerBytes[$0.name].elementsEqual(name) }
            if repeats.isEmpty {
                writer.append(name: name, value: trimmed(headerBytes[field.value]))
            } else {
                writer.append(name: name, values: ([field] + repeats).map { trimmed(headerBytes[$0.value]) })
            }
        }
        let methodName = http_method_str(http_method(rawValue: parser.pointee.method))!
        writer.append(name: "METHOD".utf8, value: UnsafeRawBufferPointer(start: methodName, count: Int(strlen(methodName))))
        writer.append(name: "VERSION".utf8, value: "HTTP/\(parser.pointee.http_major).\(parser.pointee.http_minor)".utf8)
        writer.append(name: "URI".utf8, value: url)
        if let query = target.query { writer.append(name: "QUERY".utf8, value: query) }
        if let fragment = target.fragment { writer.append(name: "FRAGMENT".utf8, value: fragment) }
        writer.append(name: "PATTERN".utf8, value: pattern)
        writer.append(name: "URL_SCHEME".utf8, value: "http".utf8)
        writer.append(name: "REMOTE_ADDR".utf8, value: remoteAddress)
        writer.append(name: "x-forwarded-for".utf8, value: remoteAddress)
        return writer
    }

    /// The request as the access log shows it.
    private func requestLine() -> RequestLine {
        func text(_ bytes: some Collection<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }
        return RequestLine(
            method: String(cString: http_method_str(http_method(rawValue: parser.pointee.method))),
            target: text(url), version: "HTTP/\(parser.pointee.http_major).\(parser.pointee.http_minor)",
            host: value(of: "host").map(text) ?? "", referer: value(of: "referer").map(text) ?? "",
            userAgent: value(of: "user-agent").map(text) ?? "", route: text(routePattern))
    }

    /// The value of the first header named `name` (lowercase).
    private func value(of name: String) -> ArraySlice<UInt8>? {
        fields.first { headerBytes[$0.name].elementsEqual(name.utf8) }.map { trimmed(headerBytes[$0.value]) }
    }

    private func trimmed(_ value: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var value = value
        while let last = value.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") { value.removeLast() }
        while let first = value.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") { value.removeFirst() }
        return value
    }

    private static func caseInsensitiveEqual(_ a: UInt8, _ b: UInt8) -> Bool {
        (a >= 65 && a <= 90 ? a | 0x20 : a) == b
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
