import LurcherProtocol
import Testing

@Suite struct TNetStringEncodingTests {
    @Test(arguments: [
        (TNetString.string(bytes("hello")), "5:hello,"),
        (.string([]), "0:,"),
        (.integer(42), "2:42#"),
        (.integer(-7), "2:-7#"),
        (.integer(0), "1:0#"),
        (.integer(Int.min), "20:-9223372036854775808#"),
        (.float(0.5), "3:0.5^"),
        (.bool(true), "4:true!"),
        (.bool(false), "5:false!"),
        (.null, "0:~"),
        (.list([]), "0:]"),
        (.dictionary([]), "0:}"),
    ])
    func scalarsEncodeToSpecForm(value: TNetString, expected: String) {
        #expect(text(value.encoded) == expected)
        #expect(value.encodedCount == expected.utf8.count)
    }

    @Test func listEncodesElementsInOrder() {
        let value: TNetString = ["a", 1, true, .null]
        #expect(text(value.encoded) == "18:1:a,1:1#4:true!0:~]")
    }

    @Test func dictionaryEncodesPairsInInsertionOrder() {
        let value: TNetString = ["METHOD": "GET", "PATH": "/", "x": [1, 2]]
        #expect(text(value.encoded) == "41:6:METHOD,3:GET,4:PATH,1:/,1:x,8:1:1#1:2#]}")
    }

    @Test func nestedContainersComputeEveryLengthPrefix() {
        let value: TNetString = [["k": [[]]]]
        // 0:] inside 3:0:]] inside the dictionary 10:1:k,3:0:]]} inside the list.
        #expect(text(value.encoded) == "14:10:1:k,3:0:]]}]")
        #expect(value.encodedCount == 18)
    }

    @Test func encodeAppendsWithoutTouchingExistingBytes() {
        var buffer = bytes("prefix ")
        TNetString.integer(5).encode(into: &buffer)
        #expect(text(buffer) == "prefix 1:5#")
    }

    @Test func stringPayloadMayContainFramingBytes() {
        let value = TNetString.string(bytes("1:a,}]"))
        #expect(text(value.encoded) == "6:1:a,}],")
    }
}
