/// What the transport under a connection means for its requests and answers: plain TCP, or TLS with the
/// scheme `https` and, when `[tls] hsts` is set, a `Strict-Transport-Security` header on every answer.
struct ConnectionSecurity {
    var scheme: RequestHead.Scheme
    /// A header line (`Name: value`, no line end) added to every answer, the gateway's own and handlers' alike.
    var answerHeader: String?
    /// The SHA-1 fingerprint of the client's TLS certificate (``CertificateFingerprint``), for `PEER_CERT_SHA1`;
    /// nil without one. Known once the handshake is done, before the protocol's handler is added.
    var peerCertificateSHA1: [UInt8]? = nil

    static let plain = ConnectionSecurity(scheme: .http, answerHeader: nil)

    static func tls(_ serving: TLSServing, peerCertificateSHA1: [UInt8]?) -> ConnectionSecurity {
        ConnectionSecurity(scheme: .https, answerHeader: serving.hstsHeader, peerCertificateSHA1: peerCertificateSHA1)
    }
}
