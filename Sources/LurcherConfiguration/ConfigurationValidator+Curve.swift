import Foundation

extension ConfigurationValidator {
    /// A handler's CurveZMQ keys, and the rule that makes them needed: a `tcp://` endpoint other machines can
    /// reach, with no keys, would let any process there read every request (push mode's PULL), answer any client
    /// (its PUB) or pose as a handler process (broker mode), so it is refused unless `allow_plaintext = true`.
    /// `job_spec` has no CURVE yet, so a reachable one always needs `allow_plaintext`.
    func validateCurve(
        _ section: ConfigurationFile.HandlerSection, key: String, specs: [(field: String, spec: String)]
    ) throws(ConfigurationError) -> CurveConfiguration? {
        var curve: CurveConfiguration?
        if let secretKey = section.curve_secret_key {
            guard Self.isZ85Key(secretKey) else {
                throw error("\(key).curve_secret_key", "is not a Z85 key (40 characters)", "make a pair with `lurcher keygen`")
            }
            var allowed = section.curve_allowed_clients ?? []
            if let file = section.curve_allowed_clients_file {
                guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                    throw error("\(key).curve_allowed_clients_file", "\"\(file)\" cannot be read", "create it: one public key per line")
                }
                allowed += text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
                    .filter { !$0.isEmpty && !$0.hasPrefix("#") }
            }
            for client in allowed where !Self.isZ85Key(client) {
                throw error(
                    "\(key).curve_allowed_clients", "\"\(client)\" is not a Z85 public key (40 characters)",
                    "list the public keys `lurcher keygen` printed for the handler processes")
            }
            guard !allowed.isEmpty else {
                throw error(
                    "\(key).curve_allowed_clients", "is empty, so no handler process could connect",
                    "list the handler processes' public keys, or name a file of them with curve_allowed_clients_file")
            }
            curve = CurveConfiguration(secretKey: secretKey, allowedClients: allowed)
        } else if section.curve_allowed_clients != nil || section.curve_allowed_clients_file != nil {
            throw error("\(key).curve_secret_key", "is missing; allowed clients need the gateway's own key", "add curve_secret_key (from `lurcher keygen`)")
        }
        guard section.allow_plaintext != true else { return curve }
        for (field, spec) in specs where field == "job_spec" || curve == nil {
            guard let host = Self.tcpHost(spec), !Self.isLoopback(host) else { continue }
            throw error(
                "\(key).\(field)",
                "\(spec) is reachable from other machines with no CURVE keys: any process there could read requests or answer clients",
                field == "job_spec"
                    ? "bind job_spec to 127.0.0.1, or set allow_plaintext = true on a network you trust"
                    : "add curve_secret_key and curve_allowed_clients (`lurcher keygen` makes keys), or set allow_plaintext = true on a network you trust")
        }
        return curve
    }

    /// The host of a `tcp://HOST:PORT` endpoint (brackets removed), or nil for another transport.
    static func tcpHost(_ endpoint: String) -> String? {
        guard endpoint.hasPrefix("tcp://") else { return nil }
        let address = endpoint.dropFirst("tcp://".count)
        let host = address.lastIndex(of: ":").map { address[..<$0] } ?? address
        return host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
    }

    /// Whether `text` is a 32-byte key in Z85 (ZeroMQ's RFC 32 alphabet), as libzmq and `lurcher keygen` write them.
    static func isZ85Key(_ text: String) -> Bool {
        text.utf8.count == 40 && text.unicodeScalars.allSatisfy { z85Alphabet.contains($0) }
    }

    private static let z85Alphabet = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#".unicodeScalars)
}
