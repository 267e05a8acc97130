#!/usr/bin/env python3
"""TensorFlow Lite Micro's arena for .tflite networks, measured with the tflite-micro
Python package (its RecordingMicroAllocator, `Interpreter.print_allocations()`).

    tflm_arena.py [--dir DIR] [FILE.tflite ...]   -> JSON on stdout
    tflm_arena.py --version                        -> the tflite-micro version

Every `<network>.tflite` (float32) and `<network>_int8.tflite` of DIR (or the FILEs given)
is loaded in its own child process (TFLM prints its allocation report from C++, on the
process's own stderr), and the report's "Arena allocation head/total" lines are parsed:

    {"<network>": {"float32_head_bytes": ..., "float32_total_bytes": ...,
                   "int8_head_bytes": ..., "int8_total_bytes": ...,
                   "float32_error": "..." (when TFLM does not accept the file)}}

"head" is TFLM's planned, non-persistent activation area (its input and output tensors
included), "total" adds TFLM's persistent structures (the tail). A network with no file of
a kind has neither key. Exit status 1 (with the reason on stderr) when tflite-micro cannot
be imported or no file could be measured: a benchmark never skips TFLM silently.
"""
import json
import os
import re
import subprocess
import sys

ARENA_START = 1 << 20          # first arena offered to the interpreter
ARENA_LIMIT = 64 << 20         # largest one tried before giving up
LINE = re.compile(r"Arena allocation (head|tail|total)\s+(\d+)\s+bytes")


def fail(message):
    sys.stderr.write("tflm_arena.py: " + message + "\n")
    sys.exit(1)


def runtime():
    try:
        from tflite_micro import runtime as rt
    except Exception as error:  # ImportError, or a broken native extension
        fail("cannot import tflite_micro.runtime (%s: %s); make bench installs it into .venv-tflm "
             "with Scripts/python-env.sh --bench" % (type(error).__name__, error))
    return rt


def child(path):
    """In the child: build the interpreter with a growing arena and print the report."""
    rt = runtime()
    size, last = ARENA_START, None
    while size <= ARENA_LIMIT:
        try:
            interpreter = rt.Interpreter.from_file(path, arena_size=size)
        except Exception as error:
            last = error
            size *= 2
            continue
        sys.stderr.flush()
        interpreter.print_allocations()
        return 0
    sys.stderr.write("TFLM_ERROR %s: %s\n" % (type(last).__name__, (str(last).strip().splitlines() or [""])[-1]))
    return 3


def measure(path):
    """(head, total) from a child process, or raises RuntimeError with what TFLM said."""
    r = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", path],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                       timeout=600)
    text = r.stdout.decode("utf-8", "replace")
    figures = {}
    for kind, number in LINE.findall(text):
        figures.setdefault(kind, int(number))   # the first report of each kind
    if r.returncode == 0 and "head" in figures and "total" in figures:
        return figures["head"], figures["total"]
    lines = [l for l in text.splitlines() if l.strip()]
    reason = next((l for l in lines if l.startswith("TFLM_ERROR")), None)
    reason = reason[len("TFLM_ERROR "):] if reason else " / ".join(lines[-3:]) or "exit status %d, no output" % r.returncode
    raise RuntimeError(reason)


def files_of(directory):
    out = []
    for name in sorted(os.listdir(directory)):
        if name.endswith(".tflite"):
            out.append(os.path.join(directory, name))
    return out


def main(argv):
    if argv[:1] == ["--child"]:
        return child(argv[1])
    if argv[:1] == ["--version"]:
        runtime()
        from importlib.metadata import version
        print(version("tflite-micro"))
        return 0
    paths = []
    while argv:
        a = argv.pop(0)
        if a == "--dir":
            if not argv:
                fail("--dir needs a directory")
            paths += files_of(argv.pop(0))
        elif a.startswith("-"):
            fail("unknown option " + a)
        else:
            paths.append(a)
    if not paths:
        fail("no .tflite files (give FILEs or --dir DIR)")
    runtime()  # fail early, with the reason, when the package is missing
    result, measured = {}, 0
    for path in paths:
        stem = os.path.basename(path)[:-len(".tflite")] if path.endswith(".tflite") else os.path.basename(path)
        network, kind = (stem[:-len("_int8")], "int8") if stem.endswith("_int8") else (stem, "float32")
        entry = result.setdefault(network, {})
        try:
            head, total = measure(path)
        except (RuntimeError, subprocess.TimeoutExpired) as error:
            entry[kind + "_error"] = str(error)
            continue
        entry[kind + "_head_bytes"] = head
        entry[kind + "_total_bytes"] = total
        measured += 1
    if measured == 0:
        fail("TFLM measured none of the files: " + json.dumps(result, sort_keys=True))
    print(json.dumps(result, sort_keys=True, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
