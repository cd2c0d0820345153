#!/usr/bin/env bash
# Runs docs/examples/slurm-array.sh (the file itself, not a copy) on a one-node Slurm cluster
# started here from Debian's packages, and checks what docs/batch.md promises:
#   1. the union of the array tasks' outputs equals a single `filterpipe apply` run, byte for byte;
#   2. a task requeued mid-run (SIGTERM, then the task starts again) resumes to the same bytes and
#      leaves no temporary file;
#   3. docs/examples/merge-manifests.py turns the per-task manifests into one record per image.
# Needs root (munged, slurmctld and slurmd run as root, without systemd or cgroups). Installs
# slurm-wlm and munge when missing. Every daemon it starts is stopped on exit.
#
#   scripts/slurm-check.sh    # FILTERPIPE=path/to/filterpipe: skip the release build;
#                             # SLURM_CHECK_KEEP=1: keep the logs and outputs in /tmp/slurm-check.*
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

if [[ $(id -u) != 0 ]]; then
  echo "slurm-check: SKIPPED: needs root (to run munged, slurmctld and slurmd here)"
  exit 0
fi
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  echo "slurm-check: installing slurm-wlm munge"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q slurm-wlm munge >/dev/null || { apt-get update -q && apt-get install -y -q slurm-wlm munge >/dev/null; }
fi

if [[ -z ${FILTERPIPE:-} ]]; then
  swift build -c release --product filterpipe >/dev/null
  FILTERPIPE=$(swift build -c release --show-bin-path)/filterpipe
fi
bin=$(mktemp -d /tmp/slurm-check-bin.XXXXXX)
ln -s "$(realpath "$FILTERPIPE")" "$bin/filterpipe"
export PATH="$bin:$PATH"

T=$(mktemp -d /tmp/slurm-check.XXXXXX)
chmod 755 "$T" # munged wants its socket's folders traversable
pids=()
cleanup() {
  if [[ -n ${SLURM_CONF:-} ]]; then scancel --quiet --user=root 2>/dev/null || true; fi
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$bin"
  if [[ -n ${SLURM_CHECK_KEEP:-} ]]; then echo "slurm-check: kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
fail() {
  echo "slurm-check: FAILED: $*" >&2
  for log in "$T"/*.log "$T"/logs/*; do [[ -f $log ]] && echo "--- $log" >&2 && tail -20 "$log" >&2; done
  exit 1
}

# --- munge: a private key and socket, so nothing of the machine's own munge is touched.
mkdir -m 755 "$T/munge"
dd if=/dev/urandom of="$T/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$T/munge/munge.key"
munged -F --force --socket="$T/munge/socket" --key-file="$T/munge/munge.key" \
  --log-file="$T/munged.log" --pid-file="$T/munge/pid" --seed-file="$T/munge/seed" >"$T/munged.out" 2>&1 &
pids+=($!)

# --- one node, this machine: cgroup-free plugins, state under $T, ports away from the defaults.
node=$(hostname -s)
cpus=$(nproc)
memory=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 * 3 / 4))
mkdir -p "$T/state" "$T/spool" "$T/logs"
cat >"$T/slurm.conf" <<EOF
ClusterName=filterpipe-check
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$T/munge/socket
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/slurmctld.log
SlurmdLogFile=$T/slurmd.log
SlurmctldDebug=info
SlurmdDebug=debug
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
JobRequeue=1
KillWait=30
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=check Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$T/slurm.conf"
for _ in $(seq 50); do [[ -S $T/munge/socket ]] && break; sleep 0.1; done
slurmctld -D -i -f "$SLURM_CONF" >"$T/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" -N "$node" >"$T/slurmd.out" 2>&1 &
pids+=($!)
for _ in $(seq 60); do
  [[ $(sinfo -h -n "$node" -o %t 2>/dev/null) == idle ]] && break
  sleep 1
done
[[ $(sinfo -h -n "$node" -o %t 2>/dev/null) == idle ]] || fail "node $node did not come up idle"
echo "slurm-check: $(sinfo --version), node $node idle ($cpus CPUs, ${memory} MB)"

# --- the batch: the real photos of ../shared when present, else the bundled samples, through a
# bank slow enough (16 Gabor filters, 16 maps per image) that a task runs for seconds and can be
# requeued mid-run.
photos=$repo/../shared/testdata/photos
# The bundled samples are three small photos: two tasks (so task 0 has two images to be caught
# between) and a wider Gabor window (so each image takes long enough to requeue in).
tasks=3 size=41
[[ -d $photos ]] || { photos=$repo/samples/images; tasks=2; size=81; }
photos=$(realpath "$photos")
filter=$T/slow.filter
{
  echo "input gray"
  echo "conv pad=same pad_mode=reflect"
  for theta in 0 22 45 67 90 112 135 157; do
    for psi in 0 90; do
      echo "  filter g${theta}_$psi = gabor size=$size sigma=8 theta=$theta lambda=20 gamma=0.5 psi=$psi"
    done
  done
  echo "relu"
} >"$filter"
images=$(find "$photos" -type f \( -iname '*.png' -o -iname '*.jpg' -o -iname '*.jpeg' \) | wc -l)
echo "slurm-check: $images images from $photos, 16 Gabor filters $size×$size, $tasks tasks of 1 CPU"

start=$(date +%s%N)
filterpipe apply "$filter" "$photos" "$T/single" --jobs 1 --quiet
echo "slurm-check: single run (1 CPU): $((($(date +%s%N) - start) / 1000000)) ms"

# Submits the example into MAPS=$1 (array 0..tasks-1, or $2) and prints the job id.
submit() {
  FILTER=$filter PHOTOS=$photos MAPS=$1 sbatch --parsable --array="${2:-0-$((tasks - 1))}" \
    --cpus-per-task=1 --mem=1G --time=00:10:00 --output="$T/logs/%x-%A_%a.out" \
    "$repo/docs/examples/slurm-array.sh"
}
# Waits until job $1 has left the queue (no accounting database here: squeue is the record).
await() {
  for _ in $(seq 600); do
    [[ -z $(squeue -h -j "$1" -o %i 2>/dev/null) ]] && return 0
    sleep 0.5
  done
  fail "job $1 still queued after 300 s: $(squeue -j "$1")"
}
# Compares every output of the array run in $1 with the single run; sets $files to the count.
compare() {
  local out=$1 ref=$T/single
  diff -r -x 'manifest-*.jsonl' -x manifest.jsonl "$ref" "$out" >&2 || fail "$out differs from the single run"
  local n=0
  while IFS= read -r -d '' f; do
    cmp -s "$ref/$f" "$out/$f" || fail "$f differs"
    n=$((n + 1))
  done < <(cd "$ref" && find . -type f -print0)
  temps=$(find "$out" -name '.*' -type f | wc -l)
  ((temps == 0)) || fail "temporary files left in $out: $(find "$out" -name '.*' -type f)"
  files=$n
}
# Merges the manifests in $1 and checks one "written" record per image; sets $records.
merged() {
  python3 "$repo/docs/examples/merge-manifests.py" "$1"/manifest-*.jsonl >"$1/manifest.jsonl"
  python3 - "$1/manifest.jsonl" "$images" <<'PY' || fail "merged manifest of $1"
import json, sys
records = [json.loads(line) for line in open(sys.argv[1])]
inputs = [r["input"] for r in records]
assert len(records) == int(sys.argv[2]), f"{len(records)} records for {sys.argv[2]} images"
assert len(set(inputs)) == len(inputs), "an image has two records"
assert all(r["status"] == "written" and r["outputs"] for r in records), "a record is not written"
PY
  records="$(wc -l <"$1/manifest.jsonl") records from $(cat "$1"/manifest-*.jsonl | wc -l) lines"
}

# --- 0. task IDs that are not 0..N-1 would skip or repeat shards: the example refuses them.
job=$(submit "$T/gap" 1-2)
await "$job"
refusals=$(cat "$T/logs/"*"-${job}_"*.out | grep -c "must be 0-1, not 1-2" || true)
[[ $refusals == 2 && ! -e $T/gap ]] || fail "--array=1-2 was not refused: $(cat "$T/logs/"*"-${job}_"*.out)"
echo "slurm-check: --array=1-2 refused by both tasks, nothing written"

# --- 1. the array run.
job=$(submit "$T/array")
await "$job"
compare "$T/array"
merged "$T/array"
echo "slurm-check: array job $job: $files files identical to the single run, manifest: $records"

# --- 2. requeue task 0 while it is mid-run: some of its images written, not all.
job=$(submit "$T/requeue")
shard0=$(((images + tasks - 1) / tasks))
seen=0
for _ in $(seq 1200); do
  [[ -f $T/requeue/manifest-0.jsonl ]] && seen=$(wc -l <"$T/requeue/manifest-0.jsonl")
  ((seen >= 1)) && break
  sleep 0.05
done
((seen >= 1 && seen < shard0)) || fail "task 0 not caught mid-run ($seen of $shard0 images written)"
raw=$(squeue -h -j "${job}_0" -o %A) # the task's own job id
scontrol requeue "${job}_0"
echo "slurm-check: requeued ${job}_0 at $(date -u +%T) after $seen of its $shard0 images"
# Slurm holds a requeued job for about two minutes (Reason=BeginTime); let it start now.
for _ in $(seq 100); do
  [[ $(squeue -h -j "${job}_0" -o %T 2>/dev/null) == PENDING ]] && break
  sleep 0.1
done
echo "slurm-check: ${job}_0 after the requeue: $(squeue -h -j "${job}_0" -o '%T, reason %r, begins %S')"
scontrol update JobId="${job}_0" StartTime=now
await "$job"
log=$(ls "$T/logs/"*"-${job}_0.out")
signal=$(grep -h "interrupted" "$log" | head -1)
[[ -n $signal ]] || fail "task 0 never saw a signal: $(cat "$log")"
# slurmstepd records the batch script's wait status (143 << 8 = 36608 for exit 143).
status=$(grep -hoE "job $raw completed with slurm_rc = [0-9]+, job_rc = [0-9]+" "$T/slurmd.log" | sed 's/.*job_rc = //' | paste -sd ' ')
echo "slurm-check: task 0's first attempt: \"$signal\""
[[ $status == "36608 0" ]] || fail "task 0's attempts ended with wait statuses '$status', not 36608 (exit 143) then 0"
echo "slurm-check: task 0's attempts ended with wait statuses $status (exit 143, then 0)"
compare "$T/requeue"
merged "$T/requeue"
echo "slurm-check: requeue job $job: $files files identical to the single run, no temporary files," \
  "manifest: $records"
echo "slurm-check: OK"
