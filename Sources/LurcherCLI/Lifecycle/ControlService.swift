import LurcherGateway
import LurcherSupervisor

/// The control socket `lurcher ctl` talks to: the first part to stop, so that no command reaches a gateway on
/// its way down.
struct ControlService: StagedService {
    let path: String
    let commands: ControlCommands
    let lifecycle: StartLifecycle

    func start() async throws -> ControlServer {
        try await ControlServer.start(path: path) { [commands] request in await commands.handle(request) }
    }

    func stop(_ server: ControlServer, now: Bool) async {
        await server.close()
    }
}
