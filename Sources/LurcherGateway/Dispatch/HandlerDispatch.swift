/// One handler's dispatch: how its requests go out and its replies come back.
///
/// ``PushDispatch`` speaks Mongrel2's PUSH/SUB; ``BrokerDispatch`` is the ROUTER job broker. Both live on the
/// dispatch thread and are called only there.
protocol HandlerDispatch: AnyObject {
    /// The handler's name in the configuration.
    var name: String { get }
    /// Requests waiting for a handler process.
    var heldCount: Int { get }
    /// Sends a request to a handler process, or holds it until one can take it.
    func submit(_ request: HeldRequest)
    /// A client connection closed: forget its waiting requests, and tell the handler when `notify`.
    func connectionClosed(_ connectionID: UInt64, notify: Bool)
    /// A connection whose last request went to this handler is now a WebSocket.
    func webSocketOpened(_ connectionID: UInt64)
    /// A process of this handler's pool has exited (the supervisor saw it go); `stopped` when it was asked to.
    func processExited(_ processID: Int32, stopped: Bool)
    /// Tells the handler that connection `connectionID` has written `bytes` of its replies (download flow control),
    /// through `process` in broker mode, the one that sent them.
    func sendCredits(_ bytes: Int, connectionID: UInt64, process: [UInt8]?)
    /// The handler's state for `lurcher ctl status`.
    func snapshot() -> GatewayStatus.Handler
}
