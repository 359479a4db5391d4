import CHTTPParser
import NIOCore

/// Parses a handler's reply bytes, an HTTP/1 response, with http_parser in response mode: once, into
/// ``ReplyPart``s that the connection writes, and logs, without reading the bytes again.
///
/// The gateway passes handler responses through untouched, but it must know where each one ends: to keep
/// pipelined responses in request order, to know when a request is answered, and to log the real status.
final class HTTPResponseParser {
    /// What the bytes fed so far amount to, for a caller that reads the reply whole (jobs).
    enum Outcome: Equatable {
        /// The response is not finished yet.
        case incomplete
        /// The response ended after `consumed` bytes of the last bytes fed; anything after that is not part of it.
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

    private typealias Binding = HTTPParserBinding<HTTPResponseParser>

    private let parser = Binding(HTTP_RESPONSE, callbacks: HTTPResponseParser.callbacks)
    private var answersHead = false
    private var messageComplete = false
    /// Set by the headers callback, which pauses the parser so that the head's length is known.
    private var headJustEnded = false
    private var headEnded = false
    /// The start of a head that has not all arrived yet; it goes out with the rest of the head.
    private var partialHead: ByteBuffer?

    /// Where the head and the response ended in the bytes last executed, as offsets into them.
    private struct Scan {
        var headEnd: Int?
        var end: Int?
        var malformed = false
    }

    init() {
        reset(answeringHead: false)
    }

    /// Starts following a new response; `answeringHead` because a response to HEAD has headers but no body.
    /// - Parameter capturingBody: keep the decoded body in ``body``, for answers the gateway consumes itself (jobs).
    func reset(answeringHead: Bool, capturingBody: Bool = false) {
        parser.reset(owner: self)
        answersHead = answeringHead
        messageComplete = false
        headJustEnded = false
        headEnded = false
        partialHead = nil
        keepAlive = true
        statusCode = 0
        body = capturingBody ? [] : nil
    }

    /// Parses the next bytes of the response and hands over its parts: the head once it is whole, body bytes,
    /// and the end, or `malformed` (and nothing else) when the bytes are not a response.
    func feed(_ buffer: ByteBuffer, _ emit: (ReplyPart<ByteBuffer>) -> Void) {
        // http_parser takes no bytes as the end of the input.
        guard buffer.readableBytes > 0 else { return }
        let headWasComplete = headEnded
        let scan = buffer.withUnsafeReadableBytes { self.scan($0) }
        if scan.malformed {
            partialHead = nil
            emit(.malformed)
            return
        }
        var bodyStart = 0
        if let headEnd = scan.headEnd {
            var head = buffer.getSlice(at: buffer.readerIndex, length: headEnd)!
            if var earlier = partialHead {
                earlier.writeBuffer(&head)
                head = earlier
                partialHead = nil
            }
            emit(.head(status: statusCode, head))
            bodyStart = headEnd
        } else if !headWasComplete {
            // Bounded: http_parser refuses a head longer than its 80 KiB limit as malformed.
            var bytes = buffer
            if partialHead == nil { partialHead = ByteBuffer() }
            partialHead!.writeBuffer(&bytes)
            return
        }
        let bodyEnd = scan.end ?? buffer.readableBytes
        if bodyEnd > bodyStart {
            emit(.body(buffer.getSlice(at: buffer.readerIndex + bodyStart, length: bodyEnd - bodyStart)!))
        }
        if let end = scan.end {
            emit(.end(keepAlive: keepAlive, excessBytes: buffer.readableBytes - end))
        }
    }

    /// Parses the next bytes of the response, from a handler message's body (jobs).
    func feed(_ bytes: ArraySlice<UInt8>) -> Outcome {
        outcome(bytes.withUnsafeBytes { scan($0) })
    }

    /// Tells the parser the input has ended: a response delimited by the end of its stream is complete now.
    func finish() -> Outcome {
        outcome(scan(UnsafeRawBufferPointer(start: nil, count: 0)))
    }

    private func outcome(_ scan: Scan) -> Outcome {
        if scan.malformed { return .malformed }
        return scan.end.map { .complete(consumed: $0) } ?? .incomplete
    }

    /// Runs http_parser over `bytes` (an empty input is the end of the stream to it), noting where the head
    /// and the response end.
    private func scan(_ bytes: UnsafeRawBufferPointer) -> Scan {
        var result = Scan()
        guard !messageComplete else {
            result.end = 0
            return result
        }
        var position = 0
        while true {
            position += parser.execute(UnsafeRawBufferPointer(rebasing: bytes[position...]))
            let errno = parser.errno
            if errno == HPE_PAUSED, headJustEnded {
                // Paused on the head's last byte, its final line feed, which the parser takes again when it
                // resumes there: that byte ends the head.
                headJustEnded = false
                result.headEnd = position + 1
                parser.pause(false)
                continue
            }
            if messageComplete {
                result.end = position
            } else if errno != HPE_OK {
                result.malformed = true
            }
            return result
        }
    }

    /// Written once, read only by http_parser_execute (see ``HTTPParserBinding/callbacks(_:)``).
    nonisolated(unsafe) private static let callbacks = Binding.callbacks { settings in
        settings.on_headers_complete = { raw in
            let this = Binding.owner(of: raw)
            this.keepAlive = http_should_keep_alive(raw) != 0
            this.statusCode = Int(raw!.pointee.status_code)
            this.headJustEnded = true
            this.headEnded = true
            http_parser_pause(raw, 1)
            // Returning 1 tells http_parser the response has no body, which is so for an answer to HEAD.
            return this.answersHead ? 1 : 0
        }
        settings.on_body = { raw, bytes, count in
            let this = Binding.owner(of: raw)
            if this.body != nil, let bytes {
                this.body!.append(contentsOf: UnsafeRawBufferPointer(start: bytes, count: count))
            }
            return 0
        }
        settings.on_message_complete = { raw in
            let this = Binding.owner(of: raw)
            this.messageComplete = true
            this.keepAlive = http_should_keep_alive(raw) != 0
            // Stop here: bytes after the end belong to whatever comes next.
            http_parser_pause(raw, 1)
            return 0
        }
    }
}
