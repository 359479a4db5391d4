import NIOCore
import NIOHPACK
import Testing

@testable import LurcherGateway

/// The framer that turns a handler's HTTP/1.1 answer into an HTTP/2 header block and body, fed the way replies
/// arrive: whole, split anywhere, or across several replies.
@Suite struct HTTP2ResponseFramerTests {
    /// What feeding `pieces` in turn hands over: the header block (if any), the body's bytes, and whether it ended
    /// (with the excess) or was malformed.
    private struct Fed {
        var status: Int?
        var headers: HPACKHeaders?
        var headBytes = 0
        var body: [UInt8] = []
        var excess: Int?
        var malformed = false
    }

    private func feed(_ pieces: [String], answeringHead: Bool = false, framer: HTTP2ResponseFramer = HTTP2ResponseFramer()) -> Fed {
        framer.reset(answeringHead: answeringHead)
        var fed = Fed()
        for piece in pieces {
            framer.feed(ByteBuffer(string: piece)) { part in
                switch part {
                case .head(let status, let headers, let headBytes):
                    fed.status = status
                    fed.headers = headers
                    fed.headBytes = headBytes
                case .body(let buffer): fed.body += Array(buffer.readableBytesView)
                case .end(let excess): fed.excess = excess
                case .malformed: fed.malformed = true
                }
            }
        }
        return fed
    }

    @Test func aResponseWithALengthBecomesAHeaderBlockAndItsBody() {
        let head = "HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nX-Custom: a b \r\n\r\n"
        let fed = feed([head + "hello"])
        #expect(fed.status == 201)
        #expect(fed.headers?.first(name: ":status") == "201")
        #expect(fed.headers?.first(name: "content-type") == "text/plain")
        #expect(fed.headers?.first(name: "content-length") == "5")
        #expect(fed.headers?.first(name: "x-custom") == "a b", "names lowercased, values trimmed")
        #expect(fed.headBytes == head.utf8.count)
        #expect(fed.body == Array("hello".utf8))
        #expect(fed.excess == 0)
    }

    @Test func connectionSpecificHeadersAndThoseConnectionNamesAreDropped() {
        let fed = feed([
            "HTTP/1.1 200 OK\r\nConnection: keep-alive, X-Hop\r\nKeep-Alive: timeout=5\r\nX-Hop: 1\r\nUpgrade: h2c\r\n"
                + "Proxy-Connection: close\r\nTE: trailers\r\nTransfer-Encoding: chunked\r\nX-Kept: yes\r\n\r\n0\r\n\r\n"
        ])
        let names = fed.headers.map { $0.map(\.name) } ?? []
        #expect(names == [":status", "x-kept"])
    }

    @Test func aChunkedBodyIsDecodedWhereverItIsSplit() {
        let response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
        let whole = feed([response])
        #expect(whole.body == Array("hello world".utf8))
        #expect(whole.excess == 0)
        let bytes = Array(response.utf8)
        for cut in 1..<bytes.count {
            let split = feed([String(decoding: bytes[..<cut], as: UTF8.self), String(decoding: bytes[cut...], as: UTF8.self)])
            #expect(split.body == Array("hello world".utf8), "split at \(cut)")
            #expect(split.excess == 0 && split.status == 200, "split at \(cut)")
            #expect(split.headBytes == response.utf8.count - "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n".utf8.count)
        }
    }

    @Test func bytesPastTheEndAreCountedAsExcess() {
        let fed = feed(["HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA"])
        #expect(fed.body == Array("ok".utf8))
        #expect(fed.excess == 5)
    }

    @Test func aBodyDelimitedByTheEndOfTheReplyIsCompleteAtFinish() {
        let framer = HTTP2ResponseFramer()
        let fed = feed(["HTTP/1.1 200 OK\r\n\r\npart one,", " part two"], framer: framer)
        #expect(fed.body == Array("part one, part two".utf8))
        #expect(fed.excess == nil, "not over until the reply ends")
        #expect(framer.finish() == .complete)
    }

    @Test func aBodyShorterThanItsLengthOrAMissingHeadIsCutShort() {
        let short = HTTP2ResponseFramer()
        _ = feed(["HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this"], framer: short)
        #expect(short.finish() == .cutShort)
        let headless = HTTP2ResponseFramer()
        _ = feed(["HTTP/1.1 200 OK\r\nContent-"], framer: headless)
        #expect(!headless.sentHead)
        #expect(headless.finish() == .cutShort)
    }

    @Test func anAnswerToHeadEndsWithItsHeaders() {
        let fed = feed(["HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"], answeringHead: true)
        #expect(fed.headers?.first(name: "content-length") == "1000")
        #expect(fed.body.isEmpty)
        #expect(fed.excess == 0)
    }

    @Test func interimAnswersAndNonHTTPAreMalformed() {
        #expect(feed(["HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"]).malformed)
        #expect(feed(["HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n"]).malformed)
        #expect(feed(["this is not an HTTP response\r\n\r\n"]).malformed)
    }

    @Test func aFramerResetAnswersTheNextResponseAfresh() {
        let framer = HTTP2ResponseFramer()
        _ = feed(["HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nX-First: 1\r\n\r\n"], framer: framer)
        let second = feed(["HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"], framer: framer)
        #expect(second.status == 200)
        #expect(second.headers?.first(name: "x-first") == nil)
        #expect(second.body == Array("ok".utf8))
    }
}
