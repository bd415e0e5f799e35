#!/usr/bin/env python3
"""Batch-1 latency of exported models in ONNX Runtime, as a deployment would see it.

Usage: onnx-latency.py [--threads N] [--calls N] MODEL.onnx [MODEL.onnx ...]

For each model: one MNIST-shaped image per call, after 50 warm-up calls; prints the median and
99th percentile in milliseconds, and the operators ONNX Runtime actually ran after its graph
optimisations (QLinearConv and friends mean the int8 kernels were used). One thread by default:
the closest this machine comes to a small device's single core.
"""
import argparse
import tempfile
import time

import numpy as np
import onnx
import onnxruntime


def measure(path, threads, calls):
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    with tempfile.NamedTemporaryFile(suffix=".onnx") as optimized:
        options.optimized_model_filepath = optimized.name
        session = onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        operators = sorted({n.op_type for n in onnx.load(optimized.name).graph.node})
    image = np.random.default_rng(0).random((1, 1, 28, 28), dtype=np.float32)
    for _ in range(50):
        session.run(None, {"image": image})
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        session.run(None, {"image": image})
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return times[len(times) // 2], times[min(len(times) - 1, int(0.99 * len(times)))], operators


def main():
    onnxruntime.set_default_logger_severity(3)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("models", nargs="+")
    arguments = parser.parse_args()
    for path in arguments.models:
        p50, p99, operators = measure(path, arguments.threads, arguments.calls)
        print(f"{path}: p50 {p50:.3f} ms, p99 {p99:.3f} ms ({arguments.threads} thread"
              f"{'s' if arguments.threads > 1 else ''}; ran {', '.join(operators)})")


if __name__ == "__main__":
    main()
