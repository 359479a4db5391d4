/// The message that tells a flow-controlled handler how many bytes of its replies a connection has written
/// (Mongrel2's `Handler_notify_credits`, `src/handler.c`):
///
/// ```
/// SENDER CONN_ID @* 43:{"METHOD":"JSON","DOWNLOAD_CREDITS":"1234"},18:{"type":"credits"},
/// SENDER CONN_ID @* 43:6:METHOD,4:JSON,16:DOWNLOAD_CREDITS,4:1234,}18:{"type":"credits"},
/// ```
///
/// The headers follow the handler's encoding; the body is JSON text in both, as in Mongrel2.
public enum CreditsEvent {
    /// The event's body, `{"type":"credits"}`.
    public static let body: [UInt8] = Array(#"{"type":"credits"}"#.utf8)

    /// Appends a credits event granting `bytes` for `connectionID`.
    public static func append(
        sender: some Collection<UInt8>, connectionID: UInt64, bytes: Int, encoding: HeaderEncoding, to buffer: inout [UInt8]
    ) {
        var headers = RequestHeadersWriter(encoding: encoding, reservingCapacity: 48)
        headers.append(name: "METHOD".utf8, value: "JSON".utf8)
        headers.append(name: "DOWNLOAD_CREDITS".utf8, value: String(bytes).utf8)
        WireRequest.append(
            sender: sender, connectionID: connectionID, path: DisconnectEvent.path, headers: headers, body: body, to: &buffer)
    }
}
