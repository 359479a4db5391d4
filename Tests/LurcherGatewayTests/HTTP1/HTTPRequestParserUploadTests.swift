import LurcherConfiguration
import LurcherProtocol
import NIOCore
import Testing

@testable import LurcherGateway

/// How the parser and intake turn a streamed upload's body into Mongrel2's `UPLOAD_STREAM` messages: the request
/// is taken at its head, parsing stops there and at the body's end, and each piece carries its offset.
@Suite struct HTTPRequestParserUploadTests {
    private func parser(encoding: HeaderEncoding = .json, threshold: Int = 10) -> HTTPRequestParser {
        HTTPRequestParser(
            connectionID: 42, remoteAddress: "10.1.2.3",
            router: .localhost([RouteConfiguration(pattern: "/up", target: .handler("up"))], handlers: ["up": 0]),
            handlers: [HandlerIdentity(sendIdent: Array("UUID".utf8), encoding: encoding, streamsUploads: true)],
            limits: Limits(), uploads: Uploads(threshold: threshold))
    }

    private func decode(_ message: [UInt8]) throws -> DecodedRequest { try WireRequest.decode(message) }

    /// Feeds `text` whole; returns how many bytes the parser took.
    private func feed(_ parser: HTTPRequestParser, _ text: String) -> Int {
        switch parser.feed(ByteBuffer(string: text)) {
        case .consumedAll: return text.utf8.count
        case .paused(let consumed): return consumed
        case let other:
            Issue.record("unexpected \(other)")
            return 0
        }
    }

    @Test func aLargeBodyIsTakenAtItsHeadAndStreamedWithOffsets() throws {
        let parser = parser()
        let head = "POST /up/f HTTP/1.1\r\nHost: localhost\r\nContent-Length: 25\r\n\r\n"
        let taken = feed(parser, head + "0123456789")
        #expect(taken <= head.utf8.count, "parsing stops at the head")
        let parsed = parser.completed.popFirst()
        let request = try #require(parsed)
        guard case .streamedUpload(0, chunked: false) = request.disposition else {
            Issue.record("expected a streamed upload, got \(request.disposition)")
            return
        }
        #expect(parser.readsStreamedBody)
        let rest = String((head + "0123456789").utf8.dropFirst(taken))!
        #expect(feed(parser, rest) == rest.utf8.count)
        let start = parser.takeUploadStart()
        #expect(start.bodyBytes == 10 && !start.isLast)
        let first = try decode(start.message)
        #expect(first.headers["UPLOAD_STREAM"] == .single("0"))
        #expect(first.headers["METHOD"] == .single("POST"))
        #expect(first.headers["content-length"] == .single("25"))
        #expect(first.body == Array("0123456789".utf8))
        #expect(parser.takeUploadPiece() == nil, "nothing more was read")

        #expect(feed(parser, "abcdefghij") == 10)
        let second = try #require(parser.takeUploadPiece())
        let decoded = try decode(second.message)
        #expect(decoded.headers == ["UPLOAD_STREAM": .single("10")], "only the upload header after the first message")
        #expect(decoded.path == "/up/f", "the path token is still set")
        #expect(decoded.body == Array("abcdefghij".utf8))
        #expect(!second.isLast)

        // The body's last bytes and the next request in one read: parsing stops at the body's end.
        let next = "GET /up/g HTTP/1.1\r\nHost: localhost\r\n\r\n"
        #expect(feed(parser, "KLMNO" + next) == 5)
        let last = try #require(parser.takeUploadPiece())
        #expect(try decode(last.message).headers == ["UPLOAD_STREAM": .single("20"), "UPLOAD_STREAM_DONE": .single("1")])
        #expect(last.isLast && last.bodyBytes == 5)
        #expect(!parser.readsStreamedBody)
        #expect(parser.takeUploadPiece() == nil)
        #expect(feed(parser, next) == next.utf8.count)
        #expect(parser.completed.count == 1, "the request after the body is parsed as usual")
    }

    @Test func aBodyThatCameWholeWithItsHeadIsDoneInTheFirstMessage() throws {
        let parser = parser()
        let text = "PUT /up HTTP/1.1\r\nHost: localhost\r\nContent-Length: 12\r\n\r\nhello world!"
        let taken = feed(parser, text)
        _ = feed(parser, String(text.utf8.dropFirst(taken))!)
        let start = parser.takeUploadStart()
        #expect(start.isLast && start.bodyBytes == 12)
        #expect(try decode(start.message).headers["UPLOAD_STREAM_DONE"] == .single("1"))
        #expect(parser.takeUploadPiece() == nil)
    }

    @Test func aBodyAtTheThresholdIsNotStreamed() throws {
        let parser = parser()
        _ = feed(parser, "POST /up HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\n\r\n0123456789")
        let parsed = parser.completed.popFirst()
        let request = try #require(parsed)
        guard case .handler = request.disposition else {
            Issue.record("expected a plain request, got \(request.disposition)")
            return
        }
    }

    @Test func aChunkedBodyIsStreamedDechunkedWithTheEmptyFirstMessageAndItsOwnLastMessage() throws {
        let parser = parser(threshold: 1_000_000)
        let head = "POST /up HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
        let taken = feed(parser, head)
        let start = parser.takeUploadStart()
        #expect(start.bodyBytes == 0 && !start.isLast, "sent before the first chunk is read, as Mongrel2 does")
        let first = try decode(start.message)
        #expect(first.headers["transfer-encoding"] == .single("chunked"), "as Mongrel2 sends it")
        #expect(first.headers["content-length"] == nil, "the length is not known yet")
        #expect(first.body.isEmpty)
        _ = feed(parser, String(head.utf8.dropFirst(taken))! + "3\r\nabc\r\n4\r\ndefg\r\n")
        let piece = try #require(parser.takeUploadPiece())
        #expect(try decode(piece.message).headers == ["UPLOAD_STREAM": .single("0")], "offset 0 again: nothing was sent yet")
        #expect(try decode(piece.message).body == Array("abcdefg".utf8))
        _ = feed(parser, "0\r\n\r\n")
        let done = try #require(parser.takeUploadPiece())
        #expect(try decode(done.message).headers == ["UPLOAD_STREAM": .single("7"), "UPLOAD_STREAM_DONE": .single("1")])
        #expect(try decode(done.message).body.isEmpty)
    }

    @Test func tnetstringHandlersGetTheTnetstringForm() throws {
        let parser = parser(encoding: .tnetstring, threshold: 0)
        let taken = feed(parser, "POST /up HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\n")
        #expect(taken > 0)
        _ = parser.takeUploadStart()
        _ = feed(parser, "\nab")
        let piece = try #require(parser.takeUploadPiece())
        #expect(String(decoding: piece.message, as: UTF8.self) == "UUID 42 /up 47:13:UPLOAD_STREAM,1:0,18:UPLOAD_STREAM_DONE,1:1,}2:ab,")
    }
}
