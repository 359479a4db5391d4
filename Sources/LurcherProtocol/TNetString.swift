/// A tagged netstring value: the typed serialization Mongrel2 uses for
/// `protocol = tnetstring` headers and for the commands in extended replies.
///
/// The wire form is `LEN:PAYLOAD` followed by a one-byte type tag:
///
/// | case | tag | example |
/// | --- | --- | --- |
/// | `string` | `,` | `5:hello,` |
/// | `integer` | `#` | `2:42#` |
/// | `float` | `^` | `3:0.5^` |
/// | `bool` | `!` | `4:true!` |
/// | `null` | `~` | `0:~` |
/// | `list` | `]` | `8:1:a,1:b,]` |
/// | `dictionary` | `}` | `8:1:k,1:v,}` |
public indirect enum TNetString: Sendable, Equatable {
    /// Raw bytes. Tnetstrings do not say what encoding text is in.
    case string([UInt8])
    /// A signed integer.
    case integer(Int)
    /// A floating-point number.
    case float(Double)
    /// `true` or `false`.
    case bool(Bool)
    /// The null value, always `0:~`.
    case null
    /// An ordered list of values.
    case list([TNetString])
    /// A dictionary with string keys, in wire order. Order is kept (and
    /// duplicate keys are allowed) so that decode then encode gives the
    /// same bytes back.
    case dictionary([Pair])

    /// One key and its value in a `dictionary`.
    public struct Pair: Sendable, Equatable {
        /// The key's bytes; on the wire always a `,` string.
        public var key: [UInt8]
        /// The value stored under `key`.
        public var value: TNetString

        /// Creates a pair from a key's bytes and a value.
        public init(key: [UInt8], value: TNetString) {
            self.key = key
            self.value = value
        }

        /// Creates a pair from a key given as text (stored as UTF-8).
        public init(key: String, value: TNetString) {
            self.key = Array(key.utf8)
            self.value = value
        }
    }

    /// The type tag byte this value ends with on the wire.
    public var tag: UInt8 {
        switch self {
        case .string: return UInt8(ascii: ",")
        case .integer: return UInt8(ascii: "#")
        case .float: return UInt8(ascii: "^")
        case .bool: return UInt8(ascii: "!")
        case .null: return UInt8(ascii: "~")
        case .list: return UInt8(ascii: "]")
        case .dictionary: return UInt8(ascii: "}")
        }
    }
}
