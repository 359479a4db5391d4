import LurcherProtocol

/// One request's streamed upload (Mongrel2's `upload.stream`, `src/upload.c` `Upload_stream`) as the intake reads
/// it: the body bytes read and not yet sent, the offset (body bytes sent so far), and the messages after the
/// first.
///
/// The first message, the request's full headers with `UPLOAD_STREAM: "0"`, is the request encoder's
/// (``HandlerRequestEncoder/uploadStreamStart(for:target:pattern:body:isLast:to:)``); each later one carries
/// only `UPLOAD_STREAM` (and `UPLOAD_STREAM_DONE` on the last) and the next piece of the body. How much is read
/// between messages is the connection's business (the handler's credits), not this type's.
struct UploadStream {
    /// A message of the stream after the first.
    struct Piece {
        var message: [UInt8]
        /// How many body bytes it carries.
        var bodyBytes: Int
        /// It carries `UPLOAD_STREAM_DONE`.
        var isLast: Bool
    }

    /// The body is chunked, so its length is unknown until its last chunk.
    let chunked: Bool
    /// The messages' fixed part; nil for a proxy route's body, whose pieces go to the backend as they are.
    private let messages: FollowUpMessages?
    private let encoding: HeaderEncoding
    /// Body bytes read and not yet in a message.
    private(set) var pending: [UInt8] = []
    /// Body bytes already sent.
    private(set) var offset = 0
    /// The body's last byte has been read.
    private(set) var bodyEnded = false
    /// The first message has been taken.
    private(set) var started = false
    /// The message with `UPLOAD_STREAM_DONE` has been taken.
    private(set) var finished = false

    init(chunked: Bool, messages: FollowUpMessages?, encoding: HeaderEncoding = .json) {
        self.chunked = chunked
        self.messages = messages
        self.encoding = encoding
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) { pending.append(contentsOf: bytes) }

    mutating func endBody() { bodyEnded = true }

    /// The first message's body (whatever was read before it) and whether it is the last message.
    mutating func takeFirst() -> (body: [UInt8], isLast: Bool) {
        started = true
        let body = pending
        pending = []
        offset = body.count
        // A chunked body's end has a message of its own, as in Mongrel2, which reads the last (empty) chunk
        // separately; a fixed-length body's end comes with its last bytes.
        finished = bodyEnded && !chunked
        return (body, finished)
    }

    /// The next message after the first, if there is one to send.
    mutating func takePiece() -> Piece? {
        guard started, !finished else { return nil }
        if !pending.isEmpty {
            let isLast = bodyEnded && !chunked
            let piece = Piece(message: encode(body: pending, isLast: isLast), bodyBytes: pending.count, isLast: isLast)
            offset += pending.count
            pending.removeAll(keepingCapacity: true)
            finished = isLast
            return piece
        }
        guard bodyEnded else { return nil }
        finished = true
        return Piece(message: encode(body: [], isLast: true), bodyBytes: 0, isLast: true)
    }

    /// `{"UPLOAD_STREAM":"<offset>"}`, with `"UPLOAD_STREAM_DONE":"1"` on the last, and the piece as its body.
    private func encode(body: [UInt8], isLast: Bool) -> [UInt8] {
        guard let messages else { return body }
        var headers = RequestHeadersWriter(encoding: encoding, reservingCapacity: 64)
        headers.append(name: Self.stream, value: String(offset).utf8)
        if isLast { headers.append(name: Self.done, value: Self.one) }
        return messages.message(headers: headers, body: body)
    }

    static let stream = Array("UPLOAD_STREAM".utf8)
    static let done = Array("UPLOAD_STREAM_DONE".utf8)
    static let one = Array("1".utf8)
}
