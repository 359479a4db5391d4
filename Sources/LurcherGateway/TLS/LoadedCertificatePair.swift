import Foundation
import LurcherConfiguration
import NIOSSL

/// A certificate chain and its private key, read from their PEM files and checked against each other.
public struct LoadedCertificatePair: Sendable {
    public let chain: [NIOSSLCertificate]
    let key: NIOSSLPrivateKey

    /// When the first certificate in the chain (the server's own) stops being valid.
    public var expires: Date { Date(timeIntervalSince1970: TimeInterval(chain[0].notValidAfter)) }

    /// Reads `pair`'s files.
    /// - Throws: ``TLSSetupError`` naming the file that is unreadable, holds no PEM certificate or key, or
    ///   holds a key that is not the certificate's.
    public init(_ pair: CertificatePair) throws(TLSSetupError) {
        chain = try Self.certificates(in: pair.certificate, what: "certificate chain")
        do {
            key = try NIOSSLPrivateKey(file: pair.key, format: .pem)
        } catch {
            throw Self.unreadable(pair.key, "private key", error, fix: "name a PEM private key without a passphrase (BEGIN PRIVATE KEY)")
        }
        // BoringSSL refuses a key that does not match the certificate when a context is built from the two.
        do {
            _ = try NIOSSLContext(configuration: .makeServerConfiguration(certificateChain: sources, privateKey: source))
        } catch {
            throw TLSSetupError(
                file: pair.key, problem: "is not the private key of the certificate in \(pair.certificate)",
                fix: "name the key the certificate was issued for, or the certificate that belongs to this key")
        }
    }

    var sources: [NIOSSLCertificateSource] { chain.map { .certificate($0) } }
    var source: NIOSSLPrivateKeySource { .privateKey(key) }

    /// The certificates in a PEM file, at least one.
    static func certificates(in path: String, what: String) throws(TLSSetupError) -> [NIOSSLCertificate] {
        let fix = "name a PEM file (BEGIN CERTIFICATE) with the \(what)"
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMFile(path)
        } catch {
            throw unreadable(path, what, error, fix: fix)
        }
        guard !certificates.isEmpty else { throw TLSSetupError(file: path, problem: "holds no certificate", fix: fix) }
        return certificates
    }

    /// What is wrong with a file NIOSSL could not load, and what to do about it.
    private static func unreadable(_ path: String, _ what: String, _ error: any Error, fix: String) -> TLSSetupError {
        guard FileManager.default.isReadableFile(atPath: path) else {
            return TLSSetupError(
                file: path, problem: "cannot be read (relative to \(FileManager.default.currentDirectoryPath))",
                fix: "correct the path; scripts/make-dev-certificate makes the self-signed run/tls/ pair conf/lurcher.toml names")
        }
        return TLSSetupError(file: path, problem: "is not a PEM \(what) (\(error))", fix: fix)
    }
}
