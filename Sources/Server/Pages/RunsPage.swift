/// The runs page (`/`): every run in the store, paged, sorted and filtered by `runs.js` through
/// `GET /api/runs`.
enum RunsPage {
  static let html = #"""
    <!DOCTYPE html>
    <html lang="en"><head><meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Runs</title>
    <link rel="stylesheet" href="/assets/serve.css">
    <script src="/assets/runs.js" defer></script></head>
    <body>
    <h1>Runs</h1>
    <form class="filters" id="filters">
      <label>experiment<input name="experiment"></label>
      <label>status<select name="status"><option value="">any</option>
        <option>running</option><option>completed</option><option>interrupted</option>
        <option>lost</option><option>failed</option><option>pruned</option><option>queued</option>
      </select></label>
      <label>tag<input name="tag"></label>
      <label>sweep<input name="sweep"></label>
      <label>metric<select name="metric"><option value="">none</option>
        <option value="val_accuracy">val accuracy</option>
        <option value="test_accuracy">test accuracy</option>
        <option value="test_loss">test loss</option>
        <option value="parameters">parameters</option>
        <option value="seconds">seconds</option></select></label>
      <label>from<input name="min" inputmode="decimal"></label>
      <label>to<input name="max" inputmode="decimal"></label>
      <button type="submit">Filter</button>
      <button type="button" id="compare" disabled>Compare selected</button>
    </form>
    <p class="error" id="error"></p>
    <table class="runs" id="runs"><thead><tr>
      <th data-no-sort></th>
      <th data-sort="run_id">run</th><th data-sort="experiment">experiment</th>
      <th data-sort="status">status</th><th data-sort="tags">tags</th>
      <th data-sort="val_accuracy">val accuracy</th><th data-sort="test_accuracy">test accuracy</th>
      <th data-sort="parameters">parameters</th><th data-sort="seconds">seconds</th>
      <th data-sort="started_at">started</th>
    </tr></thead><tbody></tbody></table>
    <div class="pager"><button id="previous">Previous</button><span id="page"></span>
      <button id="next">Next</button></div>
    </body></html>
    """#
}
