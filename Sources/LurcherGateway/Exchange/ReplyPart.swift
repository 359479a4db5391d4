/// A handler's reply, parsed once, in the order its parts go to the client: what the connection's writer and
/// the access log read, whichever protocol the client speaks.
///
/// `Bytes` are the reply's bytes as the handler sent them (an HTTP/1 response); a part is cut where the head
/// and the response end, so a writer can pass them through untouched.
enum ReplyPart<Bytes> {
    /// The whole status line and header block, and the status code in it.
    case head(status: Int, Bytes)
    /// Bytes of the body as sent, transfer coding included.
    case body(Bytes)
    /// The response is complete. `keepAlive`: whether it lets the connection carry another request.
    /// `excessBytes`: how many bytes the handler sent past its end, which are dropped.
    case end(keepAlive: Bool, excessBytes: Int)
    /// The bytes are not an HTTP response; nothing more of this reply can be used.
    case malformed

    /// The same part, with its bytes made into another type.
    func map<Other>(_ transform: (Bytes) -> Other) -> ReplyPart<Other> {
        switch self {
        case .head(let status, let bytes): .head(status: status, transform(bytes))
        case .body(let bytes): .body(transform(bytes))
        case .end(let keepAlive, let excessBytes): .end(keepAlive: keepAlive, excessBytes: excessBytes)
        case .malformed: .malformed
        }
    }
}
