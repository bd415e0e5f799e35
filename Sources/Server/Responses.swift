import Foundation
import Hummingbird

/// The server's responses: JSON bodies, pages, and errors stated as JSON.
enum Responses {
  /// `value` as a JSON response (keys sorted, so equal data gives equal bytes).
  static func json<Value: Encodable>(_ value: Value, status: HTTPResponse.Status = .ok) throws
    -> Response
  {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let data = try encoder.encode(value)
    return Response(
      status: status, headers: [.contentType: "application/json; charset=utf-8"],
      body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
  }

  /// `text` as a response of type `contentType`.
  static func text(_ text: String, contentType: String, status: HTTPResponse.Status = .ok)
    -> Response
  {
    Response(
      status: status, headers: [.contentType: contentType, .cacheControl: "no-store"],
      body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
  }

  /// An HTML page.
  static func html(_ page: String) -> Response {
    text(page, contentType: "text/html; charset=utf-8")
  }
}

/// A request the server refuses, answered as `{"error": reason}` with `status`.
struct APIError: HTTPResponseError, CustomStringConvertible {
  let status: HTTPResponse.Status
  let reason: String

  var description: String { reason }
  var headers: HTTPFields { [.contentType: "application/json; charset=utf-8"] }

  func response(from request: Request, context: some RequestContext) throws -> Response {
    try Responses.json(["error": reason], status: status)
  }

  /// 404: `what` does not exist here.
  static func notFound(_ what: String) -> APIError { APIError(status: .notFound, reason: what) }
  /// 400: the request itself is wrong.
  static func badRequest(_ reason: String) -> APIError {
    APIError(status: .badRequest, reason: reason)
  }
}
