import NIOConcurrencyHelpers
import NIOCore

/// The open HTTP/2 connections, so that a graceful stop can tell each to send GOAWAY and finish its streams.
/// The lock is taken only when a connection opens or closes, and at the stop.
final class HTTP2Connections: Sendable {
    private let channels = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])

    func opened(_ channel: any Channel) {
        channels.withLockedValue { $0[ObjectIdentifier(channel)] = channel }
    }

    func closed(_ channel: any Channel) {
        channels.withLockedValue { _ = $0.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    /// Asks every connection to stop gracefully: GOAWAY, then a close once its open streams are answered.
    func quiesce() {
        for channel in channels.withLockedValue({ Array($0.values) }) {
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
    }
}
