import LurcherProtocol
import Testing

@Suite struct TNetStringDecodingTests {
    @Test(arguments: [
        ("5:hello,", TNetString.string(bytes("hello"))),
        ("2:42#", .integer(42)),
        ("3:-42#", .integer(-42)),
        ("19:9223372036854775807#", .integer(Int.max)),
        ("20:-9223372036854775808#", .integer(Int.min)),
        ("3:1.5^", .float(1.5)),
        ("4:true!", .bool(true)),
        ("5:false!", .bool(false)),
        ("0:~", .null),
        ("0:]", .list([])),
        ("0:}", .dictionary([])),
    ])
    func scalarsDecode(input: String, expected: TNetString) throws {
        let (value, rest) = try TNetString.decode(bytes(input))
        #expect(value == expected)
        #expect(rest.isEmpty)
    }

    @Test func decodeReturnsTheRestAfterOneValue() throws {
        let (value, rest) = try TNetString.decode(bytes("1:a,2:bc,"))
        #expect(value == "a")
        #expect(text(rest) == "2:bc,")
    }

    @Test func decodeAllReadsValuesBackToBack() throws {
        let values = try TNetString.decodeAll(bytes("1:a,2:42#0:~"))
        #expect(values == ["a", 42, .null])
        #expect(try TNetString.decodeAll([UInt8]()) == [])
    }

    @Test func decodingInitRejectsTrailingBytes() {
        #expect(throws: ProtocolError.trailingBytes(count: 3)) {
            try TNetString(decoding: bytes("1:a,xyz"))
        }
    }

    @Test func dictionaryKeepsWireOrderAndDuplicateKeys() throws {
        let value = try TNetString(decoding: bytes("24:1:b,1:1#1:a,1:2#1:b,1:3#}"))
        let keys = value.dictionaryValue?.map { text($0.key) }
        #expect(keys == ["b", "a", "b"])
        #expect(value["b"] == 1)  // the first wins
        #expect(value["a"] == 2)
        #expect(value["missing"] == nil)
    }

    @Test func deepNestingRoundTrips() throws {
        var value: TNetString = ["leaf": [1.25, false, .null, "x"]]
        for level in 0..<20 {
            value = level.isMultiple(of: 2) ? [value, .integer(level)] : ["level": value]
        }
        let decoded = try TNetString(decoding: value.encoded)
        #expect(decoded == value)
        #expect(decoded.encoded == value.encoded)
    }

    @Test func randomValuesRoundTrip() throws {
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<300 {
            let value = randomValue(depth: 3, using: &generator)
            let decoded = try TNetString(decoding: value.encoded)
            #expect(decoded == value)
        }
    }

    @Test func nestingBeyondTheLimitIsRejected() {
        var value: TNetString = []
        for _ in 0..<10 {
            value = [value]
        }
        // 11 container levels.
        #expect(throws: ProtocolError.nestingTooDeep(limit: 10)) {
            try TNetString.decode(value.encoded, maximumDepth: 10)
        }
        let decoded = try? TNetString.decode(value.encoded, maximumDepth: 11)
        #expect(decoded?.value == value)
    }

    @Test func hostileDeepNestingFailsCleanlyWithDefaultLimit() {
        // 50 000 levels would overflow the stack of a decoder without a limit.
        let levels = 50_000
        var lengths = [3]  // "0:]"
        for _ in 0..<levels {
            let inner = lengths[lengths.count - 1]
            lengths.append(String(inner).utf8.count + 1 + inner + 1)
        }
        var input: [UInt8] = []
        for level in stride(from: levels - 1, through: 0, by: -1) {
            input += bytes("\(lengths[level]):")
        }
        input += bytes("0:]")
        input += [UInt8](repeating: UInt8(ascii: "]"), count: levels)
        #expect(input.count == lengths[levels])
        #expect(throws: ProtocolError.nestingTooDeep(limit: TNetString.defaultMaximumDepth)) {
            try TNetString.decode(input)
        }
    }

    // MARK: - Rejections

    @Test func rejectsLengthWithLeadingGarbage() {
        #expect(throws: ProtocolError.badLength("x")) { try TNetString.decode(bytes("x5:hello,")) }
        #expect(throws: ProtocolError.badLength("-")) { try TNetString.decode(bytes("-1:a,")) }
        #expect(throws: ProtocolError.badLength(" ")) { try TNetString.decode(bytes(" 1:a,")) }
    }

    @Test func rejectsLengthWithGarbageBeforeColon() {
        #expect(throws: ProtocolError.badLength("5x")) { try TNetString.decode(bytes("5x:hello,")) }
    }

    @Test func rejectsLengthOfMoreThanNineDigits() {
        #expect(throws: ProtocolError.badLength("1000000000")) {
            try TNetString.decode(bytes("1000000000:a,"))
        }
        #expect(throws: ProtocolError.badLength("0000000001")) {
            try TNetString.decode(bytes("0000000001:a,"))
        }
    }

    @Test func acceptsNineDigitLengthUpToTheTruncationCheck() {
        // 999999999 is legal; the input is just too short for it.
        #expect(throws: ProtocolError.truncated(expected: 1_000_000_010, available: 12)) {
            try TNetString.decode(bytes("999999999:a,"))
        }
    }

    @Test func rejectsMissingLength() {
        #expect(throws: ProtocolError.badLength(":")) { try TNetString.decode(bytes(":a,")) }
    }

    @Test func rejectsTruncatedPayload() {
        #expect(throws: ProtocolError.truncated(expected: 8, available: 7)) {
            try TNetString.decode(bytes("5:hello"))
        }
    }

    @Test func rejectsInputThatEndsInsideTheLength() {
        #expect(throws: ProtocolError.truncated(expected: 3, available: 0)) {
            try TNetString.decode([UInt8]())
        }
        #expect(throws: ProtocolError.truncated(expected: 16, available: 2)) {
            try TNetString.decode(bytes("12"))
        }
    }

    @Test func rejectsUnknownTag() {
        #expect(throws: ProtocolError.unknownTag(UInt8(ascii: "?"))) {
            try TNetString.decode(bytes("1:a?"))
        }
    }

    @Test func rejectsBadBool() {
        #expect(throws: ProtocolError.badValue(tag: UInt8(ascii: "!"), payload: "TRUE")) {
            try TNetString.decode(bytes("4:TRUE!"))
        }
        #expect(throws: ProtocolError.badValue(tag: UInt8(ascii: "!"), payload: "1")) {
            try TNetString.decode(bytes("1:1!"))
        }
    }

    @Test func rejectsBadInteger() {
        for input in ["2:1x#", "0:#", "1:-#", "2:+1#", "3: 12#", "19:9223372036854775808#", "20:-9223372036854775809#"] {
            #expect(throws: ProtocolError.self, "\(input)") { try TNetString.decode(bytes(input)) }
        }
    }

    @Test func rejectsBadFloat() {
        #expect(throws: ProtocolError.badValue(tag: UInt8(ascii: "^"), payload: "1.5x")) {
            try TNetString.decode(bytes("4:1.5x^"))
        }
        #expect(throws: ProtocolError.badValue(tag: UInt8(ascii: "^"), payload: "")) {
            try TNetString.decode(bytes("0:^"))
        }
    }

    @Test func rejectsNullWithPayload() {
        #expect(throws: ProtocolError.badValue(tag: UInt8(ascii: "~"), payload: "x")) {
            try TNetString.decode(bytes("1:x~"))
        }
    }

    @Test func rejectsNonStringDictionaryKey() {
        #expect(throws: ProtocolError.self) {
            try TNetString.decode(bytes("8:1:1#1:a,}"))
        }
        do {
            _ = try TNetString.decode(bytes("8:1:1#1:a,}"))
        } catch {
            #expect(error.description.contains("key must be a string"))
        }
    }

    @Test func rejectsDictionaryWithOddElementCount() {
        #expect(throws: ProtocolError.self) {
            try TNetString.decode(bytes("12:1:a,1:b,1:c,}"))
        }
        do {
            _ = try TNetString.decode(bytes("12:1:a,1:b,1:c,}"))
        } catch {
            #expect(error.description.contains("odd number of elements"))
        }
    }

    @Test func rejectsListElementOverrunningItsContainer() {
        // The list claims 4 bytes but its element needs 5.
        #expect(throws: ProtocolError.truncated(expected: 5, available: 4)) {
            try TNetString.decode(bytes("4:2:ab]"))
        }
    }
}

/// A random value of every kind, to exercise the codec beyond the vectors.
private func randomValue(depth: Int, using generator: inout SeededGenerator) -> TNetString {
    let kind = Int.random(in: 0..<(depth > 0 ? 7 : 5), using: &generator)
    switch kind {
    case 0:
        let count = Int.random(in: 0..<20, using: &generator)
        return .string((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) })
    case 1:
        return .integer(Int.random(in: Int.min...Int.max, using: &generator))
    case 2:
        return .float(Double.random(in: -1e12...1e12, using: &generator))
    case 3:
        return .bool(Bool.random(using: &generator))
    case 4:
        return .null
    case 5:
        let count = Int.random(in: 0..<5, using: &generator)
        return .list((0..<count).map { _ in randomValue(depth: depth - 1, using: &generator) })
    default:
        let count = Int.random(in: 0..<5, using: &generator)
        return .dictionary((0..<count).map { index in
            TNetString.Pair(key: "k\(index)", value: randomValue(depth: depth - 1, using: &generator))
        })
    }
}
