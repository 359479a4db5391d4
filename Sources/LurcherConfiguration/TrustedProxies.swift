import Foundation

/// `[server] trusted_proxies`: the peers whose `X-Forwarded-For`, `X-Forwarded-Proto` and `Forwarded` headers are
/// believed, as address ranges (`10.0.0.0/8`, `::1`). As nginx's realip module has it: a trusted peer's
/// `X-Forwarded-For` is appended to and the others passed on; from anyone else `X-Forwarded-For` is replaced by
/// the peer and the other two are removed, so a client cannot claim another address or scheme.
public struct TrustedProxies: Sendable, Equatable {
    /// One range: the address's bytes (4 or 16) and how many leading bits must match.
    struct Range: Sendable, Equatable {
        var bytes: [UInt8]
        var prefix: Int
    }

    var ranges: [Range]

    /// No peer is trusted.
    public init() {
        ranges = []
    }

    /// The ranges written as `ADDRESS` or `ADDRESS/PREFIX`; nil if one is not.
    public init?(_ texts: [String]) {
        var ranges: [Range] = []
        for text in texts {
            let parts = text.split(separator: "/", maxSplits: 1)
            guard let bytes = Self.bytes(of: String(parts[0])) else { return nil }
            let prefix = parts.count == 2 ? Int(parts[1]) : bytes.count * 8
            guard let prefix, (0...bytes.count * 8).contains(prefix) else { return nil }
            ranges.append(Range(bytes: bytes, prefix: prefix))
        }
        self.ranges = ranges
    }

    public var isEmpty: Bool { ranges.isEmpty }

    /// Whether `address` (a peer's IP address as text, IPv4-mapped IPv6 too) is in one of the ranges.
    public func contains(_ address: String) -> Bool {
        guard !ranges.isEmpty, var bytes = Self.bytes(of: address) else { return false }
        // `::ffff:10.1.2.3` is the IPv4 peer 10.1.2.3 on a dual-stack socket.
        if bytes.count == 16, bytes[..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff {
            bytes = Array(bytes[12...])
        }
        return ranges.contains { range in
            guard range.bytes.count == bytes.count else { return false }
            var bits = range.prefix
            for (a, b) in zip(range.bytes, bytes) where bits > 0 {
                let mask: UInt8 = bits >= 8 ? 0xff : ~(0xff >> UInt8(bits))
                if a & mask != b & mask { return false }
                bits -= 8
            }
            return true
        }
    }

    /// The bytes of an IPv4 or IPv6 address, by inet_pton.
    private static func bytes(of text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}
