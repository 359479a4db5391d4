import Crypto
import NIOCore
import NIOSSL

/// A certificate's SHA-1 fingerprint as handlers get it in `PEER_CERT_SHA1`: 40 upper-case hex digits, the
/// form `openssl x509 -fingerprint -sha1` prints without its colons.
///
/// Mongrel2 formats the 20-byte digest into a 42-digit buffer and sends all of it, so its value ends in a
/// stray `00`; Lurcher sends the digest alone (docs/PROTOCOL.md).
enum CertificateFingerprint {
    /// The fingerprint of the certificate whose DER encoding is `der`.
    static func sha1(der: [UInt8]) -> [UInt8] {
        hex(Array(Insecure.SHA1.hash(data: der)))
    }

    /// The fingerprint of the certificate the client of `pipeline`'s TLS connection presented, once the handshake
    /// is done; nil when it presented none.
    static func clientCertificate(of pipeline: ChannelPipeline.SynchronousOperations) -> [UInt8]? {
        guard let certificate = try? pipeline.nioSSL_peerCertificate(), let der = try? certificate.toDERBytes() else {
            return nil
        }
        return sha1(der: der)
    }

    /// `digest` as upper-case hex digits, two per byte.
    static func hex(_ digest: [UInt8]) -> [UInt8] {
        var text: [UInt8] = []
        text.reserveCapacity(digest.count * 2)
        for byte in digest {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return text
    }

    private static let digits = Array("0123456789ABCDEF".utf8)
}
