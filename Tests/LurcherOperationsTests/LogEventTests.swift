import Foundation
import Testing

@testable import LurcherOperations

/// Events are single JSON objects with a type and the gateway's uuid.
@Suite struct LogEventTests {
    private func object(_ event: LogEvent) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(event.json(gateway: "gw-1"))) as? [String: Any])
    }

    @Test func aProcessExitNamesThePoolAndWhetherItWasExpected() throws {
        let fields = try object(.processExited(pool: "hello", pid: 42, status: "signal 9", expected: false))
        #expect(fields["type"] as? String == "process_exited")
        #expect(fields["gateway"] as? String == "gw-1")
        #expect(fields["pool"] as? String == "hello")
        #expect(fields["pid"] as? Int == 42)
        #expect(fields["expected"] as? Bool == false)
        #expect(fields["time"] is String)
    }

    @Test func aRejectedReloadCarriesTheError() throws {
        let fields = try object(.configurationRejected(file: "conf/x.toml", error: "bad \"key\""))
        #expect(fields["type"] as? String == "config_rejected")
        #expect(fields["error"] as? String == "bad \"key\"")
    }
}
