/// A request's method, by the bytes of its name: whatever token the client sent (RFC 9110, 9.1), whichever
/// protocol carried it. Methods are case-sensitive, so they compare byte for byte.
struct RequestMethod: Equatable, Sendable {
    /// The method's name as sent, which handlers get as `METHOD`.
    let name: [UInt8]

    static let get = RequestMethod(name: Array("GET".utf8))
    static let head = RequestMethod(name: Array("HEAD".utf8))
    static let options = RequestMethod(name: Array("OPTIONS".utf8))
    static let connect = RequestMethod(name: Array("CONNECT".utf8))

    /// GET, HEAD or OPTIONS (RFC 9110, 9.2.1): in broker mode, sent to another handler process if its first dies.
    var isSafe: Bool { self == .get || self == .head || self == .options }
}
