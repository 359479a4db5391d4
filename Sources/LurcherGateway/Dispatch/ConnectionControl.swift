import LurcherProtocol

/// What an extended (`X`) reply asks of the connections it names, read from its body, a tnetstring list
/// `[key, value]` (Mongrel2 1.12's `parse_extended_request` and `handler_process_control_request`, `src/handler.c`).
///
/// Read once per reply on the dispatch thread, so that each connection is sent only what it must act on.
enum ConnectionControl: Equatable {
    /// `["ctl", {...}]`: `keepAlive` for `keep-alive`, `cancel` for `cancel` (the value of either is not looked
    /// at, as in Mongrel2); `credits`, a valid `credits` grant for a streamed upload, or `refusedCredits`, why
    /// one was refused.
    case ctl(keepAlive: Bool, cancel: Bool, credits: Int?, refusedCredits: String?)
    /// A command that cannot be carried out, which closes the connection as in Mongrel2 (its
    /// `handler_process_extended_request` error path, `Register_disconnect`): a key other than `ctl`, which
    /// Mongrel2 looks up among its `xrequest` plugins (Lurcher has none), or `ctl` whose value is not a dict.
    case rejected(String)
    /// Not `[string, value]`: logged and ignored (Mongrel2's `parse_extended_request` fails).
    case malformed(String)

    /// The most credits one message may grant: Mongrel2 keeps them in a C `int`, which a larger grant overflows.
    static let maxCredits = Int(Int32.max)

    init(_ command: TNetString) {
        guard case .list(let elements) = command, elements.count == 2 else {
            self = .malformed("extended reply body must be a list of two elements")
            return
        }
        guard case .string(let key) = elements[0] else {
            self = .malformed("extended reply key is not a string")
            return
        }
        guard key == Array("ctl".utf8) else {
            self = .rejected("unknown key '\(String(decoding: key, as: UTF8.self))'")
            return
        }
        guard case .dictionary(let pairs) = elements[1] else {
            self = .rejected("ctl value is not a dict")
            return
        }
        func has(_ name: String) -> TNetString? { pairs.first { $0.key == Array(name.utf8) }?.value }
        let grant = has("credits")
        let refusal = grant.flatMap(Self.refusal(ofCredits:))
        var credits: Int?
        if refusal == nil, case .integer(let value)? = grant { credits = Int(value) }
        self = .ctl(keepAlive: has("keep-alive") != nil, cancel: has("cancel") != nil, credits: credits, refusedCredits: refusal)
    }

    /// Why a `credits` value is refused, or nil when it is a grant to take. Mongrel2 adds whatever integer it
    /// finds to a C `int`, so a negative grant takes credits back and a huge one overflows; Lurcher takes neither.
    private static func refusal(ofCredits value: TNetString) -> String? {
        guard case .integer(let credits) = value else { return "credits is not an integer" }
        if credits < 0 { return "credits is negative" }
        if credits > maxCredits { return "credits exceeds \(maxCredits)" }
        return nil
    }

    /// What each named connection that is open is told, in order: `cancel` and a rejected command close it at
    /// once (and nothing else matters then); `credits` lets its streamed upload read more; `keep-alive` resets
    /// its idle clock.
    var events: [DispatcherEvent] {
        switch self {
        case .ctl(_, true, _, _), .rejected: return [.cancel]
        case .ctl(let keepAlive, false, let credits, _):
            return (credits.map { [DispatcherEvent.credits($0)] } ?? []) + (keepAlive ? [.keepAlive] : [])
        case .malformed: return []
        }
    }

    /// Whether a named connection that is gone gets a disconnect notice: always, except for `cancel`, whose
    /// sender already wants it gone (Mongrel2's `is_cancel_request`).
    var noticesGoneConnections: Bool {
        if case .ctl(_, true, _, _) = self { return false }
        return true
    }
}
