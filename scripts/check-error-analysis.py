"""Independent judge of `report`'s error analysis (issue 23).

Usage: check-error-analysis.py INPUT.json

INPUT holds `class_count`, `test_probabilities` and `test_labels`, and optionally
`validation_probabilities` and `validation_labels` (probabilities flattened row by row). Prints
one JSON object computed without `report`'s code:
- `self_confidence`, `normalized_margin`: cleanlab's get_label_quality_scores per test example;
- `flagged`: the indices cleanlab's find_label_issues(filter_by="prune_by_noise_rate") flags;
- `ece`, and with validation data `temperature` and `ece_scaled`: 10 equal-width bins on the
  largest probability, and temperature scaling fitted by golden-section search on the
  validation NLL (numpy only).
"""
import json
import sys

import numpy as np
from cleanlab.filter import find_label_issues
from cleanlab.rank import get_label_quality_scores


def rows(values, classes):
    return np.asarray(values, dtype=np.float32).astype(np.float64).reshape(-1, classes)


def ece(probabilities, labels, bins=10):
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == labels
    # Bin b holds (b/bins, (b+1)/bins]; the first also 0.
    index = np.clip(np.ceil(confidence * bins).astype(int) - 1, 0, bins - 1)
    total = 0.0
    for b in range(bins):
        chosen = index == b
        if chosen.any():
            total += chosen.mean() * abs(correct[chosen].mean() - confidence[chosen].mean())
    return total


def scaled(probabilities, temperature):
    logits = np.log(np.maximum(probabilities, 1e-30)) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    e = np.exp(logits)
    return e / e.sum(axis=1, keepdims=True)


def nll(probabilities, labels, temperature):
    p = scaled(probabilities, temperature)
    return -np.mean(np.log(np.maximum(p[np.arange(len(labels)), labels], 1e-300)))


def fit_temperature(probabilities, labels):
    # Golden-section search on log T in [log 1e-3, log 1e3]: the NLL has one minimum there.
    lo, hi = np.log(1e-3), np.log(1e3)
    ratio = (np.sqrt(5) - 1) / 2
    a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
    fa, fb = nll(probabilities, labels, np.exp(a)), nll(probabilities, labels, np.exp(b))
    for _ in range(200):
        if fa < fb:
            hi, b, fb = b, a, fa
            a = hi - ratio * (hi - lo)
            fa = nll(probabilities, labels, np.exp(a))
        else:
            lo, a, fa = a, b, fb
            b = lo + ratio * (hi - lo)
            fb = nll(probabilities, labels, np.exp(b))
    return float(np.exp((lo + hi) / 2))


def main():
    data = json.load(open(sys.argv[1]))
    k = data["class_count"]
    probabilities = rows(data["test_probabilities"], k)
    labels = np.asarray(data["test_labels"], dtype=int)
    result = {
        "self_confidence": get_label_quality_scores(
            labels, probabilities, method="self_confidence").tolist(),
        "normalized_margin": get_label_quality_scores(
            labels, probabilities, method="normalized_margin").tolist(),
        "flagged": np.flatnonzero(
            find_label_issues(labels, probabilities, filter_by="prune_by_noise_rate")).tolist(),
        "ece": ece(probabilities, labels),
    }
    if "validation_probabilities" in data:
        validation = rows(data["validation_probabilities"], k)
        validation_labels = np.asarray(data["validation_labels"], dtype=int)
        temperature = fit_temperature(validation, validation_labels)
        result["temperature"] = temperature
        result["ece_scaled"] = ece(scaled(probabilities, temperature), labels)
    json.dump(result, sys.stdout)


main()
