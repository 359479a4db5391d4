@testable import LurcherGateway

extension RequestHead {
    /// Fills the head the way a front end with no HTTP/1 bytes would (an HTTP/2 stream, say): from fields it
    /// already has apart, names lowercased as HTTP/2 sends them.
    mutating func fill(
        _ method: RequestMethod, _ url: String, version: Version = .http11, fields: [(name: String, value: String)] = []
    ) {
        removeAll()
        self.method = method
        self.url = Array(url.utf8)
        self.version = version
        for field in fields {
            Array(field.name.utf8).withUnsafeBytes { appendName($0, startsField: true) }
            Array(field.value.utf8).withUnsafeBytes { appendValue($0, startsValue: true) }
        }
    }
}

extension RequestMethod {
    static let post = RequestMethod(name: Array("POST".utf8))
}
