/// The scripts and style sheet the pages load from `/assets/NAME`: all served by the binary, so
/// the pages need nothing from the network.
enum Assets {
  /// One asset's text and content type.
  struct Asset {
    let text: String
    let contentType: String
  }

  /// The asset called `name`, nil for an unknown one.
  static func named(_ name: String) -> Asset? {
    switch name {
    case "serve.css": return Asset(text: ServeStyle.css, contentType: "text/css; charset=utf-8")
    case "runs.js": return script(RunsScript.source)
    case "live.js": return script(LiveScript.source)
    case "draw.js": return script(DrawScript.source)
    default: return nil
    }
  }

  private static func script(_ source: String) -> Asset {
    Asset(text: source, contentType: "text/javascript; charset=utf-8")
  }
}
