/// `[server] redirect_to_https`: the `Location` that sends a plain-HTTP request to the same URL on the HTTPS
/// listener.
struct HTTPSRedirect: Sendable {
    /// The HTTPS listener's port; 443 is left out of the URL.
    let port: Int

    /// `https://HOST[:PORT]PATH[?QUERY]` for a request to `host` (a Host header, any port in it dropped), or nil
    /// when `host` is not a plain DNS name or IP address literal, which the answer must not echo.
    func location(host: some Collection<UInt8>, path: some Collection<UInt8>, query: (some Collection<UInt8>)?) -> String? {
        guard let name = Self.hostName(Array(host)) else { return nil }
        var location = "https://" + name
        if port != 443 { location += ":\(port)" }
        location += String(decoding: path, as: UTF8.self)
        if let query { location += "?" + String(decoding: query, as: UTF8.self) }
        return location
    }

    /// The name in a Host header without its port: letters, digits, `-` and `.`, or an IPv6 literal in brackets.
    private static func hostName(_ header: [UInt8]) -> String? {
        let name: ArraySlice<UInt8>
        if header.first == UInt8(ascii: "[") {
            guard let close = header.firstIndex(of: UInt8(ascii: "]")) else { return nil }
            name = header[...close]
            guard name.dropFirst().dropLast().allSatisfy({ isHexDigit($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") })
            else { return nil }
        } else {
            name = header.split(separator: UInt8(ascii: ":"), maxSplits: 1, omittingEmptySubsequences: false).first ?? []
            guard name.allSatisfy({ isHostByte($0) }) else { return nil }
        }
        guard name.count > 0, name.count <= 255 else { return nil }
        return String(decoding: name, as: UTF8.self)
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte | 0x20)
    }

    private static func isHostByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20)
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
    }
}
