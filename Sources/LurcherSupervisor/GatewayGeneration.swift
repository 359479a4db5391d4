import Foundation
import Logging

/// One run of a gateway: a fresh id that every process it spawns carries in its environment, recorded in the
/// run directory, beside the control socket, so that the next `lurcher start` can end what this run left.
///
/// The death signal (``ExecShim``) ends a gateway's handlers when it dies, but not the processes those
/// handlers started themselves, which inherit the environment and not the signal. So a start first kills
/// every process carrying the previous run's id (``GenerationSweep``). An id, unlike a recorded pid, cannot
/// come to name an unrelated process.
///
/// The record is locked (`flock`) for as long as the gateway runs, and the kernel drops the lock when the
/// gateway exits, however it exits: a record still locked belongs to a live gateway, whose processes a new
/// start leaves alone, refusing to run beside it.
public final class GatewayGeneration: Sendable {
    /// The environment variable that carries the id into spawned processes.
    public static let environmentKey = "LURCHER_GATEWAY_GENERATION"

    /// This run's id.
    public let id: String
    /// The record: `run/lurcher.generation` beside the default `run/lurcher.sock`.
    public let recordPath: String
    /// The run recorded before this one, and how many of its processes this start ended; nil on a first start.
    public let previous: PreviousRun?

    /// A gateway run that came before, as the next start found it.
    public struct PreviousRun: Sendable {
        /// Its id.
        public var generation: String
        /// How many of its processes were still running, and were ended.
        public var ended: Int
    }

    private init(id: String, recordPath: String, previous: PreviousRun?) {
        self.id = id
        self.recordPath = recordPath
        self.previous = previous
    }

    /// Begins a run: locks the record beside `controlSocket`, ends the processes of the run recorded there,
    /// and records this one.
    /// - Throws: ``SupervisorError/alreadyRunning`` when a live gateway holds the record;
    ///   ``SupervisorError/cannotRecordGeneration`` when the record cannot be opened.
    public static func begin(besideControlSocket controlSocket: String, logger: Logger) throws -> GatewayGeneration {
        let path = (controlSocket as NSString).deletingPathExtension + ".generation"
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        // Never closed: the lock must last exactly as long as this process. O_CLOEXEC keeps it out of the
        // processes it spawns, which would otherwise hold it after the gateway died.
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw SupervisorError.cannotRecordGeneration(path: path, reason: String(cString: strerror(errno)))
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = Record(parsing: readRecord(descriptor))
            close(descriptor)
            throw SupervisorError.alreadyRunning(controlSocket: controlSocket, pid: holder?.pid)
        }
        var previousRun: PreviousRun?
        if let previous = Record(parsing: readRecord(descriptor)) {
            let outcome = GenerationSweep.end(generation: previous.generation)
            var metadata: Logger.Metadata = [
                "ended": "\(outcome.ended)", "previous_generation": "\(previous.generation)",
                "previous_pid": "\(previous.pid.map(String.init) ?? "?")",
            ]
            if outcome.lingering > 0 { metadata["lingering"] = "\(outcome.lingering)" }
            logger.info("ended the processes left by the previous gateway run", metadata: metadata)
            previousRun = PreviousRun(generation: previous.generation, ended: outcome.ended)
        }
        let generation = GatewayGeneration(id: UUID().uuidString, recordPath: path, previous: previousRun)
        let record = Array("generation=\(generation.id)\npid=\(getpid())\n".utf8)
        guard ftruncate(descriptor, 0) == 0, pwrite(descriptor, record, record.count, 0) == record.count else {
            throw SupervisorError.cannotRecordGeneration(path: path, reason: String(cString: strerror(errno)))
        }
        return generation
    }

    /// The record's content: `generation=ID` and `pid=PID` lines.
    private struct Record {
        var generation: String
        var pid: Int32?

        init?(parsing text: String) {
            var fields: [Substring: Substring] = [:]
            for line in text.split(separator: "\n") {
                guard let equals = line.firstIndex(of: "=") else { continue }
                fields[line[..<equals]] = line[line.index(after: equals)...]
            }
            guard let generation = fields["generation"], !generation.isEmpty else { return nil }
            self.generation = String(generation)
            pid = fields["pid"].flatMap { Int32($0) }
        }
    }

    private static func readRecord(_ descriptor: Int32) -> String {
        var bytes = [UInt8](repeating: 0, count: 4096)
        let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        return String(decoding: bytes.prefix(max(count, 0)), as: UTF8.self)
    }
}
