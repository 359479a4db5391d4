import CSQLite

/// A SQLite database opened read-only, through SQLite's own C library: just enough to read a Mongrel2
/// configuration's tables.
final class SQLiteDatabase {
    /// A column's value as SQLite stored it.
    enum Value: Equatable {
        case null
        case integer(Int64)
        case real(Double)
        case text(String)

        var text: String? {
            switch self {
            case .text(let text): text
            case .integer(let value): String(value)
            case .real(let value): String(value)
            case .null: nil
            }
        }

        var integer: Int? {
            switch self {
            case .integer(let value): Int(value)
            case .text(let text): Int(text)
            case .real(let value): Int(value)
            case .null: nil
            }
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private let handle: OpaquePointer

    /// Opens `path` read-only; it must exist (SQLite would otherwise make an empty database).
    init(path: String) throws(Failure) {
        var handle: OpaquePointer?
        let status = sqlite3_open_v2(path, &handle, SQLITE_OPEN_READONLY, nil)
        guard status == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(handle)
            throw Failure(description: message)
        }
        self.handle = handle
    }

    deinit { sqlite3_close(handle) }

    /// Every row `sql` returns, each as its columns by name.
    func rows(_ sql: String) throws(Failure) -> [[String: Value]] {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw Failure(description: String(cString: sqlite3_errmsg(handle)))
        }
        defer { sqlite3_finalize(statement) }
        var rows: [[String: Value]] = []
        while true {
            let status = sqlite3_step(statement)
            if status == SQLITE_DONE { return rows }
            guard status == SQLITE_ROW else { throw Failure(description: String(cString: sqlite3_errmsg(handle))) }
            var row: [String: Value] = [:]
            for column in 0..<sqlite3_column_count(statement) {
                let name = String(cString: sqlite3_column_name(statement, column))
                switch sqlite3_column_type(statement, column) {
                case SQLITE_INTEGER: row[name] = .integer(sqlite3_column_int64(statement, column))
                case SQLITE_FLOAT: row[name] = .real(sqlite3_column_double(statement, column))
                case SQLITE_NULL: row[name] = .null
                default: row[name] = .text(String(cString: sqlite3_column_text(statement, column)))
                }
            }
            rows.append(row)
        }
    }

    /// Whether the database has a table of this name.
    func hasTable(_ name: String) throws(Failure) -> Bool {
        try rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name = '\(name)'").isEmpty == false
    }
}
