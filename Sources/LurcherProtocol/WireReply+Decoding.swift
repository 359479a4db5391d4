extension WireReply {
    /// Decodes a reply. This is the gateway's hot path: no Foundation, no
    /// copy of the body, one small array for the ids.
    ///
    /// Ids follow Mongrel2's grammar: decimal digits, each followed by at
    /// most one space (so one trailing space is accepted).
    ///
    /// - Throws: ``ProtocolError`` when the sender or a mandatory space is
    ///   missing, the id netstring is malformed, an id is not decimal, an
    ///   ordinary reply has no ids, or an extended reply's body is not a
    ///   single tnetstring list.
    public static func decode(_ bytes: ArraySlice<UInt8>) throws(ProtocolError) -> DecodedReply {
        guard let space = bytes.firstIndex(of: UInt8(ascii: " ")) else {
            throw .malformed("reply has no space after the sender")
        }
        guard space > bytes.startIndex else {
            throw .malformed("reply has an empty sender")
        }
        let sender = bytes[bytes.startIndex..<space]
        let ids = try Netstring.decode(bytes[(space + 1)...])
        guard ids.rest.first == UInt8(ascii: " ") else {
            throw .malformed("reply needs a space after the id list's ','")
        }
        let body = ids.rest.dropFirst()

        var list = ids.payload
        let extended = list.first == UInt8(ascii: "X")
            && (list.count == 1 || list[list.startIndex + 1] == UInt8(ascii: " "))
        if extended {
            list = list.dropFirst(2)
        }
        let connectionIDs = try parseIDs(list)

        let target: DecodedReply.Target
        if extended {
            let command = try TNetString(decoding: body)
            guard case .list = command else {
                throw .malformed("extended reply body must be a tnetstring list, found tag '\(ProtocolError.show(command.tag))'")
            }
            target = .control(connectionIDs: connectionIDs.isEmpty ? nil : connectionIDs, command: command)
        } else {
            guard !connectionIDs.isEmpty else {
                throw .malformed("reply has an empty connection id list")
            }
            target = .connections(connectionIDs)
        }
        return DecodedReply(sender: sender, target: target, body: body)
    }

    /// Decodes a reply; see the `ArraySlice` overload.
    public static func decode(_ bytes: [UInt8]) throws(ProtocolError) -> DecodedReply {
        try decode(bytes[...])
    }

    /// Parses `ID ID ID`, allowing one space after each id and nothing else.
    private static func parseIDs(_ list: ArraySlice<UInt8>) throws(ProtocolError) -> [UInt64] {
        var ids: [UInt64] = []
        var index = list.startIndex
        while index < list.endIndex {
            let start = index
            while index < list.endIndex, list[index] != UInt8(ascii: " ") {
                index += 1
            }
            guard let id = ASCIIDecimal.parseUInt64(list[start..<index]) else {
                throw .badConnectionID(ProtocolError.excerpt(list[start..<index]))
            }
            ids.append(id)
            if index < list.endIndex {
                index += 1  // the single space after an id
            }
        }
        return ids
    }
}
