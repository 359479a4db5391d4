import NIOCore
import Testing

@testable import LurcherGateway

/// A handler's reply is parsed once into parts that cut the bytes where the head and the response end.
@Suite struct HTTPResponseParserTests {
    /// The parts of `reply` fed in pieces of `chunk` bytes, described; heads and bodies by their bytes.
    private func parts(of reply: String, chunk: Int = .max, answeringHead: Bool = false) -> [String] {
        let parser = HTTPResponseParser()
        parser.reset(answeringHead: answeringHead)
        let bytes = Array(reply.utf8)
        var parts: [String] = []
        for start in stride(from: 0, to: bytes.count, by: min(chunk, bytes.count)) {
            let piece = ByteBuffer(bytes: bytes[start..<min(start + chunk, bytes.count)])
            parser.feed(piece) { part in
                switch part {
                case .head(let status, let head): parts.append("head \(status) " + String(buffer: head))
                case .body(let body): parts.append("body " + String(buffer: body))
                case .end(let keepAlive, let excess): parts.append("end keepAlive=\(keepAlive) excess=\(excess)")
                case .malformed: parts.append("malformed")
                }
            }
        }
        return parts
    }

    private let head = "HTTP/1.1 201 Created\r\nContent-Length: 5\r\n\r\n"

    @Test func aWholeReplyIsCutIntoHeadBodyAndEnd() {
        #expect(parts(of: head + "hello") == ["head 201 " + head, "body hello", "end keepAlive=true excess=0"])
    }

    @Test(arguments: [1, 2, 3, 7, 11, 43, 44])
    func theHeadIsWholeAndTheBytesUnchangedHoweverTheReplyIsSplit(chunk: Int) {
        let parts = parts(of: head + "hello", chunk: chunk)
        #expect(parts.first == "head 201 " + head, "the head goes out whole, once")
        #expect(parts.filter { $0.hasPrefix("head") }.count == 1)
        #expect(parts.filter { $0.hasPrefix("body ") }.map { $0.dropFirst(5) }.joined() == "hello")
        #expect(parts.last == "end keepAlive=true excess=0")
    }

    @Test func aHeadEndedByBareLineFeedsIsCutAfterThem() {
        let bare = "HTTP/1.1 200 OK\nContent-Length: 2\n\n"
        #expect(parts(of: bare + "hi") == ["head 200 " + bare, "body hi", "end keepAlive=true excess=0"])
    }

    @Test func anAnswerToHeadHasNoBodyWhateverItsLength() {
        #expect(parts(of: head, answeringHead: true) == ["head 201 " + head, "end keepAlive=true excess=0"])
    }

    @Test func aChunkedBodyKeepsItsFramingAndEndsAtTheLastChunk() {
        let chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        #expect(
            parts(of: chunked + "2\r\nhi\r\n0\r\n\r\n")
                == ["head 200 " + chunked, "body 2\r\nhi\r\n0\r\n\r\n", "end keepAlive=true excess=0"])
    }

    @Test func bytesPastTheEndAreCountedAndNotPassedOn() {
        #expect(parts(of: head + "helloEXTRA") == ["head 201 " + head, "body hello", "end keepAlive=true excess=5"])
    }

    @Test func aReplyThatClosesTheConnectionSaysSo() {
        let closing = "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
        #expect(parts(of: closing) == ["head 200 " + closing, "end keepAlive=false excess=0"])
    }

    @Test func bytesThatAreNotAResponseAreMalformedAndNothingElse() {
        #expect(parts(of: "hello world\r\n\r\n") == ["malformed"])
        // A good head with a bad chunk after it, in one message: none of it goes out.
        #expect(parts(of: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n") == ["malformed"])
    }

    @Test func aHeadThatNeverEndsIsNotPassedOn() {
        #expect(parts(of: "HTTP/1.1 200 OK\r\nContent-Le", chunk: 5).isEmpty)
    }

    @Test func aHandlerCannotMakeTheGatewayHoldAnEndlessHead() {
        let parser = HTTPResponseParser()
        parser.reset(answeringHead: false)
        var parts: [String] = []
        parser.feed(ByteBuffer(string: "HTTP/1.1 200 OK\r\n")) { _ in parts.append("part") }
        let line = ByteBuffer(string: "X-Filler: " + String(repeating: "a", count: 1000) + "\r\n")
        var malformedAfter = 0
        for lines in 1...200 where malformedAfter == 0 {
            parser.feed(line) { part in if case .malformed = part { malformedAfter = lines } }
        }
        #expect(parts.isEmpty)
        #expect(malformedAfter > 0 && malformedAfter <= 81, "refused at http_parser's 80 KiB head limit, after \(malformedAfter) KiB")
    }

    @Test func aJobsAnswerIsReadWholeWithItsDecodedBody() {
        let parser = HTTPResponseParser()
        parser.reset(answeringHead: false, capturingBody: true)
        #expect(parser.feed(Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n".utf8)[...]) == .incomplete)
        #expect(parser.feed(Array("0\r\n\r\n".utf8)[...]) == .complete(consumed: 5))
        #expect(parser.statusCode == 200)
        #expect(parser.body == Array("hi".utf8))
    }
}
