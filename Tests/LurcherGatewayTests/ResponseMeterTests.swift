import NIOCore
import Testing

@testable import LurcherGateway

/// The meter reads the status and the head's end however the response's writes are split.
@Suite struct ResponseMeterTests {
    private let response = "HTTP/1.1 201 Created\r\nContent-Length: 5\r\n\r\nhello"

    @Test(arguments: [1, 2, 3, 7, 11, 100])
    func statusAndBodyBytesSurviveAnySplit(chunk: Int) {
        var meter = ResponseMeter()
        let bytes = Array(response.utf8)
        for start in stride(from: 0, to: bytes.count, by: chunk) {
            meter.count(ByteBuffer(bytes: bytes[start..<min(start + chunk, bytes.count)]))
        }
        #expect(meter.status == 201)
        #expect(meter.bytes == bytes.count)
        #expect(meter.bodyBytes == 5)
    }

    @Test func aFileBodyIsCountedWithoutBeingRead() {
        var meter = ResponseMeter()
        meter.count(ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"))
        meter.countBody(1000)
        #expect(meter.status == 200)
        #expect(meter.bodyBytes == 1000)
    }

    @Test func nothingWrittenHasNoStatus() {
        #expect(ResponseMeter().status == 0)
    }
}
