import LurcherProtocol
import Testing

@testable import LurcherGateway

/// What an extended reply's body asks of its connections, as Mongrel2 1.12's `src/handler.c` reads it.
@Suite struct ConnectionControlTests {
    private func control(_ body: String) throws -> ConnectionControl {
        ConnectionControl(try TNetString(decoding: Array(body.utf8)[...]))
    }

    @Test func ctlKeysAreReadTogether() throws {
        #expect(try control("31:3:ctl,21:10:keep-alive,4:true!}]") == .ctl(keepAlive: true, cancel: false, credits: nil, refusedCredits: nil))
        #expect(try control("26:3:ctl,16:6:cancel,4:true!}]").events == [.cancel])
        let both = try control("61:3:ctl,51:10:keep-alive,4:true!6:cancel,4:true!7:credits,1:5#}]")
        #expect(both == .ctl(keepAlive: true, cancel: true, credits: 5, refusedCredits: nil))
        #expect(both.events == [.cancel], "cancel wins: there is nothing left to keep alive or read")
        #expect(!both.noticesGoneConnections)
    }

    @Test func validCreditsBecomeAGrant() throws {
        let credits = try control("29:3:ctl,19:7:credits,6:200000#}]")
        #expect(credits == .ctl(keepAlive: false, cancel: false, credits: 200000, refusedCredits: nil))
        #expect(credits.events == [.credits(200000)])
        #expect(credits.noticesGoneConnections)
        let largest = try control("34:3:ctl,24:7:credits,10:2147483647#}]")
        #expect(largest.events == [.credits(2147483647)])
    }

    @Test func creditsAndKeepAliveInOneDictAreBothCarriedOut() throws {
        let both = try control("48:3:ctl,38:10:keep-alive,4:true!7:credits,4:8058#}]")
        #expect(both.events == [.credits(8058), .keepAlive])
    }

    @Test(arguments: [
        ("25:3:ctl,15:7:credits,2:-5#}]", "credits is negative"),
        ("34:3:ctl,24:7:credits,10:2147483648#}]", "credits exceeds 2147483647"),
        ("27:3:ctl,17:7:credits,4:lots,}]", "credits is not an integer"),
    ])
    func badCreditsAreRefused(body: String, reason: String) throws {
        #expect(try control(body) == .ctl(keepAlive: false, cancel: false, credits: nil, refusedCredits: reason))
        #expect(try control(body).events == [], "a refused grant grants and closes nothing")
    }

    /// As Mongrel2 1.12 was seen to do: the connection closes, and a gone id still gets its notice.
    @Test(arguments: [
        ("28:8:sendfile,13:/etc/hostname,]", "unknown key 'sendfile'"), ("20:3:ctl,10:not-a-dict,]", "ctl value is not a dict"),
        ("18:3:ctl,9:6:cancel,]]", "ctl value is not a dict"),
    ])
    func aCommandThatCannotBeCarriedOutClosesButStillNoticesGoneConnections(body: String, reason: String) throws {
        let rejected = try control(body)
        #expect(rejected == .rejected(reason))
        #expect(rejected.events == [.cancel])
        #expect(rejected.noticesGoneConnections)
    }

    @Test(arguments: ["6:3:ctl,]", "12:1:a,1:b,1:c,]", "8:1:1#1:2#]", "13:3:ctl,0:}1:x,]"])
    func malformedBodiesAreIgnoredButNoticeGoneConnections(body: String) throws {
        let malformed = try control(body)
        guard case .malformed = malformed else {
            Issue.record("\(body) read as \(malformed)")
            return
        }
        #expect(malformed.events == [])
        #expect(malformed.noticesGoneConnections, "Mongrel2's is_cancel_request is false for these")
    }
}
