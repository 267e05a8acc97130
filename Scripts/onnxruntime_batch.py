#!/usr/bin/env python3
"""Runs a batch of ONNX models through onnxruntime: the independent reference of Tessera's
differential test (Tests/TesseraTests/Differential/).

    onnxruntime_batch.py DIR

DIR/manifest.json lists the cases:

    {"cases": [{"name": "...", "model": "c0.onnx",
                "inputs": [{"name": "x", "shape": [1, 3], "file": "c0.x.bin"}, ...],
                "outputs": ["y", ...]}, ...]}

Input files hold little-endian float32 values in row-major order. For every case the
script checks the model (onnx.checker: op schemas, attributes), runs it on onnxruntime's
CPU provider with graph optimisations off (each op computed as written, in float32) and
writes each output as DIR/<case>.out<k>.bin. DIR/results.json maps every case name to
{"outputs": [{"name", "shape", "file"}, ...]} or {"error": "..."}; one Python process
serves the whole batch, so the interpreter and onnxruntime start once.

Exit status: 0 when results.json was written (case errors are reported in it), 2 on
usage errors or an unreadable manifest.
"""
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort


def run_case(directory, case, options):
    model_path = os.path.join(directory, case["model"])
    model = onnx.load(model_path)
    # The op schemas and attribute types, not full_check's shape inference: ONNX's shape
    # inference keeps pooling windows that start beyond the input with ceil_mode (the
    # specification and onnxruntime drop them), so it would reject correct output shapes.
    # The outputs' shapes are compared with onnxruntime's instead.
    onnx.checker.check_model(model)
    feeds = {}
    for spec in case["inputs"]:
        data = np.fromfile(os.path.join(directory, spec["file"]), dtype="<f4")
        feeds[spec["name"]] = data.reshape(spec["shape"]).astype(np.float32)
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    values = session.run(case["outputs"], feeds)
    outputs = []
    for k, (name, value) in enumerate(zip(case["outputs"], values)):
        value = np.asarray(value)
        if value.dtype != np.float32:
            raise TypeError(f"output {name!r} is {value.dtype}, not float32")
        file = f"{case['name']}.out{k}.bin"
        value.astype("<f4").tofile(os.path.join(directory, file))
        outputs.append({"name": name, "shape": list(value.shape), "file": file})
    return {"outputs": outputs}


def main():
    if len(sys.argv) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    directory = sys.argv[1]
    try:
        with open(os.path.join(directory, "manifest.json")) as f:
            cases = json.load(f)["cases"]
    except (OSError, ValueError, KeyError) as error:
        print(f"onnxruntime_batch.py: cannot read {directory}/manifest.json: {error}", file=sys.stderr)
        return 2
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # errors only (tf_half_pixel_for_nn is deprecated, and says so)
    results = {}
    for case in cases:
        try:
            results[case["name"]] = run_case(directory, case, options)
        except Exception as error:  # one broken case must not hide the others
            message = " ".join(str(error).split())
            results[case["name"]] = {"error": f"{type(error).__name__}: {message[:2000]}"}
    with open(os.path.join(directory, "results.json"), "w") as f:
        json.dump({"onnxruntime": ort.__version__, "onnx": onnx.__version__, "results": results}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
