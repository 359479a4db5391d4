import Foundation
import Glibc
import LurcherConfiguration
import Testing

@testable import LurcherOperations

/// Access-log lines: the combined format as log tools expect it, JSON lines that parse, nothing forged.
@Suite struct AccessLogLineTests {
    /// 2000-10-10 13:55:36.123 UTC.
    private let time = timespec(tv_sec: 971_186_136, tv_nsec: 123_000_000)

    private func request(
        status: Int = 201, body: Int = 12, userAgent: String = "curl/8.0", line: Bool = true
    ) -> CompletedRequest {
        CompletedRequest(
            connectionID: 7, remoteAddress: "127.0.0.1",
            request: line
                ? RequestLine(
                    method: "GET", target: "/hello?x=1", version: "HTTP/1.1", host: "localhost", referer: "",
                    userAgent: userAgent, route: "/hello")
                : nil,
            status: status, bytesSent: body + 100, bodyBytesSent: body, startedAt: time, duration: .microseconds(2500))
    }

    @Test func combinedLinesHaveTheStatusBodySizeAndRequestTime() {
        let line = String(decoding: AccessLogLine.combined(request()), as: UTF8.self)
        #expect(line == "127.0.0.1 - - [10/Oct/2000:13:55:36 +0000] \"GET /hello?x=1 HTTP/1.1\" 201 12 \"-\" \"curl/8.0\" 0.003\n")
    }

    @Test func numbersAndTimesKeepTheirDigits() {
        var request = request(status: 404, body: 1_234_567)
        request.startedAt = timespec(tv_sec: 1_767_323_045, tv_nsec: 0)  // 2026-01-02 03:04:05 UTC
        request.duration = .microseconds(12_345_600)
        let line = String(decoding: AccessLogLine.combined(request), as: UTF8.self)
        #expect(line == "127.0.0.1 - - [02/Jan/2026:03:04:05 +0000] \"GET /hello?x=1 HTTP/1.1\" 404 1234567 \"-\" \"curl/8.0\" 12.346\n")
    }

    @Test func anEmptyBodyAndAnUnparsedRequestAreDashes() {
        let line = String(decoding: AccessLogLine.combined(request(status: 400, body: 0, line: false)), as: UTF8.self)
        #expect(line.hasPrefix("127.0.0.1 - - [10/Oct/2000:13:55:36 +0000] \"-\" 400 - \"-\" \"-\" "))
    }

    @Test func quotesAndControlBytesCannotForgeAField() {
        let line = String(decoding: AccessLogLine.combined(request(userAgent: "a\"b\nc")), as: UTF8.self)
        #expect(line.contains("\"a\\x22b\\x0Ac\""))
        #expect(line.filter { $0 == "\n" }.count == 1)
    }

    @Test func jsonLinesAreOneObjectEach() throws {
        let bytes = AccessLogLine.json(request(userAgent: "a\"b\nc"))
        #expect(bytes.last == UInt8(ascii: "\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes.dropLast())) as? [String: Any])
        #expect(object["status"] as? Int == 201)
        #expect(object["body_bytes"] as? Int == 12)
        #expect(object["bytes"] as? Int == 112)
        #expect(object["route"] as? String == "/hello")
        #expect(object["user_agent"] as? String == "a\"b\nc")
        #expect(object["time"] as? String == "2000-10-10T13:55:36.123Z")
        #expect(object["duration_ms"] as? Double == 2.5)
    }
}
