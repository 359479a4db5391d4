extension TNetString {
    /// This value as the text of a header: strings as UTF-8 text, anything
    /// else in a JSON-like spelling, so a handler always gets a `String`.
    var headerText: String {
        switch self {
        case .string(let bytes):
            return String(decoding: bytes, as: UTF8.self)
        case .integer(let value):
            return String(value)
        case .float(let value):
            return String(value)
        case .bool(let value):
            return value ? "true" : "false"
        case .null:
            return "null"
        case .list(let elements):
            return "[" + elements.map(\.quotedText).joined(separator: ",") + "]"
        case .dictionary(let pairs):
            let members = pairs.map { pair in
                TNetString.string(pair.key).quotedText + ":" + pair.value.quotedText
            }
            return "{" + members.joined(separator: ",") + "}"
        }
    }

    /// Like `headerText`, but strings are quoted, for use inside containers.
    private var quotedText: String {
        guard case .string(let bytes) = self else { return headerText }
        var quoted: [UInt8] = []
        JSONString.append(bytes, to: &quoted)
        return String(decoding: quoted, as: UTF8.self)
    }
}
