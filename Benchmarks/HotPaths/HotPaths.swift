// The per-request hot paths of the gateway and the handler library, measured without a network: allocations,
// instructions and time per request. `bench/micro` runs them and checks the allocation counts against
// Benchmarks/Thresholds; docs/BENCHMARKS.md has the figures and the bound they document.

import Benchmark
import LurcherGateway
import LurcherHandler
import NIOCore

/// What a browser sends for the default configuration's `/hello`: eight headers, about 400 bytes.
let browserRequest = ByteBuffer(
    string: [
        "GET /hello HTTP/1.1",
        "Host: localhost:6767",
        "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
        "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        "Accept-Language: en-US,en;q=0.5",
        "Accept-Encoding: gzip, deflate",
        "Connection: keep-alive",
        "Upgrade-Insecure-Requests: 1",
        "Cache-Control: max-age=0",
        "", "",
    ].joined(separator: "\r\n"))

/// A handler's answer to it, as the gateway receives it: Mongrel2 reply framing around an HTTP response.
let helloReply = Array("54c6755b-9628-40a4-9a2d-cc82a816345e 1:1, HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhello\n".utf8)

let benchmarks: @Sendable () -> Void = {
    // A thousand requests an iteration, so that the measuring itself is lost in the noise; the figures printed
    // are per request. Allocation counts are checked against Benchmarks/Thresholds, which hold them per
    // iteration: the tolerance of 500 is half an allocation per request, enough for the harness's own few.
    // Instructions and time vary by machine and load, and are not checked.
    Benchmark.defaultConfiguration = .init(
        metrics: [.mallocCountTotal, .instructions, .wallClock, .throughput],
        warmupIterations: 3,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 200,
        thresholds: [.mallocCountTotal: BenchmarkThresholds(absolute: [.p90: 500])])

    Benchmark("GatewayRequestToWireMessage") { benchmark, parsing in
        for _ in benchmark.scaledIterations { blackHole(parsing.wireMessage(for: browserRequest)!) }
    } setup: {
        GatewayHotPaths.RequestParsing()
    }

    Benchmark("GatewayRequestToWireMessageWithAccessLog") { benchmark, parsing in
        for _ in benchmark.scaledIterations { blackHole(parsing.wireMessage(for: browserRequest)!) }
    } setup: {
        GatewayHotPaths.RequestParsing(summarizing: true)
    }

    Benchmark("GatewayReplyToResponse") { benchmark, relaying in
        for _ in benchmark.scaledIterations { blackHole(relaying.relay(helloReply)!) }
    } setup: {
        GatewayHotPaths.ReplyRelaying()
    }

    Benchmark("HandlerDecodeRequest") { benchmark, message in
        for _ in benchmark.scaledIterations { blackHole(HandlerHotPaths.request(decoding: message)!) }
    } setup: {
        GatewayHotPaths.RequestParsing().wireMessage(for: browserRequest)!
    }

    Benchmark("HandlerEncodeReply") { benchmark, request in
        for _ in benchmark.scaledIterations {
            blackHole(HandlerHotPaths.replyMessage(Response(text: "hello\n"), to: request)!)
        }
    } setup: {
        HandlerHotPaths.request(decoding: GatewayHotPaths.RequestParsing().wireMessage(for: browserRequest)!)!
    }
}
