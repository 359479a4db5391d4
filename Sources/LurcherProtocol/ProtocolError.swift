/// Why a piece of the Mongrel2 wire protocol could not be decoded.
///
/// Every case carries enough context to log a useful line about a bad
/// message without keeping the message itself around.
public enum ProtocolError: Error, Sendable, Equatable {
    /// The input ended early: `expected` bytes were needed from the point
    /// where decoding stopped, but only `available` were left.
    case truncated(expected: Int, available: Int)
    /// A length prefix was not 1 to 9 decimal digits followed by `:`.
    /// The associated text is the offending prefix (at most a few bytes).
    case badLength(String)
    /// A netstring or the id list of a reply did not end with the byte it must.
    case badTerminator(expected: UInt8, found: UInt8)
    /// A tnetstring ended with a type tag that is not one of `,#^!~]}`.
    case unknownTag(UInt8)
    /// A tnetstring scalar whose payload does not fit its tag, such as
    /// `5:maybe!` or `2:1x#`.
    case badValue(tag: UInt8, payload: String)
    /// Nested tnetstring lists or dictionaries went deeper than `limit`.
    /// Decoding is recursive, so without a limit a small hostile message
    /// could exhaust the stack.
    case nestingTooDeep(limit: Int)
    /// A connection id that is not a decimal `UInt64`. The text is the
    /// offending id (shortened).
    case badConnectionID(String)
    /// Bytes were left over after a value that must span the whole input.
    case trailingBytes(count: Int)
    /// The input breaks a structural rule; the text says which.
    case malformed(String)
}

extension ProtocolError: CustomStringConvertible {
    /// A one-line explanation, fit for a log.
    public var description: String {
        switch self {
        case .truncated(let expected, let available):
            return "truncated input: needed \(expected) bytes, had \(available)"
        case .badLength(let prefix):
            return "bad length prefix \"\(prefix)\": expected 1 to 9 decimal digits and ':'"
        case .badTerminator(let expected, let found):
            return "expected '\(Self.show(expected))' but found '\(Self.show(found))'"
        case .unknownTag(let tag):
            return "unknown tnetstring type tag '\(Self.show(tag))'"
        case .badValue(let tag, let payload):
            return "payload \"\(payload)\" is not valid for tnetstring tag '\(Self.show(tag))'"
        case .nestingTooDeep(let limit):
            return "tnetstring nesting deeper than \(limit) levels"
        case .badConnectionID(let id):
            return "connection id \"\(id)\" is not a decimal number that fits 64 bits"
        case .trailingBytes(let count):
            return "\(count) unexpected bytes after the end of the value"
        case .malformed(let reason):
            return "malformed message: \(reason)"
        }
    }

    /// Shows a byte as itself when printable, else as `\xNN`, so log lines
    /// stay on one line.
    static func show(_ byte: UInt8) -> String {
        if byte >= 0x20 && byte < 0x7F {
            return String(UnicodeScalar(byte))
        }
        let hex = String(byte, radix: 16, uppercase: true)
        return "\\x" + (hex.count == 1 ? "0" + hex : hex)
    }

    /// Renders a few bytes of context for an error, lossily and shortened,
    /// because the input may be large or binary.
    static func excerpt(_ bytes: some Collection<UInt8>, limit: Int = 32) -> String {
        var text = ""
        for byte in bytes.prefix(limit) {
            text += show(byte)
        }
        if bytes.count > limit {
            text += "..."
        }
        return text
    }
}
