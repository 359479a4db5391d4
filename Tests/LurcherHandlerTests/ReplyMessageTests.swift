import LurcherHandler
import Testing

/// The bytes a handler sends back for a complete response: Mongrel2 framing, then the HTTP/1.1 response.
@Suite struct ReplyMessageTests {
    private let request = Request(connectionID: 7, sender: "S")

    private func reply(_ response: Response, to request: Request? = nil) -> String {
        String(decoding: HandlerHotPaths.replyMessage(response, to: request ?? self.request)!, as: UTF8.self)
    }

    @Test func textResponseFollowsTheFramingWithItsLengthAndType() {
        #expect(
            reply(Response(text: "hello\n"))
                == "S 1:7, HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 6\r\n\r\nhello\n")
    }

    @Test func responderFramingHeadersAreDroppedInAnyCase() {
        let headers: ResponseHeaders = ["CONTENT-length": "99", "X-Kept": "1", "transfer-ENCODING": "chunked"]
        #expect(reply(Response(status: 201, headers: headers, body: "ab")) == "S 1:7, HTTP/1.1 201 Created\r\nX-Kept: 1\r\nContent-Length: 2\r\n\r\nab")
    }

    @Test func answerToHeadKeepsTheLengthButNotTheBody() {
        #expect(reply(Response(body: "abc"), to: Request(method: "HEAD", connectionID: 7, sender: "S")) == "S 1:7, HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n")
    }

    @Test func longHeadersAreWrittenWholeAndLineBreaksInThemBlanked() {
        let policy = String(repeating: "default-src 'self'; ", count: 20)
        let headers: ResponseHeaders = ["Content-Security-Policy": policy, "Bad Name": "a\r\nInjected: 1"]
        #expect(
            reply(Response(status: 204, headers: headers))
                == "S 1:7, HTTP/1.1 204 No Content\r\nContent-Security-Policy: \(policy)\r\nBad-Name: a  Injected: 1\r\n\r\n")
    }

    @Test func statusOutsideThreeDigitsIsSentAs500() {
        #expect(reply(Response(status: 42)) == "S 1:7, HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n")
    }

    @Test func requestIsDecodedFromTheGatewaysMessage() throws {
        let headers = #"{"PATH":"/hello","METHOD":"POST","URI":"/hello?a=1","QUERY":"a=1","accept":["x","y"]}"#
        let message = "S 7 /hello \(headers.utf8.count):\(headers),2:hi,"
        let request = try #require(HandlerHotPaths.request(decoding: Array(message.utf8)))
        #expect(request.method == "POST")
        #expect(request.path == "/hello")
        #expect(request.query == "a=1")
        #expect(request.headers.values("Accept") == ["x", "y"])
        #expect(request.bodyString == "hi")
        #expect(request.connectionID == 7 && request.sender == "S")
    }
}
