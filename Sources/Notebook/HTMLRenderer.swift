import Foundation

/// Renders a `Notebook` as HTML5 with inline CSS (screen and print), escaping every text.
public struct HTMLRenderer: Sendable {
  /// Embed figures as data: URIs so that one file can be mailed; `baseDirectory` resolves their
  /// paths.
  public var embedImages: Bool
  public var baseDirectory: String

  /// A renderer; figures are linked unless `embedImages`.
  public init(embedImages: Bool = false, baseDirectory: String = ".") {
    self.embedImages = embedImages
    self.baseDirectory = baseDirectory
  }

  /// Escapes &, <, >, " and ' for HTML text and attribute values.
  public static func escape(_ text: String) -> String {
    text.replacingCharacters(["&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"])
  }

  /// The page. Throws when an embedded figure cannot be read.
  public func render(_ notebook: Notebook) throws -> String {
    var body = "<header><h1>\(Self.escape(notebook.title))</h1>"
    if !notebook.subtitle.isEmpty {
      body += "<p class=\"subtitle\">\(Self.escape(notebook.subtitle))</p>"
    }
    if !notebook.facts.isEmpty {
      body +=
        "<table class=\"facts\">"
        + notebook.facts.map {
          "<tr><th>\(Self.escape($0.label))</th><td>\(Self.escape($0.value))</td></tr>"
        }.joined() + "</table>"
    }
    body += "</header>\n<main>\n"
    var counter = 0
    for cell in notebook.cells {
      counter += 1
      body += try render(cell, number: counter) + "\n"
    }
    body += "</main>"
    let refresh = notebook.refreshSeconds.map {
      "<meta http-equiv=\"refresh\" content=\"\(max(1, $0))\">\n"
    }
    return """
      <!DOCTYPE html>
      <html lang="en"><head><meta charset="utf-8">
      \(refresh ?? "")<meta name="viewport" content="width=device-width, initial-scale=1">
      <title>\(Self.escape(notebook.title))</title>
      <style>\(Self.css)</style></head>
      <body>
      \(body)
      </body></html>

      """
  }

  private func inline(_ parts: [Inline]) -> String {
    parts.map { part in
      switch part {
      case .text(let s): return Self.escape(s)
      case .strong(let s): return "<strong>\(Self.escape(s))</strong>"
      case .code(let s): return "<code>\(Self.escape(s))</code>"
      case .link(let s, let href): return "<a href=\"\(Self.escape(href))\">\(Self.escape(s))</a>"
      }
    }.joined()
  }

  private func source(_ path: String) throws -> String {
    guard embedImages else { return Self.escape(path) }
    let full = path.hasPrefix("/") ? path : "\(baseDirectory)/\(path)"
    guard let data = FileManager.default.contents(atPath: full) else {
      throw NotebookError.missingFigure(full)
    }
    let type = path.hasSuffix(".svg") ? "image/svg+xml" : "image/png"
    return "data:\(type);base64,\(data.base64EncodedString())"
  }

  private func render(_ cell: Cell, number: Int) throws -> String {
    switch cell {
    case .heading(let text):
      return "<h2 id=\"s\(number)\">\(Self.escape(text))</h2>"
    case .prose(let parts):
      return "<p>\(inline(parts))</p>"
    case .code(let text, let language):
      return
        "<div class=\"cell code\"><div class=\"prompt\">In [\(number)]:</div><pre><code class=\"language-\(Self.escape(language))\">\(Self.escape(text))</code></pre></div>"
    case .table(let table):
      var html = "<div class=\"scroll\"><table class=\"data\">"
      if let caption = table.caption { html += "<caption>\(Self.escape(caption))</caption>" }
      html +=
        "<thead><tr>"
        + table.header.enumerated().map {
          "<th\(table.numericColumns.contains($0) ? " class=\"num\"" : "")>\(Self.escape($1))</th>"
        }.joined() + "</tr></thead><tbody>"
      for (r, row) in table.rows.enumerated() {
        html += r == table.highlightedRow ? "<tr class=\"best\">" : "<tr>"
        html +=
          row.enumerated().map {
            "<td\(table.numericColumns.contains($0) ? " class=\"num\"" : "")>\(Self.escape($1))</td>"
          }.joined() + "</tr>"
      }
      return html + "</tbody></table></div>"
    case .figure(let path, let caption, let alt):
      return
        "<figure><img src=\"\(try source(path))\" alt=\"\(Self.escape(alt))\"><figcaption>\(Self.escape(caption))</figcaption></figure>"
    case .figureRow(let figures):
      return "<div class=\"row\">"
        + (try figures.map {
          "<figure><img src=\"\(try source($0.path))\" alt=\"\(Self.escape($0.caption))\"><figcaption>\(Self.escape($0.caption))</figcaption></figure>"
        }.joined()) + "</div>"
    case .callout(let parts, let warning):
      return "<div class=\"callout\(warning ? " warning" : "")\">\(inline(parts))</div>"
    case .progress(let parts, let done, let total):
      let total = max(total, 1)
      let done = min(max(done, 0), total)
      return
        "<div class=\"progress\"><span>\(inline(parts))</span> <progress value=\"\(done)\" max=\"\(total)\">\(done)/\(total)</progress></div>"
    }
  }

  static let css = """
    body{font-family:"DejaVu Sans",system-ui,sans-serif;color:#222;max-width:1100px;margin:0 auto;padding:24px;line-height:1.5}
    h1{margin:0 0 4px;font-size:26px}h2{border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:36px;font-size:20px}
    .subtitle{color:#555;margin:0 0 12px}table.facts{border-collapse:collapse;font-size:13px}
    table.facts th{text-align:left;padding:2px 16px 2px 0;color:#555;font-weight:normal}table.facts td{padding:2px 0;font-family:"DejaVu Sans Mono",monospace}
    .cell.code{display:flex;gap:8px;background:#f7f7f7;border:1px solid #e1e1e1;border-radius:4px;padding:8px}
    .prompt{color:#303f9f;font-family:"DejaVu Sans Mono",monospace;font-size:12px;white-space:nowrap}
    pre{margin:0;overflow-x:auto;font-size:12px}code{font-family:"DejaVu Sans Mono",monospace;font-size:0.92em}
    .scroll{overflow-x:auto}table.data{border-collapse:collapse;font-size:13px;margin:8px 0}
    table.data th,table.data td{border-bottom:1px solid #e4e4e4;padding:4px 10px;text-align:left}
    table.data th{background:#f3f3f3}table.data .num{text-align:right;font-variant-numeric:tabular-nums}
    tr.best td{background:#fff3c4;font-weight:bold}caption{caption-side:bottom;color:#666;font-size:12px;text-align:left;padding-top:4px}
    figure{margin:12px 0}figure img{max-width:100%;height:auto;border:1px solid #eee}figcaption{color:#555;font-size:13px}
    .row{display:flex;flex-wrap:wrap;gap:12px}.row figure{flex:1 1 300px}
    .callout{border-left:4px solid #0072b2;background:#eef5fb;padding:8px 12px;margin:12px 0}
    .callout.warning{border-color:#d62728;background:#fdecec}
    .progress{display:flex;align-items:center;gap:12px;margin:6px 0}.progress progress{flex:0 0 240px;height:14px}
    @media print{body{max-width:none;padding:0}h2{break-after:avoid}figure,table,.cell{break-inside:avoid}a{color:inherit}}
    """
}

/// Errors while rendering a notebook.
public enum NotebookError: Error, CustomStringConvertible, Equatable {
  /// A figure to embed is not on disk.
  case missingFigure(String)

  public var description: String {
    switch self {
    case .missingFigure(let path):
      return "\(path): figure not found, cannot embed it; run `report render` to redraw the figures"
    }
  }
}

extension String {
  /// The string with every character that `replacements` names replaced by its text: the
  /// escaping of HTML, Markdown link destinations and Python string literals.
  func replacingCharacters(_ replacements: [Character: String]) -> String {
    var out = ""
    out.reserveCapacity(count)
    for ch in self {
      if let replacement = replacements[ch] { out += replacement } else { out.append(ch) }
    }
    return out
  }
}
