import Foundation
import LurcherProtocol
import Testing

@Suite struct JSONStringTests {
    private func quoted(_ input: [UInt8]) -> String {
        var buffer: [UInt8] = []
        JSONString.append(input, to: &buffer)
        return text(buffer)
    }

    @Test func plainASCIIIsOnlyQuoted() {
        #expect(quoted(bytes("text/html; q=0.9")) == #""text/html; q=0.9""#)
        #expect(quoted([]) == #""""#)
    }

    @Test func quoteAndBackslashAreEscaped() {
        #expect(quoted(bytes(#"a"b\c"#)) == #""a\"b\\c""#)
    }

    @Test func controlCharactersUseShortFormsWhereJSONHasThem() {
        #expect(quoted([0x0A, 0x0D, 0x09, 0x08, 0x0C]) == #""\n\r\t\b\f""#)
    }

    @Test func otherControlCharactersAndDeleteUseUnicodeEscapes() {
        #expect(quoted([0x00, 0x01, 0x1B, 0x1F, 0x7F]) == #""\u0000\u0001\u001b\u001f\u007f""#)
    }

    @Test func validMultiByteUTF8PassesThroughUnchanged() {
        let input = bytes("é€𝄞 ü\u{2028}")
        var buffer: [UInt8] = []
        JSONString.append(input, to: &buffer)
        #expect(Array(buffer.dropFirst().dropLast()) == input)
    }

    @Test(arguments: [
        ([0xC0, 0x80] as [UInt8], #""\u00c0\u0080""#),  // overlong NUL
        ([0xE0, 0x80, 0xAF], #""\u00e0\u0080\u00af""#),  // overlong '/'
        ([0xED, 0xA0, 0x80], #""\u00ed\u00a0\u0080""#),  // UTF-16 surrogate D800
        ([0xF4, 0x90, 0x80, 0x80], #""\u00f4\u0090\u0080\u0080""#),  // past U+10FFFF
        ([0xE2, 0x82], #""\u00e2\u0082""#),  // truncated at the end
        ([0xE2, 0x82, 0x41], #""\u00e2\u0082A""#),  // truncated before ASCII
        ([0x80], #""\u0080""#),  // stray continuation byte
        ([0xFF, 0xFE], #""\u00ff\u00fe""#),  // never valid in UTF-8
        ([0x63, 0x61, 0x66, 0xE9], #""caf\u00e9""#),  // Latin-1 "café"
    ])
    func invalidUTF8BytesBecomeLatin1Escapes(input: [UInt8], expected: String) {
        #expect(quoted(input) == expected)
    }

    @Test func specialByteIsEscapedAtEveryPositionOfALongRun() {
        // Long runs are scanned a word at a time; a special byte must be
        // caught wherever it falls within or across words.
        let specials: [(UInt8, String)] = [
            (0x22, #"\""#), (0x5C, #"\\"#), (0x00, #"\u0000"#), (0x1F, #"\u001f"#),
            (0x7F, #"\u007f"#), (0x80, #"\u0080"#), (0xFF, #"\u00ff"#),
        ]
        for (special, escape) in specials {
            for position in 0..<40 {
                var input = [UInt8](repeating: UInt8(ascii: "a"), count: 40)
                input[position] = special
                let expected = String(repeating: "a", count: position) + escape
                    + String(repeating: "a", count: 39 - position)
                #expect(quoted(input) == "\"" + expected + "\"", "byte \(special) at \(position)")
            }
        }
    }

    @Test func appendLeavesExistingBytesAlone() {
        var buffer = bytes("[")
        JSONString.append(bytes("x"), to: &buffer)
        JSONString.appendEscaped(bytes("\"y"), to: &buffer)
        #expect(text(buffer) == #"["x"\"y"#)
    }

    @Test func acceptsNonContiguousCollections() {
        var buffer: [UInt8] = []
        JSONString.append(bytes("a\"b").reversed(), to: &buffer)
        #expect(text(buffer) == #""b\"a""#)
    }

    @Test func randomBytesAlwaysParseAsJSONAndDecodeAsLatin1Fallback() throws {
        var generator = SeededGenerator(seed: 42)
        for round in 0..<2_000 {
            let count = Int.random(in: 0..<64, using: &generator)
            // Bias towards the interesting ranges: controls, quotes, high bytes.
            let input: [UInt8] = (0..<count).map { _ in
                switch Int.random(in: 0..<4, using: &generator) {
                case 0: return UInt8.random(in: 0x00...0x22, using: &generator)
                case 1: return UInt8.random(in: 0x5B...0x7F, using: &generator)
                default: return UInt8.random(in: 0x80...0xFF, using: &generator)
                }
            }
            var json = bytes("[")
            JSONString.append(input, to: &json)
            json += bytes("]")
            #expect(String(validating: json, as: UTF8.self) != nil, "round \(round): output is not UTF-8")
            let parsed = try #require(try parseJSON(json) as? [String], "round \(round): \(input)")
            #expect(parsed.count == 1)
            #expect(parsed.first == referenceDecoding(input), "round \(round): \(input)")
        }
    }

    @Test func randomValidUTF8RoundTripsExactly() throws {
        var generator = SeededGenerator(seed: 99)
        for _ in 0..<500 {
            let scalars = (0..<Int.random(in: 0..<32, using: &generator)).compactMap { _ in
                Unicode.Scalar(UInt32.random(in: 0...0x10FFFF, using: &generator))
            }
            var string = ""
            string.unicodeScalars.append(contentsOf: scalars)
            var json = bytes("[")
            JSONString.append(string.utf8, to: &json)
            json += bytes("]")
            let parsed = try #require(try parseJSON(json) as? [String])
            #expect(parsed == [string])
        }
    }
}

/// What the escaped output must decode to, computed independently of the
/// encoder: Foundation decodes maximal valid UTF-8 runs; any byte it cannot
/// place is taken as Latin-1.
private func referenceDecoding(_ input: [UInt8]) -> String {
    var result = ""
    var index = 0
    while index < input.count {
        var matched = false
        for length in [4, 3, 2] where index + length <= input.count && input[index] >= 0x80 {
            if let piece = String(validating: input[index..<(index + length)], as: UTF8.self),
               piece.unicodeScalars.count == 1 {
                result += piece
                index += length
                matched = true
                break
            }
        }
        if !matched {
            result.unicodeScalars.append(Unicode.Scalar(input[index]))
            index += 1
        }
    }
    return result
}
