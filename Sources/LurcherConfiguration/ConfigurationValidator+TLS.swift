extension ConfigurationValidator {
    /// `[tls]`, the hosts' own certificate pairs and `[server] redirect_to_https`, which need it.
    ///
    /// Only the shape is checked here; whether the files hold a certificate and its key is the gateway's to check,
    /// when it loads them (at start, on reload, and in `lurcher check`).
    func validateTLS(
        _ section: ConfigurationFile.TLSSection?, hosts: [ConfigurationFile.HostSection], server: ServerConfiguration
    ) throws(ConfigurationError) -> TLSListenerConfiguration? {
        guard let section else {
            if server.redirectsToHTTPS {
                throw error("server.redirect_to_https", "needs an HTTPS listener to redirect to", "add a [tls] table, or remove redirect_to_https")
            }
            if let index = hosts.firstIndex(where: { $0.certificate != nil || $0.key != nil }) {
                throw error("hosts[\(index)].certificate", "a host's certificate is only served by an HTTPS listener", "add a [tls] table, or remove the host's certificate and key")
            }
            return nil
        }
        var tls = TLSListenerConfiguration(certificate: CertificatePair(certificate: section.certificate, key: section.key))
        if let listen = section.listen { (tls.listenHost, tls.listenPort) = try address(listen, key: "tls.listen") }
        try nonEmpty(section.certificate, "tls.certificate")
        try nonEmpty(section.key, "tls.key")
        if let version = section.min_version {
            guard let minimum = TLSListenerConfiguration.MinimumVersion(rawValue: version) else {
                throw error("tls.min_version", "\"\(version)\" is not a version offered (TLS 1.0 and 1.1 never are)", "use \"1.2\" or \"1.3\"")
            }
            tls.minimumVersion = minimum
        }
        if let verify = section.verify_client {
            guard let verification = TLSListenerConfiguration.ClientVerification(rawValue: verify) else {
                throw error("tls.verify_client", "\"\(verify)\" is not a verification mode", "use \"none\", \"optional\" or \"required\"")
            }
            tls.clientVerification = verification
        }
        tls.clientCA = section.client_ca
        if tls.clientVerification != .none, tls.clientCA == nil {
            throw error("tls.client_ca", "is missing; verify_client = \"\(tls.clientVerification.rawValue)\" checks client certificates against it", "add client_ca = \"PATH\" (a PEM file of CA certificates)")
        }
        if let hsts = section.hsts {
            guard hsts.lowercased().hasPrefix("max-age="), hsts.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x7F }) else {
                throw error("tls.hsts", "must be a Strict-Transport-Security value starting with max-age=", "write it like \"max-age=31536000; includeSubDomains\"")
            }
            tls.hsts = hsts
        }
        return tls
    }

    /// A host's `certificate` and `key`, which come together or not at all.
    func certificatePair(of host: ConfigurationFile.HostSection, key: String) throws(ConfigurationError) -> CertificatePair? {
        switch (host.certificate, host.key) {
        case (nil, nil): return nil
        case (let certificate?, let privateKey?):
            try nonEmpty(certificate, "\(key).certificate")
            try nonEmpty(privateKey, "\(key).key")
            return CertificatePair(certificate: certificate, key: privateKey)
        case (nil, .some): throw error("\(key).certificate", "is missing; a host's key needs its certificate", "add certificate = \"PATH\", or remove key")
        case (.some, nil): throw error("\(key).key", "is missing; a host's certificate needs its key", "add key = \"PATH\", or remove certificate")
        }
    }

    private func nonEmpty(_ path: String, _ key: String) throws(ConfigurationError) {
        guard !path.isEmpty else { throw error(key, "is empty", "name a PEM file") }
    }
}
