/// What the transport under a connection means for its requests and answers: plain TCP, or TLS with the
/// scheme `https` and, when `[tls] hsts` is set, a `Strict-Transport-Security` header on every answer.
struct ConnectionSecurity {
    var scheme: RequestHead.Scheme
    /// A header line (`Name: value`, no line end) added to every answer, the gateway's own and handlers' alike.
    var answerHeader: String?

    static let plain = ConnectionSecurity(scheme: .http, answerHeader: nil)

    static func tls(_ serving: TLSServing) -> ConnectionSecurity {
        ConnectionSecurity(scheme: .https, answerHeader: serving.hstsHeader)
    }
}
