#!/usr/bin/env python3
"""Screenshots of `report serve` for docs/: the runs page, and the draw page with a digit drawn.

Usage: scripts/screenshot-serve.py REPORT_BINARY OUTPUT_ROOT RUNS_PNG DRAW_PNG
Serves OUTPUT_ROOT (which holds completed runs) on a free port, opens the pages in Debian's
headless chromium through Playwright (the tests' venv: .venv-tests/bin/python), draws a 7 with
the mouse on the first completed run's draw page, and stops the server.
"""
import re
import subprocess
import sys

from playwright.sync_api import sync_playwright

report, output, runs_png, draw_png = sys.argv[1:5]
server = subprocess.Popen([report, "serve", "--output", output, "--port", "0"],
                          stdout=subprocess.PIPE, text=True)
try:
    base = re.search(r"(http://\S+?)/? ", server.stdout.readline()).group(1)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-dev-shm-usage"])
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(base + "/")
        page.wait_for_selector("#runs tbody tr")
        page.wait_for_timeout(500)
        page.screenshot(path=runs_png, full_page=True)
        run = page.request.get(base + "/api/runs?status=completed&limit=1").json()["runs"][0]
        page.goto(f"{base}/runs/{run['run_id']}/draw")
        box = page.locator("#pad").bounding_box()
        # A 7: the bar, then the stem, in the pad's 28x28 grid.
        for stroke in [[(7, 7), (20, 7)], [(20, 7), (15, 16), (12, 23)]]:
            page.mouse.move(box["x"] + stroke[0][0] * box["width"] / 28,
                            box["y"] + stroke[0][1] * box["height"] / 28)
            page.mouse.down()
            for x, y in stroke[1:]:
                page.mouse.move(box["x"] + x * box["width"] / 28,
                                box["y"] + y * box["height"] / 28, steps=12)
            page.mouse.up()
        # The answer to the last stroke: its pointerup asks at once.
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(500)
        print("drawn 7; predicted", page.evaluate("document.body.dataset.predicted"))
        page.screenshot(path=draw_png, full_page=True)
        browser.close()
finally:
    server.terminate()
    server.wait(timeout=10)
