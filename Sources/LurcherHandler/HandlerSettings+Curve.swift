internal import ZeroMQ

extension HandlerSettings.CurveKeys {
    /// Makes `socket` a CURVE client with these keys; before it connects.
    func apply(to socket: ZMQSocket) throws {
        try socket.makeCurveClient(serverKey: serverKey, publicKey: publicKey, secretKey: secretKey)
    }
}
