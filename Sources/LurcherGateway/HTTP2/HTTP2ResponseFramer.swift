import CHTTPParser
import NIOCore
import NIOHPACK

/// Turns an HTTP/1.1 response (a handler's reply, or a file's or the gateway's own answer) into what an HTTP/2
/// stream carries: a header block and the body's bytes, parsed once with http_parser in response mode.
///
/// Handlers answer in HTTP/1.1 whatever the client spoke, as nginx's upstreams do, so Mongrel2 handlers work
/// unchanged. HTTP/2 has no connection-specific headers (RFC 9113, 8.2.2) and its own framing, so:
/// - `Connection`, `Keep-Alive`, `Proxy-Connection`, `Transfer-Encoding`, `Upgrade`, `TE` and whatever
///   `Connection` names are dropped, and names are lowercased;
/// - a chunked body is decoded (http_parser's body callback gives the chunks' data without their framing);
/// - a body delimited by the end of the reply ends with the stream (``finish()``).
///
/// A body that is not chunked is passed on as slices of the bytes fed, without a copy.
final class HTTP2ResponseFramer {
    /// A piece of the response, in order.
    enum Part {
        /// The header block, `:status` first; `headBytes` is how long the HTTP/1.1 head was, for the access log.
        case head(status: Int, HPACKHeaders, headBytes: Int)
        /// Body bytes, transfer coding removed.
        case body(ByteBuffer)
        /// The response is complete; `excessBytes` followed it in the last bytes fed, and are dropped.
        case end(excessBytes: Int)
        /// The bytes are not an HTTP/1.1 response, or one HTTP/2 cannot carry (an interim 1xx answer).
        case malformed
    }

    /// How a response ended when its bytes stopped coming (``finish()``).
    enum Ending {
        /// It was whole, or its body was delimited by the end of the reply.
        case complete
        /// It was cut short: a length or a chunk not all sent, or no head at all.
        case cutShort
    }

    private typealias Binding = HTTPParserBinding<HTTP2ResponseFramer>

    private let parser = Binding(HTTP_RESPONSE, callbacks: HTTP2ResponseFramer.callbacks)
    private var answersHead = false
    private var messageComplete = false
    private var failed = false
    private var headJustEnded = false
    private var headEmitted = false
    /// Head bytes fed before the feed the head ended in.
    private var headBytesBefore = 0
    private var status = 0
    /// Header names (lowercased) and values as they are parsed; a field's parts may come in several callbacks.
    private var names: [[UInt8]] = []
    private var values: [[UInt8]] = []
    private var inValue = false
    /// Where the body's bytes are in the bytes being scanned, as offsets from `scanBase`.
    private var bodyRanges: [Range<Int>] = []
    private var scanBase: UnsafeRawPointer?

    init() {
        reset(answeringHead: false)
    }

    /// Starts on a new response; `answeringHead` because a response to HEAD has headers but no body.
    func reset(answeringHead: Bool) {
        parser.reset(owner: self)
        answersHead = answeringHead
        messageComplete = false
        failed = false
        headJustEnded = false
        headEmitted = false
        headBytesBefore = 0
        status = 0
        names.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
        inValue = false
    }

    /// Whether the head has been handed over.
    var sentHead: Bool { headEmitted }

    /// Parses the next bytes of the response and hands over its parts in order; after `end` or `malformed`,
    /// nothing more until ``reset(answeringHead:)``.
    func feed(_ buffer: ByteBuffer, _ emit: (Part) -> Void) {
        guard !failed, !messageComplete, buffer.readableBytes > 0 else { return }
        buffer.withUnsafeReadableBytes { bytes in
            scanBase = bytes.baseAddress
            defer { scanBase = nil }
            var position = 0
            while true {
                bodyRanges.removeAll(keepingCapacity: true)
                position += parser.execute(UnsafeRawBufferPointer(rebasing: bytes[position...]))
                let errno = parser.errno
                if errno == HPE_PAUSED, headJustEnded {
                    // Paused on the head's final line feed, which the parser takes again when it resumes there.
                    headJustEnded = false
                    parser.pause(false)
                    guard let headers = headerBlock() else {
                        failed = true
                        emit(.malformed)
                        return
                    }
                    headEmitted = true
                    emit(.head(status: status, headers, headBytes: headBytesBefore + position + 1))
                    continue
                }
                emitBody(of: buffer, emit)
                if messageComplete {
                    emit(.end(excessBytes: bytes.count - position))
                } else if errno != HPE_OK {
                    failed = true
                    emit(.malformed)
                } else if !headEmitted {
                    // Bounded: http_parser refuses a head longer than its 80 KiB limit.
                    headBytesBefore += bytes.count
                }
                return
            }
        }
    }

    /// An answer that is all in hand (the gateway's own, a file's head with the body read in after it), parsed
    /// at once: its header block, the length of its HTTP/1.1 head, and the body bytes after the head, if any.
    /// Nil for bytes HTTP/2 cannot carry.
    static func parse(
        _ bytes: ByteBuffer, answeringHead: Bool
    ) -> (headers: HPACKHeaders, headBytes: Int, body: ByteBuffer?)? {
        let framer = HTTP2ResponseFramer()
        framer.reset(answeringHead: answeringHead)
        var head: (headers: HPACKHeaders, headBytes: Int)?
        var body: ByteBuffer?
        framer.feed(bytes) { part in
            switch part {
            case .head(_, let headers, let headBytes): head = (headers, headBytes)
            case .body(var buffer):
                if body == nil { body = buffer } else { body!.writeBuffer(&buffer) }
            case .end, .malformed: break
            }
        }
        return head.map { ($0.headers, $0.headBytes, body) }
    }

    /// The reply's bytes have stopped (the handler closed, or the gateway ends the stream): whether the
    /// response was complete, which a body delimited by the end of the reply now is.
    func finish() -> Ending {
        if messageComplete { return .complete }
        guard !failed, headEmitted else { return .cutShort }
        _ = parser.execute(UnsafeRawBufferPointer(start: nil, count: 0))
        return messageComplete ? .complete : .cutShort
    }

    private func emitBody(of buffer: ByteBuffer, _ emit: (Part) -> Void) {
        for range in bodyRanges {
            emit(.body(buffer.getSlice(at: buffer.readerIndex + range.lowerBound, length: range.count)!))
        }
        bodyRanges.removeAll(keepingCapacity: true)
    }

    /// The header block for the head just parsed, or nil for one HTTP/2 cannot carry.
    private func headerBlock() -> HPACKHeaders? {
        // 1xx answers are interim: a handler's `100 Continue` or `101` has no place on an HTTP/2 stream.
        guard status >= 200 else { return nil }
        var dropped = Self.connectionSpecific
        for (name, value) in zip(names, values) where name == Self.connection {
            for token in value.split(separator: UInt8(ascii: ",")) {
                dropped.append(Array(token.lowercased().trimmed))
            }
        }
        var headers = HPACKHeaders()
        headers.reserveCapacity(names.count + 1)
        headers.add(name: ":status", value: String(status))
        for (name, value) in zip(names, values) where !dropped.contains(name) {
            headers.add(name: String(decoding: name, as: UTF8.self), value: String(decoding: value.trimmed, as: UTF8.self))
        }
        return headers
    }

    private static let connection = Array("connection".utf8)
    private static let connectionSpecific: [[UInt8]] = [
        "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te",
    ].map { Array($0.utf8) }

    /// Written once, read only by http_parser_execute (see ``HTTPParserBinding/callbacks(_:)``).
    nonisolated(unsafe) private static let callbacks = Binding.callbacks { settings in
        settings.on_header_field = { raw, bytes, count in
            let this = Binding.owner(of: raw)
            if this.inValue || this.names.isEmpty {
                this.inValue = false
                this.names.append([])
                this.values.append([])
            }
            this.names[this.names.count - 1].append(contentsOf: Binding.bytes(bytes, count).lowercased())
            return 0
        }
        settings.on_header_value = { raw, bytes, count in
            let this = Binding.owner(of: raw)
            this.inValue = true
            this.values[this.values.count - 1].append(contentsOf: Binding.bytes(bytes, count))
            return 0
        }
        settings.on_headers_complete = { raw in
            let this = Binding.owner(of: raw)
            this.status = Int(raw!.pointee.status_code)
            this.headJustEnded = true
            http_parser_pause(raw, 1)
            // Returning 1 tells http_parser the response has no body, which is so for an answer to HEAD.
            return this.answersHead ? 1 : 0
        }
        settings.on_body = { raw, bytes, count in
            let this = Binding.owner(of: raw)
            if let bytes, let base = this.scanBase {
                let start = UnsafeRawPointer(bytes) - base
                this.bodyRanges.append(start..<(start + count))
            }
            return 0
        }
        settings.on_message_complete = { raw in
            let this = Binding.owner(of: raw)
            this.messageComplete = true
            // Stop here: bytes after the end are not part of this response.
            http_parser_pause(raw, 1)
            return 0
        }
    }
}

extension Sequence<UInt8> {
    /// ASCII letters lowercased, other bytes as they are.
    fileprivate func lowercased() -> [UInt8] {
        map { $0 >= 65 && $0 <= 90 ? $0 | 0x20 : $0 }
    }
}

extension Array<UInt8> {
    /// Without the spaces and tabs around it.
    fileprivate var trimmed: ArraySlice<UInt8> {
        var slice = self[...]
        while let last = slice.last, last == 0x20 || last == 0x09 { slice.removeLast() }
        while let first = slice.first, first == 0x20 || first == 0x09 { slice.removeFirst() }
        return slice
    }
}
