import LurcherConfiguration
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS

/// The HTTPS listener (`[tls]`): each connection it accepts is TLS (``TLSServing``'s context, taken when the
/// connection opens) in front of HTTP/2, when ALPN chose `h2`, or the same HTTP/1 connection as the plain
/// listener's.
final class TLSListener: Sendable {
    let channel: any Channel
    let serving: TLSServingHolder

    private init(channel: any Channel, serving: TLSServingHolder) {
        self.channel = channel
        self.serving = serving
    }

    /// Binds `tls.listen` and starts accepting.
    static func bind(
        _ tls: TLSListenerConfiguration, serving: TLSServing, group: any EventLoopGroup, environment: GatewayEnvironment,
        connectionIDs: ConnectionIDs, fileIO: NonBlockingFileIO
    ) async throws -> TLSListener {
        let holder = TLSServingHolder(serving)
        let bootstrap = Gateway.listenerBootstrap(
            group: group, maxConnections: environment.limits.maxConnections, counters: environment.counters
        ) { channel in
            let connectionID = connectionIDs.next()
            let serving = holder.current
            let operations = channel.pipeline.syncOperations
            try operations.addHandler(NIOSSLServerHandler(context: serving.context))
            try operations.addHandler(
                TLSConnectionGuard(
                    connectionID: connectionID, handshakeTimeout: environment.timeouts.request,
                    counters: environment.counters, logger: environment.logger))
            // Once the handshake is done, ALPN's choice (none is HTTP/1.1) decides the protocol's handlers.
            try operations.addHandler(
                ApplicationProtocolNegotiationHandler { result in
                    channel.eventLoop.makeCompletedFuture {
                        let operations = channel.pipeline.syncOperations
                        let security = ConnectionSecurity.tls(
                            serving, peerCertificateSHA1: CertificateFingerprint.clientCertificate(of: operations))
                        if case .negotiated("h2") = result {
                            try HTTP2ConnectionSetup.configure(
                                channel, environment: environment, security: security, nextStreamID: { connectionIDs.next() },
                                fileIO: fileIO)
                        } else {
                            try operations.addHandler(FileRegionReader(fileIO: fileIO))
                            try operations.addHandler(
                                HTTP1ConnectionHandler(
                                    connectionID: connectionID, remoteAddress: channel.remoteAddress?.ipAddress ?? "",
                                    fileDescriptor: channel.fileDescriptor, environment: environment, security: security))
                        }
                    }
                })
        }
        let channel = try await bootstrap.bind(host: tls.listenHost, port: tls.listenPort).get()
        return TLSListener(channel: channel, serving: holder)
    }
}
