@testable import LurcherHandler
import Testing

/// A broadcast is framed once and sent in as few replies as Mongrel2 takes: 128 ids each, one sender each.
@Suite struct WebSocketBroadcastTests {
    /// Each reply's sender and id list, read back from its framing.
    private func targets(_ replies: [[UInt8]]) -> [(sender: String, ids: [UInt64])] {
        replies.map { reply in
            let text = String(decoding: reply, as: UTF8.self)
            let sender = String(text.prefix { $0 != " " })
            let afterSender = text.dropFirst(sender.count + 1)
            let list = afterSender.drop { $0 != ":" }.dropFirst().prefix { $0 != "," }
            return (sender, list.split(separator: " ").map { UInt64($0)! })
        }
    }

    @Test func moreThan128ConnectionsAreSplitOver128IdReplies() {
        let recipients = (1...300).map { HandlerConnection.WebSocketKey(sender: "S", connectionID: UInt64($0)) }
        let replies = HandlerConnection.broadcastReplies([0x81, 1, 0x61], to: recipients)
        let sent = targets(replies)
        #expect(sent.map(\.ids.count) == [128, 128, 44])
        #expect(sent.flatMap(\.ids) == Array(1...300))
        #expect(replies.allSatisfy { $0.suffix(4) == [UInt8(ascii: " "), 0x81, 1, 0x61] })
    }

    @Test func eachGatewayGetsItsOwnReply() {
        let recipients = [("A", 1), ("B", 2), ("A", 3)].map { HandlerConnection.WebSocketKey(sender: $0.0, connectionID: UInt64($0.1)) }
        let sent = targets(HandlerConnection.broadcastReplies([0x81, 0], to: recipients))
        #expect(sent.map(\.sender) == ["A", "B"])
        #expect(sent.map(\.ids) == [[1, 3], [2]])
    }

    @Test func exactly128ConnectionsTakeOneReply() {
        let recipients = (1...128).map { HandlerConnection.WebSocketKey(sender: "S", connectionID: UInt64($0)) }
        #expect(HandlerConnection.broadcastReplies([0x81, 0], to: recipients).count == 1)
    }
}
