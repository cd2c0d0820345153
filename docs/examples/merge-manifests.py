#!/usr/bin/env python3
"""Merges filterpipe manifests (JSON Lines) into one record per image, on stdout.

    python3 merge-manifests.py MAPS/manifest-*.jsonl > MAPS/manifest.jsonl

A shard that was interrupted and resumed (a requeued Slurm task, a retried Kubernetes pod, a
rerun with --skip-existing) appends to its manifest again: an image written by the first attempt
is "skipped" by the second. Per input path the merge keeps the last record that is not
"skipped" (the attempt that wrote the image, or the last failure), or the last "skipped" one when
no attempt in these files processed it. Records keep their bytes; they are sorted by input path.
Exits 1 naming the file and line of a line that is not a manifest record.
"""
import json
import sys


def merge(paths):
    chosen = {}
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                    key, status = record["input"], record["status"]
                except (ValueError, KeyError, TypeError) as error:
                    sys.exit(f"{path}:{number}: not a manifest record: {error}")
                if status != "skipped" or chosen.get(key, ("skipped",))[0] == "skipped":
                    chosen[key] = (status, line.rstrip("\n") + "\n")
    return [chosen[key][1] for key in sorted(chosen)]


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: merge-manifests.py MANIFEST.jsonl...")
    sys.stdout.writelines(merge(sys.argv[1:]))
