import Foundation

/// Renders a `Notebook` as a Jupyter notebook (nbformat 4.5 JSON) that opens in Jupyter and
/// VS Code: markdown cells for the header, headings, prose, callouts, tables and configuration,
/// and one code cell per figure whose `display_data` output embeds the image, so that the file
/// stands alone. A notebook does not reload itself, so `refreshSeconds` is not rendered.
public struct IPYNBRenderer: Sendable {
  /// The directory the figures' paths are relative to: the page's.
  public var baseDirectory: String

  /// A renderer reading figures relative to `baseDirectory`.
  public init(baseDirectory: String = ".") { self.baseDirectory = baseDirectory }

  /// The notebook's JSON, keys sorted so that one notebook always gives the same bytes. Throws
  /// when a figure cannot be read.
  public func render(_ notebook: Notebook) throws -> Data {
    var cells = [markdown(header(notebook))]
    for cell in notebook.cells { cells += try render(cell) }
    // nbformat 4.5: every cell has an id unique in the notebook, matching ^[a-zA-Z0-9-_]+$.
    for index in cells.indices { cells[index]["id"] = "cell-\(index + 1)" }
    let document: [String: Any] = [
      "cells": cells,
      "metadata": [
        "kernelspec": ["display_name": "Python 3", "language": "python", "name": "python3"],
        "language_info": ["name": "python"],
        "title": notebook.title,
      ],
      "nbformat": 4,
      "nbformat_minor": 5,
    ]
    var json = try JSONSerialization.data(
      withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    json.append(UInt8(ascii: "\n"))
    return json
  }

  // MARK: - Cells

  private func header(_ notebook: Notebook) -> String {
    var text = "# " + Self.escape(notebook.title)
    if !notebook.subtitle.isEmpty { text += "\n\n" + Self.paragraph(notebook.subtitle) }
    if !notebook.facts.isEmpty {
      text +=
        "\n\n"
        + notebook.facts.map { "- **\(Self.escape($0.label)):** \(Self.escape($0.value))" }
        .joined(separator: "\n")
    }
    return text
  }

  private func render(_ cell: Cell) throws -> [[String: Any]] {
    switch cell {
    case .heading(let text):
      return [markdown("## " + Self.escape(text))]
    case .prose(let parts):
      return [markdown(Self.block(inline(parts)))]
    case .code(let text, let language):
      let fence = String(repeating: "`", count: max(3, Self.longestRun(of: "`", in: text) + 1))
      let info = language.filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "+" }
      let body = text.hasSuffix("\n") ? text : text + "\n"
      return [markdown("\(fence)\(info)\n\(body)\(fence)")]
    case .table(let table):
      return [markdown(Self.table(table))]
    case .figure(let path, let caption, _):
      return try figure(path: path, caption: caption)
    case .figureRow(let figures):
      return try figures.flatMap { try figure(path: $0.path, caption: $0.caption) }
    case .callout(let parts, let warning):
      return [markdown("> " + (warning ? "**⚠** " : "") + Self.block(inline(parts)))]
    case .progress(let parts, let done, let total):
      let total = max(total, 1)
      let done = min(max(done, 0), total)
      let filled = done * 20 / total
      let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: 20 - filled)
      return [
        markdown(
          Self.block(inline(parts)) + " `\(bar)` \(done)/\(total) (\(done * 100 / total)%)")
      ]
    }
  }

  private func markdown(_ text: String) -> [String: Any] {
    ["cell_type": "markdown", "metadata": [String: Any](), "source": Self.lines(text)]
  }

  /// A code cell that shows the figure again when run, with the figure as its output, then the
  /// caption as a markdown cell.
  private func figure(path: String, caption: String) throws -> [[String: Any]] {
    let full = path.hasPrefix("/") ? path : "\(baseDirectory)/\(path)"
    guard let data = FileManager.default.contents(atPath: full) else {
      throw NotebookError.missingFigure(full)
    }
    let isSVG = path.lowercased().hasSuffix(".svg")
    let image: (type: String, value: String) =
      isSVG
      ? ("image/svg+xml", String(decoding: data, as: UTF8.self))
      : ("image/png", data.base64EncodedString())
    let display = isSVG ? "SVG" : "Image"
    let code: [String: Any] = [
      "cell_type": "code",
      "execution_count": NSNull(),
      "metadata": [String: Any](),
      "outputs": [
        [
          "output_type": "display_data",
          "data": [image.type: image.value, "text/plain": caption],
          "metadata": [String: Any](),
        ] as [String: Any]
      ],
      "source": Self.lines(
        "from IPython.display import \(display)\n\(display)(filename=\(Self.pythonString(path)))"),
    ]
    return caption.isEmpty ? [code] : [code, markdown("*" + Self.escape(caption) + "*")]
  }

  // MARK: - Markdown

  /// Characters that CommonMark, GitHub tables or Jupyter's math (`$`) would otherwise read as
  /// markup, all of which CommonMark lets a backslash escape.
  private static let specials: Set<Character> = [
    "\\", "`", "*", "_", "[", "]", "<", ">", "#", "|", "$", "~", "&",
  ]

  /// `text` as literal markdown inline text: specials escaped, line breaks made spaces.
  static func escape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.count)
    for ch in text {
      if ch.isNewline {
        out.append(" ")
      } else {
        if specials.contains(ch) { out.append("\\") }
        out.append(ch)
      }
    }
    return out
  }

  /// Escaped text starting a block, whose first characters must not open a list or heading.
  static func paragraph(_ text: String) -> String { block(escape(text)) }

  /// Escapes a leading list or setext marker (`-`, `+`, `=`, `1.`, `1)`) of escaped markdown, and
  /// drops leading blanks that would make an indented code block.
  static func block(_ markdown: String) -> String {
    let trimmed = String(markdown.drop { $0 == " " || $0 == "\t" })
    guard let first = trimmed.first else { return trimmed }
    if "-+=".contains(first) { return "\\" + trimmed }
    let digits = trimmed.prefix { $0.isASCII && $0.isNumber }
    let rest = trimmed.dropFirst(digits.count)
    if !digits.isEmpty, let marker = rest.first, marker == "." || marker == ")" {
      return String(digits) + "\\" + rest
    }
    return trimmed
  }

  func inline(_ parts: [Inline]) -> String {
    parts.map { part in
      switch part {
      case .text(let s): return Self.escape(s)
      case .strong(let s): return Self.emphasised(s, marker: "**")
      case .code(let s): return Self.codeSpan(s)
      case .link(let s, let href): return "[\(Self.escape(s))](\(Self.destination(target(href))))"
      }
    }.joined()
  }

  /// `href`, or the notebook beside it when it names an HTML page that also exists as a
  /// notebook (a run report written with `--format ipynb`), which Jupyter opens as one.
  private func target(_ href: String) -> String {
    guard !href.contains(":"), href.hasSuffix(".html") else { return href }
    let notebook = String(href.dropLast(".html".count)) + ".ipynb"
    let full = notebook.hasPrefix("/") ? notebook : "\(baseDirectory)/\(notebook)"
    return FileManager.default.fileExists(atPath: full) ? notebook : href
  }

  /// `text` between `marker`s; surrounding blanks stay outside, where they do not stop the
  /// emphasis from opening or closing.
  private static func emphasised(_ text: String, marker: String) -> String {
    let core = text.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !core.isEmpty else { return escape(text) }
    let leading = text.prefix { $0.isWhitespace }.isEmpty ? "" : " "
    let trailing = text.reversed().prefix { $0.isWhitespace }.isEmpty ? "" : " "
    return leading + marker + escape(core) + marker + trailing
  }

  /// A code span holding `text` verbatim: fenced by one more backtick than the longest run inside.
  private static func codeSpan(_ text: String) -> String {
    let flat = String(text.map { $0.isNewline ? " " : $0 })
    guard !flat.isEmpty else { return "" }
    let fence = String(repeating: "`", count: longestRun(of: "`", in: flat) + 1)
    let pad = flat.hasPrefix("`") || flat.hasSuffix("`") || flat.hasPrefix(" ") ? " " : ""
    return fence + pad + flat + pad + fence
  }

  /// A link destination with the characters that would end it percent-encoded.
  private static func destination(_ href: String) -> String {
    href.replacingCharacters([" ": "%20", "(": "%28", ")": "%29", "<": "%3C", ">": "%3E"])
  }

  /// A GitHub-flavoured markdown table; the highlighted row in bold, the caption under it.
  static func table(_ table: Table) -> String {
    let width = max(table.header.count, table.rows.map(\.count).max() ?? 0, 1)
    func row(_ cells: [String], bold: Bool) -> String {
      let padded = cells + Array(repeating: "", count: width - cells.count)
      return "| "
        + padded.map { bold ? emphasised($0, marker: "**") : escape($0) }.joined(separator: " | ")
        + " |"
    }
    var lines = [row(table.header, bold: false)]
    lines.append(
      "|"
        + (0..<width).map { table.numericColumns.contains($0) ? " ---: " : " --- " }.joined(
          separator: "|") + "|")
    for (index, cells) in table.rows.enumerated() {
      lines.append(row(cells, bold: index == table.highlightedRow))
    }
    var text = lines.joined(separator: "\n")
    if let caption = table.caption, !caption.isEmpty { text += "\n\n*\(escape(caption))*" }
    return text
  }

  // MARK: - Helpers

  /// The length of the longest run of `character` in `text`.
  private static func longestRun(of character: Character, in text: String) -> Int {
    var longest = 0
    var current = 0
    for ch in text {
      current = ch == character ? current + 1 : 0
      longest = max(longest, current)
    }
    return longest
  }

  /// A cell's source as Jupyter stores it: lines, each but the last ending in a newline.
  static func lines(_ text: String) -> [String] {
    var lines = text.components(separatedBy: "\n").map { $0 + "\n" }
    if var last = lines.popLast() {
      last.removeLast()
      if !last.isEmpty { lines.append(last) }
    }
    return lines
  }

  /// A Python string literal of `text`.
  static func pythonString(_ text: String) -> String {
    "\"" + text.replacingCharacters(["\\": "\\\\", "\"": "\\\"", "\n": "\\n"]) + "\""
  }
}
