"""Re-extract the Keras model configs in this folder from the original model files.

Usage: python3 extract.py SOURCE_ROOT [OUT_DIR]

SOURCE_ROOT holds the originals as <owner>+<repo>/repo, a git directory of that repository
(or a clone with its .git inside)
(the file is read with `git show COMMIT:PATH`), or as a plain file <owner>+<repo>/PATH.
Needs h5py and numpy only; no Keras. For each model it writes the config JSON exactly as
Keras stored it (h5 root attribute `model_config`, or `config.json` in a .keras zip),
indented with 2 spaces and keys in their stored order, and prints the README row: Keras
version and parameter counts taken from the stored weight arrays, not from the config.
"""
import collections
import io
import json
import os
import subprocess
import sys
import zipfile

import h5py
import numpy as np

# (output file, repository, commit, path in the repository)
MODELS = [
    ("keras2.2-resnet20v1-cifar10.json", "schoyc/blackbox-detection",
     "5a3f8017aae54295f4f8c0f79cd9eb43c2ae01e0", "cifar10_ResNet20v1_model.h5"),
    ("keras2.3-resnet-maxpool.json", "fvilmos/ResNet_keras",
     "ed83726f98cd8aae32f19e0340572469c6962d8d", "resnet.h5"),
    ("keras2.10-resnet-relu-gap-softmax.json", "JohnnysGithubAccount/CNN-Analysis",
     "dbfb8a1bb0a618cbba696764dae3a0c60fad73b1", "resnet.h5"),
    ("keras2.13-resnet-relu-avgpool.json", "Jobzakung/Python_learning",
     "71403bf8f1fa401800e05d8bbe1e9990f40ef7a4", "resnet_cifar10.h5"),
    ("keras3.1-resnet-nested-rescaling.json", "TANYAAWASTHI1/Handwriting_recognition",
     "4f097e1a1afa253651df11be972d60a52cda3b63", "resnet_model.keras"),
    ("keras3.1-legacy-h5-resnet.json", "TANYAAWASTHI1/Handwriting_recognition",
     "4f097e1a1afa253651df11be972d60a52cda3b63", "resnet_model.h5"),
    ("keras2.10-sequential-relu-softmax.json", "JohnnysGithubAccount/CNN-Analysis",
     "dbfb8a1bb0a618cbba696764dae3a0c60fad73b1", "best.h5"),
]

NON_TRAINABLE_NAMES = ("moving_mean", "moving_variance")


def read_original(root, repo, commit, path):
    base = os.path.join(root, repo.replace("/", "+"))
    plain = os.path.join(base, path)
    if os.path.isfile(plain):
        with open(plain, "rb") as f:
            return f.read()
    git_dir = os.path.join(base, "repo")
    if os.path.isdir(os.path.join(git_dir, ".git")):
        git_dir = os.path.join(git_dir, ".git")
    return subprocess.run(["git", "--git-dir", git_dir, "show",
                           f"{commit}:{path}"], check=True, capture_output=True).stdout


def text(v):
    return v.decode("utf-8") if isinstance(v, bytes) else str(v)


def layer_list(config):
    inner = config["config"]
    return inner["layers"] if isinstance(inner, dict) else inner


def walk_layers(config):
    """Every layer config, nested models included, with its owning model's trainable flag."""
    for layer in layer_list(config):
        yield layer
        if layer["class_name"] in ("Functional", "Model", "Sequential"):
            yield from walk_layers(layer)


def frozen_layer_names(config):
    return {l.get("name", l["config"].get("name")) for l in walk_layers(config)
            if l["config"].get("trainable") is False}


def datasets(group):
    found = []
    group.visititems(lambda name, obj: found.append((name, obj))
                     if isinstance(obj, h5py.Dataset) else None)
    return found


def count_legacy_h5(f, config):
    """Keras 2 / legacy .h5: model_weights/<layer>/.../<weight name>[:0]."""
    frozen = frozen_layer_names(config)
    trainable = non_trainable = 0
    for name, ds in datasets(f["model_weights"]):
        size = int(np.prod(ds.shape))
        layer = name.split("/")[0]
        if layer in frozen or name.rsplit("/", 1)[-1].split(":")[0] in NON_TRAINABLE_NAMES:
            non_trainable += size
        else:
            trainable += size
    return trainable, non_trainable


def count_keras3_weights(f, config):
    """Keras 3 model.weights.h5: layers/<layer>/vars/<index>; variables are unnamed, so a
    BatchNormalization's last two (moving mean and variance, always created last) are the
    non-trainable ones."""
    by_name = {l.get("name", l["config"].get("name")): l for l in walk_layers(config)}
    frozen = frozen_layer_names(config)
    per_layer = collections.defaultdict(list)
    for name, ds in datasets(f["layers"]):
        parts = name.split("/")
        layer = parts[-3]  # .../<layer>/vars/<index>
        per_layer[layer].append((int(parts[-1]), int(np.prod(ds.shape))))
    trainable = non_trainable = 0
    for layer, variables in per_layer.items():
        variables.sort()
        is_bn = by_name[layer]["class_name"] == "BatchNormalization"
        for i, (_, size) in enumerate(variables):
            if layer in frozen or (is_bn and i >= len(variables) - 2):
                non_trainable += size
            else:
                trainable += size
    return trainable, non_trainable


def extract(data, path):
    if path.endswith(".keras"):
        z = zipfile.ZipFile(io.BytesIO(data))
        raw = z.read("config.json").decode("utf-8")
        version = json.loads(z.read("metadata.json"))["keras_version"]
        config = json.loads(raw)
        with h5py.File(io.BytesIO(z.read("model.weights.h5")), "r") as f:
            counts = count_keras3_weights(f, config)
    else:
        with h5py.File(io.BytesIO(data), "r") as f:
            raw = text(f.attrs["model_config"])
            version = text(f.attrs["keras_version"])
            config = json.loads(raw)
            counts = count_legacy_h5(f, config)
    return raw, config, version, counts


def main():
    root = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(os.path.abspath(__file__))
    print("| file | class | Keras | total | trainable | non-trainable | layer classes |")
    print("| --- | --- | --- | ---: | ---: | ---: | --- |")
    for name, repo, commit, path in MODELS:
        raw, config, version, (trainable, non_trainable) = extract(
            read_original(root, repo, commit, path), path)
        pretty = json.dumps(config, indent=2, ensure_ascii=False) + "\n"
        assert json.loads(pretty) == json.loads(raw), name  # only whitespace changed
        with open(os.path.join(out, name), "w", encoding="utf-8") as f:
            f.write(pretty)
        classes = collections.Counter(l["class_name"] for l in walk_layers(config))
        listed = ", ".join(f"{c} ×{n}" if n > 1 else c for c, n in sorted(classes.items()))
        print(f"| `{name}` | {config['class_name']} | {version} | {trainable + non_trainable:,} "
              f"| {trainable:,} | {non_trainable:,} | {listed} |")


if __name__ == "__main__":
    main()
