/// How the HEADERS part of a request is encoded on the wire.
///
/// This is the `protocol` setting of a handler in Mongrel2 terms. Both forms
/// carry the same keys; only the framing and the value syntax differ.
public enum HeaderEncoding: String, Sendable {
    /// A JSON object inside a netstring: `LEN:{"k":"v"},`. Mongrel2's default.
    case json
    /// A tnetstring dictionary: `LEN:1:k,1:v,}`.
    case tnetstring
}
