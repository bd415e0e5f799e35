#!/usr/bin/env python3
"""Judges `report export` from outside: ONNX's checker and ONNX Runtime on MNIST's test set.

Usage: check-onnx-export.py RUN_FOLDER FP32.onnx INT8.onnx MNIST_DIR

Prints one JSON object: the model's interface and metadata as ONNX reads them, and, over all
10,000 test images run through ONNX Runtime, each model's accuracy, and how the fp32 model's
probabilities compare with those `report` recorded in the run's predictions.csv.
"""
import csv
import gzip
import json
import sys

import numpy as np
import onnx
import onnxruntime


def idx(path):
    data = gzip.open(path).read()
    count = int.from_bytes(data[4:8], "big")
    if data[3] == 3:
        rows, columns = int.from_bytes(data[8:12], "big"), int.from_bytes(data[12:16], "big")
        return np.frombuffer(data, np.uint8, offset=16).reshape(count, rows, columns)
    return np.frombuffer(data, np.uint8, offset=8)


def describe(model_path):
    model = onnx.load(model_path)
    onnx.checker.check_model(model, full_check=True)
    value = lambda v: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]
    return {
        "opset": max(o.version for o in model.opset_import if o.domain in ("", "ai.onnx")),
        "inputs": [{"name": v.name, "shape": value(v)} for v in model.graph.input],
        "outputs": [{"name": v.name, "shape": value(v)} for v in model.graph.output],
        "metadata": {p.key: p.value for p in model.metadata_props},
        "operators": sorted({n.op_type for n in model.graph.node}),
    }


def main(run, fp32_path, int8_path, mnist):
    images = idx(f"{mnist}/t10k-images-idx3-ubyte.gz").astype(np.float32)[:, None] / 255
    labels = idx(f"{mnist}/t10k-labels-idx1-ubyte.gz").astype(np.int64)
    with open(f"{run}/predictions.csv") as f:
        rows = list(csv.reader(f))[1:]
    recorded = np.array([[float(p) for p in r[3:]] for r in rows], dtype=np.float32)
    result = {}
    for name, path in (("fp32", fp32_path), ("int8", int8_path)):
        session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
        probabilities = np.concatenate(
            [session.run(None, {"image": images[i:i + 1000]})[0] for i in range(0, len(images), 1000)])
        predicted = probabilities.argmax(1)
        entry = describe(path)
        entry["accuracy"] = float((predicted == labels).mean())
        if len(recorded) == len(labels):
            ours = recorded.argmax(1)
            disagree = np.nonzero(predicted != ours)[0]
            top2 = np.sort(recorded, axis=1)[:, -2:]
            entry["agreement_with_report"] = float((predicted == ours).mean())
            # A disagreement is a tie when report's two best classes are within 1e-4.
            entry["disagreements_not_ties"] = int(sum(top2[i, 1] - top2[i, 0] > 1e-4 for i in disagree))
            entry["max_probability_difference"] = float(np.abs(probabilities - recorded).max())
        result[name] = entry
    json.dump(result, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main(*sys.argv[1:5])
