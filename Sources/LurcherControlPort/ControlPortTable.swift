import LurcherProtocol

/// The shape of Mongrel2's control port answers: `{headers: [names], rows: [[values]]}`, in that order.
struct ControlPortTable: Equatable {
    var headers: [String]
    var rows: [[TNetString]]

    /// One column, one row: Mongrel2's `basic_response`.
    init(_ header: String, _ value: String) {
        self.init(headers: [header], rows: [[.string(value)]])
    }

    init(headers: [String], rows: [[TNetString]]) {
        self.headers = headers
        self.rows = rows
    }

    var tnetstring: TNetString {
        ["headers": .list(headers.map { .string($0) }), "rows": .list(rows.map(TNetString.list))]
    }
}
