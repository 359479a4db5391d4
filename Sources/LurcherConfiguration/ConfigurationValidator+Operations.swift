import Foundation

extension ConfigurationValidator {
    /// The `[access_log]`, `[admin]` and `[events]` sections.
    func validateOperations(_ document: ConfigurationFile) throws(ConfigurationError) -> OperationsConfiguration {
        var operations = OperationsConfiguration()
        if let section = document.access_log {
            var accessLog = AccessLogConfiguration()
            if let path = section.path {
                guard !path.isEmpty else { throw error("access_log.path", "is empty", "name a file, or \"-\" for standard output") }
                accessLog.path = path
                if path != "-" {
                    let directory = (path as NSString).deletingLastPathComponent
                    var isDirectory: ObjCBool = false
                    let folder = directory.isEmpty ? "." : directory
                    guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue,
                        FileManager.default.isWritableFile(atPath: folder)
                    else {
                        throw error("access_log.path", "\"\(folder)\" is not a writable directory", "create it, or name a file in another")
                    }
                }
            }
            if let format = section.format {
                guard let known = AccessLogConfiguration.Format(rawValue: format) else {
                    throw error("access_log.format", "\"\(format)\" is not a format", "use \"combined\" or \"json\"")
                }
                accessLog.format = known
            }
            operations.accessLog = accessLog
        }
        if let section = document.admin {
            let (host, port) = try address(section.listen, key: "admin.listen")
            guard section.allow_remote == true || Self.isLoopback(host) else {
                throw error(
                    "admin.listen", "\(host) is not a loopback address, and metrics are for operators only",
                    "listen on 127.0.0.1 or ::1, or set allow_remote = true if a firewall guards it")
            }
            operations.admin = AdminConfiguration(listenHost: host, listenPort: port)
        }
        if let section = document.events {
            guard section.publish.contains("://") else {
                throw error("events.publish", "\"\(section.publish)\" is not a ZeroMQ endpoint", "write it like \"tcp://127.0.0.1:9190\"")
            }
            var events = EventsConfiguration(endpoint: section.publish)
            if let mark = section.high_water_mark {
                guard mark > 0 else { throw error("events.high_water_mark", "must be greater than 0, not \(mark)", "use a positive integer such as 1000") }
                events.highWaterMark = mark
            }
            operations.events = events
        }
        return operations
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
