/// What a request came over: the protocol version and the scheme, as handlers are told them.
extension RequestHead {
    /// The protocol version the request was sent in.
    struct Version: Equatable {
        var major: Int
        var minor: Int

        static let http11 = Version(major: 1, minor: 1)
        static let http10 = Version(major: 1, minor: 0)
        private static let http11Name = Array("HTTP/1.1".utf8)
        private static let http10Name = Array("HTTP/1.0".utf8)

        /// `HTTP/1.1`, as handlers get it in `VERSION`; the two versions there are in practice cost no formatting.
        var name: [UInt8] {
            switch self {
            case .http11: Self.http11Name
            case .http10: Self.http10Name
            default: Array("HTTP/\(major).\(minor)".utf8)
            }
        }
    }

    /// The scheme the request came over, which handlers get as `URL_SCHEME`.
    enum Scheme {
        case http
        case https

        private static let httpName = Array("http".utf8)
        private static let httpsName = Array("https".utf8)

        var name: [UInt8] {
            switch self {
            case .http: Self.httpName
            case .https: Self.httpsName
            }
        }
    }
}
