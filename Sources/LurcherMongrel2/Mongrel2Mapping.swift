import Foundation
import LurcherConfiguration

/// A Mongrel2 configuration database's server, as Lurcher runs it.
public struct Mongrel2Configuration: Sendable {
    /// The configuration, validated as a TOML file would be.
    public var configuration: GatewayConfiguration
    /// The TOML the server was mapped to (``configuration`` is it, loaded), for an operator moving to a file.
    public var toml: String
    /// The server's `chroot`, made absolute: Lurcher runs from it, as Mongrel2 does.
    public var workingDirectory: String
    /// What was mapped differently or left out without changing what clients see, each naming its row.
    public var warnings: [String]
}

/// Reads a Mongrel2 1.12 configuration database (what `m2sh load` writes) and maps one server of it to Lurcher's
/// configuration. What cannot be mapped is listed with the row it came from: an error (nothing starts) where the
/// gap would change what clients see, a warning where it would not. Nothing is dropped silently.
public enum Mongrel2ConfigurationLoader {
    /// - Parameters:
    ///   - path: the database; `uuid`: the server's, as `mongrel2 config.sqlite UUID` takes it.
    ///   - relativeTo: the directory a relative `chroot` is taken from (where Mongrel2 would be started).
    public static func load(
        database path: String, server uuid: String, relativeTo directory: String = FileManager.default.currentDirectoryPath
    ) throws(ConfigurationError) -> Mongrel2Configuration {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ConfigurationError(
                file: path, key: "", problem: "no such database", fix: "give the file m2sh load -db wrote")
        }
        let rows: Mongrel2Database
        do {
            rows = try Mongrel2Database(try SQLiteDatabase(path: path))
        } catch {
            throw ConfigurationError(
                file: path, key: "", problem: "not a Mongrel2 configuration database (\(error))",
                fix: "give the file m2sh load -db wrote")
        }
        var mapping = Mongrel2Mapper(rows: rows, file: path, directory: directory)
        let toml = try mapping.toml(server: uuid)
        let configuration = try ConfigurationLoader.parse(toml, file: "\(path) (server \(uuid), as TOML)")
        return Mongrel2Configuration(
            configuration: configuration, toml: toml, workingDirectory: mapping.chroot, warnings: mapping.warnings)
    }
}

/// The mapping itself, row by row, into a TOML document.
struct Mongrel2Mapper {
    let rows: Mongrel2Database
    let file: String
    let directory: String
    private(set) var warnings: [String] = []
    private var refusals: [String] = []
    private(set) var chroot = ""
    /// `disable.access_logging`.
    private var accessLogOff = false

    init(rows: Mongrel2Database, file: String, directory: String) {
        self.rows = rows
        self.file = file
        self.directory = directory
    }

    /// A path as Mongrel2 resolves it inside its chroot (an absolute one is the chroot's), without needing root.
    func inChroot(_ path: String) -> String {
        var relative = Substring(path)
        while relative.hasPrefix("/") { relative = relative.dropFirst() }
        return (chroot as NSString).appendingPathComponent(String(relative))
    }

    private mutating func warn(_ row: String, _ text: String) { warnings.append("\(row): \(text)") }
    private mutating func refuse(_ row: String, _ text: String) { refusals.append("\(row): \(text)") }

    mutating func toml(server uuid: String) throws(ConfigurationError) -> String {
        guard let server = rows.servers.first(where: { $0.uuid == uuid }) else {
            let known = rows.servers.map(\.uuid).joined(separator: ", ")
            throw ConfigurationError(
                file: file, key: "server", problem: "no server has uuid \(uuid)",
                fix: known.isEmpty ? "load a configuration with m2sh load first" : "use one of: \(known)")
        }
        let serverRow = "server \(server.id) (\(server.uuid))"
        chroot = ((server.chroot.hasPrefix("/") ? server.chroot : (directory as NSString).appendingPathComponent(server.chroot))
            as NSString).standardizingPath
        var toml = "[server]\n"
        let bind = server.bindAddress.contains(":") ? "[\(server.bindAddress)]" : server.bindAddress
        toml += "listen = \(quoted("\(bind):\(server.port)"))\n"
        toml += "uuid = \(quoted(server.uuid))\n"
        // One per server, as two servers of one database may share a chroot; `lurcher ctl --socket` names it.
        toml += "control = \(quoted(inChroot("run/lurcher-\(server.uuid.prefix(8)).sock")))\n"
        if !server.controlPort.isEmpty { toml += "control_port = \(quoted(controlPort(server.controlPort)))\n" }
        if server.useSSL {
            refuse(serverRow, "use_ssl = 1: Lurcher serves HTTPS on a listener of its own beside the plain one. Fix: write a TOML file with [tls] (certificate certs/\(server.uuid).crt and key certs/\(server.uuid).key in the chroot)")
        }
        if let log = server.errorLog, !log.isEmpty { warn(serverRow, "error_log \(log) is not written: Lurcher logs to standard error") }
        if let pid = server.pidFile, !pid.isEmpty { warn(serverRow, "pid_file \(pid) is not written: Lurcher has no pid file (lurcher ctl status shows its pid)") }
        let settingsTOML = mapSettings(&toml)

        let hosts = rows.hosts[server.id] ?? []
        if hosts.isEmpty { refuse(serverRow, "has no hosts. Fix: add a Host to it") }
        var handlerNames: [Int: String] = [:]
        var defaultHost: String?
        for host in hosts {
            let hostRow = "host \(host.id) (\(host.name))"
            if host.maintenance { warn(hostRow, "maintenance = 1 is not mapped: its routes are served") }
            // Mongrel2 matches the Host header's end against `matching`, which may be a pattern.
            guard !host.matching.contains(where: { "()[]%*+?$^".contains($0) }) else {
                refuse(hostRow, "matching \(host.matching) is a pattern; Lurcher matches a name or *.SUFFIX. Fix: give a plain name")
                continue
            }
            let names = [host.matching, "*." + host.matching]
            if host.name == server.defaultHost || host.matching == server.defaultHost { defaultHost = host.matching }
            let routes = mapRoutes(of: host, handlers: &handlerNames)
            for name in names {
                toml += "\n[[hosts]]\nname = \(quoted(name))\n[hosts.routes]\n" + routes
            }
        }
        if let wanted = server.defaultHost, !wanted.isEmpty {
            if let defaultHost {
                toml = toml.replacingOccurrences(of: "[server]\n", with: "[server]\ndefault_host = \(quoted(defaultHost))\n")
            } else {
                refuse(serverRow, "default_host \(wanted) names no host of this server")
            }
        }
        for (id, name) in handlerNames.sorted(by: { $0.key < $1.key }) {
            guard let handler = rows.handlers[id] else { continue }
            toml += "\n[handlers.\(name)]\nsend_spec = \(quoted(handler.sendSpec))\nrecv_spec = \(quoted(handler.recvSpec))\n"
            toml += "send_ident = \(quoted(handler.sendIdent))\nprotocol = \(quoted(handler.protocol))\n"
            toml += settingsTOML.handlerKeys
        }
        if let log = server.accessLog, !log.isEmpty, !accessLogOff {
            toml += "\n[access_log]\npath = \(quoted(inChroot(log)))\n"
        }
        for filter in rows.filters { refuse("filter \(filter.id) (\(filter.name))", "filters are not supported. Fix: remove the filter") }
        if !rows.mimeTypes.isEmpty {
            warn("mimetype (\(rows.mimeTypes.count) rows)", "Lurcher types files by its own table (docs/CONFIGURATION.md); the rows are not read")
        }
        if !refusals.isEmpty {
            throw ConfigurationError(
                file: file, key: refusals[0].components(separatedBy: ":")[0],
                problem: "cannot be run as Lurcher:\n  " + refusals.joined(separator: "\n  "),
                fix: "change those rows as each says and m2sh load the configuration again")
        }
        return toml
    }

    /// Mongrel2's `ipc://` paths are the chroot's.
    private func controlPort(_ endpoint: String) -> String {
        guard endpoint.hasPrefix("ipc://") else { return endpoint }
        return "ipc://" + inChroot(String(endpoint.dropFirst("ipc://".count)))
    }

    private mutating func mapRoutes(of host: Mongrel2Database.Host, handlers: inout [Int: String]) -> String {
        var toml = ""
        for route in rows.routes[host.id] ?? [] {
            let row = "route \(route.id) (\(route.path))"
            if route.reversed { refuse(row, "reversed = 1 is not supported") }
            if route.path.contains("(") {
                refuse(row, "a pattern route (Mongrel2's pattern syntax after the prefix) is not supported: Lurcher routes by prefix only. Fix: route the prefix before \"(\"")
                continue
            }
            guard route.path.hasPrefix("/") else {
                refuse(row, "a route path must start with /")
                continue
            }
            switch route.targetType {
            case "dir":
                guard let directory = rows.directories[route.targetID] else {
                    refuse(row, "names directory \(route.targetID), which does not exist")
                    continue
                }
                var keys = "dir = \(quoted(inChroot(directory.base))), index = \(quoted(directory.indexFile))"
                keys += ", default_content_type = \(quoted(directory.defaultContentType))"
                if directory.cacheTTL > 0 { keys += ", cache_control = \(quoted("max-age=\(directory.cacheTTL)"))" }
                toml += "\(quoted(route.path)) = { \(keys) }\n"
            case "handler":
                guard let handler = rows.handlers[route.targetID] else {
                    refuse(row, "names handler \(route.targetID), which does not exist")
                    continue
                }
                let handlerRow = "handler \(handler.id) (\(handler.sendIdent))"
                if handler.rawPayload { refuse(handlerRow, "raw_payload = 1 is not supported: handlers get Mongrel2's message") }
                if !handler.recvIdent.isEmpty {
                    warn(handlerRow, "recv_ident \(handler.recvIdent) is not used: the gateway subscribes to send_ident's replies")
                }
                let name = "handler\(handler.id)"
                handlers[handler.id] = name
                toml += "\(quoted(route.path)) = { handler = \(quoted(name)) }\n"
            case "proxy":
                guard let proxy = rows.proxies[route.targetID] else {
                    refuse(row, "names proxy \(route.targetID), which does not exist")
                    continue
                }
                let address = proxy.address.contains(":") ? "[\(proxy.address)]" : proxy.address
                toml += "\(quoted(route.path)) = { proxy = \(quoted("http://\(address):\(proxy.port)")) }\n"
            default:
                refuse(row, "target_type \(route.targetType) is not dir, handler or proxy")
            }
        }
        return toml
    }

    /// What the `setting` table becomes: sections of the TOML, and keys every handler gets.
    struct Settings {
        var handlerKeys = ""
    }

    private mutating func mapSettings(_ toml: inout String) -> Settings {
        var settings = Settings()
        var limits = "", uploads = ""
        for (key, value) in rows.settings {
            let row = "setting \(key) = \(value)"
            func number() -> Int? {
                guard let number = Int(value) else {
                    refuse(row, "is not a number")
                    return nil
                }
                return number
            }
            switch key {
            case "limits.content_length":
                if let size = number() { uploads += "threshold_bytes = \(size)\n" }
            case "upload.temp_store":
                // Mongrel2's template (`/tmp/upload.XXXXXX`) names the folder; Lurcher names its own files there.
                let folder = (inChroot(value) as NSString).deletingLastPathComponent
                uploads += "directory = \(quoted(folder))\n"
                warn(row, "mapped to uploads.directory \(folder); the files are named lurcher-upload-XXXXXX")
            case "limits.header_count":
                if let count = number() { limits += "max_header_count = \(count)\n" }
            case "upload.stream":
                if value != "0" { settings.handlerKeys += "upload_stream = true\n" }
            case "download.flow_control":
                if value != "0" { settings.handlerKeys += "download_flow_control = true\n" }
            case "no_clobber_xff":
                if value != "0" { toml += "no_clobber_xff = true\n" }
            case "limits.url_path":
                if let size = number() {
                    limits += "max_uri_bytes = \(size)\n"
                    warn(row, "mapped to limits.max_uri_bytes, which bounds the whole target, query included")
                }
            case "disable.access_logging":
                if value != "0" { accessLogOff = true }
            case "request.relaxed":
                if value != "0" { refuse(row, "Lurcher parses requests strictly and has no relaxed mode. Fix: remove it") }
            case "zeromq.threads", "superpoll.hot_dividend", "superpoll.max_fd", "limits.buffer_size",
                "limits.client_read_retries", "limits.connection_stack_size", "limits.handler_stack", "limits.fdtask_stack",
                "limits.dir_send_buffer", "limits.dir_max_path", "limits.mime_ext_len", "limits.proxy_read_retries",
                "limits.proxy_read_retry_warn", "limits.handler_targets", "limits.host_name", "net.tcp_keepalive",
                "upload.temp_store_mode", "control_port":
                warn(row, "has no Lurcher equivalent (its event loops, buffers and files are its own); ignored")
            case "server.daemonize":
                warn(row, "is not mapped: lurcher stays in the foreground (run it under a service manager)")
            case "certdir", "ssl.ca_chain", "ssl_ciphers", "ssl.verify_optional", "ssl.verify_required":
                warn(row, "applies to use_ssl, which is not mapped (see [tls] in docs/CONFIGURATION.md)")
            case "limits.min_ping", "limits.min_write_rate", "limits.min_read_rate", "limits.kill_limit", "limits.tick_timer":
                warn(row, "is not mapped: Lurcher's [timeouts] take its place (docs/CONFIGURATION.md)")
            default:
                refuse(row, "is not a setting Lurcher knows. Fix: remove it")
            }
        }
        if !limits.isEmpty { toml += "\n[limits]\n" + limits }
        if !uploads.isEmpty { toml += "\n[uploads]\n" + uploads }
        return settings
    }

    /// A TOML basic string.
    func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: result += String(format: "\\u%04X", scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
