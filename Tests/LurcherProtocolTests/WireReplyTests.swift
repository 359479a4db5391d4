import LurcherProtocol
import Testing

@Suite struct WireReplyTests {
    private let response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"

    private func reply(_ ids: [UInt64], body: String) -> [UInt8] {
        var buffer: [UInt8] = []
        WireReply.append(sender: bytes("UUID"), connectionIDs: ids, body: bytes(body), to: &buffer)
        return buffer
    }

    @Test func replyToSeveralConnectionsListsIdsInOneNetstring() {
        #expect(text(reply([1, 2, 3], body: response)) == "UUID 5:1 2 3, \(response)")
    }

    @Test func replyToOneConnection() {
        var buffer: [UInt8] = []
        WireReply.append(sender: "UUID".utf8, connectionID: 42, body: bytes("x"), to: &buffer)
        #expect(text(buffer) == "UUID 2:42, x")
    }

    @Test func closeReplyKeepsTheMandatorySpaceBeforeTheEmptyBody() {
        #expect(text(reply([9], body: "")) == "UUID 1:9, ")
    }

    @Test func controlReplyIsAnXIdListAndATNetStringBody() {
        var buffer: [UInt8] = []
        WireReply.appendControl(sender: bytes("UUID"), connectionIDs: [7], command: ["ctl", ["credits": 1]], to: &buffer)
        #expect(text(buffer) == "UUID 3:X 7, 24:3:ctl,14:7:credits,1:1#}]")
    }

    @Test func decodeSplitsSenderIdsAndBody() throws {
        let decoded = try WireReply.decode(bytes("UUID 5:1 2 3, \(response)"))
        #expect(text(decoded.sender) == "UUID")
        #expect(decoded.target == .connections([1, 2, 3]))
        #expect(text(decoded.body) == response)
        #expect(!decoded.isClose)
    }

    @Test func decodeKeepsSpacesAndCommasInsideTheBody() throws {
        let decoded = try WireReply.decode(bytes("UUID 1:1,  a, 1:2, b"))
        #expect(text(decoded.body) == " a, 1:2, b")
    }

    @Test func decodeOfEmptyBodyIsAClose() throws {
        let decoded = try WireReply.decode(bytes("UUID 2:10, "))
        #expect(decoded.target == .connections([10]))
        #expect(decoded.body.isEmpty)
        #expect(decoded.isClose)
    }

    @Test func decodeAcceptsOneTrailingSpaceAfterTheLastIdAsMongrel2Does() throws {
        let decoded = try WireReply.decode(bytes("UUID 2:1 , x"))
        #expect(decoded.target == .connections([1]))
    }

    @Test func decodeAcceptsLargestConnectionID() throws {
        let decoded = try WireReply.decode(bytes("UUID 20:18446744073709551615, x"))
        #expect(decoded.target == .connections([UInt64.max]))
    }

    @Test func decodeExtendedReplyDecodesTheCommand() throws {
        let decoded = try WireReply.decode(bytes("UUID 5:X 7 8, 26:3:ctl,16:6:cancel,4:true!}]"))
        #expect(decoded.target == .control(connectionIDs: [7, 8], command: ["ctl", ["cancel": true]]))
        #expect(!decoded.isClose)
    }

    @Test func decodeExtendedReplyWithoutIdsHasNilTargets() throws {
        for idList in ["1:X,", "2:X ,"] {
            let decoded = try WireReply.decode(bytes("UUID \(idList) 9:3:ctl,0:}]"))
            #expect(decoded.target == .control(connectionIDs: nil, command: ["ctl", [:]]))
        }
    }

    @Test(arguments: [[1] as [UInt64], [1, 22, 333], [UInt64.max, 0]])
    func decodeRoundTripsEncodedReplies(ids: [UInt64]) throws {
        let decoded = try WireReply.decode(reply(ids, body: response))
        #expect(decoded.target == .connections(ids))
        #expect(text(decoded.body) == response)
    }

    @Test func decodeRoundTripsEncodedControlReplies() throws {
        let command: TNetString = ["ctl", ["credits": 4096]]
        for ids in [[3] as [UInt64], [1, 2], []] {
            var buffer: [UInt8] = []
            WireReply.appendControl(sender: bytes("S"), connectionIDs: ids, command: command, to: &buffer)
            let decoded = try WireReply.decode(buffer)
            #expect(decoded.target == .control(connectionIDs: ids.isEmpty ? nil : ids, command: command))
        }
    }

    // MARK: - Rejections

    @Test func rejectsMissingSpaceAfterSender() {
        #expect(throws: ProtocolError.malformed("reply has no space after the sender")) {
            try WireReply.decode(bytes("UUID"))
        }
        // Without it the sender swallows the ids and the netstring is misread.
        #expect(throws: ProtocolError.badLength("2 ")) {
            try WireReply.decode(bytes("UUID5:1 2 3, x"))
        }
    }

    @Test func rejectsEmptySender() {
        #expect(throws: ProtocolError.malformed("reply has an empty sender")) {
            try WireReply.decode(bytes(" 1:1, x"))
        }
    }

    @Test func rejectsMissingSpaceAfterComma() {
        #expect(throws: ProtocolError.malformed("reply needs a space after the id list's ','")) {
            try WireReply.decode(bytes("UUID 1:1,HTTP/1.1 200 OK"))
        }
        #expect(throws: ProtocolError.malformed("reply needs a space after the id list's ','")) {
            try WireReply.decode(bytes("UUID 1:1,"))
        }
    }

    @Test func rejectsBadIdNetstring() {
        #expect(throws: ProtocolError.badTerminator(expected: UInt8(ascii: ","), found: UInt8(ascii: " "))) {
            try WireReply.decode(bytes("UUID 1:1 2, x"))
        }
        #expect(throws: ProtocolError.badLength("a")) {
            try WireReply.decode(bytes("UUID a:1, x"))
        }
        #expect(throws: ProtocolError.truncated(expected: 14, available: 4)) {
            try WireReply.decode(bytes("UUID 10:1"))
        }
    }

    @Test func rejectsNonDecimalIds() {
        #expect(throws: ProtocolError.badConnectionID("abc")) { try WireReply.decode(bytes("UUID 5:1 abc, x")) }
        #expect(throws: ProtocolError.badConnectionID("-1")) { try WireReply.decode(bytes("UUID 2:-1, x")) }
        #expect(throws: ProtocolError.badConnectionID("18446744073709551616")) {
            try WireReply.decode(bytes("UUID 20:18446744073709551616, x"))
        }
    }

    @Test func rejectsDoubleOrLeadingSpacesBetweenIds() {
        #expect(throws: ProtocolError.badConnectionID("")) { try WireReply.decode(bytes("UUID 4:1  2, x")) }
        #expect(throws: ProtocolError.badConnectionID("")) { try WireReply.decode(bytes("UUID 2: 1, x")) }
    }

    @Test func rejectsEmptyIdList() {
        #expect(throws: ProtocolError.malformed("reply has an empty connection id list")) {
            try WireReply.decode(bytes("UUID 0:, x"))
        }
    }

    @Test func rejectsExtendedReplyWhoseBodyIsNotATNetStringList() {
        #expect(throws: ProtocolError.malformed("extended reply body must be a tnetstring list, found tag '}'")) {
            try WireReply.decode(bytes("UUID 3:X 7, 0:}"))
        }
        #expect(throws: ProtocolError.truncated(expected: 3, available: 0)) {
            try WireReply.decode(bytes("UUID 3:X 7, "))
        }
        #expect(throws: ProtocolError.trailingBytes(count: 1)) {
            try WireReply.decode(bytes("UUID 3:X 7, 0:]x"))
        }
    }
}
