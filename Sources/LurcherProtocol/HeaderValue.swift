/// The value of one header in a decoded request: a header sent once, or a
/// header the client repeated, which the gateway sends as a list.
public enum HeaderValue: Sendable, Equatable {
    /// A header with one value.
    case single(String)
    /// A repeated header, its values in the order the client sent them.
    case list([String])

    /// The value, or the first of a list.
    public var first: String? {
        switch self {
        case .single(let value): return value
        case .list(let values): return values.first
        }
    }

    /// Every value: one for `.single`, all of them for `.list`.
    public var all: [String] {
        switch self {
        case .single(let value): return [value]
        case .list(let values): return values
        }
    }
}
