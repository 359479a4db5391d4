import Foundation

extension Request {
    /// The query's `name=value` pairs, percent-decoded, with `+` read as a
    /// space, in order. A bare `name` has an empty value.
    public var queryItems: [(name: String, value: String)] {
        guard let query, !query.isEmpty else { return [] }
        return query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let value = parts.count > 1 ? Self.formDecode(parts[1]) : ""
            return (Self.formDecode(parts[0]), value)
        }
    }

    /// The first value of query parameter `name`, or nil when absent.
    ///
    /// For `?sleep=200&close=1`, `queryParameter("sleep")` is `"200"`.
    public func queryParameter(_ name: String) -> String? {
        queryItems.first { $0.name == name }?.value
    }

    private static func formDecode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}
