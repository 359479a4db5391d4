/// A request from the gateway to a handler:
///
/// ```
/// SENDER SP CONN_ID SP PATH SP <headers> LEN:BODY,
/// ```
///
/// where `<headers>` is framed by ``RequestHeadersWriter`` and the body is
/// always a netstring. Encoding lives here; decoding, for handlers, is in
/// `WireRequest+Decoding.swift`.
public enum WireRequest {
    /// Appends one request message to `buffer`.
    ///
    /// - Parameters:
    ///   - sender: the handler's `send_ident`. Must not contain a space.
    ///   - connectionID: the gateway's id for the client connection.
    ///   - path: the URL path without the query. Must not contain a space;
    ///     an HTTP request target never does.
    ///   - headers: the headers, already in the handler's encoding.
    ///   - body: the request body (empty when there is none).
    ///   - buffer: where to append.
    @inlinable
    public static func append(
        sender: some Collection<UInt8>,
        connectionID: UInt64,
        path: some Collection<UInt8>,
        headers: RequestHeadersWriter,
        body: some Collection<UInt8>,
        to buffer: inout [UInt8]
    ) {
        buffer.append(contentsOf: sender)
        buffer.append(UInt8(ascii: " "))
        ASCIIDecimal.append(connectionID, to: &buffer)
        buffer.append(UInt8(ascii: " "))
        buffer.append(contentsOf: path)
        buffer.append(UInt8(ascii: " "))
        headers.frame(into: &buffer)
        Netstring.append(body, to: &buffer)
    }
}
