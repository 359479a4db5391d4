import NIOCore
import Testing

@testable import LurcherGateway

@Suite struct ResponseDateStampTests {
    private func stamp(_ head: String, at second: Int = 784_111_777) -> String? {
        var stamp = ResponseDateStamp()
        return stamp.stamped(ByteBuffer(string: head), now: second).map { String(buffer: $0) }
    }

    @Test func aHeadWithoutADateGetsOneBeforeItsBlankLine() {
        #expect(
            stamp("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n")
                == "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n")
        #expect(stamp("HTTP/1.1 204 No Content\r\n\r\n") == "HTTP/1.1 204 No Content\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n")
    }

    @Test(arguments: ["Date", "date", "DATE", "dAtE"])
    func aHeadWithItsOwnDateIsLeftAlone(name: String) {
        #expect(stamp("HTTP/1.1 200 OK\r\nX-A: 1\r\n\(name): Tue, 01 Dec 2026 00:00:00 GMT\r\n\r\n") == nil)
    }

    /// Only a header named exactly `date` counts: not one that starts so, nor a value that contains it.
    @Test func lookalikesDoNotCountAsADate() {
        #expect(stamp("HTTP/1.1 200 OK\r\nDated: x\r\nX-Note: date: no\r\n\r\n")?.contains("\r\nDate: Sun") == true)
    }

    @Test func aHeadThatDoesNotEndInCRLFCRLFIsLeftAsWritten() {
        #expect(stamp("HTTP/1.1 200 OK\nContent-Length: 0\n\n") == nil)
    }

    @Test func theLineIsFormattedAgainOnlyWhenTheSecondChanges() {
        var stamp = ResponseDateStamp()
        let head = ByteBuffer(string: "HTTP/1.1 200 OK\r\n\r\n")
        let first = stamp.stamped(head, now: 784_111_777).map { String(buffer: $0) }
        let later = stamp.stamped(head, now: 784_111_778).map { String(buffer: $0) }
        #expect(first?.contains("08:49:37") == true)
        #expect(later?.contains("08:49:38") == true)
    }
}
