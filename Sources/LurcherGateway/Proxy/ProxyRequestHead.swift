import NIOHTTP1

/// The head a proxy route sends its backend, made from the client's as nginx's proxy module makes it: the
/// request line as sent (an absolute-form target cut to its path and query), the client's headers but the
/// hop-by-hop ones, the body's framing, and where the request came from (`X-Forwarded-For`, `X-Forwarded-Proto`,
/// `Forwarded`).
enum ProxyRequestHead {
    /// Headers that describe one connection, not the request (RFC 9110 7.6.1), with the framing headers, which the
    /// gateway writes itself, and `Expect`, which it has answered. A name the client's `Connection` lists is one too.
    static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
        "proxy-authenticate", "proxy-authorization", "content-length", "expect",
    ]
    /// Headers that say where a request came from: replaced, or with `no_clobber_xff` appended to.
    private static let forwarding: Set<String> = ["x-forwarded-for", "x-forwarded-proto", "forwarded"]

    /// - Parameters:
    ///   - hostHeader: the `Host` to send, or nil for the client's.
    ///   - trustsForwarding: the peer is believed (`no_clobber_xff`, `trusted_proxies`): keep what a proxy in front
    ///     said, and append to it.
    static func make(
        from head: RequestHead, target: RequestTarget, framing: ProxyRequest.BodyFraming, upgrade: Bool,
        hostHeader: String?, trustsForwarding: Bool
    ) -> HTTPRequestHead {
        var uri: String
        if target.host != nil {
            uri = String(decoding: target.path, as: UTF8.self)
            if let query = target.query { uri += "?" + String(decoding: query, as: UTF8.self) }
        } else {
            uri = String(decoding: head.url, as: UTF8.self)
        }
        var connectionNamed = Set<String>()
        for value in head.values(of: "connection") {
            for token in String(decoding: value, as: UTF8.self).split(separator: ",") {
                connectionNamed.insert(trimmed(token).lowercased())
            }
        }
        var headers = HTTPHeaders()
        headers.reserveCapacity(head.fields.count + 5)
        let clientHost = target.host.map { String(decoding: $0, as: UTF8.self) } ?? head.string(of: "host")
        if let host = hostHeader ?? clientHost { headers.add(name: "host", value: host) }
        for field in head.fields {
            let name = String(decoding: head.name(of: field), as: UTF8.self)
            if name == "host" || hopByHop.contains(name) || connectionNamed.contains(name) || forwarding.contains(name) {
                continue
            }
            headers.add(name: name, value: String(decoding: head.value(of: field), as: UTF8.self))
        }
        let peer = String(decoding: head.peer, as: UTF8.self)
        let scheme = String(decoding: head.scheme.name, as: UTF8.self)
        func forwarded(_ name: String, _ own: String, separator: String = ", ") {
            let earlier = trustsForwarding ? head.values(of: name).map { String(decoding: $0, as: UTF8.self) } : []
            headers.add(name: name, value: (earlier + [own]).joined(separator: separator))
        }
        forwarded("x-forwarded-for", peer)
        headers.add(name: "x-forwarded-proto", value: scheme)
        forwarded("forwarded", forwardedElement(peer: peer, scheme: scheme, host: clientHost))
        switch framing {
        case .none: break
        case .length(let length): headers.add(name: "content-length", value: String(length))
        case .chunked: headers.add(name: "transfer-encoding", value: "chunked")
        }
        if upgrade {
            headers.add(name: "connection", value: "upgrade")
            for value in head.values(of: "upgrade") { headers.add(name: "upgrade", value: String(decoding: value, as: UTF8.self)) }
        }
        return HTTPRequestHead(
            version: .http1_1, method: HTTPMethod(rawValue: String(decoding: head.method.name, as: UTF8.self)), uri: uri,
            headers: headers)
    }

    /// RFC 7239's element for this hop: `for` (an IPv6 address quoted in brackets), `proto`, and `host` when known.
    static func forwardedElement(peer: String, scheme: String, host: String?) -> String {
        var element = peer.contains(":") ? "for=\"[\(peer)]\"" : "for=\(peer)"
        element += ";proto=\(scheme)"
        if let host, !host.isEmpty {
            let token = host.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && !"\"\\;,=[]:".utf8.contains($0) }
            // The front end refuses a Host with quotes, backslashes or controls, so quoting needs no escapes.
            element += token ? ";host=\(host)" : ";host=\"\(host)\""
        }
        return element
    }

    private static func trimmed(_ text: Substring) -> Substring {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = text.firstIndex(where: { !blank($0) }), let last = text.lastIndex(where: { !blank($0) }) else { return "" }
        return text[first...last]
    }
}
