import Foundation
import LurcherProtocol

/// The UTF-8 bytes of `text`, to write vectors as readable strings.
func bytes(_ text: String) -> [UInt8] {
    Array(text.utf8)
}

/// Bytes shown as text for readable failure messages.
func text(_ bytes: some Collection<UInt8>) -> String {
    String(decoding: Array(bytes), as: UTF8.self)
}

/// A small deterministic generator (SplitMix64), so a failing fuzz case
/// can be reproduced from its seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Parses `json` with Foundation, the way a handler in another language
/// would; throws when it is not valid JSON.
func parseJSON(_ json: [UInt8]) throws -> Any {
    try JSONSerialization.jsonObject(with: Data(json), options: [.fragmentsAllowed])
}
