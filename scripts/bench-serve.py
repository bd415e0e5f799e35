#!/usr/bin/env python3
"""Speed and robustness of `report serve`, measured from outside the process on loopback.

Usage: scripts/bench-serve.py REPORT_BINARY OUTPUT_ROOT [RUNS=10000]
OUTPUT_ROOT holds at least one completed run of the paper's model (e.g. `report run baseline`).
Its index is copied into a scratch output root and grown to RUNS rows (copies of the real rows
with other ids, experiments, seeds and accuracies, pointing at the real run folders), so the
listing reads a store of that size. Prints medians and tails:
  - GET /api/runs sorted and filtered (p50, p95) over the grown store;
  - POST /api/runs/ID/predict at batch 1, 784 floats as JSON (p50, p99);
  - 50 Server-Sent Events streams and 1,000 predictions at once: errors, and the server's
    resident memory before, after, and after a second identical round (a leak grows it again).
"""
import http.client
import json
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time

report, source = sys.argv[1], sys.argv[2]
count = int(sys.argv[3]) if len(sys.argv) > 3 else 10000
scratch = tempfile.mkdtemp(prefix="bench-serve-")
shutil.copy(os.path.join(source, "runs.sqlite"), os.path.join(scratch, "runs.sqlite"))
db = sqlite3.connect(os.path.join(scratch, "runs.sqlite"))
db.row_factory = sqlite3.Row
real = [dict(r) for r in db.execute("SELECT * FROM runs")]
paper = [r for r in real if r["status"] == "completed" and r["parameters"] == 692682]
if not paper:
    sys.exit(f"{source} has no completed run of the paper's model (692,682 parameters)")
columns = list(real[0].keys())
rng = random.Random(1)
experiments = [f"exp{k:02d}" for k in range(40)]
rows = []
for k in range(count - len(real)):
    row = dict(rng.choice(real))
    row["run_id"] = f"20260101-000000-{k:06x}"
    row["experiment"] = rng.choice(experiments)
    row["seed"] = k
    row["val_accuracy"] = rng.uniform(0.95, 0.996)
    row["test_accuracy"] = rng.uniform(0.95, 0.996)
    row["started_at"] = f"2026-01-{1 + k % 28:02d}T{k % 24:02d}:00:00Z"
    rows.append(tuple(row[c] for c in columns))
db.executemany(f"INSERT INTO runs ({','.join(columns)}) VALUES ({','.join('?' * len(columns))})", rows)
db.commit()
total = db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
db.close()

server = subprocess.Popen([report, "serve", "--output", scratch, "--port", "0"],
                          stdout=subprocess.PIPE, text=True)
port = int(re.search(r":(\d+)/", server.stdout.readline()).group(1))


def rss():
    with open(f"/proc/{server.pid}/status") as status:
        return int(re.search(r"VmRSS:\s+(\d+)", status.read()).group(1)) // 1024


def timed(connection, method, path, body=None, headers={}):
    start = time.perf_counter()
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    data = response.read()
    elapsed = (time.perf_counter() - start) * 1000
    if response.status != 200:
        raise RuntimeError(f"{method} {path}: {response.status} {data[:200]!r}")
    return elapsed, data


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


connection = http.client.HTTPConnection("127.0.0.1", port)
queries = [
    "sort=test_accuracy&order=desc&limit=50",
    "sort=val_accuracy&order=asc&metric=test_accuracy&min=0.99&limit=50",
    "experiment=exp07&sort=started_at&limit=50",
    "status=completed&sort=seed&order=asc&offset=5000&limit=50",
]
for q in queries:  # warm-up
    timed(connection, "GET", "/api/runs?" + q)
listing = [timed(connection, "GET", "/api/runs?" + queries[k % len(queries)])[0] for k in range(200)]
print(f"GET /api/runs over {total} runs, sorted and filtered, 200 requests: "
      f"p50 {statistics.median(listing):.1f} ms, p95 {percentile(listing, 95):.1f} ms")

run = paper[0]["run_id"]
pixels = json.dumps([((i * 37) % 255) / 255 for i in range(784)])
headers = {"Content-Type": "application/json"}
timed(connection, "POST", f"/api/runs/{run}/predict", pixels, headers)  # loads the model
predict = [timed(connection, "POST", f"/api/runs/{run}/predict", pixels, headers)[0]
           for _ in range(1000)]
print(f"POST /api/runs/{run}/predict (paper's model, batch 1, JSON), 1,000 requests: "
      f"p50 {statistics.median(predict):.2f} ms, p99 {percentile(predict, 99):.2f} ms")


def crowd():
    errors = []

    def stream():
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            c.request("GET", f"/api/runs/{run}/events")
            body = c.getresponse().read().decode()
            if "event: end" not in body:
                errors.append("a stream ended without its end event")
        except Exception as error:
            errors.append(repr(error))

    def predictions(n):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            for _ in range(n):
                timed(c, "POST", f"/api/runs/{run}/predict", pixels, headers)
        except Exception as error:
            errors.append(repr(error))

    threads = [threading.Thread(target=stream) for _ in range(50)]
    threads += [threading.Thread(target=predictions, args=(100,)) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


before = rss()
first = crowd()
after_first = rss()
second = crowd()
after_second = rss()
print(f"50 SSE streams and 1,000 predictions at once, twice: {len(first) + len(second)} errors"
      f"{' (' + first[0] + ')' if first else ''}; resident memory {before} MiB before, "
      f"{after_first} after the first round, {after_second} after the second")
alive = server.poll() is None
server.terminate()
code = server.wait(timeout=10)
print(f"server alive after both rounds: {alive}; exit status on SIGTERM: {code}")
shutil.rmtree(scratch)
