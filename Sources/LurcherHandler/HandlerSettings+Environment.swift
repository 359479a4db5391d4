import Foundation
import Logging

extension HandlerSettings {
    /// The environment variables `lurcher start` sets for the handlers it spawns.
    public enum EnvironmentKey {
        /// The gateway's `send_spec`. Required.
        public static let sendSpec = "LURCHER_SEND_SPEC"
        /// The gateway's `recv_spec`. Required.
        public static let recvSpec = "LURCHER_RECV_SPEC"
        /// The handler's name in the configuration. Optional.
        public static let name = "LURCHER_HANDLER_NAME"
        /// The gateway's process id; the handler stops when that process has gone. Optional.
        public static let parentProcessID = "LURCHER_PARENT_PID"
        /// The log level: trace, debug, info, notice, warning, error or critical. Optional.
        public static let logLevel = "LURCHER_LOG_LEVEL"
        /// The dispatch mode; only `push` is supported so far. Optional.
        public static let mode = "LURCHER_MODE"
    }

    /// Reads the settings `lurcher start` passes in the environment.
    ///
    /// `LURCHER_SEND_SPEC` and `LURCHER_RECV_SPEC` are required;
    /// `LURCHER_HANDLER_NAME`, `LURCHER_PARENT_PID`, `LURCHER_LOG_LEVEL` and
    /// `LURCHER_MODE` (which must be `push`) are optional. Other settings keep
    /// their defaults.
    ///
    /// - Throws: ``HandlerError`` naming the variable that is missing or
    ///   invalid, and how to run the handler instead.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(HandlerError) -> Self {
        var settings = try partialEnvironment(environment)
        guard let sendSpec = settings.sendSpec else { throw .missingEnvironment(EnvironmentKey.sendSpec) }
        guard let recvSpec = settings.recvSpec else { throw .missingEnvironment(EnvironmentKey.recvSpec) }
        settings.base.sendSpec = sendSpec
        settings.base.recvSpec = recvSpec
        return settings.base
    }

    /// Reads the settings from command-line options, falling back to the
    /// environment for what they do not give.
    ///
    /// Options: `--send-spec ENDPOINT`, `--recv-spec ENDPOINT`, `--name NAME`,
    /// `--max-concurrent-requests N`, `--parent-pid PID`; `--option=value`
    /// works too. So a handler that `lurcher start` runs can also be started
    /// by hand: `hello-handler --send-spec tcp://127.0.0.1:9997 --recv-spec tcp://127.0.0.1:9996`.
    ///
    /// - Parameters:
    ///   - arguments: the arguments, without the program name.
    ///   - environment: the environment to fall back to.
    /// - Throws: ``HandlerError`` for an unknown option, a missing or invalid
    ///   value, or when neither source gives both endpoints.
    public static func fromCommandLine(
        _ arguments: [String] = Array(CommandLine.arguments.dropFirst()),
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(HandlerError) -> Self {
        var settings = try partialEnvironment(environment)
        var remaining = arguments[...]
        while let argument = remaining.popFirst() {
            guard argument.hasPrefix("--") else {
                throw HandlerError(.invalidArgument, "unexpected argument \"\(argument)\"; \(usage)")
            }
            var option = argument
            var value: String?
            if let equals = argument.firstIndex(of: "=") {
                option = String(argument[..<equals])
                value = String(argument[argument.index(after: equals)...])
            }
            guard let name = knownOptions.first(where: { $0 == option }) else {
                throw HandlerError(.invalidArgument, "unknown option \(option); \(usage)")
            }
            if value == nil { value = remaining.popFirst() }
            guard let value, !value.isEmpty else {
                throw HandlerError(.invalidArgument, "\(name) needs a value; \(usage)")
            }
            switch name {
            case "--send-spec": settings.sendSpec = value
            case "--recv-spec": settings.recvSpec = value
            case "--name": settings.base.name = value
            case "--max-concurrent-requests":
                guard let count = Int(value), count > 0 else {
                    throw .invalidSetting(name, value, "give a whole number above zero")
                }
                settings.base.maxConcurrentRequests = count
            default:  // --parent-pid
                settings.base.parentProcessID = try processID(value, name: name)
            }
        }
        guard let sendSpec = settings.sendSpec else { throw .missingEnvironment(EnvironmentKey.sendSpec) }
        guard let recvSpec = settings.recvSpec else { throw .missingEnvironment(EnvironmentKey.recvSpec) }
        settings.base.sendSpec = sendSpec
        settings.base.recvSpec = recvSpec
        return settings.base
    }

    private static let knownOptions = ["--send-spec", "--recv-spec", "--name", "--max-concurrent-requests", "--parent-pid"]
    private static let usage =
        "usage: [--send-spec ENDPOINT --recv-spec ENDPOINT] [--name NAME] [--max-concurrent-requests N] [--parent-pid PID]"

    /// Settings from the environment, with the endpoints kept apart because they may still come from elsewhere.
    private static func partialEnvironment(
        _ environment: [String: String]
    ) throws(HandlerError) -> (base: Self, sendSpec: String?, recvSpec: String?) {
        var settings = HandlerSettings()
        if let name = environment[EnvironmentKey.name], !name.isEmpty {
            settings.name = name
        }
        if let pid = environment[EnvironmentKey.parentProcessID], !pid.isEmpty {
            settings.parentProcessID = try processID(pid, name: EnvironmentKey.parentProcessID)
        }
        if let level = environment[EnvironmentKey.logLevel], !level.isEmpty {
            guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
                throw .invalidSetting(
                    EnvironmentKey.logLevel, level, "expected trace, debug, info, notice, warning, error or critical")
            }
            settings.logLevel = parsed
        }
        if let mode = environment[EnvironmentKey.mode], !mode.isEmpty, mode != "push" {
            throw .invalidSetting(
                EnvironmentKey.mode, mode,
                "this handler library speaks push mode only; run it with a handler in push mode (broker mode is not supported yet)")
        }
        func nonEmpty(_ key: String) -> String? {
            guard let value = environment[key], !value.isEmpty else { return nil }
            return value
        }
        return (settings, nonEmpty(EnvironmentKey.sendSpec), nonEmpty(EnvironmentKey.recvSpec))
    }

    private static func processID(_ text: String, name: String) throws(HandlerError) -> Int32 {
        guard let pid = Int32(text), pid > 0 else {
            throw .invalidSetting(name, text, "expected a process id (a whole number above zero)")
        }
        return pid
    }

    /// Checks what ``HandlerConnection`` relies on.
    func validate() throws(HandlerError) {
        if maxConcurrentRequests < 1 {
            throw .invalidSetting("maxConcurrentRequests", "\(maxConcurrentRequests)", "at least one request must be allowed")
        }
        if receiveHighWaterMark < 1 {
            throw .invalidSetting("receiveHighWaterMark", "\(receiveHighWaterMark)", "use at least 1; 0 would queue without limit")
        }
        for (name, spec) in [("sendSpec", sendSpec), ("recvSpec", recvSpec)] where !spec.contains("://") {
            throw .invalidSetting(name, spec, "expected a ZeroMQ endpoint such as tcp://127.0.0.1:9997 or ipc:///tmp/handler")
        }
    }
}

extension HandlerSettings {
    /// The endpoint to connect to for a `spec` the gateway binds: a wildcard
    /// host is only meaningful to bind, so it becomes the loopback address.
    ///
    /// `tcp://*:9997` and `tcp://0.0.0.0:9997` become `tcp://127.0.0.1:9997`;
    /// `tcp://[::]:9997` becomes `tcp://[::1]:9997`. Other endpoints are unchanged.
    public static func connectEndpoint(for spec: String) -> String {
        guard let scheme = spec.range(of: "://") else { return spec }
        let transport = spec[..<scheme.lowerBound]
        guard transport == "tcp" || transport == "ws" || transport == "wss" else { return spec }
        let address = spec[scheme.upperBound...]
        // The port follows the last colon; an IPv6 host is in brackets.
        guard let colon = address.lastIndex(of: ":") else { return spec }
        let host = address[..<colon]
        let rest = address[colon...]
        switch host {
        case "*", "0.0.0.0": return "\(transport)://127.0.0.1\(rest)"
        case "[::]", "[*]": return "\(transport)://[::1]\(rest)"
        default: return spec
        }
    }
}
