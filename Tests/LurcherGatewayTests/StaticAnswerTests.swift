import Glibc
import Testing

@testable import LurcherGateway

/// The pieces of a Dir route's answer that need no server: ranges, dates, preconditions, open errors.
@Suite struct StaticAnswerTests {
    @Test(arguments: [
        ("bytes=0-3", ByteRangeRequest.single(0...3)), ("bytes=-4", .single(6...9)), ("bytes=8-", .single(8...9)),
        ("bytes=5-99999999999999999999999", .single(5...9)), ("bytes=-99", .single(0...9)), ("BYTES=1-1", .single(1...1)),
        ("bytes=0-1, 4-5", .several([0...1, 4...5])), ("bytes=0-1,20-30", .single(0...1)), ("bytes=10-", .unsatisfiable),
        ("bytes=-0", .unsatisfiable), ("bytes=5-1", .unsatisfiable), ("bytes=x-y", .unsatisfiable), ("bytes=", .ignored),
        ("lines=1-2", .ignored), ("bytes", .ignored),
    ])
    func rangesAreReadAgainstTheFileSize(_ header: String, _ expected: ByteRangeRequest) {
        #expect(ByteRangeRequest(header: header, size: 10) == expected)
    }

    @Test func theThreeDateFormsAreAcceptedAndNothingElse() {
        let expected: time_t = 784_111_777  // Sun, 06 Nov 1994 08:49:37 GMT, the RFC's example
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT") == expected)
        #expect(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT") == expected)
        #expect(HTTPDate.parse("Sun Nov  6 08:49:37 1994") == expected)
        #expect(HTTPDate.parse(HTTPDate.format(secondsSince1970: expected)) == expected)
        for invalid in ["", "yesterday", "Sun, 06 Nov 1994 08:49:37 PST", "Sun, 32 Nov 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT"] {
            #expect(HTTPDate.parse(invalid) == nil, "\(invalid)")
        }
    }

    @Test func preconditionsAreWeighedInTheRFCsOrder() {
        let file = FileValidators(entityTag: "\"a-1\"", lastModified: 1000)
        func answer(_ conditions: FileConditions) -> FileAnswer { conditions.answer(for: file, size: 10) }
        let before = HTTPDate.format(secondsSince1970: 999), at = HTTPDate.format(secondsSince1970: 1000)
        #expect(answer(FileConditions(ifMatch: "\"b\"", ifNoneMatch: "\"a-1\"")) == .preconditionFailed)
        #expect(answer(FileConditions(ifMatch: "\"a-1\"", ifUnmodifiedSince: before)) == .whole, "If-Match wins over If-Unmodified-Since")
        #expect(answer(FileConditions(ifUnmodifiedSince: before)) == .preconditionFailed)
        #expect(answer(FileConditions(ifNoneMatch: "W/\"a-1\"")) == .notModified)
        #expect(answer(FileConditions(ifModifiedSince: at)) == .notModified)
        #expect(answer(FileConditions(ifModifiedSince: before)) == .whole)
        #expect(answer(FileConditions(ifNoneMatch: "\"b\"", ifModifiedSince: at)) == .whole, "If-None-Match wins")
        #expect(answer(FileConditions(ifRange: at, range: "bytes=0-0")) == .partial(0...0))
        #expect(answer(FileConditions(ifRange: "W/\"a-1\"", range: "bytes=0-0")) == .whole, "If-Range compares strongly")
    }

    @Test func openErrorsBecome403Or404Or503AndNever500() {
        #expect(StaticFileResponder.status(forOpenError: EACCES) == .forbidden)
        #expect(StaticFileResponder.status(forOpenError: EPERM) == .forbidden)
        #expect(StaticFileResponder.status(forOpenError: ENOENT) == .notFound)
        #expect(StaticFileResponder.status(forOpenError: ELOOP) == .notFound)
        #expect(StaticFileResponder.status(forOpenError: EMFILE) == .serviceUnavailable)
        #expect(StaticFileResponder.status(forOpenError: EIO) == .notFound)
    }
}
