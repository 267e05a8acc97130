#!/usr/bin/env python3
"""Train a small CNN on the 8x8 digits data set with numpy only and export it
as a Tessera model (Examples/digits_cnn.json) plus one sample input
(Examples/digits_cnn.input.json).

Usage (from the repository root):
    python3 Examples/train_digits_cnn.py [path/to/digits.json]

The data path defaults to ../shared/data/digits.json relative to the
repository root. Training is deterministic (fixed seed, float64 arithmetic);
the exported float32 weights are evaluated again in float32 before the test
accuracy is reported.

Architecture (NCHW, batch 1 at inference):
    image [1,1,8,8]
    -> Conv 8x1x3x3, pads 1, bias -> Relu -> MaxPool 2x2 stride 2   [1,8,4,4]
    -> Conv 16x8x3x3, pads 1, bias -> Relu -> MaxPool 2x2 stride 2  [1,16,2,2]
    -> Flatten -> Gemm (transB=1) 64->10 -> Softmax -> probabilities [1,10]
"""

import json
import os
import sys

import numpy as np

SEED = 0
EPOCHS = 40
BATCH = 32
LR = 2e-3
SAMPLE_INDEX = 6  # test-split image written to digits_cnn.input.json (label 7)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_DATA = os.path.join(ROOT, "..", "shared", "data", "digits.json")


# ---------------------------------------------------------------- layers
def im2col(x, k=3, pad=1):
    """x [N,C,H,W] -> columns [N*H*W, C*k*k] for a stride-1 'same' conv."""
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    cols = np.empty((n, c, k, k, h, w), dtype=x.dtype)
    for i in range(k):
        for j in range(k):
            cols[:, :, i, j] = xp[:, :, i:i + h, j:j + w]
    return cols.transpose(0, 4, 5, 1, 2, 3).reshape(n * h * w, c * k * k)


def col2im(dcols, shape, k=3, pad=1):
    n, c, h, w = shape
    dcols = dcols.reshape(n, h, w, c, k, k).transpose(0, 3, 4, 5, 1, 2)
    dxp = np.zeros((n, c, h + 2 * pad, w + 2 * pad), dtype=dcols.dtype)
    for i in range(k):
        for j in range(k):
            dxp[:, :, i:i + h, j:j + w] += dcols[:, :, i, j]
    return dxp[:, :, pad:pad + h, pad:pad + w]


def conv_forward(x, wt, b):
    n, _, h, w = x.shape
    m = wt.shape[0]
    cols = im2col(x)
    out = cols @ wt.reshape(m, -1).T + b
    return out.reshape(n, h, w, m).transpose(0, 3, 1, 2), cols


def conv_backward(dout, x_shape, cols, wt):
    m = wt.shape[0]
    d = dout.transpose(0, 2, 3, 1).reshape(-1, m)
    dw = (d.T @ cols).reshape(wt.shape)
    db = d.sum(axis=0)
    dx = col2im(d @ wt.reshape(m, -1), x_shape)
    return dx, dw, db


def maxpool_forward(x):
    n, c, h, w = x.shape
    r = x.reshape(n, c, h // 2, 2, w // 2, 2)
    out = r.max(axis=(3, 5))
    # first maximum in each window gets the gradient (ties are measure-zero)
    flat = r.transpose(0, 1, 2, 4, 3, 5).reshape(n, c, h // 2, w // 2, 4)
    arg = flat.argmax(axis=-1)
    return out, arg


def maxpool_backward(dout, arg, x_shape):
    n, c, h, w = x_shape
    mask = np.zeros((n, c, h // 2, w // 2, 4), dtype=dout.dtype)
    np.put_along_axis(mask, arg[..., None], dout[..., None], axis=-1)
    return mask.reshape(n, c, h // 2, w // 2, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(x_shape)


def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def forward(p, x, cache=None):
    a1, c1 = conv_forward(x, p["w1"], p["b1"])
    r1 = np.maximum(a1, 0)
    m1, arg1 = maxpool_forward(r1)
    a2, c2 = conv_forward(m1, p["w2"], p["b2"])
    r2 = np.maximum(a2, 0)
    m2, arg2 = maxpool_forward(r2)
    f = m2.reshape(x.shape[0], -1)
    logits = f @ p["w3"].T + p["b3"]
    if cache is not None:
        cache.update(x=x, c1=c1, a1=a1, r1=r1, arg1=arg1, m1=m1,
                     c2=c2, a2=a2, r2=r2, arg2=arg2, m2=m2, f=f)
    return logits


def backward(p, cache, dlogits):
    g = {}
    g["w3"] = dlogits.T @ cache["f"]
    g["b3"] = dlogits.sum(axis=0)
    dm2 = (dlogits @ p["w3"]).reshape(cache["m2"].shape)
    dr2 = maxpool_backward(dm2, cache["arg2"], cache["r2"].shape)
    da2 = dr2 * (cache["a2"] > 0)
    dm1, g["w2"], g["b2"] = conv_backward(da2, cache["m1"].shape, cache["c2"], p["w2"])
    dr1 = maxpool_backward(dm1, cache["arg1"], cache["r1"].shape)
    da1 = dr1 * (cache["a1"] > 0)
    _, g["w1"], g["b1"] = conv_backward(da1, cache["x"].shape, cache["c1"], p["w1"])
    return g


def accuracy(p, x, y):
    return float((forward(p, x).argmax(axis=1) == y).mean())


def dump_model(model):
    """JSON text with one line per top-level field and per array element
    (inputs, outputs, constants, nodes), so weights stay on one line each."""
    lines = []
    for key, value in model.items():
        if isinstance(value, list):
            items = ",\n".join("  " + json.dumps(v) for v in value)
            lines.append(f" {json.dumps(key)}: [\n{items}\n ]")
        else:
            lines.append(f" {json.dumps(key)}: {json.dumps(value)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


# ---------------------------------------------------------------- main
def main():
    data_path = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_DATA
    with open(data_path) as fh:
        data = json.load(fh)
    xtr = np.asarray(data["train"]["x"], dtype=np.float64).reshape(-1, 1, 8, 8)
    ytr = np.asarray(data["train"]["y"], dtype=np.int64)
    xte = np.asarray(data["test"]["x"], dtype=np.float64).reshape(-1, 1, 8, 8)
    yte = np.asarray(data["test"]["y"], dtype=np.int64)

    rng = np.random.default_rng(SEED)

    def he(shape, fan_in):
        return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=shape)

    p = {
        "w1": he((8, 1, 3, 3), 9), "b1": np.zeros(8),
        "w2": he((16, 8, 3, 3), 72), "b2": np.zeros(16),
        "w3": he((10, 64), 64), "b3": np.zeros(10),
    }
    # Adam
    mom = {k: np.zeros_like(v) for k, v in p.items()}
    vel = {k: np.zeros_like(v) for k, v in p.items()}
    b1, b2, eps, t = 0.9, 0.999, 1e-8, 0

    n = len(xtr)
    for epoch in range(EPOCHS):
        order = rng.permutation(n)
        loss_sum = 0.0
        for s in range(0, n, BATCH):
            idx = order[s:s + BATCH]
            cache = {}
            logits = forward(p, xtr[idx], cache)
            prob = softmax(logits)
            loss_sum += -np.log(prob[np.arange(len(idx)), ytr[idx]] + 1e-12).sum()
            dlogits = prob
            dlogits[np.arange(len(idx)), ytr[idx]] -= 1.0
            dlogits /= len(idx)
            g = backward(p, cache, dlogits)
            t += 1
            lr_t = LR * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
            for k in p:
                mom[k] = b1 * mom[k] + (1 - b1) * g[k]
                vel[k] = b2 * vel[k] + (1 - b2) * g[k] ** 2
                p[k] -= lr_t * mom[k] / (np.sqrt(vel[k]) + eps)
        if (epoch + 1) % 5 == 0 or epoch == 0:
            print(f"epoch {epoch + 1:3d}  loss {loss_sum / n:.4f}  "
                  f"train acc {accuracy(p, xtr, ytr):.4f}", flush=True)

    # Export float32 weights and re-evaluate in float32.
    p32 = {k: v.astype(np.float32) for k, v in p.items()}
    test_acc = accuracy(p32, xte.astype(np.float32), yte)
    correct = int(round(test_acc * len(yte)))
    print(f"test accuracy (float32 weights): {test_acc:.4f} ({correct}/{len(yte)})")

    def flat(a):
        # float(np.float32) is exact; repr of a Python float round-trips.
        return [float(v) for v in np.asarray(a, dtype=np.float32).ravel()]

    def const(name, a):
        return {"name": name, "shape": list(a.shape), "dtype": "float32", "data": flat(a)}

    model = {
        "format": "tessera.model",
        "version": 1,
        "name": "digits_cnn",
        "doc": (
            "Handwritten digit classifier for 8x8 grey images in [0,1] "
            "(UCI optical digits as shipped by scikit-learn; 1437 train / 360 test). "
            "Conv 8x3x3 pad 1 + Relu + MaxPool 2x2 -> Conv 16x3x3 pad 1 + Relu + "
            "MaxPool 2x2 -> Flatten -> Gemm 64->10 -> Softmax. "
            f"Trained by Examples/train_digits_cnn.py (numpy, Adam, {EPOCHS} epochs, "
            f"batch {BATCH}, seed {SEED}); test accuracy {test_acc * 100:.2f}% "
            f"({correct}/{len(yte)})."
        ),
        "inputs": [{"name": "image", "shape": [1, 1, 8, 8], "dtype": "float32"}],
        "outputs": [{"name": "probabilities", "shape": [1, 10], "dtype": "float32"}],
        "constants": [
            const("conv1_w", p32["w1"]), const("conv1_b", p32["b1"]),
            const("conv2_w", p32["w2"]), const("conv2_b", p32["b2"]),
            const("fc_w", p32["w3"]), const("fc_b", p32["b3"]),
        ],
        "nodes": [
            {"name": "conv1", "op": "Conv", "inputs": ["image", "conv1_w", "conv1_b"],
             "outputs": ["conv1_out"],
             "attributes": {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "strides": [1, 1]}},
            {"name": "relu1", "op": "Relu", "inputs": ["conv1_out"], "outputs": ["relu1_out"]},
            {"name": "pool1", "op": "MaxPool", "inputs": ["relu1_out"], "outputs": ["pool1_out"],
             "attributes": {"kernel_shape": [2, 2], "strides": [2, 2]}},
            {"name": "conv2", "op": "Conv", "inputs": ["pool1_out", "conv2_w", "conv2_b"],
             "outputs": ["conv2_out"],
             "attributes": {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "strides": [1, 1]}},
            {"name": "relu2", "op": "Relu", "inputs": ["conv2_out"], "outputs": ["relu2_out"]},
            {"name": "pool2", "op": "MaxPool", "inputs": ["relu2_out"], "outputs": ["pool2_out"],
             "attributes": {"kernel_shape": [2, 2], "strides": [2, 2]}},
            {"name": "flatten", "op": "Flatten", "inputs": ["pool2_out"], "outputs": ["flat"],
             "attributes": {"axis": 1}},
            {"name": "fc", "op": "Gemm", "inputs": ["flat", "fc_w", "fc_b"], "outputs": ["logits"],
             "attributes": {"transB": 1}},
            {"name": "softmax", "op": "Softmax", "inputs": ["logits"], "outputs": ["probabilities"],
             "attributes": {"axis": -1}},
        ],
    }
    with open(os.path.join(HERE, "digits_cnn.json"), "w") as fh:
        fh.write(dump_model(model))

    x0 = xte[SAMPLE_INDEX].astype(np.float32)
    sample = {"image": {"shape": [1, 1, 8, 8], "data": flat(x0)}}
    with open(os.path.join(HERE, "digits_cnn.input.json"), "w") as fh:
        json.dump(sample, fh)
        fh.write("\n")
    probs = softmax(forward(p32, x0[None].astype(np.float32)).astype(np.float64))[0]
    print(f"sample: test[{SAMPLE_INDEX}] label {int(yte[SAMPLE_INDEX])}, "
          f"predicted {int(probs.argmax())} (p={probs.max():.4f})")


if __name__ == "__main__":
    main()
