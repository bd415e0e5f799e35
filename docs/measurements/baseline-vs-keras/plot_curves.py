#!/usr/bin/env python3
"""Overlays the per-epoch validation accuracy of every recorded seed, report against Keras, with
the epochs trained at a lowered learning rate marked, into curves.png beside this script.

Usage: python3 plot_curves.py  (needs matplotlib; the anchors' venv has it)
"""
import csv
import glob
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

here = os.path.dirname(os.path.abspath(__file__))
figure, axis = plt.subplots(figsize=(8, 4.5), dpi=120)
styles = {"report": ("tab:blue", "-"), "keras": ("tab:orange", "--")}
for path in sorted(glob.glob(os.path.join(here, "*-*.csv"))):
    side, seed = os.path.basename(path)[:-4].split("-")
    rows = list(csv.DictReader(open(path)))
    epochs = [int(r["epoch"]) for r in rows]
    accuracy = [float(r["val_accuracy"]) * 100 for r in rows]
    rates = [float(r["learning_rate"]) for r in rows]
    if side == "keras":
        # Keras logs the rate after the epoch's callbacks; the rate an epoch trained at is the
        # one logged the epoch before.
        rates = rates[:1] + rates[:-1]
    color, line = styles[side]
    axis.plot(epochs, accuracy, line, color=color, marker="o", markersize=3,
              label=f"{side} seed {seed}", alpha=0.45 + 0.15 * (int(seed) - 42))
    lowered = [(e, a) for e, a, r in zip(epochs, accuracy, rates) if r < rates[0]]
    if lowered:
        axis.plot(*zip(*lowered), "s", color=color, markersize=7, fillstyle="none")
axis.set_xlabel("epoch")
axis.set_ylabel("validation accuracy (%)")
axis.set_ylim(97.8, 99.8)
axis.set_title("report run baseline vs the same recipe in Keras (squares: epochs at a lowered rate)")
axis.grid(alpha=0.3)
axis.legend(fontsize=8, ncol=2, loc="lower right")
figure.tight_layout()
figure.savefig(os.path.join(here, "curves.png"))
