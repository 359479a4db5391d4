import LurcherProtocol

/// One control port request, `[command, {arguments}]`, read as Mongrel2's `Control_task` and `Control_execute`
/// read one.
struct ControlPortRequest: Equatable {
    var command: [UInt8]
    var arguments: [TNetString.Pair]

    /// Reads the first tnetstring of `message`; what follows it (m2sh sends a NUL) is ignored, and so are list
    /// elements after the second.
    /// - Throws: ``ControlPortError/invalidData`` for bytes that are no tnetstring (or nest too deep, or are
    ///   null), and for a list without a string and a dict first; ``ControlPortError/invalidRequest`` for a
    ///   tnetstring that is not a list.
    init(_ message: [UInt8]) throws(ControlPortError) {
        guard let value = try? TNetString.decode(message).value, !value.isNull else { throw .invalidData }
        guard case .list(let elements) = value else { throw .invalidRequest }
        guard elements.count >= 2, case .string(let command) = elements[0], case .dictionary(let arguments) = elements[1]
        else { throw .invalidData }
        self.command = command
        self.arguments = arguments
    }

    /// The argument `name`, the first if the dict repeats it.
    func argument(_ name: String) -> TNetString? {
        arguments.first { $0.key.elementsEqual(name.utf8) }?.value
    }
}
