/// The HTTPS listener (`[tls]`): where it listens, its default certificate, and what it asks of clients.
///
/// Named apart from swift-nio-ssl's `TLSConfiguration`, which the gateway builds from it.
public struct TLSListenerConfiguration: Sendable, Equatable {
    /// The lowest protocol version offered; TLS 1.0 and 1.1 are never offered.
    public enum MinimumVersion: String, Sendable, Equatable {
        case tls12 = "1.2"
        case tls13 = "1.3"
    }

    /// Whether clients are asked for a certificate (`verify_client`).
    public enum ClientVerification: String, Sendable, Equatable {
        /// None is asked for.
        case none
        /// One is asked for; a client without one is served, one with a certificate `client_ca` did not sign is refused.
        case optional
        /// A client without a certificate `client_ca` signed is refused.
        case required
    }

    public var listenHost: String
    public var listenPort: Int
    /// The certificate served when the SNI name matches no host with a pair of its own, or there is none.
    public var certificate: CertificatePair
    public var minimumVersion: MinimumVersion
    /// PEM file of the certificate authorities client certificates are checked against.
    public var clientCA: String?
    public var clientVerification: ClientVerification
    /// The `Strict-Transport-Security` value added to every HTTPS answer, or nil for none.
    public var hsts: String?

    public init(
        listenHost: String = "127.0.0.1", listenPort: Int = 6768, certificate: CertificatePair,
        minimumVersion: MinimumVersion = .tls12, clientCA: String? = nil, clientVerification: ClientVerification = .none,
        hsts: String? = nil
    ) {
        self.listenHost = listenHost
        self.listenPort = listenPort
        self.certificate = certificate
        self.minimumVersion = minimumVersion
        self.clientCA = clientCA
        self.clientVerification = clientVerification
        self.hsts = hsts
    }
}

/// A certificate chain and its private key, as PEM file paths (relative to the working directory).
public struct CertificatePair: Sendable, Equatable {
    public var certificate: String
    public var key: String

    public init(certificate: String, key: String) {
        self.certificate = certificate
        self.key = key
    }
}
