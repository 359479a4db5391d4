import Testing

@testable import LurcherGateway

/// Mongrel2's rule (`Connection_deliver_enqueue`): a reply is refused when it would leave more than 102400 bytes
/// unwritten on its connection, counting what is already unwritten.
@Suite struct DownloadCreditsTests {
    /// `credits.take(bytes, for: id)`, outside `#expect`, which cannot call a mutating method.
    private func take(_ bytes: Int, for id: UInt64, from credits: inout DownloadCredits) -> Bool {
        credits.take(bytes, for: id)
    }

    @Test func repliesUpToTheWindowAreTakenAndOnePastItIsRefused() {
        var credits = DownloadCredits()
        #expect(take(60_000, for: 1, from: &credits))
        #expect(take(42_400, for: 1, from: &credits), "exactly the window")
        #expect(!take(1, for: 1, from: &credits))
        #expect(take(102_400, for: 2, from: &credits), "each connection has its own window")
    }

    @Test func writtenBytesMakeRoomAgain() {
        var credits = DownloadCredits()
        #expect(take(102_400, for: 1, from: &credits))
        credits.written(40_000, for: 1)
        #expect(take(40_000, for: 1, from: &credits))
        #expect(!take(1, for: 1, from: &credits))
    }

    @Test func oneReplyLargerThanTheWindowIsRefusedEvenWithNothingUnwritten() {
        var credits = DownloadCredits()
        #expect(!take(102_401, for: 1, from: &credits))
        #expect(credits.connectionsOwed == 0, "a refused reply counts for nothing")
    }

    @Test func aConnectionWithNothingUnwrittenOrClosedIsForgotten() {
        var credits = DownloadCredits()
        #expect(take(10, for: 1, from: &credits))
        #expect(take(10, for: 2, from: &credits))
        credits.written(10, for: 1)
        credits.forget(2)
        credits.written(10, for: 3)
        #expect(credits.connectionsOwed == 0)
    }
}
