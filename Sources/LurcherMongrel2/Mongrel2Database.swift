/// The rows of a Mongrel2 1.12 configuration database (`src/config/config.sql`, as `m2sh load` writes it) that
/// describe one server: the server, its hosts and their routes, and what the routes name.
struct Mongrel2Database {
    struct Server {
        var id: Int
        var uuid: String
        var accessLog: String?
        var errorLog: String?
        var chroot: String
        var pidFile: String?
        var controlPort: String
        var defaultHost: String?
        var bindAddress: String
        var port: Int
        var useSSL: Bool
    }

    struct Host {
        var id: Int
        var name: String
        var matching: String
        var maintenance: Bool
    }

    struct Route {
        var id: Int
        var path: String
        var reversed: Bool
        var hostID: Int
        var targetID: Int
        var targetType: String
    }

    struct Handler {
        var id: Int
        var sendSpec: String
        var sendIdent: String
        var recvSpec: String
        var recvIdent: String
        var rawPayload: Bool
        var `protocol`: String
    }

    struct Directory {
        var id: Int
        var base: String
        var indexFile: String
        var defaultContentType: String
        var cacheTTL: Int
    }

    struct Proxy {
        var id: Int
        var address: String
        var port: Int
    }

    var servers: [Server]
    var hosts: [Int: [Host]]
    var routes: [Int: [Route]]
    var handlers: [Int: Handler]
    var directories: [Int: Directory]
    var proxies: [Int: Proxy]
    /// The `setting` table, in id order: Mongrel2's settings are global, not per server.
    var settings: [(key: String, value: String)]
    /// Rows of tables Lurcher has no use for and that change what Mongrel2 does (filters), with their ids.
    var filters: [(id: Int, name: String)]
    var mimeTypes: [(id: Int, extension: String, type: String)]

    init(_ database: SQLiteDatabase) throws(SQLiteDatabase.Failure) {
        func text(_ row: [String: SQLiteDatabase.Value], _ name: String, _ fallback: String = "") -> String {
            row[name]?.text ?? fallback
        }
        func integer(_ row: [String: SQLiteDatabase.Value], _ name: String) -> Int { row[name]?.integer ?? 0 }
        servers = try database.rows("SELECT * FROM server ORDER BY id").map {
            Server(
                id: integer($0, "id"), uuid: text($0, "uuid"), accessLog: $0["access_log"]?.text, errorLog: $0["error_log"]?.text,
                chroot: text($0, "chroot", "/var/www"), pidFile: $0["pid_file"]?.text, controlPort: text($0, "control_port"),
                defaultHost: $0["default_host"]?.text, bindAddress: text($0, "bind_addr", "0.0.0.0"), port: integer($0, "port"),
                useSSL: integer($0, "use_ssl") != 0)
        }
        hosts = Dictionary(grouping: try database.rows("SELECT * FROM host ORDER BY id"), by: { integer($0, "server_id") })
            .mapValues { rows in
                rows.map {
                    Host(id: integer($0, "id"), name: text($0, "name"), matching: text($0, "matching", text($0, "name")), maintenance: integer($0, "maintenance") != 0)
                }
            }
        routes = Dictionary(grouping: try database.rows("SELECT * FROM route ORDER BY id"), by: { integer($0, "host_id") })
            .mapValues { rows in
                rows.map {
                    Route(
                        id: integer($0, "id"), path: text($0, "path"), reversed: integer($0, "reversed") != 0, hostID: integer($0, "host_id"),
                        targetID: integer($0, "target_id"), targetType: text($0, "target_type"))
                }
            }
        handlers = Dictionary(uniqueKeysWithValues: try database.rows("SELECT * FROM handler").map {
            (integer($0, "id"), Handler(
                id: integer($0, "id"), sendSpec: text($0, "send_spec"), sendIdent: text($0, "send_ident"), recvSpec: text($0, "recv_spec"),
                recvIdent: text($0, "recv_ident"), rawPayload: integer($0, "raw_payload") != 0, protocol: text($0, "protocol", "json")))
        })
        directories = Dictionary(uniqueKeysWithValues: try database.rows("SELECT * FROM directory").map {
            (integer($0, "id"), Directory(
                id: integer($0, "id"), base: text($0, "base"), indexFile: text($0, "index_file", "index.html"),
                defaultContentType: text($0, "default_ctype", "application/octet-stream"), cacheTTL: integer($0, "cache_ttl")))
        })
        proxies = Dictionary(uniqueKeysWithValues: try database.rows("SELECT * FROM proxy").map {
            (integer($0, "id"), Proxy(id: integer($0, "id"), address: text($0, "addr"), port: integer($0, "port")))
        })
        settings = try database.rows("SELECT key, value FROM setting ORDER BY id").map { (text($0, "key"), text($0, "value")) }
        filters = try database.hasTable("filter")
            ? database.rows("SELECT id, name FROM filter ORDER BY id").map { (integer($0, "id"), text($0, "name")) } : []
        mimeTypes = try database.hasTable("mimetype")
            ? database.rows("SELECT id, extension, mimetype FROM mimetype ORDER BY id").map {
                (integer($0, "id"), text($0, "extension"), text($0, "mimetype"))
            } : []
    }
}
