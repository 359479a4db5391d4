import Foundation
import LurcherGateway
import LurcherSupervisor

/// What a running gateway does for each `lurcher ctl` request.
struct ControlCommands: Sendable {
    let gateway: Gateway
    let supervisor: Supervisor
    let reloader: ConfigurationReloader
    let generation: GatewayGeneration
    /// Starts the graceful stop `lurcher ctl stop` asks for.
    let stop: @Sendable () -> Void

    func handle(_ request: ControlRequest) async -> ControlResponse {
        do {
            switch request.command {
            case "status":
                return ControlResponse(
                    ok: true, gateway: await gateway.status(), pools: await supervisor.status(),
                    run: RunStatus(generation: generation, reloads: await reloader.reloads))
            case "scale":
                guard let pool = request.pool, let count = request.count, let target = Self.scaleTarget(count) else {
                    return .failure("scale needs a pool and a count: N, +N or -N")
                }
                return ControlResponse(ok: true, sizes: try await supervisor.scale(pool, to: target))
            case "restart":
                return ControlResponse(ok: true, restarts: try await supervisor.restart(request.pool))
            case "reload":
                return ControlResponse(ok: true, reloaded: try await reloader.reload())
            case "stop":
                stop()
                return ControlResponse(ok: true)
            default:
                return .failure("unknown command \"\(request.command)\": use status, scale, restart, reload or stop")
            }
        } catch {
            return .failure("\(error)")
        }
    }

    /// Parses `N`, `+N` or `-N`.
    static func scaleTarget(_ text: String) -> Supervisor.ScaleTarget? {
        if text.hasPrefix("+") || text.hasPrefix("-") {
            return Int(text).map { .relative($0) }
        }
        return Int(text).flatMap { $0 >= 0 ? .absolute($0) : nil }
    }
}
