import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import Notebook
import Reports
import RunStorage
import Runs

/// `report serve`'s web app over one workspace: the runs page, live run reports, the draw-a-digit
/// page, the JSON API they read, and every file under the output folder. It only reads: no GET
/// changes anything, and nothing is written into run folders (comparisons are made in a
/// temporary folder and sent as one self-contained page).
public final class RunServer: @unchecked Sendable {
  // Immutable after init: the catalog opens its store per request, the predictor is an actor,
  // the curves guard their cache with a lock.
  private let catalog: RunCatalog
  private let outputFiles: OutputFiles
  private let predictor = Predictor()
  private let curves = ValidationCurves()

  /// The app over the runs `catalog` lists and the files under its output root.
  public init(catalog: RunCatalog) {
    self.catalog = catalog
    outputFiles = OutputFiles(folder: catalog.workspace.outputRoot)
  }

  /// The routes, for an `Application` or a test.
  public func router() -> Router<BasicRequestContext> {
    let router = Router()
    router.get("/") { _, _ in Responses.html(RunsPage.html) }
    router.get("/assets/:name") { _, context in
      let name = try context.parameters.require("name")
      guard let asset = Assets.named(name) else { throw APIError.notFound("no asset \(name)") }
      return Responses.text(asset.text, contentType: asset.contentType)
    }
    // Browsers ask every site for an icon; there is none, and no page should log a 404 for it.
    router.get("/favicon.ico") { _, _ in Response(status: .noContent) }
    router.get("/api/runs") { request, _ in
      try Responses.json(
        try RunListing(
          RunQuery(parameters: request.uri.parameters), catalog: self.catalog, curves: self.curves))
    }
    router.get("/api/runs/:id") { _, context in
      let record = try self.record(context)
      return try Responses.json(record.summary)
    }
    router.get("/api/runs/:id/metrics") { _, context in
      try Responses.json(try self.record(context).log)
    }
    router.get("/api/runs/:id/events") { _, context in
      RunEvents(paths: try self.paths(context)).response()
    }
    router.post("/api/runs/:id/predict") { request, context in
      var request = request
      let body = try await request.collectBody(upTo: Predictor.largestBody)
      let isJSON = request.headers[.contentType]?.hasPrefix("application/json") ?? false
      return try Responses.json(
        try await self.predictor.predict(
          runID: try self.runID(context), body: Array(buffer: body), isJSON: isJSON
        ) { try self.record(context) })
    }
    router.get("/compare") { request, _ in
      Responses.html(try self.comparison(request.uri.parameters["runs"] ?? ""))
    }
    router.get("/runs/:id") { _, context in
      Response.redirect(to: "/runs/\(try self.runID(context))/report")
    }
    router.get("/runs/:id/report") { _, context in
      Responses.html(try LiveReport(record: try self.record(context)).html())
    }
    router.get("/runs/:id/draw") { _, context in
      let record = try self.record(context)
      return Responses.html(
        DrawPage.html(runID: record.summary.runID, title: record.experiment.name))
    }
    router.get("/runs/:id/**") { _, context in
      let paths = try self.paths(context)
      return try self.file(
        OutputFiles(folder: paths.directory).file(context.parameters.getCatchAll()))
    }
    router.get("/output/**") { _, context in
      try self.file(self.outputFiles.file(context.parameters.getCatchAll()))
    }
    return router
  }

  /// The app on `host`:`port` (0: any free port); `onRunning` gets the port it listens on.
  public func application(
    host: String, port: Int, logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void
  ) -> some ApplicationProtocol {
    Application(
      router: router(),
      configuration: .init(address: .hostname(host, port: port), serverName: "report"),
      onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
      logger: logger)
  }

  // MARK: - Runs by id

  private func runID(_ context: BasicRequestContext) throws -> String {
    let id = try context.parameters.require("id")
    guard id.range(of: #"^[A-Za-z0-9][A-Za-z0-9_.-]*$"#, options: .regularExpression) != nil else {
      throw APIError.notFound("no run '\(id)'")
    }
    return id
  }

  /// The folder of the run the path's `:id` names (404 when the index has no such run, or only
  /// a queued trial without a folder).
  private func paths(_ context: BasicRequestContext) throws -> RunPaths {
    let id = try runID(context)
    guard
      let entry = try catalog.entries(runID: id).first,
      RunFolders.isRun(entry.paths.directory)
    else { throw APIError.notFound("no run '\(id)'") }
    return entry.paths
  }

  private func record(_ context: BasicRequestContext) throws -> RunRecord {
    try RunRecord(loading: try paths(context))
  }

  // MARK: - Pages and files

  private func file(_ path: String?) throws -> Response {
    guard let path, let data = FileManager.default.contents(atPath: path) else {
      throw APIError.notFound("no such file")
    }
    return Response(
      status: .ok,
      headers: [.contentType: OutputFiles.contentType(of: path), .cacheControl: "no-cache"],
      body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
  }

  /// The comparison page of `runs` (comma-separated run ids), made by `report compare`'s code
  /// in a temporary folder as one self-contained page.
  private func comparison(_ runs: String) throws -> String {
    let ids = runs.split(separator: ",").map(String.init)
    guard ids.count >= 2 else { throw APIError.badRequest("runs=: give two or more run ids") }
    let known = Set(try catalog.entries().map(\.row.runID))
    if let unknown = ids.first(where: { !known.contains($0) }) {
      throw APIError.notFound("no run '\(unknown)'")
    }
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("report-compare-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: folder) }
    do {
      let page = try ComparisonReport(
        title: "Comparison: " + ids.joined(separator: ", "),
        groups: try catalog.comparisonGroups(ids), singleFile: true, format: .html
      ).write(to: folder)
      return try String(contentsOfFile: page, encoding: .utf8)
    } catch let error as RunError {
      throw APIError(status: .conflict, reason: "\(error)")
    }
  }
}

extension URI {
  /// The query string's parameters (the last of a repeated one wins).
  var parameters: [String: String] {
    Dictionary(
      queryParameters.map { (String($0.key), String($0.value)) }, uniquingKeysWith: { $1 })
  }
}
