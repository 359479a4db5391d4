import Glibc

/// What the fuzz targets do when built without libFuzzer (every ordinary `swift build`): replay the files named on
/// the command line, such as a crash file libFuzzer left, through the same entry, so a finding can be debugged
/// without the fuzzing build. One copy for every target.
public enum FuzzReplay {
    public static func main(_ run: (UnsafeRawBufferPointer) -> Void) throws {
        for path in CommandLine.arguments.dropFirst() {
            guard let file = fopen(path, "rb") else { throw ReplayError(path: path) }
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65536)
            while case let count = fread(&chunk, 1, chunk.count, file), count > 0 { bytes += chunk[..<count] }
            fclose(file)
            bytes.withUnsafeBytes { run($0) }
            print("\(path): no finding")
        }
    }
}

struct ReplayError: Error, CustomStringConvertible {
    var path: String
    var description: String { "cannot read \(path)" }
}
