import Foundation

/// A notebook-style document: a header and a sequence of cells, rendered to one self-contained
/// HTML page with no JavaScript and no network access.
public struct Notebook: Sendable {
  /// The page title (H1).
  public var title: String
  /// A line under the title, such as the status and date.
  public var subtitle: String
  /// Label/value pairs shown as the header's fact table.
  public var facts: [(label: String, value: String)]
  public var cells: [Cell]
  /// Seconds after which a browser reloads the page, for pages rewritten while something runs;
  /// nil for a page that no longer changes.
  public var refreshSeconds: Int?

  /// A notebook.
  public init(
    title: String, subtitle: String = "", facts: [(label: String, value: String)] = [],
    cells: [Cell] = [], refreshSeconds: Int? = nil
  ) {
    (self.title, self.subtitle, self.facts, self.cells) = (title, subtitle, facts, cells)
    self.refreshSeconds = refreshSeconds
  }
}

/// Inline text: plain, emphasised, or code; every piece is escaped when rendered.
public enum Inline: Sendable, Equatable {
  case text(String)
  case strong(String)
  case code(String)
  case link(String, href: String)
}

/// A table with a header row; `highlightedRow` is drawn emphasised (the best epoch).
public struct Table: Sendable {
  public var header: [String]
  public var rows: [[String]]
  public var highlightedRow: Int?
  /// Columns whose cells are numbers, right-aligned.
  public var numericColumns: Set<Int>
  public var caption: String?

  public init(
    header: [String], rows: [[String]], highlightedRow: Int? = nil, numericColumns: Set<Int> = [],
    caption: String? = nil
  ) {
    (self.header, self.rows, self.highlightedRow, self.numericColumns, self.caption) = (
      header, rows, highlightedRow, numericColumns, caption
    )
  }
}

/// One cell of a notebook.
public enum Cell: Sendable {
  /// A section heading.
  case heading(String)
  /// A prose paragraph.
  case prose([Inline])
  /// A code cell, such as the configuration.
  case code(String, language: String)
  case table(Table)
  /// A figure: path relative to the page, caption, and alternative text.
  case figure(path: String, caption: String, alt: String)
  /// A highlighted note: `warning` true for failures and interruptions.
  case callout([Inline], warning: Bool)
  /// Several figures side by side.
  case figureRow([(path: String, caption: String)])
  /// A labelled progress bar: `done` of `total` steps.
  case progress([Inline], done: Int, total: Int)
}
