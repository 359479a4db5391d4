@testable import LurcherHandler
import Testing

/// Mongrel2's `FLAGS` header: `0x` and upper-case hex of the frame's first byte.
@Suite struct WebSocketFlagsTests {
    @Test(arguments: [
        ("0x81", WebSocketOpcode.text), ("0x82", .binary), ("0x88", .close), ("0x89", .ping), ("0x8A", .pong), ("0x8a", .pong),
    ])
    func theOpcodeIsTheLowNibble(header: String, opcode: WebSocketOpcode) throws {
        let flags = try #require(WebSocketFlags(header: header))
        #expect(flags.opcode == opcode)
        #expect(flags.reservedBits == 0)
    }

    @Test func reservedBitsAreKept() throws {
        #expect(try #require(WebSocketFlags(header: "0xC1")).reservedBits == 0x40)
    }

    @Test func anOpcodeTheRFCReservesHasNone() throws {
        #expect(try #require(WebSocketFlags(header: "0x83")).opcode == nil)
    }

    @Test(arguments: ["", "0x", "81", "0x+1", "0x181", "0xZZ", " 0x81"])
    func anythingButHexAfter0xIsRefused(header: String) {
        #expect(WebSocketFlags(header: header) == nil)
    }
}
