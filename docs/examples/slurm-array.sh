#!/bin/bash
# Slurm job array: the array's tasks split one batch with no coordinator. Task I of N takes the
# inputs at positions I, I+N, I+2N... of the sorted relative paths and writes into the same shared
# MAPS folder; each task appends to its own manifest, merged afterwards into one record per image.
#
#   sbatch docs/examples/slurm-array.sh
#   python3 docs/examples/merge-manifests.py /shared/maps/manifest-*.jsonl > /shared/maps/manifest.jsonl
#
# The paths are environment variables with the defaults below (sbatch passes the environment on),
# and sbatch options override the #SBATCH lines, so a different size needs no edit, e.g.
#
#   FILTER=$PWD/samples/filters/edge.filter PHOTOS=$PWD/samples/images MAPS=/tmp/maps \
#     sbatch --array=0-3 --cpus-per-task=1 --mem=1G docs/examples/slurm-array.sh
#
# A task stopped by scancel, a time limit, preemption or `scontrol requeue` gets SIGTERM: filterpipe
# finishes the images in flight, writes no partial file and exits 143. Requeued, it starts again
# and --skip-existing resumes where it stopped, to the same bytes as an uninterrupted run
# (--open-mode=append: the task's log keeps what every attempt printed).
# (scripts/slurm-check.sh runs this file on a one-node cluster; docs/batch.md has its output.)
#SBATCH --job-name=filterpipe
#SBATCH --array=0-7
#SBATCH --cpus-per-task=8
#SBATCH --mem=8G
#SBATCH --time=02:00:00
#SBATCH --requeue
#SBATCH --open-mode=append
set -euo pipefail
FILTER="${FILTER:-/shared/filters/edge.filter}"
PHOTOS="${PHOTOS:-/shared/photos}"
MAPS="${MAPS:-/shared/maps}"

# The number of shards is the array's size, so `--array=0-3` needs no edit here; the task IDs must
# then be 0..N-1 (a throttle such as `--array=0-7%2` is fine).
N="${SLURM_ARRAY_TASK_COUNT:?run this with sbatch, as a job array}"
if ((SLURM_ARRAY_TASK_MIN != 0 || SLURM_ARRAY_TASK_MAX != N - 1)); then
  echo "slurm-array.sh: --array must be 0-$((N - 1)), not $SLURM_ARRAY_TASK_MIN-$SLURM_ARRAY_TASK_MAX" >&2
  exit 2
fi

mkdir -p "$MAPS"
# exec: filterpipe replaces the shell, so it is the process Slurm signals and waits for.
exec filterpipe apply "$FILTER" "$PHOTOS" "$MAPS" \
  --shard "${SLURM_ARRAY_TASK_ID}/${N}" \
  --jobs "${SLURM_CPUS_PER_TASK}" \
  --skip-existing \
  --manifest "${MAPS}/manifest-${SLURM_ARRAY_TASK_ID}.jsonl" \
  --quiet
