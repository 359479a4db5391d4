import ArgumentParser
import Foundation
import LurcherConfiguration
import LurcherGateway
import LurcherSupervisor

/// `lurcher ctl`: talks to a running gateway over its control socket.
struct Ctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Control a running gateway: status, scale, restart, reload, stop.",
        subcommands: [Status.self, Scale.self, Restart.self, Reload.self, Stop.self])

    /// Where to find the gateway: its control socket, or the configuration that names it.
    struct Target: ParsableArguments {
        @OptionGroup var options: ConfigurationOptions

        @Option(help: "The gateway's control socket (default: server.control from the configuration, which need not be valid otherwise).")
        var socket: String?

        func send(_ request: ControlRequest) throws -> ControlResponse {
            let path: String
            if let socket {
                path = socket
            } else if case .mongrel2 = options.source {
                // The socket a Mongrel2 server's mapping names (in its chroot); the database must map to find it.
                do {
                    path = try options.source.load().configuration.server.controlSocket
                } catch {
                    printError(error)
                    throw ExitCode(78)  // EX_CONFIG
                }
            } else {
                // Not validated: the gateway runs with the configuration it loaded, whatever the file says now.
                let found = ConfigurationLoader.controlSocket(path: options.config)
                if let problem = found.problem { printError("warning: \(problem); trying \(found.socket)") }
                path = found.socket
            }
            let response: ControlResponse
            do {
                response = try ControlClient(path: path).send(request)
            } catch {
                printError(error)
                throw ExitCode(69)  // EX_UNAVAILABLE
            }
            guard response.ok else {
                printError(response.error ?? "the gateway refused the request")
                throw ExitCode.failure
            }
            return response
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show pools, processes, connections and requests.")
        @OptionGroup var target: Target
        @Flag(help: "Print JSON, for scripts.") var json = false

        func run() throws {
            let response = try target.send(ControlRequest(command: "status"))
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(response), as: UTF8.self))
            } else {
                print(StatusReport.text(gateway: response.gateway, pools: response.pools ?? []), terminator: "")
            }
        }
    }

    struct Scale: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a pool's size: N, +N or -N processes.")
        @OptionGroup var target: Target
        @Argument(help: "The pool (handler name).") var pool: String
        @Argument(help: "N, +N or -N.") var count: String

        func validate() throws {
            guard ControlCommands.scaleTarget(count) != nil else { throw ValidationError("count must be N, +N or -N, not \(count)") }
        }

        func run() throws {
            let response = try target.send(ControlRequest(command: "scale", pool: pool, count: count))
            for (name, size) in (response.sizes ?? [:]).sorted(by: { $0.key < $1.key }) { print("\(name): \(size) processes") }
        }
    }

    struct Restart: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace every process of a pool (or of all pools), one at a time; returns when done.")
        @OptionGroup var target: Target
        @Argument(help: "The pool; all pools when omitted.") var pool: String?

        func run() throws {
            let response = try target.send(ControlRequest(command: "restart", pool: pool))
            for report in response.restarts ?? [] {
                print("\(report.pool): replaced \(report.replaced.count) process(es), generation \(report.generation), new pids \(report.started.map(String.init).joined(separator: " "))")
            }
        }
    }

    struct Reload: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-read the configuration file and apply route, host, Dir and pool changes (as SIGUSR2 does).",
            discussion: "An invalid file, or one that changes what needs a restart, is rejected with the reason and changes nothing.")
        @OptionGroup var target: Target

        func run() throws {
            let response = try target.send(ControlRequest(command: "reload"))
            print("reloaded")
            for change in response.reloaded ?? [] {
                var what = [String]()
                if let size = change.size { what.append("\(size) processes") }
                if change.restarted { what.append("restarted") }
                print("pool \(change.pool): \(what.isEmpty ? "settings updated" : what.joined(separator: ", "))")
            }
        }
    }

    struct Stop: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Drain and stop the gateway and its pools.")
        @OptionGroup var target: Target

        func run() throws {
            _ = try target.send(ControlRequest(command: "stop"))
            print("stopping")
        }
    }
}

/// The human-readable form of `lurcher ctl status`.
enum StatusReport {
    static func text(gateway: GatewayStatus?, pools: [PoolStatus]) -> String {
        var text = ""
        if let gateway {
            text += "gateway: \(gateway.openConnections) open connection(s), \(gateway.inFlight) request(s) in flight, "
                + "\(gateway.webSockets.open) WebSocket(s)\n"
        }
        for pool in pools {
            var flags = [String]()
            if pool.restarting { flags.append("restarting") }
            if pool.crashLooping { flags.append("CRASH-LOOPING") }
            text += "pool \(pool.name): \(pool.processes.count) process(es), size \(pool.desired) (min \(pool.minimum), max \(pool.maximum)), generation \(pool.generation), \(pool.crashes) crash(es)"
            text += flags.isEmpty ? "\n" : " [\(flags.joined(separator: ", "))]\n"
            let handler = gateway?.handlers.first { $0.name == pool.name }
            if let handler {
                text += "  \(handler.mode) mode: \(handler.dispatched) dispatched, \(handler.held) held; \(handler.connected) connected\n"
            }
            var brokered = handler?.processes ?? []
            for process in pool.processes {
                text += "  pid \(process.pid)  \(process.state)  generation \(process.generation)  up \(String(format: "%.1f", process.uptimeSeconds))s"
                if let index = brokered.firstIndex(where: { $0.processID == process.pid }) {
                    text += "  " + describe(brokered.remove(at: index))
                }
                text += "\n"
            }
            for process in brokered {
                text += "  pid \(process.processID.map(String.init) ?? "?") (not supervised)  \(describe(process))\n"
            }
        }
        for handler in gateway?.handlers ?? [] where !pools.contains(where: { $0.name == handler.name }) {
            text += "handler \(handler.name) (not supervised, \(handler.mode) mode): \(handler.connected) connected, \(handler.held) held, \(handler.dispatched) dispatched\n"
            for process in handler.processes ?? [] {
                text += "  pid \(process.processID.map(String.init) ?? "?")  \(describe(process))\n"
            }
        }
        return text
    }

    /// A broker-mode process as the gateway sees it: `busy 3/64, heard 0.4s ago`.
    private static func describe(_ process: GatewayStatus.HandlerProcess) -> String {
        "\(process.state) \(process.busy)/\(process.concurrency), heard \(String(format: "%.1f", process.lastHeard))s ago"
    }
}
