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
        /// The dispatch mode, `push` (the default) or `broker`. Optional.
        public static let mode = "LURCHER_MODE"
        /// Broker mode's heartbeat interval in seconds (a decimal number). Optional.
        public static let heartbeatInterval = "LURCHER_HEARTBEAT_INTERVAL"
        /// Broker mode's heartbeat liveness, in intervals. Optional.
        public static let heartbeatLiveness = "LURCHER_HEARTBEAT_LIVENESS"
        /// The most requests answered at once (``HandlerSettings/maxConcurrentRequests``). Optional.
        public static let maxConcurrentRequests = "LURCHER_MAX_CONCURRENT_REQUESTS"
        /// The gateway's upload directory (``HandlerSettings/uploadDirectory``). Optional; without it uploads
        /// are refused.
        public static let uploadDirectory = "LURCHER_UPLOAD_DIRECTORY"
        /// CurveZMQ (``HandlerSettings/curve``): the gateway's public key, and this process's pair, Z85. Optional,
        /// all three or none.
        public static let curveServerKey = "LURCHER_CURVE_SERVER_KEY"
        public static let curvePublicKey = "LURCHER_CURVE_PUBLIC_KEY"
        public static let curveSecretKey = "LURCHER_CURVE_SECRET_KEY"
    }

    /// Reads the settings `lurcher start` passes in the environment.
    ///
    /// `LURCHER_SEND_SPEC` is required, and `LURCHER_RECV_SPEC` in push mode;
    /// `LURCHER_MODE`, `LURCHER_HANDLER_NAME`, `LURCHER_PARENT_PID`,
    /// `LURCHER_LOG_LEVEL`, `LURCHER_MAX_CONCURRENT_REQUESTS`,
    /// `LURCHER_HEARTBEAT_INTERVAL`, `LURCHER_HEARTBEAT_LIVENESS`,
    /// `LURCHER_UPLOAD_DIRECTORY` and the three `LURCHER_CURVE_*` keys are optional. Other settings keep their defaults.
    ///
    /// - Throws: ``HandlerError`` naming the variable that is missing or
    ///   invalid, and how to run the handler instead.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(HandlerError) -> Self {
        try partialEnvironment(environment).completed()
    }

    /// Reads the settings from command-line options, falling back to the
    /// environment for what they do not give.
    ///
    /// Options: `--mode push|broker`, `--send-spec ENDPOINT`, `--recv-spec ENDPOINT`,
    /// `--name NAME`, `--max-concurrent-requests N`, `--parent-pid PID`, `--upload-directory DIR`;
    /// `--option=value` works too. So a handler that `lurcher start` runs can also be started
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
            case "--mode": settings.base.mode = try mode(value, name: name)
            case "--name": settings.base.name = value
            case "--max-concurrent-requests":
                settings.base.maxConcurrentRequests = try positive(value, name: name)
            case "--upload-directory": settings.base.uploadDirectory = value
            default:  // --parent-pid
                settings.base.parentProcessID = try processID(value, name: name)
            }
        }
        return try settings.completed()
    }

    private static let knownOptions = [
        "--mode", "--send-spec", "--recv-spec", "--name", "--max-concurrent-requests", "--parent-pid", "--upload-directory",
    ]
    private static let usage =
        "usage: [--mode push|broker] [--send-spec ENDPOINT --recv-spec ENDPOINT] [--name NAME] [--max-concurrent-requests N] [--parent-pid PID] [--upload-directory DIR]"

    /// Settings from the environment, with the endpoints kept apart because they may still come from elsewhere.
    private struct Partial {
        var base: HandlerSettings
        var sendSpec: String?
        var recvSpec: String?

        /// The settings, once both sources have had their say: the endpoints the mode needs must be there.
        func completed() throws(HandlerError) -> HandlerSettings {
            var settings = base
            guard let sendSpec else { throw .missingEnvironment(EnvironmentKey.sendSpec) }
            settings.sendSpec = sendSpec
            if settings.mode == .push {
                guard let recvSpec else { throw .missingEnvironment(EnvironmentKey.recvSpec) }
                settings.recvSpec = recvSpec
            }
            return settings
        }
    }

    private static func partialEnvironment(_ environment: [String: String]) throws(HandlerError) -> Partial {
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
        func nonEmpty(_ key: String) -> String? {
            guard let value = environment[key], !value.isEmpty else { return nil }
            return value
        }
        if let mode = nonEmpty(EnvironmentKey.mode) {
            settings.mode = try Self.mode(mode, name: EnvironmentKey.mode)
        }
        if let count = nonEmpty(EnvironmentKey.maxConcurrentRequests) {
            settings.maxConcurrentRequests = try positive(count, name: EnvironmentKey.maxConcurrentRequests)
        }
        if let interval = nonEmpty(EnvironmentKey.heartbeatInterval) {
            guard let seconds = Double(interval), seconds >= 0.001, seconds <= 3600 else {
                throw .invalidSetting(EnvironmentKey.heartbeatInterval, interval, "expected a number of seconds, such as 1 or 0.5")
            }
            settings.heartbeatInterval = .milliseconds(Int((seconds * 1000).rounded()))
        }
        if let liveness = nonEmpty(EnvironmentKey.heartbeatLiveness) {
            settings.heartbeatLiveness = try positive(liveness, name: EnvironmentKey.heartbeatLiveness)
        }
        settings.uploadDirectory = nonEmpty(EnvironmentKey.uploadDirectory)
        let curveKeys = [EnvironmentKey.curveServerKey, EnvironmentKey.curvePublicKey, EnvironmentKey.curveSecretKey]
        let given = curveKeys.map(nonEmpty)
        if given.contains(where: { $0 != nil }) {
            for (key, value) in zip(curveKeys, given) {
                guard let value else { throw .missingEnvironment(key) }
                guard value.utf8.count == 40 else {
                    throw .invalidSetting(key, value, "expected a Z85 key of 40 characters, as `lurcher keygen` prints")
                }
            }
            settings.curve = CurveKeys(serverKey: given[0]!, publicKey: given[1]!, secretKey: given[2]!)
        }
        return Partial(base: settings, sendSpec: nonEmpty(EnvironmentKey.sendSpec), recvSpec: nonEmpty(EnvironmentKey.recvSpec))
    }

    private static func mode(_ text: String, name: String) throws(HandlerError) -> Mode {
        guard let mode = Mode(rawValue: text) else { throw .invalidSetting(name, text, "expected push or broker") }
        return mode
    }

    private static func positive(_ text: String, name: String) throws(HandlerError) -> Int {
        guard let count = Int(text), count > 0 else { throw .invalidSetting(name, text, "give a whole number above zero") }
        return count
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
