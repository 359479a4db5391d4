/// One complete message from a client, as a handler gets it: Mongrel2's `FLAGS` and the unmasked payload.
struct WebSocketMessage: Equatable {
    /// The first byte of the message's first frame with FIN set (RSV bits kept): 0x81 text, 0x82 binary, 0x88 close,
    /// 0x89 ping, 0x8A pong. Handlers never see a continuation (opcode 0): fragments arrive reassembled.
    let flags: UInt8
    /// The whole message, unmasked; a close keeps its two-byte status code in front of the reason.
    let payload: [UInt8]

    /// `FLAGS` as Mongrel2 writes it (`bformat("0x%X", …)`): `0x` and upper-case hex, e.g. `0x8A`.
    var flagsText: String { "0x" + String(flags, radix: 16, uppercase: true) }
}
