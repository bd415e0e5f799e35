import Foundation
import Notebook
import Runs

/// A run's report as the server shows it at `/runs/ID/report`: the page `report` wrote, without
/// its reload timer, with a bar linking the runs page and the draw page, and `live.js`, which
/// follows the run's events and swaps in the rewritten report after each epoch.
struct LiveReport {
  let record: RunRecord

  func html() throws -> String {
    guard let page = try? String(contentsOfFile: record.paths.report, encoding: .utf8) else {
      throw APIError.notFound("run \(record.summary.runID) has no report yet")
    }
    let id = HTMLRenderer.escape(record.summary.runID)
    let bar =
      "<nav class=\"serve-bar\"><a href=\"/\">All runs</a>"
      + (record.summary.status == .completed ? " · <a href=\"draw\">Draw a digit</a>" : "")
      + " · <span id=\"live-status\">\(HTMLRenderer.escape(record.summary.status.rawValue))</span>"
      + "</nav>"
    let head =
      "<link rel=\"stylesheet\" href=\"/assets/serve.css\">"
      + "<script src=\"/assets/live.js\" data-run=\"\(id)\" defer></script>"
    return Self.withoutRefresh(page)
      .replacingOccurrences(of: "</head>", with: head + "</head>")
      .replacingOccurrences(of: "<body>", with: "<body>\n" + bar)
  }

  /// `page` without its `<meta http-equiv="refresh">`: the events replace the reload.
  static func withoutRefresh(_ page: String) -> String {
    page.replacingOccurrences(
      of: #"<meta http-equiv="refresh" content="\d+">\n?"#, with: "", options: .regularExpression)
  }
}
