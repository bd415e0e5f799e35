"""The `report serve` pages in a real headless Chromium (Debian's, driven by Playwright).

Usage: python browser_test.py CASES.json
CASES.json (written by Tests/reportTests/BrowserTests.swift) holds:
  base: the server's address; chromium: the browser binary; run: a completed run's id;
  experiments: {run_id: experiment} of the completed runs; first_tag_run: the run tagged `first`;
  digits: [{pixels: 784 values 0-255, expected: the class `report predict` gives its PNG}];
  live: {report: the report binary, experiment: a YAML path, output: the output folder}.
Exits 1 with the failed checks listed; prints one line per check passed.
"""
import json
import subprocess
import sys
import time
from urllib.parse import urlparse

from playwright.sync_api import sync_playwright

cases = json.load(open(sys.argv[1]))
base = cases["base"].rstrip("/")
failures = []
outside = []  # every request the pages tried to make to anything but the server
errors = []  # what the pages logged as errors (a failed load, an exception)


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what, flush=True)
    if not condition:
        failures.append(what)


def guard(page):
    """Blocks and records every request that does not go to the server on loopback."""
    def route(route):
        host = urlparse(route.request.url).hostname
        if host in ("127.0.0.1", "localhost") or route.request.url.startswith("data:"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()
    page.route("**/*", route)
    page.on("console", lambda message: message.type == "error" and errors.append(
        f"{message.text} at {page.url}"))
    page.on("response", lambda response: response.status >= 400 and errors.append(
        f"{response.status} for {response.request.method} {response.url}"))
    page.on("pageerror", lambda error: errors.append(str(error)))


def rows(page):
    return page.eval_on_selector_all("#runs tbody tr", "rows => rows.map(r => r.dataset.run)")


def wait_rows(page, count):
    page.wait_for_function(f"document.querySelectorAll('#runs tbody tr').length === {count}")


def runs_page(page):
    experiments = cases["experiments"]
    page.goto(base + "/")
    wait_rows(page, len(experiments))
    page.click("th[data-sort=experiment]")
    page.wait_for_function("location.search.includes('sort=experiment')")
    page.wait_for_function("document.querySelector('th.sorted') !== null")
    time.sleep(0.5)
    names = [experiments[r] for r in rows(page)]
    descending = sorted(names, reverse=True)
    page.click("th[data-sort=experiment]")
    page.wait_for_function("location.search.includes('order=asc')")
    time.sleep(0.5)
    names_after = [experiments[r] for r in rows(page)]
    check(names == descending and names_after == sorted(names_after) and names_after != names,
          f"runs page sorts by experiment both ways ({names} then {names_after})")
    page.fill("input[name=tag]", "first")
    page.click("button[type=submit]")
    wait_rows(page, 1)
    check(rows(page) == [cases["first_tag_run"]], "runs page filters by tag")
    page.fill("input[name=tag]", "")
    page.select_option("select[name=metric]", "test_accuracy")
    page.fill("input[name=min]", "2")
    page.click("button[type=submit]")
    page.wait_for_function("document.getElementById('page').textContent === 'no runs'")
    check(rows(page) == [], "runs page filters by a metric range")
    page.goto(base + "/?tag=first")
    wait_rows(page, 1)
    href = page.get_attribute("#runs tbody tr a", "href")
    check(href == f"/runs/{cases['first_tag_run']}/report", f"a row links to its report ({href})")


def draw_digit(page, pixels):
    """Draws a 28x28 digit on the 280x280 pad as mouse strokes along each row's runs of ink."""
    page.click("#clear")
    box = page.locator("#pad").bounding_box()
    scale = box["width"] / 28
    before = int(page.evaluate("document.body.dataset.predictions"))
    for y in range(28):
        x = 0
        while x < 28:
            if pixels[y * 28 + x] > 100:
                start = x
                while x + 1 < 28 and pixels[y * 28 + x + 1] > 100:
                    x += 1
                cy = box["y"] + (y + 0.5) * scale
                page.mouse.move(box["x"] + (start + 0.5) * scale, cy)
                page.mouse.down()
                page.mouse.move(box["x"] + (x + 0.5) * scale, cy, steps=max(1, x - start))
                page.mouse.up()
            x += 1
    # The answer to the last stroke (its pointerup asks at once) settles the prediction.
    page.wait_for_timeout(400)
    page.wait_for_function(f"Number(document.body.dataset.predictions) > {before}")
    page.wait_for_timeout(300)
    return int(page.evaluate("document.body.dataset.predicted"))


def draw_page(page):
    page.goto(f"{base}/runs/{cases['run']}/draw")
    agreed = 0
    for index, digit in enumerate(cases["digits"]):
        got = draw_digit(page, digit["pixels"])
        same = got == digit["expected"]
        agreed += same
        check(same, f"drawn digit {index}: page says {got}, report predict {digit['expected']}")
    seen = page.evaluate("""() => {
        const data = document.getElementById('seen').getContext('2d').getImageData(0, 0, 28, 28).data;
        let ink = 0; for (let i = 0; i < data.length; i += 4) ink += data[i] > 0; return ink; }""")
    check(seen > 20, f"the page shows the 28x28 image the model saw ({seen} inked pixels)")
    check(agreed == len(cases["digits"]), f"{agreed} of {len(cases['digits'])} drawn digits agree")


def live_page(page):
    live = cases["live"]
    training = subprocess.Popen(
        [live["report"], "run", live["experiment"], "--output", live["output"], "--quiet"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        run = None
        deadline = time.time() + 60
        while run is None and time.time() < deadline:
            listing = page.request.get(base + "/api/runs?status=running").json()
            running = [r["run_id"] for r in listing["runs"] if r.get("epochs_finished") is not None]
            if running and page.request.get(f"{base}/runs/{running[0]}/report").ok:
                run = running[0]
            else:
                time.sleep(0.2)
        check(run is not None, "the training run shows as running")
        if run is None:
            return
        page.goto(f"{base}/runs/{run}/report")
        page.evaluate("window.sameDocument = 'yes'")
        first = int(page.evaluate("document.body.dataset.epochs || '0'"))
        page.wait_for_function(f"Number(document.body.dataset.epochs) > {first}", timeout=60000)
        later = int(page.evaluate("document.body.dataset.epochs"))
        rows = page.evaluate("""() => { for (const t of document.querySelectorAll('table.data')) {
            const th = t.querySelector('th'); if (th && th.textContent.trim() === 'epoch')
              return t.querySelectorAll('tbody tr').length; } return 0; }""")
        check(page.evaluate("window.sameDocument") == "yes",
              f"the epoch count grew from {first} to {later} without a reload")
        check(rows == later, f"the epoch table shows {rows} epochs")
        page.wait_for_function(
            "document.getElementById('live-status').textContent === 'completed'", timeout=120000)
        check(True, "the page says completed when the run ends")
    finally:
        training.wait(timeout=180)


with sync_playwright() as playwright:
    browser = playwright.chromium.launch(
        executable_path=cases["chromium"], args=["--no-sandbox", "--disable-dev-shm-usage"])
    context = browser.new_context()
    page = context.new_page()
    guard(page)
    for test in (runs_page, draw_page, live_page):
        try:
            test(page)
        except Exception as error:  # a timeout names what was awaited
            check(False, f"{test.__name__}: {error}")
    check(outside == [], f"no request left loopback ({outside[:3]})")
    check(errors == [], f"no page logged an error ({errors[:3]})")
    browser.close()

sys.exit(1 if failures else 0)
