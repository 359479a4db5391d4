import LurcherProtocol
import Testing

@testable import LurcherGateway

/// The one Mongrel2 encoder: what of a neutral head reaches a handler, and in which encoding.
@Suite struct HandlerRequestEncoderTests {
    private func message(
        _ fields: [(name: String, value: String)], body: String = "", encoding: HeaderEncoding = .json,
        counters: GatewayCounters = GatewayCounters()
    ) throws -> DecodedRequest {
        var encoder = HandlerRequestEncoder(connectionID: 3, counters: counters)
        return try message(fields, body: body, with: &encoder, to: HandlerIdentity(sendIdent: Array("S".utf8), encoding: encoding))
    }

    /// The next request of the connection `encoder` serves.
    private func message(
        _ fields: [(name: String, value: String)], body: String = "", with encoder: inout HandlerRequestEncoder,
        to handler: HandlerIdentity
    ) throws -> DecodedRequest {
        var head = RequestHead(peer: Array("10.0.0.1".utf8), scheme: .http)
        head.fill(.post, "/app/x", fields: fields)
        let target = try #require(RequestTarget(url: head.url, isConnect: false))
        let bytes = encoder.message(for: head, target: target, pattern: Array("/app".utf8), body: Array(body.utf8), to: handler)
        return try WireRequest.decode(bytes)
    }

    @Test(arguments: [HeaderEncoding.json, .tnetstring])
    func aRepeatedFieldBecomesAListWhereItFirstAppears(encoding: HeaderEncoding) throws {
        let decoded = try message([("accept", "a"), ("x-one", "1"), ("accept", "b")], encoding: encoding)
        #expect(decoded.headerEncoding == encoding)
        #expect(decoded.headers["accept"] == .list(["a", "b"]))
        #expect(decoded.headers["x-one"] == .single("1"))
    }

    @Test func theClientsOwnGatewayKeysAndForwardedForAreReplacedAndCounted() throws {
        let counters = GatewayCounters()
        let decoded = try message(
            [("method", "DELETE"), ("x-mongrel2-upload-done", "/etc/passwd"), ("x-forwarded-for", "9.9.9.9")],
            counters: counters)
        #expect(decoded.headers["METHOD"] == .single("POST"))
        #expect(decoded.headers["method"] == nil)
        #expect(decoded.headers["x-mongrel2-upload-done"] == nil)
        #expect(decoded.headers["x-forwarded-for"] == .single("10.0.0.1"))
        #expect(counters.reservedHeadersRemoved.load(ordering: .relaxed) == 2, "x-forwarded-for is replaced, not counted")
    }

    @Test func aDecodedChunkedBodyIsAnnouncedByItsLength() throws {
        let decoded = try message([("transfer-encoding", "chunked")], body: "hello")
        #expect(decoded.headers["transfer-encoding"] == nil)
        #expect(decoded.headers["content-length"] == .single("5"))
        #expect(decoded.body == Array("hello".utf8))
    }

    /// `no_clobber_xff`: the client's values (a proxy's) come first, as one comma-separated value, then the peer.
    @Test func withNoClobberTheClientsForwardedForIsKeptAndThePeerAppended() throws {
        var encoder = HandlerRequestEncoder(connectionID: 3, trustsForwarding: true, counters: GatewayCounters())
        let handler = HandlerIdentity(sendIdent: Array("S".utf8), encoding: .json)
        let proxied = try message(
            [("x-forwarded-for", "203.0.113.7"), ("x-forwarded-for", "198.51.100.2")], with: &encoder, to: handler)
        #expect(proxied.headers["x-forwarded-for"] == .single("203.0.113.7, 198.51.100.2, 10.0.0.1"))
        let direct = try message([], with: &encoder, to: handler)
        #expect(direct.headers["x-forwarded-for"] == .single("10.0.0.1"))
    }

    /// Mongrel2 tells only a connection's first request its download window.
    @Test func onlyTheConnectionsFirstRequestToAFlowControlledHandlerCarriesDownloadCredits() throws {
        var encoder = HandlerRequestEncoder(connectionID: 3, counters: GatewayCounters())
        let plain = HandlerIdentity(sendIdent: Array("P".utf8), encoding: .json)
        let paced = HandlerIdentity(sendIdent: Array("F".utf8), encoding: .tnetstring, downloadFlowControl: true)
        let first = try message([], with: &encoder, to: plain)
        let second = try message([], with: &encoder, to: paced)
        let third = try message([], with: &encoder, to: paced)
        #expect(first.headers["DOWNLOAD_CREDITS"] == nil)
        #expect(second.headers["DOWNLOAD_CREDITS"] == .single("102400"))
        #expect(third.headers["DOWNLOAD_CREDITS"] == nil)
    }
}
