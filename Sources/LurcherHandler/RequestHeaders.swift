/// The headers of a request, as the gateway sent them.
///
/// Client header names arrive lowercased; the gateway adds its own keys in
/// capitals (`METHOD`, `VERSION`, `URI`, `PATH`, `QUERY`, `PATTERN`,
/// `URL_SCHEME`, `REMOTE_ADDR`) and `x-forwarded-for`. A header the client
/// repeated has several values. Lookups ignore case: an exact match wins,
/// so `"METHOD"` finds the gateway's key even if a client sent `method`.
public struct RequestHeaders: Sendable, Sequence {
    /// One header: its name as received and its values in the order sent.
    public struct Field: Sendable, Hashable {
        /// The name as received.
        public var name: String
        /// The values; more than one when the client repeated the header.
        public var values: [String]
    }

    private var storage: [String: [String]]

    /// Creates headers from names and their values.
    public init(_ fields: [String: [String]] = [:]) {
        storage = fields
    }

    /// The number of distinct header names.
    public var count: Int { storage.count }

    /// The first value of header `name`, ignoring case; nil when absent.
    public subscript(_ name: String) -> String? {
        values(name).first
    }

    /// Every value of header `name`, ignoring case; empty when absent.
    public func values(_ name: String) -> [String] {
        if let values = storage[name] { return values }
        let lowercased = name.lowercased()
        if let values = storage[lowercased] { return values }
        for (key, values) in storage where key.lowercased() == lowercased {
            return values
        }
        return []
    }

    /// Whether header `name` is present, ignoring case.
    public func contains(_ name: String) -> Bool {
        !values(name).isEmpty
    }

    /// The headers as a dictionary from the received name to its values.
    public var dictionary: [String: [String]] { storage }

    /// The headers, sorted by name so output is stable.
    public func makeIterator() -> IndexingIterator<[Field]> {
        storage.keys.sorted().map { Field(name: $0, values: storage[$0]!) }.makeIterator()
    }
}
