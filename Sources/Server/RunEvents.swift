import Foundation
import Hummingbird
import RunStorage
import Runs

/// `GET /api/runs/ID/events`: Server-Sent Events while a run trains. One `epoch` event per
/// finished epoch (its metrics as JSON, in order, from the first), then one `end` event with the
/// run's final status, then the stream closes. A run already finished sends its epochs and `end`
/// at once.
struct RunEvents {
  let paths: RunPaths
  /// How often the run's files are looked at.
  var interval: Duration = .milliseconds(250)
  /// How long a quiet stream waits before a comment line, which also finds closed connections.
  var keepAlive: Duration = .seconds(5)

  /// The event stream as a response.
  func response() -> Response {
    let events = self
    return Response(
      status: .ok,
      headers: [.contentType: "text/event-stream", .cacheControl: "no-store"],
      body: ResponseBody { writer in try await events.stream(to: &writer) })
  }

  private func stream(to writer: inout any ResponseBodyWriter) async throws {
    var sent = 0
    var quiet = Duration.zero
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    while !Task.isCancelled {
      // Status before metrics: every epoch a finished run recorded is then in the log read next.
      let status = try currentStatus()
      let epochs = (try? TrainingLog.read(from: paths).epochs) ?? []
      for metrics in epochs.dropFirst(sent) {
        try await writer.write(
          Self.event("epoch", String(decoding: try encoder.encode(metrics), as: UTF8.self)))
        sent += 1
        quiet = .zero
      }
      if status != .running && status != .queued {
        try await writer.write(Self.event("end", #"{"status":"\#(status.rawValue)"}"#))
        break
      }
      if quiet >= keepAlive {
        try await writer.write(ByteBuffer(string: ": waiting for the next epoch\n\n"))
        quiet = .zero
      }
      try await Task.sleep(for: interval)
      quiet += interval
    }
    try await writer.finish(nil)
  }

  private func currentStatus() throws -> RunStatus {
    let summary = try RunSummary.read(from: paths)
    return try RunLiveness.status(recorded: summary.status, paths: paths)
  }

  private static func event(_ name: String, _ data: String) -> ByteBuffer {
    ByteBuffer(string: "event: \(name)\ndata: \(data)\n\n")
  }
}
