/// The style of the server's own pages, in the look of the static reports.
enum ServeStyle {
  static let css = #"""
    body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;margin:0 auto;max-width:1200px;padding:16px;color:#222}
    h1{font-size:24px;margin:8px 0 12px}a{color:#1f5fa8}
    nav.serve-bar{font-size:14px;padding:6px 10px;margin:0 0 8px;background:#f3f3f3;border-radius:4px}
    form.filters{display:flex;flex-wrap:wrap;gap:8px;align-items:end;margin:0 0 12px;font-size:13px}
    form.filters label{display:flex;flex-direction:column;gap:2px;color:#555}
    form.filters input,form.filters select{font:inherit;padding:3px 4px;width:9em}
    table.runs{border-collapse:collapse;font-size:13px;width:100%}
    table.runs th,table.runs td{border-bottom:1px solid #e4e4e4;padding:4px 8px;text-align:left;white-space:nowrap}
    table.runs th{background:#f3f3f3;cursor:pointer;user-select:none}
    table.runs th.sorted::after{content:" \25BC"}table.runs th.sorted.asc::after{content:" \25B2"}
    table.runs td.num{text-align:right;font-variant-numeric:tabular-nums}
    .status-running{color:#1f7a1f;font-weight:bold}.status-lost,.status-failed{color:#b00}
    .progress{display:inline-block;width:60px;height:8px;background:#ddd;border-radius:4px;vertical-align:middle;margin-left:6px}
    .progress>span{display:block;height:8px;background:#1f7a1f;border-radius:4px}
    .pager{margin:10px 0;font-size:13px;display:flex;gap:10px;align-items:center}
    button{font:inherit;padding:4px 10px;cursor:pointer}
    .draw{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}
    #pad{border:1px solid #888;touch-action:none;cursor:crosshair;background:#fff}
    #seen{border:1px solid #888;image-rendering:pixelated;width:140px;height:140px}
    .bars{display:grid;grid-template-columns:2em 240px 4em;gap:4px 8px;font-size:14px;align-items:center}
    .bar{height:14px;background:#1f5fa8}.bar.best{background:#1f7a1f}
    .error{color:#b00}
    """#
}
