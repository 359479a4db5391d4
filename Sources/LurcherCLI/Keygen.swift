import ArgumentParser
import ZeroMQ

/// `lurcher keygen`: a new CurveZMQ key pair, for a gateway's handler section (`curve_secret_key`) or a handler
/// process (`LURCHER_CURVE_PUBLIC_KEY`, `LURCHER_CURVE_SECRET_KEY`, and its public key in the gateway's
/// `curve_allowed_clients`).
struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a new CurveZMQ key pair (Z85) for CURVE on handler links.",
        discussion: """
            Prints two lines, `public KEY` and `secret KEY`. Keep the secret one out of version control: give it \
            to the gateway (curve_secret_key) or to the handler process (LURCHER_CURVE_SECRET_KEY) only.
            """)

    func run() throws {
        guard ZMQCurve.isAvailable else {
            throw ValidationError("this libzmq was built without CURVE (zmq_has(\"curve\") is false); install one with libsodium")
        }
        let pair = try ZMQCurve.keyPair()
        print("public \(pair.publicKey)")
        print("secret \(pair.secretKey)")
    }
}
