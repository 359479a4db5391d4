import NIOCore
import NIOHPACK

/// What an HTTP/2 stream's glue writes for its ``HTTP1Connection``: frames made from a handler's reply, or a
/// file's header block and body.
enum HTTP2Output: ConnectionOutput {
    /// A header block; `bytes` is the length of the HTTP/1.1 head it came from, as the access log counts it.
    case headers(HPACKHeaders, endStream: Bool, bytes: Int)
    case data(ByteBuffer, endStream: Bool)
    /// A file answer: its header block, the body read in with the head, and the rest, read from `handle`.
    case file(headers: HPACKHeaders, headBytes: Int, inline: ByteBuffer?, body: [FileBodyPart], handle: NIOFileHandle)

    var byteCount: Int {
        switch self {
        case .headers(_, _, let bytes): bytes
        case .data(let buffer, _): buffer.readableBytes
        case .file(_, let headBytes, let inline, let body, _):
            body.reduce(headBytes + (inline?.readableBytes ?? 0)) { $0 + $1.count }
        }
    }

    /// The same output, now ending the stream: the last frame of a reply carries END_STREAM.
    var endingStream: HTTP2Output {
        switch self {
        case .headers(let headers, _, let bytes): .headers(headers, endStream: true, bytes: bytes)
        case .data(let buffer, _): .data(buffer, endStream: true)
        case .file: self
        }
    }
}
