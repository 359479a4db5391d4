extension TNetString {
    /// Creates a `.string` from text, stored as its UTF-8 bytes.
    public static func string(_ text: String) -> TNetString {
        .string(Array(text.utf8))
    }

    /// The bytes of a `.string`, else nil.
    public var bytesValue: [UInt8]? {
        if case .string(let bytes) = self { return bytes }
        return nil
    }

    /// The text of a `.string`, decoded as UTF-8 (invalid sequences become
    /// U+FFFD), else nil.
    public var stringValue: String? {
        if case .string(let bytes) = self { return String(decoding: bytes, as: UTF8.self) }
        return nil
    }

    /// The value of an `.integer`, else nil.
    public var integerValue: Int? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// The value of a `.float`, else nil.
    public var floatValue: Double? {
        if case .float(let value) = self { return value }
        return nil
    }

    /// The value of a `.bool`, else nil.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// Whether this is `.null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The elements of a `.list`, else nil.
    public var listValue: [TNetString]? {
        if case .list(let elements) = self { return elements }
        return nil
    }

    /// The pairs of a `.dictionary`, else nil.
    public var dictionaryValue: [Pair]? {
        if case .dictionary(let pairs) = self { return pairs }
        return nil
    }

    /// The first value stored under `key` in a `.dictionary`; nil when the
    /// key is absent or this is not a dictionary. A linear scan: header
    /// dictionaries are small and keeping wire order matters more.
    public subscript(key: String) -> TNetString? {
        guard case .dictionary(let pairs) = self else { return nil }
        let wanted = key.utf8
        return pairs.first { $0.key.elementsEqual(wanted) }?.value
    }

    /// The element at `index` of a `.list`; nil when out of range or not a list.
    public subscript(index: Int) -> TNetString? {
        guard case .list(let elements) = self, elements.indices.contains(index) else { return nil }
        return elements[index]
    }
}

extension TNetString: ExpressibleByStringLiteral {
    /// A `.string` holding the literal's UTF-8 bytes.
    public init(stringLiteral value: String) {
        self = .string(Array(value.utf8))
    }
}

extension TNetString: ExpressibleByIntegerLiteral {
    /// An `.integer`.
    public init(integerLiteral value: Int) {
        self = .integer(value)
    }
}

extension TNetString: ExpressibleByFloatLiteral {
    /// A `.float`.
    public init(floatLiteral value: Double) {
        self = .float(value)
    }
}

extension TNetString: ExpressibleByBooleanLiteral {
    /// A `.bool`.
    public init(booleanLiteral value: Bool) {
        self = .bool(value)
    }
}

extension TNetString: ExpressibleByArrayLiteral {
    /// A `.list`.
    public init(arrayLiteral elements: TNetString...) {
        self = .list(elements)
    }
}

extension TNetString: ExpressibleByDictionaryLiteral {
    /// A `.dictionary` whose pairs keep the literal's order.
    public init(dictionaryLiteral elements: (String, TNetString)...) {
        self = .dictionary(elements.map { Pair(key: $0.0, value: $0.1) })
    }
}
