/// The headers of a GET or HEAD that decide whether a file is sent whole, in part, or not at all
/// (RFC 9110, sections 13 and 14).
struct FileConditions: Sendable {
    var ifMatch: String?
    var ifNoneMatch: String?
    var ifModifiedSince: String?
    var ifUnmodifiedSince: String?
    var ifRange: String?
    var range: String?

    init(
        ifMatch: String? = nil, ifNoneMatch: String? = nil, ifModifiedSince: String? = nil,
        ifUnmodifiedSince: String? = nil, ifRange: String? = nil, range: String? = nil
    ) {
        self.ifMatch = ifMatch
        self.ifNoneMatch = ifNoneMatch
        self.ifModifiedSince = ifModifiedSince
        self.ifUnmodifiedSince = ifUnmodifiedSince
        self.ifRange = ifRange
        self.range = range
    }

    /// Reads the conditional and range headers of a request.
    init(_ head: RequestHead) {
        // Repeated list headers are one list (RFC 9110, 5.3).
        func list(_ name: String) -> String? {
            let values = head.values(of: name)
            return values.isEmpty ? nil : values.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ", ")
        }
        self.init(
            ifMatch: list("if-match"), ifNoneMatch: list("if-none-match"),
            ifModifiedSince: head.string(of: "if-modified-since"), ifUnmodifiedSince: head.string(of: "if-unmodified-since"),
            ifRange: head.string(of: "if-range"), range: head.string(of: "range"))
    }
}
