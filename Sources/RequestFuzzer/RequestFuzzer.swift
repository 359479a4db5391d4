import Glibc
import LurcherGateway

/// libFuzzer's entry point: one input through the request parser (see `RequestParsingFuzzing`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    RequestParsingFuzzing.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

#if !LURCHER_FUZZ
/// Built without libFuzzer (every ordinary `swift build`), the target replays the files named on its command
/// line, such as a crash file libFuzzer left, so a finding can be debugged without the fuzzing build.
@main
enum Replay {
    static func main() throws {
        for path in CommandLine.arguments.dropFirst() {
            guard let file = fopen(path, "rb") else { throw ReplayError(path: path) }
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65536)
            while case let count = fread(&chunk, 1, chunk.count, file), count > 0 { bytes += chunk[..<count] }
            fclose(file)
            bytes.withUnsafeBytes { RequestParsingFuzzing.run($0) }
            print("\(path): no finding")
        }
    }
}

struct ReplayError: Error, CustomStringConvertible {
    var path: String
    var description: String { "cannot read \(path)" }
}
#endif
