import Foundation
import LurcherProtocol
import Testing

/// The handler's JSON header reader without Foundation must read what JSONSerialization reads, and leave to it
/// (nil) everything that is not a flat object of strings.
@Suite struct FlatJSONHeadersTests {
    /// What JSONSerialization makes of `json`, in the same shape, for comparison.
    private func foundation(_ json: [UInt8]) -> [String: HeaderValue]? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any] else { return nil }
        var headers: [String: HeaderValue] = [:]
        for (name, value) in object {
            if let list = value as? [String] {
                headers[name] = .list(list)
            } else if let single = value as? String {
                headers[name] = .single(single)
            } else {
                return nil
            }
        }
        return headers
    }

    private func flat(_ json: String) -> [String: HeaderValue]? {
        FlatJSONHeaders.parse(bytes(json)[...])
    }

    @Test(arguments: [
        #"{}"#,
        #" { } "#,
        #"{"METHOD":"GET","PATH":"/hello","cookie":["a=1","b=2"],"empty":[],"":""}"#,
        #"{ "a" : "1" , "b" : [ "x" , "y" ] }"#,
        #"{"q":"\"\\\/\b\f\n\r\t"}"#,
        #"{"u":"\u00e9\u4e2d\ud83d\ude00\u0041","raw":"é中😀"}"#,
        #"{"dup":"first","dup":"second"}"#,
        #"{"nul":"a\u0000b"}"#,
    ])
    func readsWhatFoundationReads(json: String) throws {
        let expected = try #require(foundation(bytes(json)))
        #expect(flat(json) == expected)
    }

    @Test(arguments: [
        #"{"n":1}"#, #"{"t":true}"#, #"{"z":null}"#, #"{"o":{"a":"b"}}"#, #"{"l":["a",1]}"#, #"{"l":[["a"]]}"#,
        #"{"s":"\ud83d"}"#, #"{"s":"\ude00x"}"#, #"{"s":"\x"}"#, #"{"s":"\u12"}"#,
        "{\"s\":\"a\tb\"}", #"{"a":"b"} x"#, #"{"a":"b",}"#, #"{"a" "b"}"#, #"["a"]"#, #""a""#, "", #"{"a":"b""#,
    ])
    func leavesEverythingElseToFoundation(json: String) {
        #expect(flat(json) == nil)
    }

    @Test func leavesBytesThatAreNotUTF8ToFoundation() {
        let json = bytes(#"{"a":""#) + [0xC3, 0x28] + bytes(#""}"#)
        #expect(FlatJSONHeaders.parse(json[...]) == nil)
        let escaped = bytes(#"{"a":"\n"#) + [0xFF] + bytes(#""}"#)
        #expect(FlatJSONHeaders.parse(escaped[...]) == nil)
    }

    /// Headers the gateway's writer encodes, with random text (controls, quotes, backslashes, non-ASCII), read
    /// back the same by both parsers.
    @Test func agreesWithFoundationOnWrittenHeaders() throws {
        var generator = SeededGenerator(seed: 19)
        let alphabet: [Unicode.Scalar] = ["a", "Z", "0", " ", "\"", "\\", "/", "\u{0}", "\u{1}", "\n", "\t", "\u{7F}", "é", "中", "😀"]
        for _ in 0..<200 {
            var writer = RequestHeadersWriter(encoding: .json)
            for field in 0..<Int.random(in: 1...6, using: &generator) {
                let value = String(String.UnicodeScalarView((0..<Int.random(in: 0...12, using: &generator)).map { _ in
                    alphabet.randomElement(using: &generator)!
                }))
                if Bool.random(using: &generator) {
                    writer.append(name: bytes("h\(field)"), value: bytes(value))
                } else {
                    writer.append(name: bytes("h\(field)"), values: [bytes(value), bytes(value + "x")])
                }
            }
            let json = Array(try Netstring.decode(writer.framed[...]).payload)
            #expect(FlatJSONHeaders.parse(json[...]) == foundation(json), "\(text(json))")
        }
    }
}
