import Foundation

/// Finds the file a URL path names inside one folder, and nothing outside it: `..`, `%2e%2e`,
/// absolute paths and symbolic links that lead out all come back nil (a 404).
struct OutputFiles {
  /// The folder files are served from, with symbolic links resolved.
  let root: String

  /// Files under `folder`.
  init(folder: String) {
    root = URL(fileURLWithPath: folder).resolvingSymlinksInPath().path
  }

  /// The regular file at `components` (URL path segments, percent-encoded or not) below the
  /// root, nil when they leave it or name no file.
  func file(_ components: [Substring]) -> String? {
    var parts: [String] = []
    for component in components {
      guard let decoded = String(component).removingPercentEncoding,
        !decoded.isEmpty, decoded != ".", decoded != "..",
        !decoded.contains("/"), !decoded.contains("\\"), !decoded.contains("\0")
      else { return nil }
      parts.append(decoded)
    }
    guard !parts.isEmpty else { return nil }
    let path = URL(fileURLWithPath: root + "/" + parts.joined(separator: "/"))
      .resolvingSymlinksInPath().path
    guard path.hasPrefix(root + "/") else { return nil }
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory),
      !isDirectory.boolValue
    else { return nil }
    return path
  }

  /// The content type of a file by its extension.
  static func contentType(of path: String) -> String {
    switch (path as NSString).pathExtension.lowercased() {
    case "html": return "text/html; charset=utf-8"
    case "png": return "image/png"
    case "json", "ipynb": return "application/json; charset=utf-8"
    case "csv": return "text/csv; charset=utf-8"
    case "yaml", "yml", "txt", "log": return "text/plain; charset=utf-8"
    case "svg": return "image/svg+xml"
    case "css": return "text/css; charset=utf-8"
    case "js": return "text/javascript; charset=utf-8"
    default: return "application/octet-stream"
    }
  }
}
