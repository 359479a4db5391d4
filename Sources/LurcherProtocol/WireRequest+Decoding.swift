// Foundation is used here only to parse JSON headers that are not a flat object of strings (FlatJSONHeaders reads
// those), and event bodies; the gateway's encode path stays free of Foundation.
import Foundation

extension WireRequest {
    /// Decodes a request message, the way Mongrel2's own Python library
    /// does: split off `SENDER`, `CONN_ID` and `PATH` at the first three
    /// spaces, then read the headers and the body as tnetstrings.
    ///
    /// The headers' encoding is told by their framing: a `,` string holds
    /// JSON text (``HeaderEncoding/json``), a `}` dictionary is
    /// ``HeaderEncoding/tnetstring``. Header values that are neither strings
    /// nor lists of strings are turned into their JSON-like text.
    ///
    /// - Throws: ``ProtocolError`` when a part is missing or malformed, the
    ///   connection id is not decimal, the headers are neither JSON nor a
    ///   dictionary, the body is not a netstring, or bytes follow the body.
    public static func decode(_ bytes: ArraySlice<UInt8>) throws(ProtocolError) -> DecodedRequest {
        var rest = bytes
        let sender = try splitWord(&rest, what: "sender")
        guard !sender.isEmpty else {
            throw .malformed("request has an empty sender")
        }
        let idBytes = try splitWord(&rest, what: "connection id")
        guard let connectionID = ASCIIDecimal.parseUInt64(idBytes) else {
            throw .badConnectionID(ProtocolError.excerpt(idBytes))
        }
        let path = try splitWord(&rest, what: "path")

        let headerUnit = try LengthPrefixed.split(rest)
        let headers: [String: HeaderValue]
        let encoding: HeaderEncoding
        switch headerUnit.terminator {
        case UInt8(ascii: ","):
            encoding = .json
            headers = try jsonHeaders(headerUnit.payload)
        case UInt8(ascii: "}"):
            encoding = .tnetstring
            // Re-decode the whole unit so the dictionary rules live in one place.
            let headerBytes = rest[rest.startIndex..<headerUnit.rest.startIndex]
            headers = try tnetstringHeaders(try TNetString.decode(headerBytes).value)
        default:
            throw .malformed(
                "request headers must be a netstring of JSON (',') or a tnetstring dictionary ('}'), found tag '\(ProtocolError.show(headerUnit.terminator))'"
            )
        }

        let body = try Netstring.decode(headerUnit.rest)
        guard body.rest.isEmpty else {
            throw .trailingBytes(count: body.rest.count)
        }
        return DecodedRequest(
            sender: String(decoding: sender, as: UTF8.self),
            connectionID: connectionID,
            path: String(decoding: path, as: UTF8.self),
            headers: headers,
            headerEncoding: encoding,
            body: Array(body.payload)
        )
    }

    /// Decodes a request message; see the `ArraySlice` overload.
    public static func decode(_ bytes: [UInt8]) throws(ProtocolError) -> DecodedRequest {
        try decode(bytes[...])
    }

    /// Decodes a request message from any byte collection (such as
    /// Foundation's `Data`); the bytes are copied once.
    @inlinable
    public static func decode(_ bytes: some Collection<UInt8>) throws(ProtocolError) -> DecodedRequest {
        try decode(ArraySlice(bytes))
    }

    /// Removes and returns the bytes up to the next space, and the space.
    private static func splitWord(
        _ rest: inout ArraySlice<UInt8>,
        what: String
    ) throws(ProtocolError) -> ArraySlice<UInt8> {
        guard let space = rest.firstIndex(of: UInt8(ascii: " ")) else {
            throw .malformed("request ends before the space after the \(what)")
        }
        let word = rest[rest.startIndex..<space]
        rest = rest[(space + 1)...]
        return word
    }

    private static func jsonHeaders(_ payload: ArraySlice<UInt8>) throws(ProtocolError) -> [String: HeaderValue] {
        // What gateways send; Foundation reads the rest, and says why what is not JSON is not.
        if let headers = FlatJSONHeaders.parse(payload) { return headers }
        let object: Any
        do {
            // Parsed in place: the result holds copies of what it needs, so the payload need not be copied first.
            object = try payload.withUnsafeBytes { bytes in
                guard let start = bytes.baseAddress else { return try JSONSerialization.jsonObject(with: Data()) }
                let data = Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: start), count: bytes.count, deallocator: .none)
                return try JSONSerialization.jsonObject(with: data)
            }
        } catch {
            throw .malformed("request headers are not valid JSON: \(error)")
        }
        guard let dictionary = object as? [String: Any] else {
            throw .malformed("request headers are JSON but not an object")
        }
        var headers: [String: HeaderValue] = [:]
        headers.reserveCapacity(dictionary.count)
        for (name, value) in dictionary {
            if let list = value as? [Any] {
                headers[name] = .list(list.map(jsonText))
            } else {
                headers[name] = .single(jsonText(value))
            }
        }
        return headers
    }

    /// A JSON value as header text: strings as they are, anything else as
    /// its JSON spelling.
    static func jsonText(_ value: Any) -> String {
        switch value {
        case let string as String:
            return string
        case is NSNull:
            return "null"
        case let number as NSNumber:
            // JSONSerialization gives booleans as NSNumbers whose type is
            // `char`; JSON numbers never have that type.
            if String(cString: number.objCType) == "c" {
                return number.boolValue ? "true" : "false"
            }
            return number.stringValue
        default:
            let options: JSONSerialization.WritingOptions = [.sortedKeys, .fragmentsAllowed]
            guard let data = try? JSONSerialization.data(withJSONObject: value, options: options) else {
                return String(describing: value)
            }
            return String(decoding: data, as: UTF8.self)
        }
    }

    private static func tnetstringHeaders(_ value: TNetString) throws(ProtocolError) -> [String: HeaderValue] {
        guard case .dictionary(let pairs) = value else {
            throw .malformed("request headers are not a tnetstring dictionary")
        }
        var headers: [String: HeaderValue] = [:]
        headers.reserveCapacity(pairs.count)
        for pair in pairs {
            let name = String(decoding: pair.key, as: UTF8.self)
            if case .list(let elements) = pair.value {
                headers[name] = .list(elements.map(\.headerText))
            } else {
                headers[name] = .single(pair.value.headerText)
            }
        }
        return headers
    }
}

extension DecodedRequest {
    /// Whether this is the gateway telling the handler that a client went
    /// away: path `@*`, `METHOD` `JSON` and a JSON body whose `type` is
    /// `disconnect`. Replies to such a connection are dropped.
    public var isDisconnect: Bool {
        guard path == "@*", headers["METHOD"] == .single("JSON") else { return false }
        // The gateway and Mongrel2 both send exactly these bytes; parse only
        // what someone else may have spelled differently.
        if body.elementsEqual(DisconnectEvent.body) {
            return true
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            return false
        }
        return object["type"] as? String == "disconnect"
    }
}
