import Glibc
import LurcherOperations
import NIOCore

/// One request being answered, followed for the access log, metrics and events.
struct Exchange {
    let request: RequestLine?
    let startedAt = timespec.now()
    let started = NIODeadline.now()
    var response = ResponseMeter()

    init(_ request: RequestLine?) {
        self.request = request
    }

    /// The finished exchange; a response that never began counts as the client having gone away.
    func completed(connectionID: UInt64, remoteAddress: String) -> CompletedRequest {
        CompletedRequest(
            connectionID: connectionID, remoteAddress: remoteAddress, request: request,
            status: response.status == 0 ? CompletedRequest.clientClosed : response.status,
            bytesSent: response.bytes, bodyBytesSent: response.bodyBytes, startedAt: startedAt,
            duration: .nanoseconds((NIODeadline.now() - started).nanoseconds))
    }
}
