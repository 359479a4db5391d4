import Foundation
import LurcherGateway
import LurcherProtocol
import LurcherSupervisor
import Synchronization
import Testing

@testable import LurcherControlPort

/// The control port's command table without a socket: Mongrel2 1.12's replies, byte for byte where they are
/// not about this server (the expected bytes are captured from a real mongrel2, /work/shared/MONGREL2-PROTOCOL.md §4).
@Suite struct ControlPortCommandsTests {
    private let target = StandInTarget()

    private func answer(_ request: String) async -> ControlPortAnswer {
        await ControlPortCommands(target: target, clock: { 1_796_153_988 }).answer(Array(request.utf8))
    }

    private func reply(_ request: String) async -> String {
        String(decoding: await answer(request).reply, as: UTF8.self)
    }

    private static let invalidData =
        "97:4:code,12:INVALID_DATA,5:error,62:Invalid data, expecting a list with a string and a hash in it.,}"
    private static let invalidRequest =
        "101:4:code,15:INVALID_REQUEST,5:error,63:Invalid request format, must be a list with two elements in it.,}"
    private static let callbackNotFound = "74:4:code,18:CALLBACK_NOT_FOUND,5:error,33:Callback requested was not found.,}"
    private static let invalidArgument = "61:4:code,16:INVALID_ARGUMENT,5:error,22:Invalid argument type.,}"
    private static let signalSent = "59:7:headers,6:3:msg,]4:rows,29:25:21:signal sent to server,]]}"

    @Test func timeIsAStringOfSecondsAndUUIDIsTheServers() async {
        #expect(await reply("10:4:time,0:}]") == "49:7:headers,7:4:time,]4:rows,18:14:10:1796153988,]]}")
        #expect(await reply("10:4:uuid,0:}]") == "42:7:headers,7:4:uuid,]4:rows,11:8:5:m2ctl,]]}")
    }

    @Test func helpListsMongrel2sCommandsInItsOrder() async {
        // Mongrel2's reply, but terminate's text: SIGTERM is a graceful stop in Lurcher, SIGQUIT an immediate one.
        let mongrel2 =
            "416:7:headers,14:4:name,4:help,]4:rows,376:35:4:stop,24:stop the server (SIGINT),]30:6:reload,17:reload the server,]23:4:help,12:this command,]37:12:control_stop,17:stop control port,]28:4:kill,17:kill a connection,]41:6:status,28:status, what=['net'|'tasks'],]46:9:terminate,30:terminate the server (SIGTERM),]28:4:time,17:the server's time,]28:4:uuid,17:the server's uuid,]40:4:info,29:information about this server,]]}"
        #expect(await reply("10:4:help,0:}]") == mongrel2.replacingOccurrences(of: "(SIGTERM)", with: "(SIGQUIT)"))
    }

    @Test func infoHasMongrel2sColumns() async {
        let expected =
            "190:7:headers,92:4:port,9:bind_addr,4:uuid,6:chroot,10:access_log,9:error_log,8:pid_file,16:default_hostname,]4:rows,73:69:5:19983#9:127.0.0.1,5:m2ctl,0:,16:/logs/access.log,0:,0:,9:localhost,]]}"
        #expect(await reply("10:4:info,0:}]") == expected)
    }

    @Test func statusNetIsOneRowPerConnectionInMongrel2sColumns() async {
        target.openConnections = [
            ConnectionStatus(
                id: 10, fileDescriptor: 28, kind: .http, sinceLastPing: 0, sinceLastRead: nil, sinceLastWrite: nil,
                bytesRead: 28, bytesWritten: 471),
            ConnectionStatus(
                id: 11, fileDescriptor: 29, kind: .webSocket, sinceLastPing: 3, sinceLastRead: 4, sinceLastWrite: 5,
                bytesRead: 1, bytesWritten: 2),
        ]
        #expect(
            await reply("26:6:status,13:4:what,3:net,}]")
                == "190:7:headers,86:2:id,2:fd,4:type,9:last_ping,9:last_read,10:last_write,10:bytes_read,13:bytes_written,]4:rows,79:37:2:10#2:28#1:1#1:0#1:0#1:0#2:28#3:471#]34:2:11#2:29#1:3#1:3#1:4#1:5#1:1#1:2#]]}")
        target.openConnections = []
        #expect(
            await reply("26:6:status,13:4:what,3:net,}]")
                == "110:7:headers,86:2:id,2:fd,4:type,9:last_ping,9:last_read,10:last_write,10:bytes_read,13:bytes_written,]4:rows,0:]}")
    }

    @Test func statusTasksListsTheHandlerProcesses() async throws {
        // PoolStatus is made by the supervisor; a test reads one in as `lurcher ctl status --json` prints it.
        let pool = """
            {"name": "app", "desired": 2, "minimum": 2, "maximum": 2, "generation": 1, "restarting": false,
             "crashLooping": false, "crashes": 0, "processes": [
               {"pid": 41, "state": "ready", "generation": 1, "uptimeSeconds": 1},
               {"pid": 42, "state": "starting", "generation": 1, "uptimeSeconds": 0},
               {"pid": 43, "state": "stopping", "generation": 0, "uptimeSeconds": 9}]}
            """
        target.poolList = [try JSONDecoder().decode(PoolStatus.self, from: Data(pool.utf8))]
        let table = try TNetString(decoding: Array(await reply("28:6:status,15:4:what,5:tasks,}]").utf8))
        #expect(table["headers"] == ["id", "system", "name", "state", "status"])
        #expect(
            table["rows"] == [
                [41, false, "app", "ready", "ready"], [42, false, "app", "starting", "idle"],
                [43, false, "app", "stopping", "exiting"],
            ])
    }

    @Test func statusWantsWhatAsNetOrTasks() async {
        #expect(await reply("28:6:status,15:4:what,5:bogus,}]") == "51:5:error,39:Expected argument what=['net'|'tasks'].,}")
        #expect(await reply("12:6:status,0:}]") == Self.invalidArgument)
        #expect(await reply("24:6:status,11:4:what,1:1#}]") == Self.invalidArgument)
    }

    @Test func killClosesAnOpenConnectionByID() async {
        target.openConnections = [ConnectionStatus(id: 7, fileDescriptor: 9, kind: .http)]
        #expect(await reply("19:4:kill,9:2:id,1:7#}]") == "40:7:headers,9:6:status,]4:rows,8:5:2:OK,]]}")
        #expect(target.closed.withLock { $0 } == [7])
    }

    @Test func killRefusesAMissingWrongOrUnknownID() async {
        target.openConnections = [ConnectionStatus(id: 7, fileDescriptor: 9, kind: .http)]
        for request in [
            "10:4:kill,0:}]", "19:4:kill,9:2:id,1:8#}]", "21:4:kill,10:2:id,2:-7#}]", "19:4:kill,9:2:id,1:7,}]",
            "39:4:kill,28:2:id,19:9223372036854775807#}]",
        ] {
            #expect(await reply(request) == Self.invalidArgument, "\(request)")
        }
        #expect(target.closed.withLock { $0 } == [])
    }

    @Test func stopReloadAndTerminateAnswerThenAct() async {
        for (command, action) in [("stop", ControlPortAction.stop), ("reload", .reload), ("terminate", .terminate)] {
            let request = TNetString.list([.string(command), .dictionary([])]).encoded
            let answer = await ControlPortCommands(target: target).answer(request)
            #expect(String(decoding: answer.reply, as: UTF8.self) == Self.signalSent)
            #expect(answer.then == .perform(action))
        }
        // The commands themselves do nothing: the socket acts once the reply is sent.
        #expect(target.performed.withLock { $0 } == [])
    }

    @Test func controlStopClosesThePortAfterItsReply() async {
        let answer = await answer("19:12:control_stop,0:}]")
        #expect(String(decoding: answer.reply, as: UTF8.self) == "63:7:headers,6:3:msg,]4:rows,33:29:25:stopping the control port,]]}")
        #expect(answer.then == .closePort)
    }

    @Test func requestsThatAreNotACommandAndADictAreInvalidData() async {
        for request in [
            "hello", "", "0:~", "0:]", "7:4:help,]", "10:4:help,0:]]", "11:4:help,1:1#]", "10:4:help,0:~]", "7:1:1#0:}]",
            "99999999999:", "5:hel", "1:xx",
        ] {
            #expect(await reply(request) == Self.invalidData, "\(request)")
        }
    }

    @Test func aTNetStringThatIsNotAListIsAnInvalidRequest() async {
        for request in ["3:abc,", "1:5#", "4:true!", "8:1:a,1:1#}"] {
            #expect(await reply(request) == Self.invalidRequest, "\(request)")
        }
    }

    @Test func unknownCommandsAreNotFoundAndNamesAreCaseSensitive() async {
        #expect(await reply("10:4:nope,0:}]") == Self.callbackNotFound)
        #expect(await reply("10:4:HELP,0:}]") == Self.callbackNotFound)
        #expect(await reply("13:7:version,0:}]") == Self.callbackNotFound)
        #expect(await reply("10:4:Help,0:}]") == Self.callbackNotFound)
    }

    @Test func trailingBytesExtraElementsAndExtraArgumentsAreIgnored() async {
        let help = await reply("10:4:help,0:}]")
        #expect(await reply("10:4:help,0:}]\u{0}") == help)
        #expect(await reply("10:4:help,0:}]junk") == help)
        #expect(await reply("18:4:help,0:}5:extra,]") == help)
        #expect(await reply("26:4:time,15:1:x,8:1:1#1:2#]}]").hasPrefix("49:7:headers,7:4:time,"))
    }

    @Test func deeplyNestedOrHugeRequestsAreRefusedOrAnswered() async {
        let deep = String(repeating: "[", count: 10000)
        var nested: TNetString = .dictionary([])
        for _ in 0..<200 { nested = .list([nested]) }
        #expect(await reply(deep) == Self.invalidData)
        #expect(String(decoding: await ControlPortCommands(target: target).answer(nested.encoded).reply, as: UTF8.self) == Self.invalidData)
        let wide = TNetString.list([
            "time", .dictionary((0..<50_000).map { TNetString.Pair(key: "k\($0)", value: .list([1, 2, 3])) }),
        ])
        let answer = await ControlPortCommands(target: target).answer(wide.encoded)
        #expect(String(decoding: answer.reply, as: UTF8.self).hasPrefix("49:7:headers,7:4:time,"))
    }
}

/// A gateway with connections and pools as a test sets them.
private final class StandInTarget: ControlPortTarget, @unchecked Sendable {
    // @unchecked: each test sets `open` and `pools` before asking, from one task; the recording lists are locked.
    var openConnections: [ConnectionStatus] = []
    var poolList: [PoolStatus] = []
    let closed = Mutex<[UInt64]>([])
    let performed = Mutex<[ControlPortAction]>([])
    let info = ControlPortInfo(
        port: 19983, bindAddress: "127.0.0.1", uuid: "m2ctl", accessLog: "/logs/access.log", defaultHost: "localhost")

    func connections() async -> [ConnectionStatus] { openConnections }
    func pools() async -> [PoolStatus] { poolList }

    func closeConnection(id: UInt64) async -> Bool {
        guard openConnections.contains(where: { $0.id == id }) else { return false }
        closed.withLock { $0.append(id) }
        return true
    }

    func perform(_ action: ControlPortAction) {
        performed.withLock { $0.append(action) }
    }
}
