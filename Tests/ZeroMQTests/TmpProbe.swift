import Testing
import ZeroMQ

@Test func probeMonitorBeforeReader() throws {
    let context = ZMQContext()
    let server = try ZMQSocket.make(context, .pull)
    try server.monitor(endpoint: "inproc://probe", events: .all)
    try server.bind("tcp://127.0.0.1:*")
    let monitor = try ZMQMonitor(context: context, endpoint: "inproc://probe")
    try monitor.socket.setReceiveTimeout(.milliseconds(200))
    let e = try monitor.receiveEvent()
    #expect(e == nil, "PROBE got \(String(describing: e))")
}
