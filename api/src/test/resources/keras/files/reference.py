#!/usr/bin/env python3
"""Independent reference forward pass for the Keras model fixtures listed in fixtures.json.

Reads every fixture with h5py, zipfile, json and numpy only (no Keras, no TensorFlow):
its own reading of the Keras model config JSON and of the weight layouts of
  * Keras 2 full-model HDF5 (model.save('m.h5')): /model_weights/<layer>/<weight_name>,
  * Keras 2 weights-only HDF5 (model.save_weights) plus the model.to_json() config,
  * Keras 3 legacy HDF5 (same layout, Keras 3 weight names),
  * Keras 3 / tf-keras 2.13-2.15 '.keras' zips (config.json + model.weights.h5 with
    layers/<snake_case_class>[_N]/vars/<i> groups),
  * TensorFlow.js layers models (model.json with modelTopology + weightsManifest, binary shards),
and implements the layers in numpy (float64, NHWC). For each fixture it writes
expected/<name>.csv: the model's class probabilities for the first 300 test images, one row per
image, '%.8e' values separated by commas (the softmax of the logits when the model ends in
logits). Unless --no-accuracy is given it also measures top-1 accuracy on all 10,000 test images
and records it as reference_accuracy_10000 in fixtures.json.

Where the model files are: the first of --models DIR, $SIGHTLINE_KERAS_FIXTURES,
../shared/keras-fixtures relative to the project root, and this script's folder that holds them.
Datasets: ../shared/datasets/cifar-10-jpeg75-binary.tar.gz relative to the project root, and the
Fashion-MNIST IDX files of Debian's dataset-fashion-mnist package ($FASHION_MNIST_DIR overrides).

Usage: python3 reference.py [--only NAME ...] [--no-accuracy] [--models DIR]
"""
import argparse
import gzip
import hashlib
import io
import json
import math
import os
import re
import sys
import tarfile
import time
import zipfile

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
EXPECTED_IMAGES = 300
DTYPE = np.float64


# --------------------------------------------------------------------------------------------
# Locations
# --------------------------------------------------------------------------------------------

def project_root():
    d = HERE
    while True:
        if os.path.isfile(os.path.join(d, "mvnw")) and os.path.isdir(os.path.join(d, "api")):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            raise SystemExit("reference.py: cannot find the project root (a folder with mvnw and api/) above " + HERE)
        d = parent


def models_dir(explicit, manifest):
    candidates = []
    if explicit:
        candidates.append(explicit)
    if os.environ.get("SIGHTLINE_KERAS_FIXTURES"):
        candidates.append(os.environ["SIGHTLINE_KERAS_FIXTURES"])
    candidates.append(os.path.join(project_root(), "..", "shared", "keras-fixtures"))
    candidates.append(HERE)
    for c in candidates:
        if all(os.path.exists(os.path.join(c, f["file"])) for f in manifest):
            return os.path.normpath(c)
    raise SystemExit("reference.py: the model files are in none of: " + ", ".join(candidates))


# --------------------------------------------------------------------------------------------
# Datasets
# --------------------------------------------------------------------------------------------

def load_cifar10_test():
    path = os.path.join(project_root(), "..", "shared", "datasets", "cifar-10-jpeg75-binary.tar.gz")
    with tarfile.open(path, "r:gz") as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("test_batch.bin"))
        raw = np.frombuffer(tar.extractfile(member).read(), dtype=np.uint8)
    records = raw.reshape(-1, 3073)
    labels = records[:, 0].astype(np.int64)
    # label byte, then 1024 red, 1024 green, 1024 blue bytes (row-major 32x32 planes) -> NHWC
    images = records[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return images, labels


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    zero, dtype_code, ndim = data[0] * 256 + data[1], data[2], data[3]
    if zero != 0 or dtype_code != 0x08:
        raise ValueError("not an unsigned-byte IDX file: " + path)
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_fashion_mnist_test():
    d = os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")
    images = read_idx(os.path.join(d, "t10k-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(d, "t10k-labels-idx1-ubyte.gz")).astype(np.int64)
    return images[..., None], labels


DATASETS = {"cifar10": load_cifar10_test, "fashion-mnist": load_fashion_mnist_test}


def preprocess(images, fixture):
    x = images.astype(DTYPE) * fixture["scale"]
    if fixture.get("mean") is not None:
        x = x - np.asarray(fixture["mean"], dtype=DTYPE)
    if fixture.get("std") is not None:
        x = x / np.asarray(fixture["std"], dtype=DTYPE)
    return x


# --------------------------------------------------------------------------------------------
# Model config (the Keras JSON) -> a graph of layer specs
# --------------------------------------------------------------------------------------------

MODEL_CLASSES = ("Sequential", "Functional", "Model")


class Layer:
    def __init__(self, class_name, config, keras_major):
        self.class_name = class_name
        self.config = config
        self.name = config.get("name")
        self.keras_major = keras_major
        self.weights = {}          # variable name ('kernel', 'bias', 'gamma', ...) -> array
        self.nodes = []            # functional only: list of input references per call
        self.model = None          # nested model, for Sequential/Functional layers

    def __repr__(self):
        return "%s(%s)" % (self.class_name, self.name)


class Graph:
    """A Sequential or Functional model: layers in config order plus wiring."""

    def __init__(self, kind, name, layers, inputs=None, outputs=None):
        self.kind = kind           # 'Sequential' or 'Functional'
        self.name = name
        self.layers = layers
        self.inputs = inputs       # functional: [(layer, node, tensor)]
        self.outputs = outputs

    def by_name(self):
        return {l.name: l for l in self.layers}


def history_ref(ref):
    """[name, node, tensor(, kwargs)] -> (name, node, tensor)."""
    return (ref[0], int(ref[1]), int(ref[2]))


def refs_in(obj):
    """All Keras 3 '__keras_tensor__' references inside an inbound-node 'args' structure, in order."""
    found = []
    if isinstance(obj, dict):
        if obj.get("class_name") == "__keras_tensor__":
            found.append(history_ref(obj["config"]["keras_history"]))
        else:
            for v in obj.values():
                found.extend(refs_in(v))
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            found.extend(refs_in(v))
    return found


def parse_nodes(inbound_nodes):
    nodes = []
    for node in inbound_nodes or []:
        if isinstance(node, dict):                      # Keras 3: {"args": [...], "kwargs": {...}}
            nodes.append(refs_in(node.get("args", [])))
        else:                                           # Keras 2: [[name, node, tensor, kwargs], ...]
            nodes.append([history_ref(r) for r in node])
    return nodes


def io_refs(spec):
    if spec and not isinstance(spec[0], (list, tuple)):   # a single ["name", 0, 0]
        spec = [spec]
    return [history_ref(r) for r in spec]


def parse_model(cfg, keras_major):
    kind = cfg["class_name"]
    conf = cfg["config"]
    if kind == "Sequential":
        layer_cfgs = conf["layers"] if isinstance(conf, dict) else conf   # Keras 2.0-2.1: a bare list
        name = conf.get("name", "sequential") if isinstance(conf, dict) else "sequential"
        layers = [parse_layer(l, keras_major) for l in layer_cfgs]
        return Graph("Sequential", name, layers)
    if kind in ("Functional", "Model"):
        layers = []
        for l in conf["layers"]:
            layer = parse_layer(l, keras_major)
            layer.nodes = parse_nodes(l.get("inbound_nodes"))
            if l.get("name"):
                layer.name = l["name"]
            layers.append(layer)
        return Graph("Functional", conf.get("name"), layers, io_refs(conf["input_layers"]), io_refs(conf["output_layers"]))
    raise ValueError("unsupported model class " + kind)


def parse_layer(l, keras_major):
    layer = Layer(l["class_name"], l.get("config", {}), keras_major)
    if layer.class_name in MODEL_CLASSES:
        layer.model = parse_model(l, keras_major)
        layer.name = layer.config.get("name", layer.model.name)
    if layer.config.get("trainable") is False and layer.class_name not in ("InputLayer",):
        # Not a reason to compute differently, but Sightline refuses such files: keep them out.
        print("  note: layer %s is trainable: false" % layer.name)
    return layer


def input_shape_of(graph):
    first = graph.layers[0]
    c = first.config
    shape = c.get("batch_shape") or c.get("batch_input_shape")
    if shape is None and first.model is not None:
        return input_shape_of(first.model)
    if shape is None:
        raise ValueError("no input shape in the config of " + first.name)
    return list(shape[1:])


# --------------------------------------------------------------------------------------------
# Weights
# --------------------------------------------------------------------------------------------

def weight_var_names(layer):
    """The variables a layer owns, in the order Keras creates (and .keras files number) them."""
    c, k = layer.config, layer.class_name
    bias = ["bias"] if c.get("use_bias", True) else []
    if k in ("Conv2D", "Conv1D", "Conv2DTranspose", "Dense", "DepthwiseConv2D"):
        return ["kernel"] + bias
    if k == "SeparableConv2D":
        return ["depthwise_kernel", "pointwise_kernel"] + bias
    if k == "BatchNormalization":
        return (["gamma"] if c.get("scale", True) else []) + (["beta"] if c.get("center", True) else []) \
            + ["moving_mean", "moving_variance"]
    if k == "LayerNormalization":
        return (["gamma"] if c.get("scale", True) else []) + (["beta"] if c.get("center", True) else [])
    if k == "PReLU":
        return ["alpha"]
    if k == "Normalization":
        return ["mean", "variance", "count"]
    return []


def decode(s):
    return s.decode("utf-8") if isinstance(s, bytes) else str(s)


def all_layers(graph):
    for l in graph.layers:
        yield l
        if l.model is not None:
            yield from all_layers(l.model)


def assign_named(layer, names, arrays):
    """Keras 2/3 HDF5 and tfjs: each weight is named '.../<layer>/<var>[:0]'."""
    nested = {l.name: l for l in all_layers(layer.model)} if layer.model is not None else {}
    for full, arr in zip(names, arrays):
        parts = full.split(":")[0].split("/")
        var = parts[-1]
        owner = layer
        if layer.model is not None:
            if len(parts) < 2 or parts[-2] not in nested:
                raise ValueError("cannot place weight %s of nested model %s" % (full, layer.name))
            owner = nested[parts[-2]]
        if var == "depthwise_kernel" and owner.class_name == "DepthwiseConv2D":
            var = "kernel"
        owner.weights[var] = np.asarray(arr, dtype=DTYPE)


def load_hdf5_weights(graph, group):
    """/model_weights (or the root of a save_weights file): one group per top-level layer."""
    layers = graph.by_name()
    for name in [decode(n) for n in group.attrs["layer_names"]]:
        g = group[name]
        names = [decode(n) for n in g.attrs.get("weight_names", [])]
        if not names:
            continue
        layer = layers[name]
        assign_named(layer, names, [g[n][()] for n in names])


def snake_case(class_name):
    # Keras names the groups of a .keras weights file after the class: Conv2D -> conv2d,
    # BatchNormalization -> batch_normalization, ReLU -> re_lu, InputLayer -> input_layer.
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", class_name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()


def flatten_h5(h5):
    """Every dataset and group of a weights file, by path with '\\' read as '/'."""
    out = {}

    def visit(name, obj):
        out[name.replace("\\", "/")] = obj
    h5.visititems(visit)
    return out


def load_keras_zip_weights(graph, items, prefix=""):
    """model.weights.h5 of a .keras zip: <prefix>layers/<snake_class>[_N]/vars/<i>, positional."""
    container = "layers"
    if not any(p.startswith(prefix + "layers/") for p in items) and \
            any(p.startswith(prefix + "_layer_checkpoint_dependencies/") for p in items):
        container = "_layer_checkpoint_dependencies"
    counts = {}
    for layer in graph.layers:
        if graph.kind == "Sequential" and layer.class_name == "InputLayer":
            continue                               # Sequential.layers leaves the InputLayer out
        base = snake_case(layer.class_name)
        n = counts.get(base, 0)
        counts[base] = n + 1
        path = prefix + container + "/" + (base if n == 0 else "%s_%d" % (base, n))
        if container == "_layer_checkpoint_dependencies" and path not in items:
            path = prefix + container + "/" + layer.name
        if layer.model is not None:
            load_keras_zip_weights(layer.model, items, path + "/")
            continue
        names = weight_var_names(layer)
        vars_path = path + "/vars"
        present = sorted((int(p.rsplit("/", 1)[1]) for p in items
                          if p.startswith(vars_path + "/") and p.count("/") == vars_path.count("/") + 1))
        if len(present) != len(names):
            raise ValueError("%s: expected %d variables %s under %s, found %d" % (layer, len(names), names, vars_path, len(present)))
        for i, var in enumerate(names):
            layer.weights[var] = np.asarray(items["%s/%d" % (vars_path, i)][()], dtype=DTYPE)


def load_tfjs_weights(graph, model_json, folder):
    layers = graph.by_name()
    for group in model_json["weightsManifest"]:
        blob = b"".join(open(os.path.join(folder, p), "rb").read() for p in group["paths"])
        offset = 0
        for w in group["weights"]:
            if w.get("quantization") or w["dtype"] != "float32":
                raise ValueError("unsupported tfjs weight encoding in " + w["name"])
            count = int(np.prod(w["shape"])) if w["shape"] else 1
            arr = np.frombuffer(blob, dtype="<f4", count=count, offset=offset).reshape(w["shape"])
            offset += 4 * count
            parts = w["name"].split("/")
            top = next(p for p in parts if p in layers)
            assign_named(layers[top], [w["name"]], [arr])


# --------------------------------------------------------------------------------------------
# Reading a fixture
# --------------------------------------------------------------------------------------------

def keras_major(version):
    return int(str(version).split(".")[0])


def read_fixture(path, fmt, config_path=None):
    """Returns (graph, keras_version)."""
    if fmt == "h5":
        with h5py.File(path, "r") as f:
            version = decode(f.attrs["keras_version"])
            graph = parse_model(json.loads(decode(f.attrs["model_config"])), keras_major(version))
            load_hdf5_weights(graph, f["model_weights"])
        return graph, version
    if fmt == "h5-weights+json":
        with open(config_path) as cf:
            cfg = json.load(cf)
        with h5py.File(path, "r") as f:
            version = decode(f.attrs["keras_version"])
            graph = parse_model(cfg, keras_major(version))
            load_hdf5_weights(graph, f)
        return graph, version
    if fmt in ("keras", "tf-keras"):
        with zipfile.ZipFile(path) as z:
            version = json.loads(z.read("metadata.json"))["keras_version"]
            graph = parse_model(json.loads(z.read("config.json")), keras_major(version))
            with h5py.File(io.BytesIO(z.read("model.weights.h5")), "r") as f:
                load_keras_zip_weights(graph, flatten_h5(f))
        return graph, version
    if fmt == "tfjs":
        with open(path) as jf:
            mj = json.load(jf)
        topo = mj["modelTopology"]
        version = topo.get("keras_version") or mj.get("generatedBy", "").split("v")[-1]
        cfg = topo.get("model_config", topo)
        graph = parse_model(cfg, keras_major(version))
        load_tfjs_weights(graph, mj, os.path.dirname(path))
        return graph, version
    raise ValueError("unknown format " + fmt)


# --------------------------------------------------------------------------------------------
# Layer arithmetic (NHWC)
# --------------------------------------------------------------------------------------------

def pair(v):
    if isinstance(v, int):
        return (v, v)
    return tuple(int(a) for a in v)


def out_and_pads(n, k, s, d, padding):
    eff = (k - 1) * d + 1
    if padding == "valid":
        return (n - eff) // s + 1, 0, 0
    if padding == "same":                          # TensorFlow: the odd pixel goes after
        out = -(-n // s)
        total = max((out - 1) * s + eff - n, 0)
        return out, total // 2, total - total // 2
    raise ValueError("unsupported padding " + padding)


def windows(x, kh, kw, strides, padding, dilation=(1, 1), fill=0.0):
    """(N, oh, ow, kh*kw, C) patches of x with Keras/TF padding semantics."""
    n, h, w, c = x.shape
    (sh, sw), (dh, dw) = strides, dilation
    oh, top, bottom = out_and_pads(h, kh, sh, dh, padding)
    ow, left, right = out_and_pads(w, kw, sw, dw, padding)
    if top or bottom or left or right:
        x = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=fill)
    cols = [x[:, i * dh: i * dh + (oh - 1) * sh + 1: sh, j * dw: j * dw + (ow - 1) * sw + 1: sw, :]
            for i in range(kh) for j in range(kw)]
    return np.stack(cols, axis=3)


def check_channels_last(layer):
    if layer.config.get("data_format", "channels_last") != "channels_last":
        raise ValueError("%s: only channels_last is supported" % layer)


def conv2d(layer, x):
    c = layer.config
    check_channels_last(layer)
    if c.get("groups", 1) != 1:
        raise ValueError("%s: grouped convolution" % layer)
    k = layer.weights["kernel"]
    kh, kw, ci, co = k.shape
    p = windows(x, kh, kw, pair(c.get("strides", 1)), c.get("padding", "valid"), pair(c.get("dilation_rate", 1)))
    y = p.reshape(p.shape[:3] + (kh * kw * ci,)) @ k.reshape(kh * kw * ci, co)
    if "bias" in layer.weights:
        y = y + layer.weights["bias"]
    return activation(c.get("activation", "linear"), y, layer)


def depthwise(x, k, strides, padding, dilation):
    kh, kw, ci, mult = k.shape
    p = windows(x, kh, kw, strides, padding, dilation)                  # N,oh,ow,kh*kw,C
    y = np.einsum("nhwkc,kcm->nhwcm", p, k.reshape(kh * kw, ci, mult))  # channel c*mult + m
    return y.reshape(y.shape[:3] + (ci * mult,))


def depthwise_conv2d(layer, x):
    c = layer.config
    check_channels_last(layer)
    y = depthwise(x, layer.weights["kernel"], pair(c.get("strides", 1)), c.get("padding", "valid"), pair(c.get("dilation_rate", 1)))
    if "bias" in layer.weights:
        y = y + layer.weights["bias"]
    return activation(c.get("activation", "linear"), y, layer)


def separable_conv2d(layer, x):
    c = layer.config
    check_channels_last(layer)
    y = depthwise(x, layer.weights["depthwise_kernel"], pair(c.get("strides", 1)), c.get("padding", "valid"), pair(c.get("dilation_rate", 1)))
    pk = layer.weights["pointwise_kernel"]
    y = y @ pk.reshape(pk.shape[2], pk.shape[3])
    if "bias" in layer.weights:
        y = y + layer.weights["bias"]
    return activation(c.get("activation", "linear"), y, layer)


def pool(layer, x, kind):
    c = layer.config
    check_channels_last(layer)
    size = pair(c.get("pool_size", 2))
    strides = pair(c.get("strides") or size)
    padding = c.get("padding", "valid")
    if kind == "max":
        return windows(x, size[0], size[1], strides, padding, fill=-np.inf).max(axis=3)
    total = windows(x, size[0], size[1], strides, padding).sum(axis=3)
    # TensorFlow's average pooling divides by the number of real (unpadded) pixels in the window
    ones = np.ones((1,) + x.shape[1:3] + (1,), dtype=x.dtype)
    count = windows(ones, size[0], size[1], strides, padding).sum(axis=3)
    return total / count


def global_pool(layer, x, kind):
    check_channels_last(layer)
    keep = bool(layer.config.get("keepdims", False))
    return (x.max if kind == "max" else x.mean)(axis=(1, 2), keepdims=keep)


def dense(layer, x):
    y = np.tensordot(x, layer.weights["kernel"], axes=([x.ndim - 1], [0]))
    if "bias" in layer.weights:
        y = y + layer.weights["bias"]
    return activation(layer.config.get("activation", "linear"), y, layer)


def norm_axes(axis, ndim):
    axes = axis if isinstance(axis, (list, tuple)) else [axis]
    return sorted(a % ndim for a in axes)


def broadcast_param(v, axes, ndim):
    shape = [1] * ndim
    for i, a in enumerate(axes):
        shape[a] = v.shape[i] if v.ndim == len(axes) else v.size
    return v.reshape(shape)


def batch_norm(layer, x):
    c, w = layer.config, layer.weights
    axes = norm_axes(c.get("axis", -1), x.ndim)
    p = lambda name: broadcast_param(w[name], axes, x.ndim)
    y = (x - p("moving_mean")) / np.sqrt(p("moving_variance") + c.get("epsilon", 1e-3))
    if "gamma" in w:
        y = y * p("gamma")
    if "beta" in w:
        y = y + p("beta")
    return y


def layer_norm(layer, x):
    c, w = layer.config, layer.weights
    axes = norm_axes(c.get("axis", -1), x.ndim)
    mean = x.mean(axis=tuple(axes), keepdims=True)
    var = x.var(axis=tuple(axes), keepdims=True)
    y = (x - mean) / np.sqrt(var + c.get("epsilon", 1e-3))
    if "gamma" in w:
        y = y * broadcast_param(w["gamma"], axes, x.ndim)
    if "beta" in w:
        y = y + broadcast_param(w["beta"], axes, x.ndim)
    return y


def normalization(layer, x):
    c, w = layer.config, layer.weights
    mean = np.asarray(c["mean"] if c.get("mean") is not None else w["mean"], dtype=DTYPE)
    var = np.asarray(c["variance"] if c.get("variance") is not None else w["variance"], dtype=DTYPE)
    if c.get("invert"):
        raise ValueError("%s: invert=True" % layer)
    return (x - mean) / np.maximum(np.sqrt(var), 1e-7)


def softmax(x, axis=-1):
    z = x - x.max(axis=axis, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
_erf = np.vectorize(math.erf, otypes=[np.float64])


def activation(spec, x, layer):
    if isinstance(spec, dict):          # Keras 3 may serialize an activation as an object
        spec = spec.get("config") if isinstance(spec.get("config"), str) else spec.get("class_name")
    name = (spec or "linear").lower()
    if name in ("linear", "none"):
        return x
    if name == "relu":
        return np.maximum(x, 0)
    if name == "relu6":
        return np.clip(x, 0, 6)
    if name == "softmax":
        return softmax(x)
    if name == "sigmoid":
        return sigmoid(x)
    if name == "tanh":
        return np.tanh(x)
    if name == "elu":
        return elu(x)
    if name == "selu":
        return SELU_SCALE * elu(x, SELU_ALPHA)
    if name in ("swish", "silu"):
        return x * sigmoid(x)
    if name == "gelu":                  # keras.activations.gelu defaults to the exact (erf) form
        return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))
    if name == "softplus":
        return np.logaddexp(0, x)
    if name == "softsign":
        return x / (1 + np.abs(x))
    if name == "hard_sigmoid":
        # Keras 2: clip(0.2 x + 0.5, 0, 1); Keras 3: relu6(x + 3) / 6
        if layer.keras_major >= 3:
            return np.clip(x / 6.0 + 0.5, 0, 1)
        return np.clip(0.2 * x + 0.5, 0, 1)
    if name == "exponential":
        return np.exp(x)
    raise ValueError("%s: unsupported activation %s" % (layer, spec))


def relu_layer(layer, x):
    c = layer.config
    slope = c.get("negative_slope", 0.0) or 0.0
    threshold = c.get("threshold", 0.0) or 0.0
    y = np.where(x >= threshold, x, slope * (x - threshold))
    if c.get("max_value") is not None:
        y = np.minimum(y, c["max_value"])
    return y


def leaky_relu(layer, x):
    c = layer.config
    slope = c.get("negative_slope", c.get("alpha", 0.3))
    return np.where(x >= 0, x, slope * x)


def prelu(layer, x):
    a = layer.weights["alpha"]        # shape of the input without batch, 1 on shared axes
    return np.maximum(x, 0) + a * np.minimum(x, 0)


def zero_padding(layer, x):
    p = layer.config.get("padding", 1)
    if isinstance(p, int):
        p = ((p, p), (p, p))
    elif isinstance(p[0], int):
        p = ((p[0], p[0]), (p[1], p[1]))
    check_channels_last(layer)
    return np.pad(x, ((0, 0), tuple(p[0]), tuple(p[1]), (0, 0)))


def cropping(layer, x):
    p = layer.config.get("cropping", 0)
    if isinstance(p, int):
        p = ((p, p), (p, p))
    elif isinstance(p[0], int):
        p = ((p[0], p[0]), (p[1], p[1]))
    check_channels_last(layer)
    (t, b), (l, r) = p
    return x[:, t: x.shape[1] - b, l: x.shape[2] - r, :]


def flatten(layer, x):
    check_channels_last(layer)
    return x.reshape(x.shape[0], -1)


def reshape(layer, x):
    return x.reshape((x.shape[0],) + tuple(layer.config["target_shape"]))


def rescaling(layer, x):
    c = layer.config
    return x * np.asarray(c.get("scale", 1.0), dtype=DTYPE) + np.asarray(c.get("offset", 0.0), dtype=DTYPE)


def merge(layer, xs):
    k = layer.class_name
    if k == "Add":
        return sum(xs[1:], xs[0])
    if k == "Subtract":
        return xs[0] - xs[1]
    if k == "Multiply":
        y = xs[0]
        for v in xs[1:]:
            y = y * v
        return y
    if k == "Average":
        return sum(xs[1:], xs[0]) / len(xs)
    if k == "Maximum":
        return np.maximum.reduce(xs)
    if k == "Minimum":
        return np.minimum.reduce(xs)
    if k == "Concatenate":
        return np.concatenate(xs, axis=layer.config.get("axis", -1))
    raise ValueError(k)


IDENTITY = {"InputLayer", "Dropout", "SpatialDropout1D", "SpatialDropout2D", "GaussianNoise",
            "GaussianDropout", "AlphaDropout", "ActivityRegularization"}
MERGE = {"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate"}
OPS = {
    "Conv2D": conv2d,
    "DepthwiseConv2D": depthwise_conv2d,
    "SeparableConv2D": separable_conv2d,
    "Dense": dense,
    "BatchNormalization": batch_norm,
    "LayerNormalization": layer_norm,
    "Normalization": normalization,
    "MaxPooling2D": lambda l, x: pool(l, x, "max"),
    "AveragePooling2D": lambda l, x: pool(l, x, "avg"),
    "GlobalMaxPooling2D": lambda l, x: global_pool(l, x, "max"),
    "GlobalAveragePooling2D": lambda l, x: global_pool(l, x, "avg"),
    "Flatten": flatten,
    "Reshape": reshape,
    "Rescaling": rescaling,
    "ZeroPadding2D": zero_padding,
    "Cropping2D": cropping,
    "Activation": lambda l, x: activation(l.config["activation"], x, l),
    "ReLU": relu_layer,
    "LeakyReLU": leaky_relu,
    "PReLU": prelu,
    "ELU": lambda l, x: elu(x, l.config.get("alpha", 1.0)),
    "Softmax": lambda l, x: softmax(x, l.config.get("axis", -1)),
}


def apply_layer(layer, inputs):
    if layer.model is not None:
        return run(layer.model, inputs[0])
    if layer.class_name in MERGE:
        return merge(layer, inputs)
    if len(inputs) != 1:
        raise ValueError("%s: expected one input, got %d" % (layer, len(inputs)))
    if layer.class_name in IDENTITY:
        return inputs[0]
    if layer.class_name not in OPS:
        raise ValueError("unsupported layer class " + layer.class_name)
    return OPS[layer.class_name](layer, inputs[0])


def run(graph, x):
    if graph.kind == "Sequential":
        for layer in graph.layers:
            x = apply_layer(layer, [x])
        return x
    values = {}
    for name, node, tensor in graph.inputs:
        values[(name, node, tensor)] = x
    pending = [(l, i, refs) for l in graph.layers for i, refs in enumerate(l.nodes)]
    while pending:
        progressed = []
        for item in pending:
            layer, i, refs = item
            if all(r in values for r in refs):
                values[(layer.name, i, 0)] = apply_layer(layer, [values[r] for r in refs])
                progressed.append(item)
        if not progressed:
            raise ValueError("cannot order the layers of " + str(graph.name))
        pending = [p for p in pending if p not in progressed]
    if len(graph.outputs) != 1:
        raise ValueError("only single-output models are supported")
    return values[graph.outputs[0]]


def output_kind(graph):
    """'softmax' when the last layer ends in a softmax, 'logits' when it is linear."""
    last = graph.layers[-1] if graph.kind == "Sequential" else graph.by_name()[graph.outputs[0][0]]
    while last.model is not None:
        inner = last.model
        last = inner.layers[-1] if inner.kind == "Sequential" else inner.by_name()[inner.outputs[0][0]]
    act = last.config.get("activation")
    if isinstance(act, dict):
        act = act.get("config")
    if last.class_name == "Softmax" or act == "softmax":
        return "softmax"
    if act == "sigmoid":
        return "sigmoid"
    if last.class_name in ("Dense", "Conv2D") and act in (None, "linear"):
        return "logits"
    raise ValueError("cannot tell the output kind of " + repr(last))


def predict(graph, x, batch=50):
    return np.concatenate([run(graph, x[i: i + batch]) for i in range(0, len(x), batch)])


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------

def check_files(folder, fx):
    for name, digest in fx.get("sha256", {}).items():
        with open(os.path.join(folder, name), "rb") as f:
            if hashlib.sha256(f.read()).hexdigest() != digest:
                raise SystemExit("%s: sha256 differs from fixtures.json: not the fixture file" % name)


def dump_manifest(manifest, path):
    """fixtures.json with one key per line and each value compact."""
    lines = ["["]
    for i, fx in enumerate(manifest):
        lines.append("  {")
        items = list(fx.items())
        for j, (k, v) in enumerate(items):
            lines.append("    %s: %s%s" % (json.dumps(k), json.dumps(v), "," if j < len(items) - 1 else ""))
        lines.append("  }" + ("," if i < len(manifest) - 1 else ""))
    lines.append("]")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", help="folder holding the model files")
    ap.add_argument("--only", nargs="*", help="fixture file names to process")
    ap.add_argument("--no-accuracy", action="store_true", help="skip the 10,000-image accuracy runs")
    args = ap.parse_args()
    sys.stdout.reconfigure(line_buffering=True)

    manifest_path = os.path.join(HERE, "fixtures.json")
    with open(manifest_path) as f:
        manifest = json.load(f)
    folder = models_dir(args.models, manifest)
    print("models from", folder)
    data = {}
    changed = False
    for fx in manifest:
        if args.only and fx["file"] not in args.only:
            continue
        print(fx["file"])
        check_files(folder, fx)
        config = os.path.join(folder, fx["config"]) if fx.get("config") else None
        graph, version = read_fixture(os.path.join(folder, fx["file"]), fx["format"], config)
        shape = input_shape_of(graph)
        kind = output_kind(graph)
        print("  keras %s, %s, input %s, output %s" % (version, graph.kind, shape, kind))
        for key, found in (("keras_version", version), ("model_class", graph.kind), ("input_shape", shape), ("output", kind)):
            if fx[key] != found:
                raise SystemExit("  fixtures.json says %s = %r, the file says %r" % (key, fx[key], found))
        if fx["dataset"] not in data:
            data[fx["dataset"]] = DATASETS[fx["dataset"]]()
        images, labels = data[fx["dataset"]]
        x = preprocess(images, fx)
        n = fx.get("images", EXPECTED_IMAGES)
        out = predict(graph, x[:n])
        if out.shape != (n, fx["classes"]):
            raise SystemExit("  output shape %s, expected %s" % (out.shape, (n, fx["classes"])))
        probs = softmax(out) if kind == "logits" else out
        target = os.path.join(HERE, fx["expected"])
        os.makedirs(os.path.dirname(target), exist_ok=True)
        np.savetxt(target, probs, fmt="%.8e", delimiter=",")
        print("  wrote %s; top-1 on these %d: %.4f" % (fx["expected"], n, (probs.argmax(1) == labels[:n]).mean()))
        if not args.no_accuracy:
            start = time.time()
            acc = float((predict(graph, x).argmax(1) == labels).mean())
            print("  top-1 on all %d: %.4f (%.0f s)" % (len(x), acc, time.time() - start))
            if fx.get("reference_accuracy_10000") != acc:
                fx["reference_accuracy_10000"] = acc
                changed = True
    if changed:
        dump_manifest(manifest, manifest_path)
        print("updated reference_accuracy_10000 in fixtures.json")


if __name__ == "__main__":
    main()
