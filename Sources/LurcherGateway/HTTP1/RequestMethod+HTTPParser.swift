import CHTTPParser

extension RequestMethod {
    /// Every method http_parser knows, by its `enum http_method` code; made once, so that a request's method
    /// costs a lookup rather than a copy of its name.
    private static let byHTTPParserCode: [RequestMethod] = {
        var methods: [RequestMethod] = []
        // http_method_str names every code in the enum, and answers "<unknown>" past its end.
        while let name = String(validatingCString: http_method_str(http_method(rawValue: UInt32(methods.count)))),
            name != "<unknown>"
        {
            methods.append(RequestMethod(name: Array(name.utf8)))
        }
        return methods
    }()

    /// The method http_parser read, from its `method` field (a code it only sets from its own table).
    init(httpParserMethod code: UInt32) {
        self = Self.byHTTPParserCode[Int(code)]
    }
}
