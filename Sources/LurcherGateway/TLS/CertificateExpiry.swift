import Foundation
import LurcherConfiguration

/// When a configured certificate stops being valid, for `lurcher check`.
public struct CertificateExpiry: Sendable, Equatable {
    /// The certificate file.
    public var file: String
    /// The server certificate's `notAfter`.
    public var expires: Date

    /// Reads and checks every certificate, key and CA file in `configuration`'s `[tls]` and hosts, as the
    /// gateway does at start and on reload; returns when each certificate expires (none without `[tls]`).
    /// - Throws: ``TLSSetupError`` for the first file that cannot be used.
    public static func check(_ configuration: GatewayConfiguration) throws(TLSSetupError) -> [CertificateExpiry] {
        guard let tls = configuration.tls else { return [] }
        return try TLSServing(tls, hosts: configuration.hosts).expiries
    }
}
