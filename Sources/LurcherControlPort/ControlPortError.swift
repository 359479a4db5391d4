import LurcherProtocol

/// The errors Mongrel2's control port answers with (`src/control.c`), worded as it words them, so that tools
/// written against it read Lurcher's the same way.
enum ControlPortError: Error, Equatable {
    /// A tnetstring that is not a list.
    case invalidRequest
    /// Not a tnetstring, or a list without a command string and an argument dict.
    case invalidData
    /// No command by that name.
    case callbackNotFound
    /// A missing argument, or one of the wrong type or value.
    case invalidArgument

    /// The reply: `{code, error}`, in that order.
    var reply: TNetString {
        let (code, message) =
            switch self {
            case .invalidRequest: ("INVALID_REQUEST", "Invalid request format, must be a list with two elements in it.")
            case .invalidData: ("INVALID_DATA", "Invalid data, expecting a list with a string and a hash in it.")
            case .callbackNotFound: ("CALLBACK_NOT_FOUND", "Callback requested was not found.")
            case .invalidArgument: ("INVALID_ARGUMENT", "Invalid argument type.")
            }
        return ["code": .string(code), "error": .string(message)]
    }
}
