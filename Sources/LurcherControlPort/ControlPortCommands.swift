import Foundation
import LurcherGateway
import LurcherProtocol
import LurcherSupervisor

/// What the control port answers, and what it does once the answer is sent.
public struct ControlPortAnswer: Sendable, Equatable {
    /// One tnetstring.
    public var reply: [UInt8]
    /// Carried out after the reply has gone, so that a stop cannot cut it off.
    public var then: Effect?

    public enum Effect: Sendable, Equatable {
        /// Ask the gateway for this.
        case perform(ControlPortAction)
        /// `control_stop`: close the control port; the gateway runs on.
        case closePort
    }
}

/// Mongrel2's control port command table: a request's bytes in, the reply's bytes out.
///
/// Requests are read, and errors and tables shaped, as Mongrel2 1.12 does (`src/control.c`); the figures come
/// from a ``ControlPortTarget``. It touches no socket, so every command can be tested without one.
public struct ControlPortCommands: Sendable {
    private let target: any ControlPortTarget
    private let clock: @Sendable () -> Int

    /// - Parameter clock: seconds since the epoch, for `time`.
    public init(target: any ControlPortTarget, clock: @escaping @Sendable () -> Int = { Int(Date().timeIntervalSince1970) }) {
        self.target = target
        self.clock = clock
    }

    public func answer(_ message: [UInt8]) async -> ControlPortAnswer {
        do throws(ControlPortError) {
            let request = try ControlPortRequest(message)
            guard let command = ControlPortCommand(rawValue: String(decoding: request.command, as: UTF8.self)),
                command.rawValue.utf8.elementsEqual(request.command)
            else { throw .callbackNotFound }
            return try await answer(command, request)
        } catch {
            return ControlPortAnswer(reply: error.reply.encoded)
        }
    }

    private func answer(_ command: ControlPortCommand, _ request: ControlPortRequest) async throws(ControlPortError)
        -> ControlPortAnswer
    {
        switch command {
        case .stop: return signal(.stop)
        case .reload: return signal(.reload)
        case .terminate: return signal(.terminate)
        case .controlStop:
            return ControlPortAnswer(reply: ControlPortTable("msg", "stopping the control port").tnetstring.encoded, then: .closePort)
        case .help:
            return table(headers: ["name", "help"], rows: ControlPortCommand.allCases.map { [.string($0.rawValue), .string($0.help)] })
        case .time: return table(ControlPortTable("time", String(clock())))
        case .uuid: return table(ControlPortTable("uuid", target.info.uuid))
        case .info: return table(infoTable)
        case .kill:
            guard case .integer(let id) = request.argument("id"), id >= 0, await target.closeConnection(id: UInt64(id)) else {
                throw .invalidArgument
            }
            return table(ControlPortTable("status", "OK"))
        case .status:
            guard case .string(let what) = request.argument("what") else { throw .invalidArgument }
            if what.elementsEqual("net".utf8) { return table(netTable(await target.connections())) }
            if what.elementsEqual("tasks".utf8) { return table(tasksTable(await target.pools())) }
            // Not one of Mongrel2's coded errors: its status callback answers this with a bare `error`.
            let error: TNetString = ["error": "Expected argument what=['net'|'tasks']."]
            return ControlPortAnswer(reply: error.encoded)
        }
    }

    /// Mongrel2 answers once the signal is raised; Lurcher answers first and then acts, which the caller
    /// cannot tell apart.
    private func signal(_ action: ControlPortAction) -> ControlPortAnswer {
        ControlPortAnswer(reply: ControlPortTable("msg", "signal sent to server").tnetstring.encoded, then: .perform(action))
    }

    private func table(_ table: ControlPortTable) -> ControlPortAnswer {
        ControlPortAnswer(reply: table.tnetstring.encoded)
    }

    private func table(headers: [String], rows: [[TNetString]]) -> ControlPortAnswer {
        table(ControlPortTable(headers: headers, rows: rows))
    }

    /// Lurcher has no chroot, error log file or pid file: those columns are empty, as Mongrel2 shows a chroot
    /// it does not have.
    private var infoTable: ControlPortTable {
        let info = target.info
        return ControlPortTable(
            headers: ["port", "bind_addr", "uuid", "chroot", "access_log", "error_log", "pid_file", "default_hostname"],
            rows: [[
                .integer(info.port), .string(info.bindAddress), .string(info.uuid), "", .string(info.accessLog ?? ""), "", "",
                .string(info.defaultHost ?? ""),
            ]])
    }

    /// Mongrel2's `Register_info`: times are whole seconds since, 0 for never.
    func netTable(_ connections: [ConnectionStatus]) -> ControlPortTable {
        ControlPortTable(
            headers: ["id", "fd", "type", "last_ping", "last_read", "last_write", "bytes_read", "bytes_written"],
            rows: connections.map { connection in
                [
                    .integer(Int(clamping: connection.id)), .integer(Int(connection.fileDescriptor)),
                    .integer(connection.kind.rawValue), .integer(connection.sinceLastPing ?? 0),
                    .integer(connection.sinceLastRead ?? 0), .integer(connection.sinceLastWrite ?? 0),
                    .integer(connection.bytesRead), .integer(connection.bytesWritten),
                ]
            })
    }

    /// Mongrel2's `taskgetinfo` lists its coroutines; Lurcher has none, and lists in their place the handler
    /// processes it supervises: the pid as the id, the pool's name, the process's state (`starting`, `ready` or
    /// `stopping`), and as the status `ready`, `idle` (starting) or `exiting` (stopping).
    func tasksTable(_ pools: [PoolStatus]) -> ControlPortTable {
        ControlPortTable(
            headers: ["id", "system", "name", "state", "status"],
            rows: pools.flatMap { pool in
                pool.processes.map { process in
                    let status =
                        switch process.state {
                        case "ready": "ready"
                        case "stopping": "exiting"
                        default: "idle"
                        }
                    return [.integer(Int(process.pid)), .bool(false), .string(pool.name), .string(process.state), .string(status)]
                }
            })
    }
}
