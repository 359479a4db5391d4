/// The headers of a response, in order. Names compare without regard to case.
///
/// ```swift
/// var headers: ResponseHeaders = ["Content-Type": "text/html", "Cache-Control": "no-store"]
/// headers.add(name: "Set-Cookie", value: "a=1")
/// headers["Content-Type"] = "text/plain"   // replaces
/// ```
public struct ResponseHeaders: Sendable, Sequence, ExpressibleByDictionaryLiteral {
    /// One header line.
    public struct Field: Sendable, Hashable {
        /// The name, as it will be written.
        public var name: String
        /// The value, as it will be written.
        public var value: String

        /// Creates a header line.
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    private var fields: [Field]

    /// Creates headers from name-value pairs, in order.
    public init(_ pairs: [(String, String)] = []) {
        fields = pairs.map { Field(name: $0.0, value: $0.1) }
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }

    /// The number of header lines.
    public var count: Int { fields.count }

    /// Appends a header line, keeping any of the same name (as `Set-Cookie` needs).
    public mutating func add(name: String, value: String) {
        fields.append(Field(name: name, value: value))
    }

    /// Replaces every header line named `name` with one, or appends it.
    public mutating func replaceOrAdd(name: String, value: String) {
        if let index = fields.firstIndex(where: { Self.same($0.name, name) }) {
            fields[index].value = value
            var following = index + 1
            while following < fields.count {
                if Self.same(fields[following].name, name) { fields.remove(at: following) } else { following += 1 }
            }
        } else {
            add(name: name, value: value)
        }
    }

    /// Removes every header line named `name`.
    public mutating func remove(name: String) {
        fields.removeAll { Self.same($0.name, name) }
    }

    /// Every value of header `name`, in order.
    public func values(_ name: String) -> [String] {
        fields.filter { Self.same($0.name, name) }.map(\.value)
    }

    /// Whether a header named `name` is present.
    public func contains(_ name: String) -> Bool {
        fields.contains { Self.same($0.name, name) }
    }

    /// The first value of header `name`; setting replaces every line of that name, and nil removes them.
    public subscript(_ name: String) -> String? {
        get { fields.first { Self.same($0.name, name) }?.value }
        set {
            if let newValue { replaceOrAdd(name: name, value: newValue) } else { remove(name: name) }
        }
    }

    public func makeIterator() -> IndexingIterator<[Field]> {
        fields.makeIterator()
    }

    private static func same(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && a.lowercased() == b.lowercased()
    }
}
