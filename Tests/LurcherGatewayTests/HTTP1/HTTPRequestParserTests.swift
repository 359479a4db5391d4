import LurcherConfiguration
import LurcherProtocol
import NIOCore
import Testing

@testable import LurcherGateway

/// The C parser's callbacks turn raw requests straight into Mongrel2 wire messages.
@Suite struct HTTPRequestParserTests {
    private func parser(
        encoding: HeaderEncoding = .json, limits: Limits = Limits(), counters: GatewayCounters = GatewayCounters()
    ) -> HTTPRequestParser {
        return HTTPRequestParser(
            connectionID: 42, remoteAddress: "10.1.2.3",
            router: .localhost([RouteConfiguration(pattern: "/app", target: .handler("app"))], handlers: ["app": 0]),
            handlers: [HandlerIdentity(sendIdent: Array("UUID".utf8), encoding: encoding)], limits: limits,
            counters: counters)
    }

    /// The oldest parsed request, taken off the queue.
    private func next(_ parser: HTTPRequestParser) -> ParsedRequest? {
        parser.completed.popFirst()
    }

    private func message(of request: ParsedRequest) throws -> [UInt8] {
        guard case .handler(0, let message, _) = request.disposition else {
            Issue.record("expected a handler disposition, got \(request.disposition)")
            return []
        }
        return message
    }

    @Test func aRequestBecomesAMongrel2MessageWithTheGatewayKeys() throws {
        let parser = parser()
        #expect(parser.feed(ByteBuffer(string: "POST /app/x?q=1 HTTP/1.1\r\nHost: localhost\r\nX-A: b\r\nContent-Length: 3\r\n\r\nabc")) == .consumedAll)
        let request = try #require(next(parser))
        let decoded = try WireRequest.decode(try message(of: request))
        #expect(decoded.sender == "UUID")
        #expect(decoded.connectionID == 42)
        #expect(decoded.path == "/app/x")
        #expect(decoded.body == Array("abc".utf8))
        #expect(decoded.headers["METHOD"] == .single("POST"))
        #expect(decoded.headers["QUERY"] == .single("q=1"))
        #expect(decoded.headers["URI"] == .single("/app/x?q=1"))
        #expect(decoded.headers["PATTERN"] == .single("/app"))
        #expect(decoded.headers["REMOTE_ADDR"] == .single("10.1.2.3"))
        #expect(decoded.headers["x-a"] == .single("b"))
        #expect(request.keepAlive)
    }

    @Test func tnetstringHandlersGetTnetstringHeaders() throws {
        let parser = parser(encoding: .tnetstring)
        _ = parser.feed(ByteBuffer(string: "GET /app HTTP/1.1\r\nHost: localhost\r\n\r\n"))
        let decoded = try WireRequest.decode(try message(of: try #require(next(parser))))
        #expect(decoded.headerEncoding == .tnetstring)
        #expect(decoded.headers["VERSION"] == .single("HTTP/1.1"))
    }

    @Test func aConnectionsRequestsEachGetTheirHandlersEncodingAndOnlyTheirOwnHeaders() throws {
        let parser = HTTPRequestParser(
            connectionID: 42, remoteAddress: "10.1.2.3",
            router: .localhost(
                [
                    RouteConfiguration(pattern: "/json", target: .handler("json")),
                    RouteConfiguration(pattern: "/tnet", target: .handler("tnet")),
                ], handlers: ["json": 0, "tnet": 1]),
            handlers: [
                HandlerIdentity(sendIdent: Array("J".utf8), encoding: .json),
                HandlerIdentity(sendIdent: Array("T".utf8), encoding: .tnetstring),
            ], limits: Limits())
        _ = parser.feed(
            ByteBuffer(
                string: "GET /json HTTP/1.1\r\nHost: localhost\r\nX-First: 1\r\n\r\n"
                    + "GET /tnet HTTP/1.1\r\nHost: localhost\r\n\r\nGET /json HTTP/1.1\r\nHost: localhost\r\n\r\n"))
        var decoded: [DecodedRequest] = []
        while let request = next(parser), case .handler(_, let message, _) = request.disposition {
            decoded.append(try WireRequest.decode(message))
        }
        #expect(decoded.map(\.headerEncoding) == [.json, .tnetstring, .json])
        #expect(decoded.map(\.sender) == ["J", "T", "J"])
        #expect(decoded.map { $0.headers["x-first"] } == [.single("1"), nil, nil])
    }

    @Test func aChunkedBodyIsDecodedBeforeItReachesTheHandler() throws {
        let parser = parser()
        _ = parser.feed(ByteBuffer(string: "POST /app HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"))
        let decoded = try WireRequest.decode(try message(of: try #require(next(parser))))
        #expect(decoded.body == Array("abcde".utf8))
    }

    @Test func requestsSplitAcrossReadsAreReassembled() throws {
        let parser = parser()
        for piece in ["GET /ap", "p HTTP/1.1\r\nHo", "st: local", "host\r\nX-Long-Na", "me: val", "ue\r\n\r\n"] {
            #expect(parser.feed(ByteBuffer(string: piece)) == .consumedAll)
        }
        let decoded = try WireRequest.decode(try message(of: try #require(next(parser))))
        #expect(decoded.headers["x-long-name"] == .single("value"))
    }

    @Test func parsingPausesWhenEnoughPipelinedRequestsWait() throws {
        let parser = parser(limits: Limits(maxPipelinedRequests: 2))
        let one = "GET /app HTTP/1.1\r\nHost: localhost\r\n\r\n"
        let outcome = parser.feed(ByteBuffer(string: one + one + one))
        #expect(outcome == .paused(consumed: one.utf8.count * 2))
        #expect(parser.completed.count == 2)
    }

    @Test func limitsAreEnforcedWithTheirStatus() {
        let small = Limits(maxURIBytes: 10, maxHeaderBytes: 40, maxHeaderCount: 2, maxBodyBytes: 4)
        #expect(parser(limits: small).feed(ByteBuffer(string: "GET /app/very/long HTTP/1.1\r\n\r\n")) == .failed(.uriTooLong))
        #expect(parser(limits: small).feed(ByteBuffer(string: "GET /app HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n")) == .failed(.requestHeaderFieldsTooLarge))
        #expect(parser(limits: small).feed(ByteBuffer(string: "GET /app HTTP/1.1\r\nA: " + String(repeating: "x", count: 50) + "\r\n\r\n")) == .failed(.requestHeaderFieldsTooLarge))
        #expect(parser(limits: small).feed(ByteBuffer(string: "POST /app HTTP/1.1\r\nContent-Length: 5\r\n\r\n")) == .failed(.payloadTooLarge))
    }

    @Test func garbageIsABadRequest() {
        #expect(parser().feed(ByteBuffer(string: "NOT HTTP AT ALL\r\n\r\n")) == .failed(.badRequest))
    }

    @Test func aRequestForNoRouteIsRejectedWith404() throws {
        let parser = parser()
        _ = parser.feed(ByteBuffer(string: "GET /elsewhere HTTP/1.1\r\nHost: localhost\r\n\r\n"))
        guard case .reject(.notFound, _) = try #require(next(parser)).disposition else {
            Issue.record("expected a 404")
            return
        }
    }

    @Test func http10WithoutKeepAliveClosesAfterTheAnswer() throws {
        let parser = parser()
        _ = parser.feed(ByteBuffer(string: "GET /app HTTP/1.0\r\n\r\n"))
        #expect(try #require(next(parser)).keepAlive == false)
    }

    @Test func foldedHeaderLinesAreRefusedAlsoWhenTheFoldArrivesInALaterRead() {
        let head = "GET /app HTTP/1.1\r\nHost: localhost\r\nX-A: first\r\n"
        let whole = parser()
        #expect(whole.feed(ByteBuffer(string: head + "  folded\r\n\r\n")) == .failed(.badRequest))
        let split = parser()
        #expect(split.feed(ByteBuffer(string: head)) == .consumedAll)
        #expect(split.feed(ByteBuffer(string: "  folded\r\n\r\n")) == .failed(.badRequest))
    }

    @Test func aValueSplitAcrossReadsAtABlankIsNotMistakenForAFold() throws {
        let parser = parser()
        #expect(parser.feed(ByteBuffer(string: "GET /app HTTP/1.1\r\nHost: localhost\r\nX-A: first ")) == .consumedAll)
        #expect(parser.feed(ByteBuffer(string: " second\r\n\r\n")) == .consumedAll)
        let decoded = try WireRequest.decode(try message(of: try #require(next(parser))))
        #expect(decoded.headers["x-a"] == .single("first  second"))
    }

    @Test func aChunkedBodyReachesTheHandlerWithItsLengthInsteadOfTransferEncoding() throws {
        let parser = parser()
        _ = parser.feed(ByteBuffer(string: "POST /app HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"))
        let decoded = try WireRequest.decode(try message(of: try #require(next(parser))))
        #expect(decoded.headers["content-length"] == .single("3"))
        #expect(decoded.headers["transfer-encoding"] == nil)
    }

    @Test func anEmptyReadMidRequestIsNotTheEndOfTheInput() throws {
        let parser = parser()
        #expect(parser.feed(ByteBuffer(string: "GET /app/cor:pus/4")) == .consumedAll)
        #expect(parser.feed(ByteBuffer()) == .consumedAll, "found by bench/fuzz")
        #expect(parser.feed(ByteBuffer(string: " HTTP/1.1\r\nHost: localhost\r\n\r\n")) == .consumedAll)
        #expect(parser.completed.count == 1)
    }

    @Test(arguments: [HeaderEncoding.json, .tnetstring])
    func aClientsOwnGatewayHeadersAreRemovedAndCounted(encoding: HeaderEncoding) throws {
        let counters = GatewayCounters()
        let parser = parser(encoding: encoding, counters: counters)
        let request = "GET /app/x HTTP/1.1\r\nHost: localhost\r\n"
            + "X-Mongrel2-Upload-Start: /etc/passwd\r\nX-Mongrel2-Upload-Done: /etc/passwd\r\nx-mongrel2-anything: 1\r\n"
            + "Query: a=1\r\nFRAGMENT: f\r\nMethod: DELETE\r\nRemote_Addr: 1.1.1.1\r\nPeer_Cert_SHA1: AA\r\n"
            + "X-Forwarded-For: 9.9.9.9\r\nX-Mongrel2: kept\r\nPaths: kept\r\n\r\n"
        #expect(parser.feed(ByteBuffer(string: request)) == .consumedAll)
        let decoded = try WireRequest.decode(try message(of: try #require(next(parser))))
        let names = Set(decoded.headers.keys)
        for name in names {
            #expect(!name.lowercased().hasPrefix("x-mongrel2-"), "\(name) reached the handler")
        }
        // The gateway's own keys are there once, in capitals, and say what the gateway saw.
        #expect(decoded.headers["METHOD"] == .single("GET"))
        #expect(decoded.headers["REMOTE_ADDR"] == .single("10.1.2.3"))
        #expect(decoded.headers["x-forwarded-for"] == .single("10.1.2.3"))
        for name in ["query", "QUERY", "fragment", "FRAGMENT", "method", "remote_addr", "peer_cert_sha1"] {
            #expect(decoded.headers[name] == nil, "\(name) reached the handler")
        }
        // Names that only look alike are ordinary headers.
        #expect(decoded.headers["x-mongrel2"] == .single("kept"))
        #expect(decoded.headers["paths"] == .single("kept"))
        #expect(counters.reservedHeadersRemoved.load(ordering: .relaxed) == 8)
    }
}
