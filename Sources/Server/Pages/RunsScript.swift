/// `runs.js`: the runs page's table, from `GET /api/runs`, kept in the address bar's query so a
/// view can be bookmarked; refreshed every 2 s while a run on the page trains.
enum RunsScript {
  static let source = #"""
    "use strict";
    const state = new URLSearchParams(location.search);
    const selected = new Set();
    const pageSize = 50;
    let timer = null;

    function text(tag, value, className) {
      const element = document.createElement(tag);
      element.textContent = value;
      if (className) element.className = className;
      return element;
    }
    function percent(value) { return value == null ? "-" : (100 * value).toFixed(2) + "%"; }

    function sparkline(values) {
      const ns = "http://www.w3.org/2000/svg";
      const svg = document.createElementNS(ns, "svg");
      svg.setAttribute("width", "80"); svg.setAttribute("height", "18");
      svg.setAttribute("class", "sparkline");
      if (values.length > 1) {
        const low = Math.min(...values), high = Math.max(...values), span = high - low || 1;
        const points = values.map((v, i) =>
          (i * 78 / (values.length - 1) + 1).toFixed(1) + "," + (17 - 16 * (v - low) / span).toFixed(1));
        const line = document.createElementNS(ns, "polyline");
        line.setAttribute("points", points.join(" "));
        line.setAttribute("fill", "none"); line.setAttribute("stroke", "#1f5fa8");
        svg.appendChild(line);
      }
      return svg;
    }

    function row(run) {
      const tr = document.createElement("tr");
      tr.dataset.run = run.run_id;
      const pick = document.createElement("input");
      pick.type = "checkbox"; pick.checked = selected.has(run.run_id);
      pick.disabled = run.status !== "completed";
      pick.addEventListener("change", () => {
        pick.checked ? selected.add(run.run_id) : selected.delete(run.run_id);
        document.getElementById("compare").disabled = selected.size < 2;
      });
      const choose = document.createElement("td"); choose.appendChild(pick); tr.appendChild(choose);
      const link = document.createElement("a");
      link.href = "/runs/" + encodeURIComponent(run.run_id) + "/report";
      link.textContent = run.run_id;
      const name = document.createElement("td"); name.appendChild(link); tr.appendChild(name);
      tr.appendChild(text("td", run.experiment + (run.kind ? " (" + run.kind + ")" : "")));
      const status = text("td", run.status, "status-" + run.status);
      if (run.status === "running" && run.epochs) {
        status.appendChild(document.createTextNode(" " + run.epochs_finished + "/" + run.epochs));
        const bar = document.createElement("span"); bar.className = "progress";
        const fill = document.createElement("span");
        fill.style.width = (100 * run.epochs_finished / run.epochs).toFixed(0) + "%";
        bar.appendChild(fill); status.appendChild(bar);
      }
      tr.appendChild(status);
      tr.appendChild(text("td", (run.tags || "").split(",").join(", ")));
      const validation = text("td", percent(run.val_accuracy) + " ", "num");
      validation.appendChild(sparkline(run.val_accuracy_curve || []));
      tr.appendChild(validation);
      tr.appendChild(text("td", percent(run.test_accuracy), "num"));
      tr.appendChild(text("td", run.parameters.toLocaleString("en"), "num"));
      tr.appendChild(text("td", run.seconds.toFixed(0), "num"));
      tr.appendChild(text("td", run.started_at));
      return tr;
    }

    async function load() {
      clearTimeout(timer);
      const query = new URLSearchParams(state);
      query.set("limit", pageSize);
      const error = document.getElementById("error");
      let listing;
      try {
        const response = await fetch("/api/runs?" + query.toString(), {cache: "no-store"});
        listing = await response.json();
        if (!response.ok) throw new Error(listing.error || response.statusText);
        error.textContent = "";
      } catch (problem) {
        error.textContent = String(problem.message || problem);
        return;
      }
      const body = document.querySelector("#runs tbody");
      body.replaceChildren(...listing.runs.map(row));
      const offset = listing.offset, shown = listing.runs.length;
      document.getElementById("page").textContent = listing.total === 0 ? "no runs"
        : (offset + 1) + "-" + (offset + shown) + " of " + listing.total;
      document.getElementById("previous").disabled = offset === 0;
      document.getElementById("next").disabled = offset + shown >= listing.total;
      document.querySelectorAll("th[data-sort]").forEach(th => {
        const sorted = (state.get("sort") || "started_at") === th.dataset.sort;
        th.classList.toggle("sorted", sorted);
        th.classList.toggle("asc", sorted && state.get("order") === "asc");
      });
      const running = listing.runs.some(run => run.status === "running");
      timer = setTimeout(load, running ? 2000 : 10000);
    }

    function navigate() {
      history.replaceState(null, "", "?" + state.toString());
      load();
    }

    document.addEventListener("DOMContentLoaded", () => {
      const form = document.getElementById("filters");
      for (const field of form.elements) {
        if (field.name && state.has(field.name)) field.value = state.get(field.name);
      }
      form.addEventListener("submit", event => {
        event.preventDefault();
        for (const field of form.elements) {
          if (!field.name) continue;
          field.value ? state.set(field.name, field.value) : state.delete(field.name);
        }
        state.delete("offset");
        navigate();
      });
      document.querySelectorAll("th[data-sort]").forEach(th => th.addEventListener("click", () => {
        const same = (state.get("sort") || "started_at") === th.dataset.sort;
        state.set("sort", th.dataset.sort);
        state.set("order", same && state.get("order") !== "asc" ? "asc" : "desc");
        state.delete("offset");
        navigate();
      }));
      document.getElementById("previous").addEventListener("click", () => {
        state.set("offset", Math.max(0, Number(state.get("offset") || 0) - pageSize)); navigate();
      });
      document.getElementById("next").addEventListener("click", () => {
        state.set("offset", Number(state.get("offset") || 0) + pageSize); navigate();
      });
      document.getElementById("compare").addEventListener("click", () => {
        location.href = "/compare?runs=" + [...selected].map(encodeURIComponent).join(",");
      });
      load();
    });
    """#
}
