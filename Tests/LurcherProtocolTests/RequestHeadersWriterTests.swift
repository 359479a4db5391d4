import Foundation
import LurcherProtocol
import Testing

@Suite struct RequestHeadersWriterTests {
    private func sampleWriter(_ encoding: HeaderEncoding) -> RequestHeadersWriter {
        var writer = RequestHeadersWriter(encoding: encoding)
        writer.append(name: bytes("METHOD"), value: bytes("GET"))
        writer.append(name: bytes("accept"), values: [bytes("text/html")[...], bytes("*/*")[...]])
        writer.append(name: "host".utf8, value: "localhost".utf8)
        return writer
    }

    @Test func emptyJSONHeadersFrameAsEmptyObjectNetstring() {
        let writer = RequestHeadersWriter(encoding: .json)
        #expect(writer.isEmpty)
        #expect(text(writer.framed) == "2:{},")
    }

    @Test func emptyTNetStringHeadersFrameAsEmptyDictionary() {
        #expect(text(RequestHeadersWriter(encoding: .tnetstring).framed) == "0:}")
    }

    @Test func jsonHeadersFrameAsObjectInNetstringWithRepeatedHeaderAsArray() {
        let writer = sampleWriter(.json)
        #expect(writer.count == 3)
        #expect(text(writer.framed) == #"64:{"METHOD":"GET","accept":["text/html","*/*"],"host":"localhost"},"#)
        #expect(writer.framedCount == writer.framed.count)
    }

    @Test func tnetstringHeadersFrameAsDictionaryWithRepeatedHeaderAsList() throws {
        let writer = sampleWriter(.tnetstring)
        let framed = writer.framed
        #expect(text(framed) == "65:6:METHOD,3:GET,6:accept,18:9:text/html,3:*/*,]4:host,9:localhost,}")
        #expect(writer.framedCount == framed.count)
        let decoded = try TNetString(decoding: framed)
        #expect(decoded == ["METHOD": "GET", "accept": ["text/html", "*/*"], "host": "localhost"])
    }

    @Test func repeatedHeaderWithNoValuesIsAnEmptyList() {
        for (encoding, expected) in [(HeaderEncoding.json, #"8:{"a":[]},"#), (.tnetstring, "7:1:a,0:]}")] {
            var writer = RequestHeadersWriter(encoding: encoding)
            writer.append(name: bytes("a"), values: [[UInt8]]())
            #expect(text(writer.framed) == expected)
        }
    }

    @Test func frameAppendsAfterExistingBytes() {
        var buffer = bytes("UUID 1 / ")
        sampleWriter(.json).frame(into: &buffer)
        #expect(text(buffer).hasPrefix(#"UUID 1 / 64:{"METHOD""#))
    }

    @Test func removeAllStartsOverKeepingTheEncoding() {
        var writer = sampleWriter(.json)
        writer.removeAll()
        #expect(writer.isEmpty)
        writer.append(name: bytes("a"), value: bytes("b"))
        #expect(text(writer.framed) == #"9:{"a":"b"},"#)
    }

    @Test func jsonOutputStaysValidForNastyNamesAndValues() throws {
        let nasty: [[UInt8]] = [
            bytes(#"quote " and backslash \ "#),
            [0x00, 0x01, 0x0A, 0x0D, 0x1F, 0x7F],
            [0xC3, 0x28, 0xA0, 0xA1, 0xE2, 0x28, 0xA1, 0xF0, 0x28, 0x8C, 0xBC],
            [0xED, 0xA0, 0x80, 0xC0, 0xAF, 0xFF],
            bytes("\",\"injected\":\""),
        ]
        var writer = RequestHeadersWriter(encoding: .json)
        for (index, value) in nasty.enumerated() {
            writer.append(name: value + bytes("-\(index)"), value: value)
        }
        writer.append(name: bytes("list"), values: nasty)
        let framed = writer.framed
        let payload = try Netstring.decode(framed)
        #expect(payload.rest.isEmpty)
        let object = try #require(try parseJSON(Array(payload.payload)) as? [String: Any])
        // Six keys: nothing was injected by the value that looks like JSON.
        #expect(object.count == nasty.count + 1)
        #expect(object[#"quote " and backslash \ -0"#] as? String == #"quote " and backslash \ "#)
        #expect(object["\u{0}\u{1}\n\r\u{1F}\u{7F}-1"] as? String == "\u{0}\u{1}\n\r\u{1F}\u{7F}")
        #expect(object["\u{FF}-3"] == nil)
        #expect((object["list"] as? [String])?.count == nasty.count)
    }

    @Test func randomHeadersAlwaysProduceValidJSON() throws {
        var generator = SeededGenerator(seed: 2024)
        for round in 0..<300 {
            var writer = RequestHeadersWriter(encoding: .json)
            let count = Int.random(in: 0..<8, using: &generator)
            for index in 0..<count {
                let value = (0..<Int.random(in: 0..<24, using: &generator)).map { _ in
                    UInt8.random(in: 0...255, using: &generator)
                }
                writer.append(name: bytes("h\(index)"), value: value)
            }
            let payload = try Netstring.decode(writer.framed).payload
            let object = try #require(try parseJSON(Array(payload)) as? [String: Any], "round \(round)")
            #expect(object.count == count)
        }
    }
}
