import LurcherConfiguration
import NIOSSL

/// What new TLS connections are served with: the context (protocol versions, ciphers, the default certificate,
/// SNI choice, client verification) and the HSTS header. Built whole from the configuration, so a reload
/// either replaces all of it or, when a file is bad, none of it.
final class TLSServing: Sendable {
    let context: NIOSSLContext
    /// `Strict-Transport-Security: …`, added to every answer on these connections; nil for none.
    let hstsHeader: String?
    /// Each certificate file and when its server certificate expires, the default's first.
    let expiries: [CertificateExpiry]

    /// Reads every certificate, key and CA file `tls` and `hosts` name.
    /// - Parameter offersHTTP2: ALPN offers `h2` before `http/1.1`.
    /// - Throws: ``TLSSetupError`` for the first file that cannot be used.
    init(_ tls: TLSListenerConfiguration, hosts: [HostConfiguration], offersHTTP2: Bool = false) throws(TLSSetupError) {
        let defaultPair = try LoadedCertificatePair(tls.certificate)
        var named: [(name: String, pair: LoadedCertificatePair)] = []
        for host in hosts {
            guard let pair = host.certificate else { continue }
            named.append((host.name, try LoadedCertificatePair(pair)))
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: defaultPair.sources, privateKey: defaultPair.source)
        configuration.minimumTLSVersion = tls.minimumVersion == .tls13 ? .tlsv13 : .tlsv12
        configuration.maximumTLSVersion = .tlsv13
        // TLS 1.2's forward-secret AEAD suites only (TLS 1.3's are all such). BoringSSL has no TLS compression
        // and no server-side renegotiation, so neither needs turning off.
        configuration.cipherSuiteValues = Self.cipherSuites
        configuration.applicationProtocols = offersHTTP2 ? ["h2", "http/1.1"] : ["http/1.1"]
        if let clientCA = tls.clientCA, tls.clientVerification != .none {
            configuration.trustRoots = .certificates(try LoadedCertificatePair.certificates(in: clientCA, what: "client CA certificates"))
            configuration.sendCANameList = true
            configuration.certificateVerification =
                tls.clientVerification == .required ? .noHostnameVerification : .optionalVerification
        }
        if !named.isEmpty {
            let selector = SNICertificateSelector(hosts: named)
            configuration.sslContextCallback = { values, promise in
                var override = NIOSSLContextConfigurationOverride()
                if let pair = selector.select(serverName: values.serverHostname) {
                    override.certificateChain = pair.sources
                    override.privateKey = pair.source
                }
                promise.succeed(override)
            }
        }
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw TLSSetupError(
                file: tls.clientCA ?? tls.certificate.certificate, problem: "cannot be used for TLS (\(error))",
                fix: "check the certificate, key and client_ca files with openssl")
        }
        hstsHeader = tls.hsts.map { "Strict-Transport-Security: \($0)" }
        expiries = [CertificateExpiry(file: tls.certificate.certificate, expires: defaultPair.expires)]
            + zip(hosts.compactMap(\.certificate), named).map { CertificateExpiry(file: $0.certificate, expires: $1.pair.expires) }
    }

    static let cipherSuites: [NIOTLSCipher] = [
        .TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, .TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        .TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, .TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        .TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, .TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ]
}
