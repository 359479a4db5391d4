import NIOCore
import Testing

@testable import LurcherGateway

/// The pure parts of the TLS room and what HTTPS adds to HTTP/1: the fingerprint's form, the SNI choice, the
/// redirect's Location, and the header added to heads the gateway did not write.
@Suite struct TLSPiecesTests {
    @Test func theFingerprintIsFortyUpperCaseHexDigitsWithNoTrailingZeros() {
        // SHA-1("abc"), FIPS 180's example.
        let fingerprint = String(decoding: CertificateFingerprint.sha1(der: Array("abc".utf8)), as: UTF8.self)
        #expect(fingerprint == "A9993E364706816ABA3E25717850C26C9CD0D89D")
        #expect(String(decoding: CertificateFingerprint.hex([0x00, 0x0F, 0xF0, 0xFF]), as: UTF8.self) == "000FF0FF")
    }

    @Test func sniChoosesTheExactNameThenTheLongestWildcardThenTheDefault() {
        let selector = SNICertificateSelector(hosts: [
            (name: "example.com", pair: "exact"), (name: "*.example.com", pair: "wild"),
            (name: "*.a.example.com", pair: "deeper"),
        ])
        #expect(selector.select(serverName: "example.com") == "exact")
        #expect(selector.select(serverName: "EXAMPLE.COM") == "exact")
        #expect(selector.select(serverName: "www.example.com") == "wild")
        #expect(selector.select(serverName: "b.a.example.com") == "deeper")
        #expect(selector.select(serverName: "example.org") == nil)
        #expect(selector.select(serverName: "notexample.com") == nil, "a suffix match needs the dot")
        #expect(selector.select(serverName: nil) == nil)
        #expect(selector.select(serverName: "") == nil)
        let catchAll = SNICertificateSelector(hosts: [(name: "*", pair: "any")])
        #expect(catchAll.select(serverName: "whatever.test") == "any")
    }

    @Test func theRedirectKeepsPathAndQueryDropsTheHostsPortAndOmits443() {
        let redirect = HTTPSRedirect(port: 8443)
        #expect(redirect.location(host: Array("Example.com:8080".utf8), path: Array("/a/b".utf8), query: Array("c=d".utf8)) == "https://Example.com:8443/a/b?c=d")
        #expect(redirect.location(host: Array("[::1]:80".utf8), path: Array("/".utf8), query: [UInt8]?.none) == "https://[::1]:8443/")
        #expect(HTTPSRedirect(port: 443).location(host: Array("example.com".utf8), path: Array("/".utf8), query: [UInt8]?.none) == "https://example.com/")
    }

    @Test(arguments: ["evil.test\"onload=x", "a b", "user@host", "[::1", "[zz]", "", "host/x"])
    func aHostThatIsNotAHostNameGetsNoRedirect(host: String) {
        #expect(HTTPSRedirect(port: 8443).location(host: Array(host.utf8), path: Array("/".utf8), query: [UInt8]?.none) == nil)
    }

    @Test func aHeaderLineGoesJustBeforeTheBlankLineOfAHead() throws {
        let head = ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")
        let added = try #require(ResponseHeadInsertion.inserting("X-A: 1", into: head, headLength: head.readableBytes - 2))
        #expect(String(buffer: added) == "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A: 1\r\n\r\nhi")
        let bare = ByteBuffer(string: "HTTP/1.1 200 OK\nContent-Length: 0\n\n")
        let bareAdded = try #require(ResponseHeadInsertion.inserting("X-A: 1", into: bare, headLength: bare.readableBytes))
        #expect(String(buffer: bareAdded) == "HTTP/1.1 200 OK\nContent-Length: 0\nX-A: 1\n\n")
        #expect(ResponseHeadInsertion.inserting("X-A: 1", into: ByteBuffer(string: "HTTP/1.1 200 OK\r\n"), headLength: 17) == nil)
    }
}
