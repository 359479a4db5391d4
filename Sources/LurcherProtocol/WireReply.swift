/// A reply from a handler to the gateway:
///
/// ```
/// SENDER SP LEN:ID ID ID, SP BODY
/// ```
///
/// - One reply may go to several connections.
/// - The space after the comma is mandatory, even when BODY is empty.
/// - An empty BODY asks the gateway to close those connections once their
///   queued output is written.
/// - An id list that starts with `X ` makes an extended reply: BODY is then
///   a tnetstring list holding a control command for the listed
///   connections (`SENDER 3:X 7, 24:3:ctl,14:7:credits,1:1#}]`).
///
/// Encoding is here (for handlers); decoding, for the gateway, is in
/// `WireReply+Decoding.swift`.
public enum WireReply {
    /// Appends a reply carrying `body` to `connectionIDs`.
    ///
    /// - Parameters:
    ///   - sender: the handler's identity; the gateway subscribes to its
    ///     `send_ident` as a prefix of this. Must not contain a space.
    ///   - connectionIDs: the target connections; must not be empty.
    ///   - body: bytes to write to each connection; empty closes them.
    ///   - buffer: where to append.
    @inlinable
    public static func append(
        sender: some Collection<UInt8>,
        connectionIDs: [UInt64],
        body: some Collection<UInt8>,
        to buffer: inout [UInt8]
    ) {
        appendFraming(sender: sender, connectionIDs: connectionIDs, to: &buffer)
        buffer.append(contentsOf: body)
    }

    /// Appends what goes before a reply's body, `SENDER LEN:ID ID, `, so
    /// that the caller can write the body straight after it rather than
    /// build it apart and have it copied.
    ///
    /// - Parameters:
    ///   - sender: the handler's identity. Must not contain a space.
    ///   - connectionIDs: the target connections; must not be empty.
    ///   - buffer: where to append.
    @inlinable
    public static func appendFraming(
        sender: some Collection<UInt8>,
        connectionIDs: [UInt64],
        to buffer: inout [UInt8]
    ) {
        precondition(!connectionIDs.isEmpty, "a reply needs at least one connection id")
        buffer.append(contentsOf: sender)
        buffer.append(UInt8(ascii: " "))
        appendIDList(extended: false, connectionIDs: connectionIDs, to: &buffer)
        buffer.append(UInt8(ascii: " "))
    }

    /// Appends a reply carrying `body` to one connection.
    @inlinable
    public static func append(
        sender: some Collection<UInt8>,
        connectionID: UInt64,
        body: some Collection<UInt8>,
        to buffer: inout [UInt8]
    ) {
        append(sender: sender, connectionIDs: [connectionID], body: body, to: &buffer)
    }

    /// Appends an extended (`X`) reply carrying a control command.
    ///
    /// - Parameters:
    ///   - sender: the handler's identity.
    ///   - connectionIDs: the connections the command is about. Empty is
    ///     allowed on the wire, but both Mongrel2 and Lurcher log and ignore
    ///     such a reply.
    ///   - command: the command; Mongrel2's commands are two-element lists
    ///     such as `["ctl", {"credits": 1}]`.
    ///   - buffer: where to append.
    public static func appendControl(
        sender: some Collection<UInt8>,
        connectionIDs: [UInt64],
        command: TNetString,
        to buffer: inout [UInt8]
    ) {
        buffer.append(contentsOf: sender)
        buffer.append(UInt8(ascii: " "))
        appendIDList(extended: true, connectionIDs: connectionIDs, to: &buffer)
        buffer.append(UInt8(ascii: " "))
        command.encode(into: &buffer)
    }

    /// Writes the id netstring, `LEN:ID ID ID,` or `LEN:X ID ID,`, sizing it
    /// first so no bytes have to move.
    @usableFromInline
    static func appendIDList(extended: Bool, connectionIDs: [UInt64], to buffer: inout [UInt8]) {
        var length = extended ? 1 : 0
        for id in connectionIDs {
            length += ASCIIDecimal.digitCount(id)
        }
        length += extended ? connectionIDs.count : connectionIDs.count - 1
        ASCIIDecimal.append(UInt64(length), to: &buffer)
        buffer.append(UInt8(ascii: ":"))
        var needsSpace = false
        if extended {
            buffer.append(UInt8(ascii: "X"))
            needsSpace = true
        }
        for id in connectionIDs {
            if needsSpace {
                buffer.append(UInt8(ascii: " "))
            }
            ASCIIDecimal.append(id, to: &buffer)
            needsSpace = true
        }
        buffer.append(UInt8(ascii: ","))
    }
}
