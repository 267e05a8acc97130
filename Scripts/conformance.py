#!/usr/bin/env python3
"""ONNX backend conformance for Tessera.

Runs the pytorch-converted and pytorch-operator node tests shipped with the onnx
package through `tessera import` (support check) and `tessera run --target host`
(numerics), comparing against the expected outputs with the ONNX backend-test
tolerances. Needs Python 3 with onnx and numpy (see Scripts/conformance.sh).

A case is skipped only when Tessera reports it unsupported (`tessera: error:
unsupported: ...`, exit status 2) and the reason names an op of the model, one of
its attributes or a dtype; any other error of the import, the compilation or the
run is a failure, so that a regression turning a supported case into an error
cannot hide among the skips.

Exit status: 0 if no case failed and at least one passed, 1 otherwise,
2 on usage errors.
"""
import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import defaultdict

import numpy as np
import onnx
from onnx import numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SUITES = ("pytorch-converted", "pytorch-operator")
RTOL, ATOL = 1e-3, 1e-7  # onnx.backend.test defaults
TIMEOUT = 60  # seconds per tessera invocation
WORKERS = 2


class Skip(Exception):
    pass


class Fail(Exception):
    pass


ERROR = "tessera: error: "
UNSUPPORTED = ERROR + "unsupported: "


def shorten(text, limit=200):
    """First line of a diagnostic (plus the next one if it ends with ':'), without the
    `tessera: error:` (and `unsupported:`) and model-path prefixes."""
    lines = [line.strip() for line in text.splitlines() if line.strip()] or ["(no message)"]
    line = lines[0] + (" " + lines[1] if lines[0].endswith(":") and len(lines) > 1 else "")
    line = line.removeprefix(UNSUPPORTED) if line.startswith(UNSUPPORTED) else line.removeprefix(ERROR)
    line = re.sub(r"^\S+\.onnx: ", "", line)
    return line if len(line) <= limit else line[: limit - 3] + "..."


def unsupported_reason(status, stderr, model):
    """The skip reason when tessera reported the model unsupported (status 2, the
    `unsupported:` tag) naming an op of the model, an attribute of one or a dtype;
    None otherwise."""
    if status != 2 or not stderr.startswith(UNSUPPORTED):
        return None
    reason = shorten(stderr)
    ops = {node.op_type for node in model.graph.node}
    attributes = {a.name for node in model.graph.node for a in node.attribute}
    names = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", reason))
    if names & (ops | attributes) or re.search(r"\b(element type|dtype|data type)\b", reason):
        return reason
    return None


def reason_group(reason):
    """A reason without node names, tensor names and shapes, to group similar cases."""
    reason = re.sub(r'^(nodes|graph\.input)\[\d+\] "[^"]*": ', "", reason)
    reason = re.sub(r' \("[^)]*\)', "", reason)  # unsupported ONNX ops: Neg ("Neg_1", "Neg_2")
    return re.sub(r"\[[\d, ]*\]", "[...]", reason)


def tessera(binary, *args):
    """Runs tessera; returns (exit status, stderr). Raises Fail on timeout or crash."""
    try:
        proc = subprocess.run([binary, *args], capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        raise Fail(f"tessera {args[0]} timed out after {TIMEOUT} s")
    except OSError as error:
        raise Fail(f"cannot execute {binary}: {error.strerror}")
    if proc.returncode < 0:
        raise Fail(f"tessera {args[0]} crashed (signal {-proc.returncode}): {shorten(proc.stderr)}")
    return proc.returncode, proc.stderr


def load_tensors(directory, prefix):
    """input_K.pb / output_K.pb sorted by K."""
    files = [f for f in os.listdir(directory) if re.fullmatch(rf"{prefix}_\d+\.pb", f)]
    files.sort(key=lambda f: int(f[len(prefix) + 1 : -3]))
    return [numpy_helper.to_array(onnx.load_tensor(os.path.join(directory, f))) for f in files]


def to_json_tensor(array):
    if not np.all(np.isfinite(array) | np.isnan(array)):
        raise Fail("input contains infinities (not representable in tensors-JSON)")
    data = [None if np.isnan(x) else x for x in array.ravel().tolist()]
    return {"shape": list(array.shape), "data": data}


def from_json_tensor(name, tensor):
    shape = tuple(tensor["shape"])
    data = np.array(tensor["data"], dtype=np.float64)  # null -> NaN
    if data.size != int(np.prod(shape, dtype=np.int64)):
        raise Fail(f"output {name!r}: {data.size} values for shape {list(shape)}")
    return data.reshape(shape).astype(np.float32)


def compare(name, actual, expected):
    if actual.shape != expected.shape:
        raise Fail(f"output {name!r}: shape {list(actual.shape)}, expected {list(expected.shape)}")
    try:
        np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL)
    except AssertionError:
        a, e = actual.astype(np.float64), expected.astype(np.float64)
        bad = ~np.isclose(a, e, rtol=RTOL, atol=ATOL, equal_nan=True)
        diff = np.abs(a - e)[bad]
        worst = np.nanmax(diff) if diff.size and not np.all(np.isnan(diff)) else float("nan")
        raise Fail(f"output {name!r}: {int(bad.sum())}/{bad.size} values differ "
                   f"(max abs diff {worst:.3g}, rtol={RTOL}, atol={ATOL})")


def run_case(case, binary, workdir):
    """Returns (status, reason) for one case directory."""
    name, path = case
    work = os.path.join(workdir, name)
    os.makedirs(work, exist_ok=True)
    model_path = os.path.join(path, "model.onnx")
    try:
        model = onnx.load(model_path, load_external_data=False)
        status, stderr = tessera(binary, "import", model_path, "-o", os.path.join(work, "model.json"))
        if status != 0:
            reason = unsupported_reason(status, stderr, model)
            if reason is not None:
                raise Skip(reason)
            raise Fail(f"tessera import exited {status}: {shorten(stderr)}")

        graph = model.graph
        initializers = {t.name for t in graph.initializer}
        input_names = [i.name for i in graph.input if i.name not in initializers]
        output_names = [o.name for o in graph.output]
        data_sets = sorted((d for d in os.listdir(path) if d.startswith("test_data_set_")),
                           key=lambda d: int(d.rsplit("_", 1)[1]))
        if not data_sets:
            raise Fail("no test data sets")
        for data_set in data_sets:
            inputs = load_tensors(os.path.join(path, data_set), "input")
            expected = load_tensors(os.path.join(path, data_set), "output")
            if len(inputs) != len(input_names) or len(expected) != len(output_names):
                raise Fail(f"{data_set}: {len(inputs)} inputs/{len(expected)} outputs for "
                           f"{len(input_names)} graph inputs/{len(output_names)} graph outputs")
            for input_name, array in zip(input_names, inputs):
                if array.dtype != np.float32:  # tessera accepted the model: its inputs are float32
                    raise Fail(f"input {input_name!r} is {array.dtype} but tessera imported the model")
            in_path = os.path.join(work, f"{data_set}.input.json")
            out_path = os.path.join(work, f"{data_set}.output.json")
            with open(in_path, "w") as f:
                json.dump({n: to_json_tensor(a) for n, a in zip(input_names, inputs)}, f, allow_nan=False)
            status, stderr = tessera(binary, "run", model_path, "--target", "host",
                                     "--input", in_path, "-o", out_path)
            if status != 0:
                reason = unsupported_reason(status, stderr, model)
                if reason is not None:
                    raise Skip(reason)
                raise Fail(f"tessera run exited {status}: {shorten(stderr)}")
            try:
                with open(out_path) as f:
                    outputs = json.load(f)
            except (OSError, ValueError) as error:
                raise Fail(f"unreadable outputs {out_path}: {error}")
            for output_name, want in zip(output_names, expected):
                if output_name not in outputs:
                    raise Fail(f"output {output_name!r} missing from tessera's outputs")
                compare(output_name, from_json_tensor(output_name, outputs[output_name]), want)
        return "PASS", ""
    except Skip as skip:
        return "SKIP", str(skip)
    except Fail as fail:
        return "FAIL", str(fail)
    except Exception as error:  # a broken test case or a runner bug: report, don't abort the run
        return "FAIL", f"runner error: {type(error).__name__}: {shorten(str(error))}"


def discover(filter_text):
    data_dir = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data")
    cases = {}
    for suite in SUITES:
        suite_dir = os.path.join(data_dir, suite)
        for name in os.listdir(suite_dir):
            path = os.path.join(suite_dir, name)
            if os.path.isfile(os.path.join(path, "model.onnx")) and (filter_text or "") in name:
                cases[name if name not in cases else f"{suite}/{name}"] = path
    return sorted(cases.items())


def generate_data(workdir):
    target = os.path.join(workdir, "generated")
    subprocess.run([sys.executable, "-m", "onnx.backend.test.cmd_tools", "generate-data", "-o", target],
                   check=True, stdout=subprocess.DEVNULL)
    print(f"generated backend test data in {target}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tessera", default=os.path.join(ROOT, ".build", "debug", "tessera"),
                        help="tessera binary (default: .build/debug/tessera in the repository)")
    parser.add_argument("--work", help="working directory (default: a temporary directory)")
    parser.add_argument("--filter", help="only cases whose name contains this substring")
    parser.add_argument("--json", metavar="REPORT", help="write the per-case results as JSON")
    parser.add_argument("--check-readme", metavar="README",
                        help="fail unless README quotes this run's counts as **N passed, M failed, K skipped**")
    args = parser.parse_args()

    binary = os.path.abspath(args.tessera)
    if not os.access(binary, os.X_OK):
        parser.error(f"tessera binary not found: {binary} (run `swift build`)")
    cases = discover(args.filter)
    if not cases:
        parser.error(f"no cases match --filter {args.filter!r}")

    with tempfile.TemporaryDirectory(prefix="tessera-conformance-") as tmp:
        workdir = os.path.abspath(args.work or tmp)
        os.makedirs(workdir, exist_ok=True)
        generate_data(workdir)
        print(f"onnx {onnx.__version__}, {len(cases)} cases, tessera {binary}", flush=True)
        results = []
        with concurrent.futures.ThreadPoolExecutor(max_workers=WORKERS) as pool:
            outcomes = pool.map(lambda case: run_case(case, binary, workdir), cases)
            for (name, _), (status, reason) in zip(cases, outcomes):  # in case-name order
                print(f"{status} {name}" + (f": {reason}" if reason else ""), flush=True)
                results.append({"name": name, "status": status, "reason": reason})

    skipped = defaultdict(list)
    for result in results:
        if result["status"] == "SKIP":
            skipped[reason_group(result["reason"])].append(result["name"])
    if skipped:
        print("\nskipped, by reason:")
        for reason, names in sorted(skipped.items(), key=lambda item: (-len(item[1]), item[0])):
            print(f"  [{len(names)}] {reason}\n      " + " ".join(names))

    counts = {s: sum(r["status"] == s for r in results) for s in ("PASS", "FAIL", "SKIP")}
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as f:
            json.dump({"onnx_version": onnx.__version__, "suites": list(SUITES),
                       "passed": counts["PASS"], "failed": counts["FAIL"], "skipped": counts["SKIP"],
                       "cases": results}, f, indent=2)
            f.write("\n")
    summary = f"{counts['PASS']} passed, {counts['FAIL']} failed, {counts['SKIP']} skipped"
    readme_ok = True
    if args.check_readme and not args.filter:
        with open(args.check_readme) as f:
            readme_ok = f"**{summary}**" in f.read()
        if not readme_ok:
            print(f"\n{args.check_readme} does not quote this run's result **{summary}**: update it")
    print(f"\nconformance: {summary}")
    return 0 if counts["FAIL"] == 0 and counts["PASS"] > 0 and readme_ok else 1


if __name__ == "__main__":
    sys.exit(main())
