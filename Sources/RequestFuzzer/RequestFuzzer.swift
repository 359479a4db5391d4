import FuzzReplay
import LurcherGateway

/// libFuzzer's entry point: one input through the request parser (see `RequestParsingFuzzing`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    RequestParsingFuzzing.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

#if !LURCHER_FUZZ
@main
enum Replay {
    static func main() throws { try FuzzReplay.main(RequestParsingFuzzing.run) }
}
#endif
