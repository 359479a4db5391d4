import CHTTPParser
import NIOCore

/// Follows a handler's reply bytes with http_parser in response mode.
///
/// The gateway passes handler responses through untouched, but it must know where each one ends: to keep
/// pipelined responses in request order, to know when a request is answered, and to log the real status.
final class HTTPResponseParser {
    /// What the bytes fed so far amount to.
    enum Outcome: Equatable {
        /// The response is not finished yet.
        case incomplete
        /// The response ended after `consumed` bytes of the last buffer fed; anything after that is not part of it.
        case complete(consumed: Int)
        /// The bytes are not an HTTP response.
        case malformed
    }

    /// Whether the response lets the connection carry another request.
    private(set) var keepAlive = true
    /// The response's status code, once its head has been parsed (0 before).
    private(set) var statusCode = 0
    /// The decoded body (chunked framing removed) when the parser was reset with `capturingBody`; nil otherwise.
    private(set) var body: [UInt8]?

    private let parser: UnsafeMutablePointer<http_parser>
    private var answersHead = false
    private var messageComplete = false

    init() {
        parser = .allocate(capacity: 1)
        reset(answeringHead: false)
    }

    deinit {
        parser.deallocate()
    }

    /// Starts following a new response; `answeringHead` because a response to HEAD has headers but no body.
    /// - Parameter capturingBody: keep the decoded body in ``body``, for answers the gateway consumes itself (jobs).
    func reset(answeringHead: Bool, capturingBody: Bool = false) {
        http_parser_init(parser, HTTP_RESPONSE)
        parser.pointee.data = Unmanaged.passUnretained(self).toOpaque()
        answersHead = answeringHead
        messageComplete = false
        keepAlive = true
        statusCode = 0
        body = capturingBody ? [] : nil
    }

    /// Parses the next bytes of the response.
    func feed(_ buffer: ByteBuffer) -> Outcome {
        buffer.withUnsafeReadableBytes { execute($0) }
    }

    /// Parses the next bytes of the response, from a handler message's body (jobs).
    func feed(_ bytes: ArraySlice<UInt8>) -> Outcome {
        bytes.withUnsafeBytes { execute($0) }
    }

    /// Tells the parser the input has ended: a response delimited by the end of its stream is complete now.
    func finish() -> Outcome {
        execute(UnsafeRawBufferPointer(start: nil, count: 0))
    }

    /// Runs http_parser over `bytes`; an empty input is the end of the stream to it.
    private func execute(_ bytes: UnsafeRawBufferPointer) -> Outcome {
        let consumed = http_parser_execute(
            parser, &Self.settings, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count)
        return outcome(consumed: consumed)
    }

    private func outcome(consumed: Int) -> Outcome {
        let errno = http_errno(rawValue: parser.pointee.http_errno)
        if messageComplete { return .complete(consumed: consumed) }
        return errno == HPE_OK ? .incomplete : .malformed
    }

    private static func parser(_ raw: UnsafeMutablePointer<http_parser>?) -> HTTPResponseParser {
        Unmanaged<HTTPResponseParser>.fromOpaque(raw!.pointee.data).takeUnretainedValue()
    }

    /// The callback table; written once, holds no state (see ``HTTPRequestParser``).
    nonisolated(unsafe) private static var settings: http_parser_settings = {
        var settings = http_parser_settings()
        http_parser_settings_init(&settings)
        settings.on_headers_complete = { raw in
            let this = parser(raw)
            this.keepAlive = http_should_keep_alive(raw) != 0
            this.statusCode = Int(raw!.pointee.status_code)
            // Returning 1 tells http_parser the response has no body, which is so for an answer to HEAD.
            return this.answersHead ? 1 : 0
        }
        settings.on_body = { raw, bytes, count in
            let this = parser(raw)
            if this.body != nil, let bytes {
                this.body!.append(contentsOf: UnsafeRawBufferPointer(start: bytes, count: count))
            }
            return 0
        }
        settings.on_message_complete = { raw in
            let this = parser(raw)
            this.messageComplete = true
            this.keepAlive = http_should_keep_alive(raw) != 0
            // Stop here: bytes after the end belong to whatever comes next.
            http_parser_pause(raw, 1)
            return 0
        }
        return settings
    }()
}
