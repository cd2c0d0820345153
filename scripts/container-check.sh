#!/usr/bin/env bash
# What can be checked of the Kubernetes recipe without a container engine or a cluster:
#   1. docs/examples/kubernetes-indexed-job.yaml parses, is an Indexed Job, and its --shard N
#      equals `completions`;
#   2. its container command, run by /bin/sh as PID 1 of a fresh PID namespace (as in a pod), with
#      SIGTERM sent from outside the namespace (as the kubelet does): filterpipe gets the signal,
#      finishes the images in flight, leaves no temporary file and exits 143; a retry resumes to
#      the bytes of an uninterrupted run.
# `docker build -f docs/examples/Dockerfile .` itself is not run (no engine here).
# Needs python3 with PyYAML (installs python3-yaml when missing), and root for `unshare --pid`.
#
#   scripts/container-check.sh    # FILTERPIPE=path/to/filterpipe to skip the release build
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
yaml=$repo/docs/examples/kubernetes-indexed-job.yaml

# A python3 with PyYAML: the one on PATH, Debian's, or Debian's after installing python3-yaml.
py=
for candidate in python3 /usr/bin/python3; do
  if "$candidate" -c 'import yaml' 2>/dev/null; then py=$candidate && break; fi
done
if [[ -z $py ]]; then
  echo "container-check: installing python3-yaml"
  # A fresh machine may have no package lists yet: update once if the first try fails.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-yaml >/dev/null \
    || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-yaml >/dev/null; }
  py=/usr/bin/python3
fi

# The container's command line, with /data/... and the shard count as in the YAML.
args=$("$py" - "$yaml" <<'PY'
import re, sys, yaml
job = yaml.safe_load(open(sys.argv[1]))
spec = job["spec"]
assert job["kind"] == "Job" and spec["completionMode"] == "Indexed", "not an Indexed Job"
container = spec["template"]["spec"]["containers"][0]
assert container["command"] == ["/bin/sh", "-c"], container["command"]
(script,) = container["args"]
shards = re.search(r'--shard "\$\{JOB_COMPLETION_INDEX\}/(\d+)"', script)
assert shards and int(shards.group(1)) == spec["completions"], "--shard N is not completions"
assert re.search(r"(^|&& )exec filterpipe apply ", script), "the shell must exec filterpipe"
print(spec["completions"], script)
PY
)
completions=${args%% *}
args=${args#* }
echo "container-check: YAML: Indexed Job, --shard N = completions, exec filterpipe"
if [[ $(id -u) != 0 ]] || ! unshare --pid --fork --mount-proc true 2>/dev/null; then
  echo "container-check: SKIPPED the signal check: needs root for unshare --pid"
  exit 0
fi

if [[ -z ${FILTERPIPE:-} ]]; then
  swift build -c release --product filterpipe >/dev/null
  FILTERPIPE=$(swift build -c release --show-bin-path)/filterpipe
fi
T=$(mktemp -d /tmp/container-check.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/bin" "$T/data/filters"
ln -s "$(realpath "$FILTERPIPE")" "$T/bin/filterpipe"
photos=$repo/../shared/testdata/photos
size=41
if [[ -d $photos ]]; then
  cp -r "$photos" "$T/data/photos"
else
  # A fresh clone has only the three small samples: six copies of each, so every shard has
  # several images and pod 0 is still running after its first, and a wider (slower) window.
  mkdir -p "$T/data/photos"
  for copy in 1 2 3 4 5 6; do
    for photo in "$repo"/samples/images/*; do
      name=${photo##*/}
      cp "$photo" "$T/data/photos/${name%.*}-$copy.${name##*.}"
    done
  done
  size=81
fi
# The YAML's edge.filter, made slow (a Gabor bank) so the pod is caught mid-run.
{
  echo "input gray"
  echo "conv pad=same pad_mode=reflect"
  for theta in 0 45 90 135; do echo "  filter g$theta = gabor size=$size sigma=8 theta=$theta lambda=20 gamma=0.5 psi=90"; done
  echo "relu"
} >"$T/data/filters/edge.filter"
script=${args//\/data/$T/data}

# Runs shard $1 as a pod would; with $2 = term, sends SIGTERM once its first image is written.
pod() {
  JOB_COMPLETION_INDEX=$1 PATH="$T/bin:$PATH" unshare --pid --fork --mount-proc /bin/sh -c "$script" &
  local outer=$! inner=""
  if [[ ${2:-} == term ]]; then
    for _ in $(seq 600); do
      inner=$(pgrep -P "$outer" || true)
      [[ -n $inner && -s $T/data/maps/manifest-$1.jsonl ]] && break
      sleep 0.05
    done
    [[ $(awk '/^NSpid/ {print $3}' "/proc/$inner/status") == 1 ]] || { echo "container-check: FAILED: not PID 1" >&2; exit 1; }
    kill -TERM "$inner"
  fi
  local status=0
  wait "$outer" || status=$?
  echo "$status"
}
status=$(pod 0 term)
temps=$(find "$T/data/maps" -name '.*' | wc -l)
lines=$(wc -l <"$T/data/maps/manifest-0.jsonl")
[[ $status == 143 && $temps == 0 ]] || { echo "container-check: FAILED: exit $status, $temps temporary files" >&2; exit 1; }
echo "container-check: pod 0 as PID 1, SIGTERM from outside after $lines image(s): exit $status, no temporary files"
for i in $(seq 0 $((completions - 1))); do
  [[ $(pod "$i") == 0 ]] || { echo "container-check: FAILED: pod $i did not finish" >&2; exit 1; }
done
"$FILTERPIPE" apply "$T/data/filters/edge.filter" "$T/data/photos" "$T/single" --quiet
diff -r -x 'manifest-*' "$T/single" "$T/data/maps" || { echo "container-check: FAILED: outputs differ" >&2; exit 1; }
echo "container-check: pod 0 retried, pods 1-$((completions - 1)): $(find "$T/single" -type f | wc -l) files identical to a single run; OK"
