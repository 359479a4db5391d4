import Foundation

extension Request {
    /// Decodes the body as JSON.
    ///
    /// ```swift
    /// let order = try request.json(Order.self)
    /// ```
    ///
    /// - Throws: ``HTTPError`` 400 when the body is not JSON of that shape,
    ///   so a responder that lets it propagate answers Bad Request. The
    ///   decoder's detail is in the error's ``HTTPError/underlying``, for the
    ///   log, not in the response.
    public func json<T: Decodable>(_ type: T.Type = T.self, decoder: JSONDecoder = JSONDecoder()) throws -> T {
        do {
            return try decoder.decode(T.self, from: Data(body))
        } catch {
            throw HTTPError(400, message: "the request body is not the JSON this resource expects", underlying: error)
        }
    }
}
