import AtomicFiles
import Foundation
import Notebook

/// The files a page is written as: HTML, a Jupyter notebook beside where the HTML would be
/// (`report.ipynb` for `report.html`), or both.
public enum PageFormat: String, CaseIterable, Sendable {
  case html, ipynb, both

  var writesHTML: Bool { self != .ipynb }
  var writesNotebook: Bool { self != .html }
}

/// Writes a page's notebook in the formats asked for, each file atomically. The one place that
/// turns a `Notebook` into files, for run reports, comparisons, sweep pages and the paper page.
public struct PageWriter: Sendable {
  public var format: PageFormat
  /// Embeds the figures in the HTML page so that one file can be mailed; the Jupyter notebook
  /// always embeds them.
  public var singleFile: Bool

  /// A writer of `format` files.
  public init(format: PageFormat = .html, singleFile: Bool = false) {
    (self.format, self.singleFile) = (format, singleFile)
  }

  /// The Jupyter notebook's path for the HTML page `page`: its extension replaced by `.ipynb`.
  public static func notebookPath(forPage page: String) -> String {
    (page as NSString).deletingPathExtension + ".ipynb"
  }

  /// What a link to the HTML page `page` should point at, whatever format wrote it: the page,
  /// or the notebook beside it when only that was written (`--format ipynb`).
  public static func existingPath(forPage page: String) -> String {
    let notebook = notebookPath(forPage: page)
    let fileManager = FileManager.default
    return !fileManager.fileExists(atPath: page) && fileManager.fileExists(atPath: notebook)
      ? notebook : page
  }

  /// The main file written for the HTML page `page`: the page itself, or the notebook when only
  /// it is written.
  public func mainPath(forPage page: String) -> String {
    format.writesHTML ? page : Self.notebookPath(forPage: page)
  }

  /// Writes `notebook` as the HTML page `page` and or the Jupyter notebook beside it, figures
  /// relative to the page's folder; returns `mainPath(forPage:)`. Both are rendered before
  /// either is written, so a figure that cannot be read leaves both files as they were.
  @discardableResult
  public func write(_ notebook: Notebook, page: String) throws -> String {
    let folder = (page as NSString).deletingLastPathComponent
    let directory = folder.isEmpty ? "." : folder
    let html =
      format.writesHTML
      ? try HTMLRenderer(embedImages: singleFile, baseDirectory: directory).render(notebook) : nil
    let ipynb =
      format.writesNotebook
      ? try IPYNBRenderer(baseDirectory: directory).render(notebook) : nil
    if let html { try AtomicFile.write(html, to: page) }
    if let ipynb { try AtomicFile.write(ipynb, to: Self.notebookPath(forPage: page)) }
    return mainPath(forPage: page)
  }
}
