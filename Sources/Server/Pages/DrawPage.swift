import Notebook

/// The draw-a-digit page (`/runs/ID/draw`): a canvas for mouse, pen and touch, the model's class
/// probabilities as bars while you draw, and the 28x28 image the model saw (`draw.js`).
enum DrawPage {
  /// The page for run `runID`, titled by its experiment's name.
  static func html(runID: String, title: String) -> String {
    let id = HTMLRenderer.escape(runID)
    return """
      <!DOCTYPE html>
      <html lang="en"><head><meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <title>Draw a digit: \(HTMLRenderer.escape(title))</title>
      <link rel="stylesheet" href="/assets/serve.css">
      <script src="/assets/draw.js" data-run="\(id)" defer></script></head>
      <body>
      <nav class="serve-bar"><a href="/">All runs</a> · <a href="report">Report of \(id)</a></nav>
      <h1>Draw a digit for \(HTMLRenderer.escape(title))</h1>
      <div class="draw">
        <div><canvas id="pad" width="280" height="280"></canvas><br>
          <button id="clear">Clear</button></div>
        <div><div class="bars" id="bars"></div></div>
        <div><p>What the model saw (28x28):</p><canvas id="seen" width="28" height="28"></canvas>
          <p class="error" id="error"></p></div>
      </div>
      </body></html>

      """
  }
}
