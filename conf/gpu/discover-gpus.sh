#!/usr/bin/env bash
# Spark resource discovery script for NVIDIA GPUs (spark.executor.resource.gpu.discoveryScript, and on standalone
# workers spark.worker.resource.gpu.discoveryScript). Prints the GPUs of this machine as Spark expects:
#   {"name": "gpu", "addresses": ["0","1"]}
# Addresses are nvidia-smi indices. nvidia-smi ignores CUDA_VISIBLE_DEVICES; Lethe maps an index to the CUDA device
# number of a process that has CUDA_VISIBLE_DEVICES set (io.lethe.models.GpuAddresses).
set -euo pipefail

if ! command -v nvidia-smi >/dev/null 2>&1; then
  echo "discover-gpus.sh: nvidia-smi not found on $(uname -n) (PATH=$PATH). Install the NVIDIA driver on this" \
    "GPU worker, or remove the spark.*.resource.gpu.* settings to run Lethe on CPUs." >&2
  exit 1
fi

if ! indices=$(nvidia-smi --query-gpu=index --format=csv,noheader 2>&1); then
  echo "discover-gpus.sh: nvidia-smi failed on $(uname -n): $indices" >&2
  exit 1
fi

addresses=""
while IFS= read -r line; do
  index=${line//[[:space:]]/}
  [ -z "$index" ] && continue
  if ! [[ "$index" =~ ^[0-9]+$ ]]; then
    echo "discover-gpus.sh: nvidia-smi printed '$line' where a GPU index was expected on $(uname -n)" >&2
    exit 1
  fi
  addresses+="${addresses:+,}\"$index\""
done <<< "$indices"

if [ -z "$addresses" ]; then
  echo "discover-gpus.sh: nvidia-smi lists no GPU on $(uname -n); check the driver (nvidia-smi -L), or remove" \
    "the spark.*.resource.gpu.* settings to run Lethe on CPUs." >&2
  exit 1
fi
echo "{\"name\": \"gpu\", \"addresses\": [$addresses]}"
