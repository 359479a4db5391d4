import Foundation
import LurcherProtocol
import TOMLKit

/// Reads a TOML configuration file and validates it into a ``GatewayConfiguration``.
public enum ConfigurationLoader {
    /// The file `lurcher` uses when none is given.
    public static let defaultPath = "conf/lurcher.toml"

    /// Loads and validates the file at `path`.
    /// - Throws: ``ConfigurationError`` naming the file, the key and the fix.
    public static func load(path: String) throws(ConfigurationError) -> GatewayConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(
                file: path, key: "", problem: "cannot read the file",
                fix: "check the path, or pass one with --config")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(file: path, key: "", problem: "the file is not UTF-8 text", fix: "save it as UTF-8")
        }
        return try parse(text, file: path)
    }

    /// The control socket the file at `path` names (`server.control`), read without validating the rest, so that
    /// `lurcher ctl` still reaches the gateway the moment after an operator has broken another key.
    /// - Returns: the socket, and why the default was taken instead of the file's value when the file could not
    ///   be read as TOML or its `server.control` is not a string (nil when the file was read, or says nothing).
    public static func controlSocket(path: String) -> (socket: String, problem: String?) {
        let fallback = ServerConfiguration().controlSocket
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            return (fallback, "cannot read \(path)")
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch {
            return (fallback, "\(path) is not valid TOML: \(error)")
        }
        guard let value = table["server"]?.table?["control"] else { return (fallback, nil) }
        guard let socket = value.string else { return (fallback, "\(path): server.control is not a string") }
        return (socket, nil)
    }

    /// Parses and validates configuration text; `file` is only used in error messages.
    public static func parse(_ text: String, file: String) throws(ConfigurationError) -> GatewayConfiguration {
        let document: ConfigurationFile
        do {
            document = try TOMLDecoder(strictDecoding: true).decode(ConfigurationFile.self, from: text)
        } catch let error as TOMLParseError {
            throw ConfigurationError(
                file: file, key: "", problem: "TOML syntax error at \(error.source): \(error.description)",
                fix: "correct the TOML syntax at that line")
        } catch let error as UnexpectedKeysError {
            let keys = error.keys.values.map { dotted($0) }.sorted()
            throw ConfigurationError(
                file: file, key: keys.first ?? "", problem: "unknown key\(keys.count > 1 ? "s" : "") \(keys.joined(separator: ", "))",
                fix: "remove it or correct its spelling (docs/CONFIGURATION.md lists every key)")
        } catch let error as DecodingError {
            throw decodingProblem(error, file: file, text: text)
        } catch {
            throw ConfigurationError(file: file, key: "", problem: "\(error)", fix: "correct the file")
        }
        return try ConfigurationValidator(file: file).validate(document)
    }

    private static func decodingProblem(_ error: DecodingError, file: String, text: String) -> ConfigurationError {
        switch error {
        case .keyNotFound(let key, let context):
            // TOMLKit reports a value of the wrong type as a missing key, with the key already in the path;
            // look in the document to tell the two apart.
            let path = context.codingPath.last?.stringValue == key.stringValue ? context.codingPath : context.codingPath + [key]
            if let expected = expectedType(in: context.debugDescription), value(at: path, in: text) != nil {
                return ConfigurationError(
                    file: file, key: dotted(path), problem: "expected \(expected)", fix: "write it as \(expected)")
            }
            return ConfigurationError(
                file: file, key: dotted(path), problem: "missing required key",
                fix: "add it (docs/CONFIGURATION.md describes it)")
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            return ConfigurationError(
                file: file, key: dotted(context.codingPath), problem: "expected \(describe(type))",
                fix: "write it as \(describe(type))")
        case .dataCorrupted(let context):
            return ConfigurationError(
                file: file, key: dotted(context.codingPath), problem: context.debugDescription, fix: "correct the value")
        @unknown default:
            return ConfigurationError(file: file, key: "", problem: "\(error)", fix: "correct the file")
        }
    }

    /// The type named in TOMLKit's message `A "Int" does not exist at ...`, described for people.
    private static func expectedType(in message: String) -> String? {
        let parts = message.split(separator: "\"")
        guard parts.count > 1 else { return nil }
        switch parts[1] {
        case "Int", "Int64", "Int32", "UInt": return "an integer"
        case "String": return "a string"
        case "Double", "Float": return "a number"
        case "Bool": return "true or false"
        default: return "a \(parts[1].lowercased())"
        }
    }

    /// The value at a coding path in the document, if there is one.
    private static func value(at path: [any CodingKey], in text: String) -> TOMLValueConvertible? {
        guard let table = try? TOMLTable(string: text) else { return nil }
        var current: TOMLValueConvertible? = table
        for key in path {
            if let index = key.intValue {
                guard let array = current?.array, index < array.count else { return nil }
                current = array[index]
            } else {
                current = current?.table?[key.stringValue]
            }
        }
        return current
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type: "an integer"
        case is Double.Type: "a number"
        case is [String].Type: "an array of strings"
        default: "a table"
        }
    }

    static func dotted(_ path: [any CodingKey]) -> String {
        path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            .joined(separator: ".")
            .replacingOccurrences(of: ".[", with: "[")
    }
}
