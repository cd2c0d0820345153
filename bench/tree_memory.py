"""Runs a shell command and records the peak memory of its whole process tree.

`/usr/bin/time` reports the largest single process. A tool that runs a pool of worker processes
(most peers here run two) uses the sum over its processes, so this samples every process of the
tree every 20 ms and keeps the peak of the sum of their PSS (proportional set size: a page shared
by n processes counts 1/n in each, so a library mapped by every worker is counted once) and of
the sum of their RSS (shared pages counted in every process).

    python3 tree_memory.py LOG LABEL -- command words...

appends `LABEL,peak_pss_kb,peak_rss_sum_kb,processes` to LOG and exits with the command's status.
A 20 ms sample can miss a peak shorter than that; every tool is measured the same way.
"""
import os
import subprocess
import sys
import time


def children_map():
    parents = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            parents.setdefault(int(fields[1]), []).append(int(entry))
        except (OSError, IndexError, ValueError):
            pass
    return parents


def tree(root):
    parents = children_map()
    pids, stack = [], [root]
    while stack:
        pid = stack.pop()
        pids.append(pid)
        stack.extend(parents.get(pid, []))
    return pids


def memory(pid):
    pss = rss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss = int(line.split()[1])
    except OSError:
        pass
    return pss, rss


def main():
    log, label = sys.argv[1], sys.argv[2]
    command = sys.argv[sys.argv.index("--") + 1:]
    child = subprocess.Popen(["bash", "-c", " ".join(command)])
    peak_pss = peak_rss = most = 0
    while child.poll() is None:
        pids = tree(child.pid)
        samples = [memory(pid) for pid in pids]
        peak_pss = max(peak_pss, sum(s[0] for s in samples))
        peak_rss = max(peak_rss, sum(s[1] for s in samples))
        most = max(most, sum(1 for s in samples if s[1] > 0))
        time.sleep(0.02)
    with open(log, "a") as f:
        f.write(f"{label},{peak_pss},{peak_rss},{most}\n")
    sys.exit(child.returncode)


if __name__ == "__main__":
    main()
