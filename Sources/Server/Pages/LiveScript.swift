/// `live.js`, loaded into a run's report at `/runs/ID/report`: follows `GET /api/runs/ID/events`
/// and, after each epoch, swaps in the report the run rewrote (its epoch table and curves) without
/// reloading the page. The report is rewritten just after the epoch's metrics, so the script asks
/// again until the page it gets has the epoch.
enum LiveScript {
  static let source = #"""
    "use strict";
    (() => {
      const run = document.currentScript.dataset.run;
      const status = () => document.getElementById("live-status");
      let shown = 0, wanted = 0, busy = false;

      function epochRows(doc) {
        for (const table of doc.querySelectorAll("table.data")) {
          const first = table.querySelector("th");
          if (first && first.textContent.trim() === "epoch") return table.querySelectorAll("tbody tr").length;
        }
        return 0;
      }

      async function refresh(final) {
        if (busy) return;
        busy = true;
        try {
          for (let attempt = 0; attempt < 40; attempt++) {
            const response = await fetch("/runs/" + encodeURIComponent(run) + "/report", {cache: "no-store"});
            if (response.ok) {
              const doc = new DOMParser().parseFromString(await response.text(), "text/html");
              const rows = epochRows(doc);
              if (rows >= wanted || (final && attempt > 8)) {
                for (const image of doc.querySelectorAll("main img")) {
                  const source = image.getAttribute("src");
                  if (source && !source.startsWith("data:")) image.setAttribute("src", source + "?epoch=" + rows);
                }
                for (const part of ["header", "main"]) {
                  const fresh = doc.querySelector(part), old = document.querySelector(part);
                  if (fresh && old) old.replaceWith(fresh);
                }
                shown = rows;
                document.body.dataset.epochs = String(rows);
                if (!final || rows >= wanted) break;
              }
            }
            await new Promise(resolve => setTimeout(resolve, 150));
          }
        } finally {
          busy = false;
          if (shown < wanted) refresh(final);
        }
      }

      document.body.dataset.epochs = String(epochRows(document));
      shown = Number(document.body.dataset.epochs);
      const events = new EventSource("/api/runs/" + encodeURIComponent(run) + "/events");
      events.addEventListener("epoch", event => {
        const metrics = JSON.parse(event.data);
        wanted = Math.max(wanted, metrics.epoch);
        if (status()) status().textContent = "running, epoch " + metrics.epoch + " done";
        if (metrics.epoch > shown) refresh(false);
      });
      events.addEventListener("end", event => {
        events.close();
        const end = JSON.parse(event.data);
        if (status()) status().textContent = end.status;
        refresh(true);
      });
    })();
    """#
}
