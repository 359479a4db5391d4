/// The message that tells a handler a client went away, also sent back
/// for a reply to an unknown connection:
///
/// ```
/// SENDER CONN_ID @* 17:{"METHOD":"JSON"},21:{"type":"disconnect"},
/// SENDER CONN_ID @* 16:6:METHOD,4:JSON,}21:{"type":"disconnect"},
/// ```
///
/// The headers follow the handler's encoding; the body is JSON text in
/// both, as in Mongrel2.
public enum DisconnectEvent {
    /// The path of gateway events.
    public static let path: [UInt8] = Array("@*".utf8)

    /// The event's body, `{"type":"disconnect"}`.
    public static let body: [UInt8] = Array(#"{"type":"disconnect"}"#.utf8)

    /// The framed headers for each encoding, built once.
    @usableFromInline
    static let jsonHeaders = headers(.json)
    @usableFromInline
    static let tnetstringHeaders = headers(.tnetstring)

    /// Appends a disconnect event for `connectionID`.
    @inlinable
    public static func append(
        sender: some Collection<UInt8>,
        connectionID: UInt64,
        encoding: HeaderEncoding,
        to buffer: inout [UInt8]
    ) {
        WireRequest.append(
            sender: sender,
            connectionID: connectionID,
            path: path,
            headers: encoding == .json ? jsonHeaders : tnetstringHeaders,
            body: body,
            to: &buffer
        )
    }

    private static func headers(_ encoding: HeaderEncoding) -> RequestHeadersWriter {
        var writer = RequestHeadersWriter(encoding: encoding, reservingCapacity: 32)
        writer.append(name: "METHOD".utf8, value: "JSON".utf8)
        return writer
    }
}
