#!/usr/bin/env bash
# Issue 15's GPU check, for a machine with an NVIDIA GPU and the CUDA 12 / cuDNN 9 libraries that
# TensorFlow 2.18 and ONNX Runtime 1.23's CUDA provider load, and Maven Central (or a ~/.m2 holding the
# -Pgpu natives) within reach. It builds with -Pgpu, trains the reference CNN for one epoch on TensorFlow
# on the GPU (the progress line gives the step time), then loads that model file in TensorFlow and in
# ONNX Runtime's CUDA provider on the GPU and fails unless they agree on 99.9% of the test images.
#
#   bench/gpu-check.sh [CIFAR-10 archive or folder] [output folder]
#
# Defaults: ../shared/datasets/cifar-10-jpeg75-binary.tar.gz and runs/gpu-check. Each step's output is kept
# in the output folder (gpu.txt, train.log, cross-backend.log).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${1:-$root/../shared/datasets/cifar-10-jpeg75-binary.tar.gz}"
out="${2:-$root/runs/gpu-check}"
mkdir -p "$out"
cd "$root"
export SIGHTLINE_MAVEN_PROFILES=gpu

nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$out/gpu.txt"
./sightline train --backend tensorflow --device gpu:0 --dataset cifar10 --data "$data" --epochs 1 \
    --no-report --out "$out/model.safetensors" 2>&1 | tee "$out/train.log"
./sightline cross-backend --model "$out/model.safetensors" --device gpu:0 --train-backend tensorflow \
    --backends tensorflow,onnx --dataset cifar10 --data "$data" --test-limit 0 --min-agreement 0.999 \
    2>&1 | tee "$out/cross-backend.log"
echo "gpu-check: passed; step time in $out/train.log, agreement in $out/cross-backend.log"
