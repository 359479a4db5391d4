import LurcherConfiguration
import NIOCore
import NIOHTTP1
import Testing

@testable import LurcherGateway

/// The heads a proxy route sends: the backend's request, made from the client's as the parser takes it, and the
/// client's response, made from the backend's.
@Suite struct ProxyHeadTests {
    private func parsed(_ text: String, hostHeader: String? = nil, keepsForwardedFor: Bool = false) throws -> ProxyRequest {
        let backend = ProxyRouteConfiguration(host: "127.0.0.1", port: 8080, hostHeader: hostHeader)
        let parser = HTTPRequestParser(
            connectionID: 7, remoteAddress: "10.1.2.3",
            router: .localhost([RouteConfiguration(pattern: "/api/", target: .proxy(backend))], handlers: [:]),
            handlers: [], limits: Limits(), trustsForwarding: keepsForwardedFor)
        _ = parser.feed(ByteBuffer(string: text))
        let taken = parser.completed.popFirst()
        let request = try #require(taken, "the request is taken at its head")
        guard case .proxy(let proxy) = request.disposition else {
            Issue.record("expected a proxied request, got \(request.disposition)")
            throw CancellationError()
        }
        return proxy
    }

    @Test func theBackendGetsTheTargetAsSentWithoutHopByHopHeaders() throws {
        let request = try parsed(
            "GET /api/x?y=1 HTTP/1.1\r\nHost: example.com:8000\r\nConnection: keep-alive, X-Secret\r\nX-Secret: s\r\n"
                + "Keep-Alive: 5\r\nTE: trailers\r\nUpgrade-Insecure-Requests: 1\r\nAccept: */*\r\n\r\n")
        #expect(request.head.uri == "/api/x?y=1")
        #expect(request.head.method == .GET)
        #expect(request.framing == .none)
        let headers = request.head.headers
        #expect(headers["host"] == ["example.com:8000"])
        #expect(headers["accept"] == ["*/*"])
        #expect(headers["upgrade-insecure-requests"] == ["1"], "a header whose name starts like a hop-by-hop one is kept")
        for name in ["connection", "x-secret", "keep-alive", "te", "content-length", "transfer-encoding"] {
            #expect(headers[name].isEmpty, "\(name) does not reach the backend")
        }
        #expect(headers["x-forwarded-for"] == ["10.1.2.3"])
        #expect(headers["x-forwarded-proto"] == ["http"])
        #expect(headers["forwarded"] == ["for=10.1.2.3;proto=http;host=\"example.com:8000\""])
    }

    @Test func forwardingHeadersAreReplacedUnlessTrusted() throws {
        let text = "GET /api/ HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 6.6.6.6\r\nForwarded: for=6.6.6.6\r\n\r\n"
        #expect(try parsed(text).head.headers["x-forwarded-for"] == ["10.1.2.3"])
        #expect(try parsed(text).head.headers["forwarded"] == ["for=10.1.2.3;proto=http;host=a"])
        let trusted = try parsed(text, keepsForwardedFor: true).head.headers
        #expect(trusted["x-forwarded-for"] == ["6.6.6.6, 10.1.2.3"])
        #expect(trusted["forwarded"] == ["for=6.6.6.6, for=10.1.2.3;proto=http;host=a"])
        #expect(try parsed(text, hostHeader: "internal").head.headers["host"] == ["internal"])
    }

    @Test func theBodyIsFramedAsTheClientFramedIt() throws {
        let chunked = try parsed("POST /api/ HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n")
        #expect(chunked.framing == .chunked)
        #expect(chunked.head.headers["transfer-encoding"] == ["chunked"])
        let sized = try parsed("PUT /api/ HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n")
        #expect(sized.framing == .length(12))
        #expect(sized.head.headers["content-length"] == ["12"])
        let empty = try parsed("POST /api/ HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(empty.head.headers["content-length"] == ["0"], "a POST without a body says so")
        let upgrade = try parsed(
            "GET /api/ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: k\r\n\r\n")
        #expect(upgrade.upgrade)
        #expect(upgrade.head.headers["connection"] == ["upgrade"])
        #expect(upgrade.head.headers["upgrade"] == ["websocket"])
        #expect(upgrade.head.headers["sec-websocket-key"] == ["k"])
    }

    private func response(
        _ headers: [(String, String)], status: HTTPResponseStatus = .ok, isHead: Bool = false, chunks: Bool = true,
        keepAlive: Bool = true
    ) throws -> ProxyResponseHead {
        var request = try parsed("GET /api/ HTTP/1.1\r\nHost: a\r\n\r\n")
        request.isHead = isHead
        request.clientTakesChunked = chunks
        return ProxyResponseHead(
            HTTPResponseHead(version: .http1_1, status: status, headers: HTTPHeaders(headers)), for: request,
            clientKeepAlive: keepAlive, allocator: ByteBufferAllocator())
    }

    @Test func theClientGetsTheBackendsHeadReframed() throws {
        let sized = try response([("Content-Length", "5"), ("Connection", "keep-alive, X-Private"), ("X-Private", "p"), ("ETag", "\"e\"")])
        #expect(sized.framing == .asSent)
        #expect(String(buffer: sized.bytes) == "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nETag: \"e\"\r\n\r\n")

        let chunked = try response([("Transfer-Encoding", "chunked")])
        #expect(chunked.framing == .chunked)
        #expect(String(buffer: chunked.bytes) == "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")

        let smuggling = try response([("Content-Length", "5"), ("Transfer-Encoding", "chunked")])
        #expect(!String(buffer: smuggling.bytes).contains("Content-Length"), "a length beside chunking is never passed on")

        let old = try response([], chunks: false)
        #expect(old.framing == .untilClose)
        #expect(!old.keepAlive)
        #expect(String(buffer: old.bytes).hasSuffix("Connection: close\r\n\r\n"))

        let head = try response([("Content-Length", "99")], isHead: true)
        #expect(head.framing == .asSent && String(buffer: head.bytes).contains("Content-Length: 99"))
        let notModified = try response([], status: .notModified)
        #expect(notModified.framing == .asSent && notModified.keepAlive)
        #expect(try response([("Content-Length", "1")], keepAlive: false).bytes.readableBytesView.count > 0)
        #expect(String(buffer: try response([("Content-Length", "1")], keepAlive: false).bytes).contains("Connection: close"))
        #expect(!(try response([("Connection", "close"), ("Content-Length", "1")]).backendKeepAlive))
    }
}
