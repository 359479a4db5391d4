import CZeroMQ

/// CurveZMQ keys as libzmq writes them: 32-byte Curve25519 keys in Z85, 40 printable characters each.
public enum ZMQCurve {
    /// Whether this libzmq was built with CURVE (`zmq_has("curve")`); Debian's is.
    public static var isAvailable: Bool { zmq_has("curve") != 0 }

    /// A new key pair, from libzmq's random source.
    public static func keyPair() throws -> (publicKey: String, secretKey: String) {
        var publicKey = [CChar](repeating: 0, count: 41)
        var secretKey = [CChar](repeating: 0, count: 41)
        guard zmq_curve_keypair(&publicKey, &secretKey) == 0 else { throw ZMQError.last("make a CURVE key pair") }
        return (string(publicKey), string(secretKey))
    }

    /// The public key of `secretKey`, or nil when it is not a Z85 key.
    public static func publicKey(ofSecret secretKey: String) -> String? {
        var publicKey = [CChar](repeating: 0, count: 41)
        guard secretKey.utf8.count == 40, zmq_curve_public(&publicKey, secretKey) == 0 else { return nil }
        return string(publicKey)
    }

    /// The Z85 form of a 32-byte binary key, as ZAP hands a client's key over.
    public static func z85(_ binary: [UInt8]) -> String? {
        guard binary.count == 32 else { return nil }
        var text = [CChar](repeating: 0, count: 41)
        guard zmq_z85_encode(&text, binary, binary.count) != nil else { return nil }
        return string(text)
    }

    private static func string(_ characters: [CChar]) -> String {
        String(decoding: characters.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension ZMQSocket {
    /// Makes this socket a CURVE server with `secretKey` (Z85): a peer must handshake with a key pair, and its
    /// public key is put to the ZAP handler of the socket's context under `domain`. Set before binding.
    public func makeCurveServer(secretKey: String, domain: String) throws {
        try setOption(ZMQ_CURVE_SERVER, int: 1)
        try setOption(ZMQ_CURVE_SECRETKEY, bytes: Array(secretKey.utf8))
        try setOption(ZMQ_ZAP_DOMAIN, bytes: Array(domain.utf8))
    }

    /// Makes this socket a CURVE client of the server whose public key is `serverKey`, with its own pair (all
    /// Z85). Set before connecting.
    public func makeCurveClient(serverKey: String, publicKey: String, secretKey: String) throws {
        try setOption(ZMQ_CURVE_SERVERKEY, bytes: Array(serverKey.utf8))
        try setOption(ZMQ_CURVE_PUBLICKEY, bytes: Array(publicKey.utf8))
        try setOption(ZMQ_CURVE_SECRETKEY, bytes: Array(secretKey.utf8))
    }
}
