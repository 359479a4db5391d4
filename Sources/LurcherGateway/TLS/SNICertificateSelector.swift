/// Chooses the certificate for a TLS handshake from the client's SNI name, matching names as the router
/// matches Host headers: the exact name first, then the `*.suffix` host with the longest suffix, then `*`.
/// A name that matches no host with a certificate of its own, or no name at all, gets the default (nil).
struct SNICertificateSelector<Pair> {
    private var exact: [String: Pair] = [:]
    /// `*.example.com` as `.example.com`, longest first; `*` as the empty suffix, last.
    private var wildcards: [(suffix: String, pair: Pair)] = []

    /// - Parameter hosts: host names as configured (lowercased; `*.example.com` and `*` allowed), with their pairs.
    init(hosts: [(name: String, pair: Pair)]) {
        for (name, pair) in hosts {
            if name == "*" {
                wildcards.append(("", pair))
            } else if name.hasPrefix("*.") {
                wildcards.append((String(name.dropFirst()), pair))
            } else {
                exact[name] = pair
            }
        }
        wildcards.sort { $0.suffix.count > $1.suffix.count }
    }

    /// The pair for `serverName`, or nil for the default one.
    func select(serverName: String?) -> Pair? {
        guard let serverName, !serverName.isEmpty else { return nil }
        let name = serverName.lowercased()
        if let pair = exact[name] { return pair }
        return wildcards.first { $0.suffix.isEmpty || name.hasSuffix($0.suffix) }?.pair
    }
}

extension SNICertificateSelector: Sendable where Pair: Sendable {}
