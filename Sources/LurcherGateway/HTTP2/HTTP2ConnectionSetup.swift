import NIOCore
import NIOHTTP2
import NIOPosix

/// Makes a client connection speak HTTP/2, once ALPN chose `h2` or the client opened with the preface: swift-nio-http2
/// for the protocol, with Lurcher's limits, and an ``HTTP2StreamHandler`` for each stream the client opens.
///
/// What the limits rest on, all swift-nio-http2's own defences, set from the configuration where it has a key:
/// - `SETTINGS_MAX_CONCURRENT_STREAMS` is `limits.max_concurrent_streams`; a stream past it is refused;
/// - `SETTINGS_MAX_HEADER_LIST_SIZE` is `limits.max_header_bytes`; a larger block ends the connection;
/// - a client that resets streams faster than 200 in 30 s (CVE-2023-44487, rapid reset), floods PING or SETTINGS
///   frames, or sends a header block in more CONTINUATION frames than it allows (CVE-2024-27316), is sent GOAWAY;
/// - a connection with no open stream for `timeouts.keepalive` is closed with GOAWAY, and at a graceful stop
///   (``ChannelShouldQuiesceEvent``) GOAWAY lets open streams finish within `timeouts.reply`.
enum HTTP2ConnectionSetup {
    /// Adds HTTP/2 to `channel`'s pipeline, which is already active (the TLS handshake or the preface came first).
    /// - Parameter nextStreamID: a connection id for each new stream.
    static func configure(
        _ channel: any Channel, environment: GatewayEnvironment, security: ConnectionSecurity,
        nextStreamID: @escaping @Sendable () -> UInt64, fileIO: NonBlockingFileIO
    ) throws {
        var connectionConfiguration = NIOHTTP2Handler.ConnectionConfiguration()
        connectionConfiguration.initialSettings = [
            HTTP2Setting(parameter: .maxConcurrentStreams, value: environment.limits.maxConcurrentStreams),
            HTTP2Setting(parameter: .maxHeaderListSize, value: environment.limits.maxHeaderBytes),
        ]
        let timeouts = environment.timeouts
        let management = NIOHTTP2ServerConnectionManagementHandler(
            eventLoop: channel.eventLoop,
            configuration: .init(
                maxIdleTime: TimeAmount(timeouts.keepAlive), maxAge: nil, maxGraceTime: TimeAmount(timeouts.reply),
                keepalive: nil))
        let remoteAddress = channel.remoteAddress?.ipAddress ?? ""
        let fileDescriptor = channel.fileDescriptor
        let operations = channel.pipeline.syncOperations
        _ = try operations.configureHTTP2Pipeline(
            mode: .server, connectionConfiguration: connectionConfiguration, streamConfiguration: .init(),
            streamDelegate: management.http2StreamDelegate
        ) { stream in
            stream.eventLoop.makeCompletedFuture {
                try stream.pipeline.syncOperations.addHandler(
                    HTTP2StreamHandler(
                        connectionID: nextStreamID(), remoteAddress: remoteAddress, fileDescriptor: fileDescriptor,
                        environment: environment, security: security, fileIO: fileIO))
            }
        }
        try operations.addHandler(management)
        try operations.addHandler(HTTP2ConnectionWatch(counters: environment.counters, connections: environment.http2Connections, logger: environment.logger))
        // The management handler starts its idle timer when the channel becomes active, which it was before the
        // handler was added: tell it, as the pipeline would have.
        if channel.isActive, let context = try? operations.context(handler: management) {
            management.channelActive(context: context)
        }
    }
}
