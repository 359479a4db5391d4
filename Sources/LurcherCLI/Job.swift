import ArgumentParser
import Foundation
import ZeroMQ

/// `lurcher job`: submits one job to a broker-mode handler's `job_spec` and prints the answer.
///
/// It is the ZeroMQ guide's Lazy Pirate client: a REQ socket that, when no answer comes in time, closes the
/// socket, opens a new one and sends the job again, a few times, before it gives up.
struct Job: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Submit a job to a broker-mode handler's job_spec and print the answer.",
        discussion: """
            The answer's body goes to standard output. The exit status is 0 for a 2xx answer, 1 for any other \
            (its status is printed on standard error), and 69 when no answer came after every retry.
            """)

    @Argument(help: "The handler's job_spec, e.g. tcp://127.0.0.1:9990.")
    var endpoint: String

    @Argument(help: "The payload; - reads it from standard input.")
    var payload: String

    @Option(help: "Seconds to wait for an answer before sending again.")
    var timeout: Double = 2.5

    @Option(help: "How many times to send the job before giving up.")
    var attempts: Int = 3

    func validate() throws {
        guard timeout > 0 else { throw ValidationError("--timeout must be greater than 0") }
        guard attempts >= 1 else { throw ValidationError("--attempts must be at least 1") }
    }

    func run() throws {
        let bytes = payload == "-" ? [UInt8](FileHandle.standardInput.readDataToEndOfFile()) : Array(payload.utf8)
        let context = ZMQContext()
        for attempt in 1...attempts {
            let socket = try ZMQSocket(context: context, type: .req)
            // An unanswered job must not keep the process alive when it gives up.
            try socket.setLinger(.zero)
            defer { socket.close() }
            try socket.connect(endpoint)
            try socket.send(bytes)
            var items = [ZMQPollItem(socket: socket, events: .readable)]
            if try zmqPoll(&items, timeout: .milliseconds(Int(timeout * 1000))) > 0,
                let answer = try socket.receiveMultipart(dontWait: true)
            {
                return try report(answer)
            }
            if attempt < attempts { printError("no answer from \(endpoint) in \(timeout)s; sending again") }
        }
        printError("no answer from \(endpoint) after \(attempts) attempt(s); is a broker-mode handler with this job_spec running?")
        throw ExitCode(69)  // EX_UNAVAILABLE
    }

    /// Prints the body of an answer (`STATUS`, `BODY`) and fails unless the status is 2xx.
    private func report(_ answer: [[UInt8]]) throws {
        guard answer.count == 2, let status = Int(String(decoding: answer[0], as: UTF8.self)) else {
            printError("the answer is not a job answer (status and body frames)")
            throw ExitCode.failure
        }
        FileHandle.standardOutput.write(Data(answer[1]))
        guard (200..<300).contains(status) else {
            printError("job failed with status \(status)")
            throw ExitCode.failure
        }
    }
}
