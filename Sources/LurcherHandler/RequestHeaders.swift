internal import LurcherProtocol

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

    // The decoded wire headers are kept as they are: converting every request's would cost more than
    // the few lookups a responder makes.
    private var storage: [String: HeaderValue]

    /// Creates headers from names and their values.
    public init(_ fields: [String: [String]] = [:]) {
        storage = fields.mapValues { $0.count == 1 ? .single($0[0]) : .list($0) }
    }

    init(decoded: [String: HeaderValue]) {
        storage = decoded
    }

    /// The number of distinct header names.
    public var count: Int { storage.count }

    /// The first value of header `name`, ignoring case; nil when absent.
    public subscript(_ name: String) -> String? {
        value(name)?.first
    }

    /// Every value of header `name`, ignoring case; empty when absent.
    public func values(_ name: String) -> [String] {
        value(name)?.all ?? []
    }

    private func value(_ name: String) -> HeaderValue? {
        if let value = storage[name] { return value }
        let lowercased = name.lowercased()
        if let value = storage[lowercased] { return value }
        for (key, value) in storage where key.lowercased() == lowercased {
            return value
        }
        return nil
    }

    /// Whether header `name` is present, ignoring case.
    public func contains(_ name: String) -> Bool {
        value(name) != nil
    }

    /// The headers as a dictionary from the received name to its values.
    public var dictionary: [String: [String]] { storage.mapValues(\.all) }

    /// The headers, sorted by name so output is stable.
    public func makeIterator() -> IndexingIterator<[Field]> {
        storage.keys.sorted().map { Field(name: $0, values: storage[$0]!.all) }.makeIterator()
    }
}
