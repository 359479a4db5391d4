/// The connection's side of a streamed upload: how much of the body the handler lets it read, and what has
/// been sent. The messages themselves are the intake's (``UploadStream``).
///
/// As in Mongrel2 (`conn->sendCredits`), credits start at 0 for each request: after the first message, which
/// carries what was read with the head, the client is read only as far as `ctl credits` grants.
struct UploadCredits {
    /// The most body bytes one message carries.
    let pieceLimit: Int
    /// The body is chunked: its first message is sent empty, as Mongrel2 sends it before reading a chunk.
    let chunked: Bool
    /// Credits granted and not yet spent.
    private(set) var balance = 0
    /// The first message has been sent.
    private(set) var started = false
    /// The message with `UPLOAD_STREAM_DONE` has been sent.
    private(set) var ended = false

    init(pieceLimit: Int, chunked: Bool) {
        self.pieceLimit = pieceLimit
        self.chunked = chunked
    }

    /// How many more body bytes may be read now: up to a piece for the first message of a fixed-length body,
    /// then no more than the credits.
    var allowance: Int {
        if ended { return 0 }
        if !started { return chunked ? 0 : pieceLimit }
        return min(balance, pieceLimit)
    }

    /// The body is not all sent, and the handler has granted nothing to send it with.
    var awaitsCredits: Bool { started && !ended && balance == 0 }

    /// Adds a grant (at most ``ConnectionControl/maxCredits``; the balance saturates rather than overflows).
    mutating func grant(_ credits: Int) {
        balance = balance > Int.max - credits ? Int.max : balance + credits
    }

    /// A message went to the handler with `bytes` of body; `isLast` when it was the last.
    mutating func sent(bytes: Int, isLast: Bool) {
        if started { balance -= bytes } else { started = true }
        ended = isLast
    }
}
