"""Golden cases from TensorFlow for crates/cnn-core/tests/golden.rs.

    /tmp/tfenv/bin/python crates/cnn-core/tests/golden/make_golden.py

Writes golden.json beside this script: small inputs (seeded), and what
TensorFlow computes for them (forward values and gradients of sum(y * r)).
"""
import json
import os

import numpy as np
import tensorflow as tf

rng = np.random.default_rng(2021)


def arr(shape):
    return rng.uniform(-1, 1, size=shape).astype(np.float32)


def flat(t):
    return [float(v) for v in np.asarray(t).reshape(-1)]


cases = []


def conv_case(name, x_shape, f_shape, strides, padding, dilations=(1, 1)):
    x = tf.constant(arr(x_shape))
    w = tf.constant(arr(f_shape))
    with tf.GradientTape() as tape:
        tape.watch([x, w])
        y = tf.nn.conv2d(x, w, strides=strides, padding=padding, dilations=dilations)
        r = tf.constant(arr(y.shape))
        loss = tf.reduce_sum(y * r)
    # TF's CPU backprop kernels refuse dilation > 1: forward only then.
    dx, dw = tape.gradient(loss, [x, w]) if max(dilations) == 1 else ([], [])
    pad = padding if isinstance(padding, str) else [p for pair in padding[1:3] for p in pair]
    cases.append({"kind": "conv2d", "name": name, "x_shape": list(x_shape), "f_shape": list(f_shape),
                  "strides": list(strides), "dilations": list(dilations), "padding": pad,
                  "x": flat(x), "w": flat(w), "r": flat(r), "y_shape": list(y.shape),
                  "y": flat(y), "dx": flat(dx), "dw": flat(dw)})


def pool_case(name, kind, x_shape, ksize, strides, padding):
    x = tf.constant(arr(x_shape))
    with tf.GradientTape() as tape:
        tape.watch(x)
        f = tf.nn.max_pool2d if kind == "max" else tf.nn.avg_pool2d
        y = f(x, ksize=ksize, strides=strides, padding=padding)
        r = tf.constant(arr(y.shape))
        loss = tf.reduce_sum(y * r)
    dx = tape.gradient(loss, x)
    cases.append({"kind": kind + "_pool", "name": name, "x_shape": list(x_shape), "ksize": list(ksize),
                  "strides": list(strides), "padding": padding, "x": flat(x), "r": flat(r),
                  "y_shape": list(y.shape), "y": flat(y), "dx": flat(dx)})


def softmax_xent_case(name, rows, classes):
    logits = tf.constant(arr((rows, classes)) * 3)
    labels = rng.integers(0, classes, size=rows)
    with tf.GradientTape() as tape:
        tape.watch(logits)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
    d = tape.gradient(loss, logits)
    cases.append({"kind": "sparse_softmax_xent", "name": name, "rows": rows, "classes": classes,
                  "logits": flat(logits), "labels": [int(v) for v in labels], "loss": float(loss), "dlogits": flat(d)})


def batchnorm_case(name, x_shape, eps):
    x = tf.constant(arr(x_shape))
    c = x_shape[-1]
    gamma = tf.constant(arr((c,)) + 1.5)
    beta = tf.constant(arr((c,)))
    with tf.GradientTape() as tape:
        tape.watch([x, gamma, beta])
        mean, var = tf.nn.moments(x, axes=list(range(len(x_shape) - 1)))
        y = tf.nn.batch_normalization(x, mean, var, beta, gamma, eps)
        r = tf.constant(arr(y.shape))
        loss = tf.reduce_sum(y * r)
    dx, dg, db = tape.gradient(loss, [x, gamma, beta])
    cases.append({"kind": "batchnorm", "name": name, "x_shape": list(x_shape), "epsilon": eps,
                  "x": flat(x), "gamma": flat(gamma), "beta": flat(beta), "r": flat(r),
                  "y": flat(y), "mean": flat(mean), "variance": flat(var),
                  "dx": flat(dx), "dgamma": flat(dg), "dbeta": flat(db)})


conv_case("seed ones 3x3 2x2 SAME", (1, 3, 3, 1), (2, 2, 1, 1), (1, 1), "SAME")
conv_case("x=[2,7,6,3] f=[3,3,3,4] s=1 SAME", (2, 7, 6, 3), (3, 3, 3, 4), (1, 1), "SAME")
conv_case("x=[1,9,8,2] f=[5,5,2,3] s=2 SAME", (1, 9, 8, 2), (5, 5, 2, 3), (2, 2), "SAME")
conv_case("x=[1,8,7,3] f=[3,2,3,2] s=[2,3] VALID", (1, 8, 7, 3), (3, 2, 3, 2), (2, 3), "VALID")
conv_case("x=[1,6,6,2] f=[3,3,2,2] explicit [[2,0],[1,3]]", (1, 6, 6, 2), (3, 3, 2, 2), (1, 1), [[0, 0], [2, 0], [1, 3], [0, 0]])
conv_case("x=[1,9,9,2] f=[3,3,2,3] dilation 2 SAME", (1, 9, 9, 2), (3, 3, 2, 3), (1, 1), "SAME", (2, 2))
conv_case("x=[2,6,6,16] f=[3,3,16,8] s=1 SAME (winograd)", (2, 6, 6, 16), (3, 3, 16, 8), (1, 1), "SAME")
pool_case("max x=[2,5,7,3] k=3 s=2 SAME", "max", (2, 5, 7, 3), (3, 3), (2, 2), "SAME")
pool_case("avg x=[2,5,7,3] k=3 s=2 SAME", "avg", (2, 5, 7, 3), (3, 3), (2, 2), "SAME")
pool_case("max x=[1,6,6,2] k=2 s=2 VALID", "max", (1, 6, 6, 2), (2, 2), (2, 2), "VALID")
pool_case("avg x=[1,7,7,1] k=[2,3] s=[1,2] VALID", "avg", (1, 7, 7, 1), (2, 3), (1, 2), "VALID")
softmax_xent_case("6 rows x 5 classes", 6, 5)
batchnorm_case("x=[2,3,3,4] eps=1e-3", (2, 3, 3, 4), 1e-3)

def depthwise_case(name, x_shape, f_shape, strides, padding, dilations=(1, 1)):
    x = tf.constant(arr(x_shape))
    w = tf.constant(arr(f_shape))
    with tf.GradientTape() as tape:
        tape.watch([x, w])
        y = tf.nn.depthwise_conv2d(x, w, strides=[1, strides[0], strides[1], 1], padding=padding, dilations=dilations)
        r = tf.constant(arr(y.shape))
        loss = tf.reduce_sum(y * r)
    dx, dw = tape.gradient(loss, [x, w])
    pad = padding if isinstance(padding, str) else [p for pair in padding[1:3] for p in pair]
    cases.append({"kind": "depthwise_conv2d", "name": name, "x_shape": list(x_shape), "f_shape": list(f_shape),
                  "strides": list(strides), "dilations": list(dilations), "padding": pad,
                  "x": flat(x), "w": flat(w), "r": flat(r), "y_shape": list(y.shape),
                  "y": flat(y), "dx": flat(dx), "dw": flat(dw)})


def resize_case(name, method, x_shape, size, align_corners=False, half_pixel_centers=False):
    x = tf.constant(arr(x_shape))
    with tf.GradientTape() as tape:
        tape.watch(x)
        if method == "nearest":
            y = tf.compat.v1.image.resize_nearest_neighbor(x, size, align_corners=align_corners, half_pixel_centers=half_pixel_centers)
        else:
            y = tf.compat.v1.image.resize_bilinear(x, size, align_corners=align_corners, half_pixel_centers=half_pixel_centers)
        r = tf.constant(arr(y.shape))
        loss = tf.reduce_sum(y * r)
    dx = tape.gradient(loss, x)
    cases.append({"kind": "resize", "name": name, "method": method, "x_shape": list(x_shape), "size": list(size),
                  "align_corners": align_corners, "half_pixel_centers": half_pixel_centers,
                  "x": flat(x), "r": flat(r), "y": flat(y), "dx": flat(dx)})


# Appended after the cases above so their seeded inputs stay the same.
depthwise_case("dw x=[2,7,6,3] f=[3,3,3,1] s=1 SAME", (2, 7, 6, 3), (3, 3, 3, 1), (1, 1), "SAME")
depthwise_case("dw x=[1,9,8,5] f=[3,3,5,2] s=2 SAME", (1, 9, 8, 5), (3, 3, 5, 2), (2, 2), "SAME")
depthwise_case("dw x=[1,8,7,4] f=[5,3,4,1] s=[2,1] VALID", (1, 8, 7, 4), (5, 3, 4, 1), (2, 1), "VALID")
depthwise_case("dw x=[1,9,9,6] f=[3,3,6,1] dilation 2 SAME", (1, 9, 9, 6), (3, 3, 6, 1), (1, 1), "SAME", (2, 2))
depthwise_case("dw x=[1,6,6,8] f=[3,3,8,1] explicit [[2,0],[1,2]]", (1, 6, 6, 8), (3, 3, 8, 1), (1, 1), [[0, 0], [2, 0], [1, 2], [0, 0]])
resize_case("nearest x=[2,3,5,4] to 6x10", "nearest", (2, 3, 5, 4), (6, 10))
resize_case("bilinear x=[2,3,5,4] to 9x10", "bilinear", (2, 3, 5, 4), (9, 10))
resize_case("bilinear half-pixel x=[1,4,3,5] to 8x9", "bilinear", (1, 4, 3, 5), (8, 9), half_pixel_centers=True)
resize_case("bilinear align-corners x=[1,4,3,2] to 7x5", "bilinear", (1, 4, 3, 2), (7, 5), align_corners=True)
resize_case("nearest half-pixel x=[1,3,4,3] to 7x5", "nearest", (1, 3, 4, 3), (7, 5), half_pixel_centers=True)

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden.json")
with open(out, "w") as f:
    json.dump({"generator": "make_golden.py", "tensorflow": tf.__version__, "cases": cases}, f)
print(f"wrote {len(cases)} cases to {out}")
