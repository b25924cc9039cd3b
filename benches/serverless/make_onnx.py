#!/usr/bin/env python3
"""Writes the ONNX twin of a model saved by cnn-ts (`npm run train`,
`model.save('file://...')`): the same weights, the same layers, for the
onnxruntime-node contender of benches/serverless.mjs.

    python benches/serverless/make_onnx.py MODEL_DIR [--out FILE] [--check OUT.json]

Needs `onnx` and `numpy` from PyPI (a development tool: neither the library
nor CI runs Python). Reads MODEL_DIR/model.json and its weight shards (the
TF.js layers format) and writes MODEL_DIR/model.onnx (opset 17): input
`input` [batch, h, w, c] float32 as Keras takes it, output `output` (the last
layer's activations). Inside, the convolutions run in ONNX's NCHW layout;
Flatten transposes back to NHWC first, so Dense sees Keras's order.

Layers: Conv2D, MaxPooling2D, AveragePooling2D, Flatten, Dense, Dropout
(an identity at inference), Activation; activations linear, relu, sigmoid,
tanh, softmax. Anything else is an error naming the layer.

--check OUT.json: also runs the ONNX file with onnx's reference evaluator
on a few deterministic inputs and writes them with its outputs (what
tests/onnx-export.test.ts compares cnn-ts's predict with).
"""
import argparse
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

DTYPES = {"float32": np.float32, "int32": np.int32}


def read_weights(model_dir, manifest):
    """name -> ndarray, from the shards listed in weightsManifest (in order)."""
    out = {}
    for group in manifest:
        data = b"".join(open(os.path.join(model_dir, p), "rb").read() for p in group["paths"])
        offset = 0
        for w in group["weights"]:
            dtype = DTYPES[w.get("dtype", "float32")]
            n = int(np.prod(w["shape"])) if w["shape"] else 1
            size = n * np.dtype(dtype).itemsize
            out[w["name"]] = np.frombuffer(data[offset : offset + size], dtype=dtype).reshape(w["shape"])
            offset += size
    return out


def layer_weight(weights, layer, suffix):
    """The layer's weight by its saved name (`conv2d/kernel`, or a scoped `model/conv2d/kernel`)."""
    name = layer["config"]["name"]
    for key in (f"{name}/{suffix}",):
        if key in weights:
            return weights[key]
    hits = [k for k in weights if k.endswith(f"/{name}/{suffix}")]
    if len(hits) == 1:
        return weights[hits[0]]
    raise SystemExit(f"make_onnx: layer {name}: no weight {name}/{suffix} in the shards")


def pair(v):
    return list(v) if isinstance(v, (list, tuple)) else [v, v]


class Graph:
    def __init__(self):
        self.nodes, self.inits, self.n = [], [], 0

    def name(self, base):
        self.n += 1
        return f"{base}_{self.n}"

    def const(self, base, array):
        n = self.name(base)
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(array), n))
        return n

    def op(self, op_type, inputs, **attrs):
        out = self.name(op_type.lower())
        self.nodes.append(helper.make_node(op_type, inputs, [out], **attrs))
        return out


def activation(g, x, act, where):
    if act in (None, "linear"):
        return x
    table = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh"}
    if act in table:
        return g.op(table[act], [x])
    if act == "softmax":
        return g.op("Softmax", [x], axis=-1)
    raise SystemExit(f"make_onnx: {where}: activation {act!r} is not supported (linear, relu, sigmoid, tanh, softmax)")


def convert(model_json, weights):
    topo = model_json["modelTopology"]
    config = topo.get("model_config", topo)
    if config["class_name"] != "Sequential":
        raise SystemExit(f"make_onnx: only Sequential models, got {config['class_name']}")
    layers = config["config"]["layers"] if isinstance(config["config"], dict) else config["config"]
    first = layers[0]["config"]
    shape = first.get("batch_input_shape") or first.get("batch_shape")
    if shape is None or len(shape) != 4:
        raise SystemExit(f"make_onnx: the first layer needs a 4-d batch_input_shape [null, h, w, c], got {shape}")
    g = Graph()
    x = g.op("Transpose", ["input"], perm=[0, 3, 1, 2])
    nchw = True
    for layer in layers:
        cls, c = layer["class_name"], layer["config"]
        where = f"layer {c['name']} ({cls})"
        if cls == "InputLayer":
            continue
        if cls == "Conv2D":
            if c.get("data_format", "channels_last") != "channels_last" or pair(c.get("dilation_rate", 1)) != [1, 1] or c.get("groups", 1) != 1:
                raise SystemExit(f"make_onnx: {where}: only channels_last, undilated, ungrouped convolutions")
            k = layer_weight(weights, layer, "kernel")  # [kh, kw, cin, cout]
            inputs = [x, g.const("W", k.transpose(3, 2, 0, 1))]
            if c.get("use_bias", True):
                inputs.append(g.const("B", layer_weight(weights, layer, "bias")))
            pad = {"same": "SAME_UPPER", "valid": "VALID"}[c["padding"]]
            x = g.op("Conv", inputs, kernel_shape=list(k.shape[:2]), strides=pair(c["strides"]), auto_pad=pad)
            x = activation(g, x, c.get("activation"), where)
        elif cls in ("MaxPooling2D", "AveragePooling2D"):
            pool = pair(c["pool_size"])
            strides = pair(c.get("strides") or c["pool_size"])
            pad = {"same": "SAME_UPPER", "valid": "VALID"}[c["padding"]]
            attrs = {"kernel_shape": pool, "strides": strides, "auto_pad": pad}
            if cls == "AveragePooling2D":
                # Keras averages over the cells inside the image (count_include_pad=0).
                attrs["count_include_pad"] = 0
            x = g.op("MaxPool" if cls == "MaxPooling2D" else "AveragePool", [x], **attrs)
        elif cls == "Flatten":
            if nchw:
                x = g.op("Transpose", [x], perm=[0, 2, 3, 1])
                nchw = False
            x = g.op("Flatten", [x], axis=1)
        elif cls == "Dense":
            w = layer_weight(weights, layer, "kernel")  # [in, out]
            y = g.op("MatMul", [x, g.const("W", w)])
            if c.get("use_bias", True):
                y = g.op("Add", [y, g.const("B", layer_weight(weights, layer, "bias"))])
            x = activation(g, y, c.get("activation"), where)
        elif cls == "Dropout":
            continue
        elif cls == "Activation":
            x = activation(g, x, c["activation"], where)
        else:
            raise SystemExit(f"make_onnx: {where} is not supported (Conv2D, MaxPooling2D, AveragePooling2D, Flatten, Dense, Dropout, Activation)")
    nchw_at_end = nchw
    if nchw:
        x = g.op("Transpose", [x], perm=[0, 2, 3, 1])
    g.nodes.append(helper.make_node("Identity", [x], ["output"]))
    graph = helper.make_graph(
        g.nodes,
        "cnn_ts_model",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", *shape[1:]])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", "h", "w", "c"] if nchw_at_end else ["batch", "n"])],
        g.inits,
    )
    model = helper.make_model(graph, producer_name="cnn-ts make_onnx.py", opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    return model, shape


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model_dir")
    ap.add_argument("--out", help="default: MODEL_DIR/model.onnx")
    ap.add_argument("--check", help="write reference inputs and outputs (onnx's reference evaluator) to this JSON file")
    args = ap.parse_args()
    model_json = json.load(open(os.path.join(args.model_dir, "model.json")))
    weights = read_weights(args.model_dir, model_json["weightsManifest"])
    model, shape = convert(model_json, weights)
    out = args.out or os.path.join(args.model_dir, "model.onnx")
    onnx.save(model, out)
    print(f"make_onnx: {out} ({os.path.getsize(out)} bytes, {len(model.graph.node)} nodes)")
    if args.check:
        from onnx.reference import ReferenceEvaluator

        rng = np.random.default_rng(1)
        x = rng.random((3, *shape[1:]), dtype=np.float32)
        (y,) = ReferenceEvaluator(model).run(None, {"input": x})
        json.dump({"inputShape": list(x.shape), "input": x.ravel().tolist(), "outputShape": list(y.shape), "output": y.ravel().tolist()}, open(args.check, "w"))
        print(f"make_onnx: {args.check}: {x.shape[0]} inputs and the reference evaluator's outputs")


if __name__ == "__main__":
    sys.exit(main())
