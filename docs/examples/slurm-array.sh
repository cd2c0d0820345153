#!/bin/bash
# Slurm job array: 8 tasks split one batch with no coordinator. Each task takes a deterministic
# 1/8 of the inputs (by sorted relative path) and writes into the same shared OUTPUT; the
# per-task manifests are concatenated afterwards.
#
#   sbatch docs/examples/slurm-array.sh
#   cat /shared/maps/manifest-*.jsonl > /shared/maps/manifest.jsonl
#SBATCH --job-name=filterpipe
#SBATCH --array=0-7
#SBATCH --cpus-per-task=8
#SBATCH --mem=8G
#SBATCH --time=02:00:00
set -euo pipefail
N=8
filterpipe apply /shared/filters/edge.filter /shared/photos /shared/maps \
  --shard "${SLURM_ARRAY_TASK_ID}/${N}" \
  --jobs "${SLURM_CPUS_PER_TASK}" \
  --skip-existing \
  --manifest "/shared/maps/manifest-${SLURM_ARRAY_TASK_ID}.jsonl" \
  --quiet
