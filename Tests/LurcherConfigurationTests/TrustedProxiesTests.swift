import LurcherConfiguration
import Testing

/// `[server] trusted_proxies`: address ranges, IPv4 and IPv6, and IPv4 peers seen through an IPv6 socket.
@Suite struct TrustedProxiesTests {
    @Test func addressesMatchTheirRangesOnly() throws {
        let trusted = try #require(TrustedProxies(["10.0.0.0/8", "192.0.2.7", "2001:db8::/32", "::1"]))
        for inside in ["10.1.2.3", "10.255.255.255", "192.0.2.7", "2001:db8::5", "::1", "::ffff:10.9.9.9"] {
            #expect(trusted.contains(inside), "\(inside)")
        }
        for outside in ["11.0.0.1", "192.0.2.8", "2001:db9::1", "::2", "not an address", ""] {
            #expect(!trusted.contains(outside), "\(outside)")
        }
        #expect(!TrustedProxies().contains("127.0.0.1"))
        #expect(try #require(TrustedProxies(["0.0.0.0/0"])).contains("203.0.113.9"))
        #expect(try #require(TrustedProxies(["10.0.0.0/12"])).contains("10.15.0.1"))
        #expect(try #require(TrustedProxies(["10.0.0.0/12"])).contains("10.16.0.1") == false)
    }

    @Test func aBadEntryIsRefusedWithItsKey() {
        for entry in ["10.0.0.0/33", "example.com", "10.0.0.0/x", "::1/129"] {
            #expect(TrustedProxies([entry]) == nil, "\(entry)")
        }
        #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader.parse(
                "[server]\ntrusted_proxies = [\"nope\"]\n[[hosts]]\nname = \"x\"\n[hosts.routes]\n\"/\" = { dir = \"/tmp\" }\n",
                file: "t.toml")
        }
    }
}
