"""Turns a runs CSV of run_peers.sh (with filterpipe's rows) into BENCHMARKS.md on stdout:
one table per workload, each tool's median wall time, its ratio to filterpipe, CPU time, peak
memory (largest process, and the whole job from bench/tree_memory.c's log), output bytes and
zlib level, plus the machine it ran on.

    python3 bench/write_benchmarks.py RUNS.csv [MEMORY.csv [DETECTOR.tsv [ENCODER.tsv]]] > BENCHMARKS.md

DETECTOR.tsv: bench/ppocr-det.sh's rows (tool, wall s, peak RSS MB), PaddleOCR's detector end to end.
ENCODER.tsv: bench/png-encoder.sh's rows (workload, writer, wall s, encode worker-s) and byte counts.
"""
import csv
import os
import platform
import statistics
import subprocess
import sys
from collections import defaultdict

WORKLOADS = {
    "W0": "decode, write back as 8-bit RGB PNG (each tool's default PNG level)",
    "W0fast": "decode, write back as 8-bit RGB PNG at zlib level 1",
    "W0z6": "decode, write back at zlib level 6 (OpenCV only, to show what level 6 costs)",
    "W1": "edge bank: 4 filters 3×3 on 3 channels, pad 1, ReLU, 2×2 max pool, 4 gray PNGs per photo",
    "W2": "blur: depthwise 5×5 Gaussian σ=1, replicate padding, one RGB PNG per photo",
    "W3": "deep bank: 32 random 5×5×3 filters, pad 2, ReLU, 2×2 max pool, 32 gray PNGs per photo",
    "W3s": "W3 on the 8 smallest photos (for the slow peers)",
}
# zlib level and PNG settings each tool writes with (PEERS.md; filterpipe: --png-level default).
ZLIB = {
    "filterpipe": "1 (default): own run-length coder, Paeth",
    "filterpipe-60M": "1 (default): own run-length coder, Paeth",
    "opencv": "1, Z_RLE, SUB filter (W0fast: 1)",
    "opencv-threads": "1, Z_RLE, SUB filter",
    "opencv-u8": "1, Z_RLE, SUB filter",
    "opencv-dnn": "1, Z_RLE, SUB filter",
    "onnxruntime": "1, Z_RLE, SUB filter (OpenCV writes)",
    "pyvips": "6 with zlib-ng, no filter (W0fast: 1)",
    "vips-cli": "6, no filter (W0fast: 1)",
    "pillow": "6, adaptive (W0fast: 1)",
    "scipy": "6, adaptive (Pillow writes)",
    "imagemagick": "7, adaptive (W0fast: 1)",
}

# Issue 15: filterpipe's wall time at most this fraction of the best peer's.
TARGETS = {"W0": 0.45, "W1": 0.15, "W2": 0.45, "W3": 0.30}


def machine():
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    swift = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB, {platform.platform()}; {swift[0] if swift else 'swift ?'}"


def job_memory(path):
    """Peak PSS of the whole process tree, MB, per (workload, tool): the largest over the runs."""
    peaks = defaultdict(int)
    if path and os.path.exists(path):
        for line in open(path):
            label, pss, *_ = line.strip().split(",")
            workload, tool = label.split("/", 1)
            peaks[(workload, tool)] = max(peaks[(workload, tool)], int(pss))
    return {key: kb / 1024 for key, kb in peaks.items()}


def detector(path):
    """The trained-network section: bench/ppocr-det.sh's interleaved runs against onnxruntime."""
    if not path or not os.path.exists(path):
        return
    runs = defaultdict(list)
    agreement = None
    for line in open(path):
        if line.startswith("#agreement"):
            agreement = [float(x) for x in line.split()[1:]]
            continue
        tool, wall, mb = line.rstrip("\n").split("\t")
        runs[tool].append((float(wall), int(mb)))
    if "filterpipe" not in runs or "onnxruntime" not in runs:
        return
    med = {t: statistics.median(w for w, _ in rs) for t, rs in runs.items()}
    print("## A trained network end to end: PaddleOCR's text detector\n")
    print("`bash bench/ppocr-det.sh` (run by compare.sh): `ch_PP-OCRv4_det_infer.onnx` of `../shared/models` "
          "on the 24 photos, each decoded, resized (longer side at most 960, sides multiples of 32), "
          "normalised, run up to the final Sigmoid and its probability map written as a gray PNG: "
          "`filterpipe apply MODEL corpus out --max-side 960 --multiple 32 --mean … --std … --range 0..1` "
          "against `bench/ppocr-det-onnxruntime.py` doing the same with OpenCV and onnxruntime 1.32 "
          "(all cores), interleaved in the same run.\n")
    print("| tool | runs | wall s median (min–max) | ÷ onnxruntime | peak RSS MB |")
    print("|---|---|---|---|---|")
    for tool in sorted(runs, key=lambda t: med[t]):
        w = [x for x, _ in runs[tool]]
        name = f"**{tool}**" if tool == "filterpipe" else tool
        print(f"| {name} | {len(w)} | {med[tool]:.2f} ({min(w):.2f}–{max(w):.2f}) | "
              f"{med[tool] / med['onnxruntime']:.2f} | {max(m for _, m in runs[tool])} |")
    print(f"\nfilterpipe ÷ onnxruntime: **{med['filterpipe'] / med['onnxruntime']:.2f}** (target < 1).\n")
    if agreement:
        print(f"The maps agree: {agreement[0]:.2%} of the 24 maps' pixels are within one gray level of "
              f"onnxruntime's and {agreement[1]:.4%} differ by more than 32 (the tools resize and decode "
              "JPEGs each their own way, and the Sigmoid is steep; on the same input tensor every node "
              "agrees within 1e-4 of its max |value|, PaddleOCRReferenceTests).\n")


def encoder(path):
    """The PNG writer section: bench/png-encoder.sh's interleaved runs of the three deflate coders."""
    if not path or not os.path.exists(path):
        return
    runs = defaultdict(list)
    sizes = {}
    for line in open(path):
        fields = line.rstrip("\n").split("\t")
        if fields[0] == "#bytes":
            name, files, same, default, libdeflate, zlib, raw = fields[1:8]
            sizes[name] = dict(files=int(files), same=int(same), raw=int(raw),
                               default=int(default), libdeflate=int(libdeflate), zlib=int(zlib))
        elif len(fields) == 4 and fields[3]:
            runs[(fields[0], fields[1])].append((float(fields[2]), float(fields[3])))
    if not sizes:
        return
    label = {"default": "**run-length coder** (default)", "libdeflate": "libdeflate level 1", "zlib": "zlib level 1, Z_RLE"}
    print("## The PNG writer: filterpipe's run-length coder against libdeflate and zlib\n")
    print("`bash bench/png-encoder.sh` (run by compare.sh): W0–W3 on the corpus with the same Paeth-filtered "
          "rows compressed by filterpipe's run-length coder (`rle_deflate.c`, the default at level 1), by "
          "libdeflate's level 1 (`FILTERPIPE_DEFLATE=libdeflate`) and by zlib's (`FILTERPIPE_DEFLATE=zlib`), "
          "interleaved. Encode: worker-seconds of `--profile` (filter, deflate, checksums, write), median; "
          "MB/s: raw rows (filter byte + samples) per encode worker-second. Every file of the last run of "
          "each was decoded by libpng (OpenCV) and by zlib (Pillow): the pixels column counts the files "
          "whose six decodes (3 writers × 2 decoders) agree.\n")
    print("| workload | writer | wall s median | encode worker-s | MB/s per worker | bytes written | of raw | pixels agree |")
    print("|---|---|---|---|---|---|---|---|")
    for name in sorted(sizes):
        size = sizes[name]
        for writer in ["default", "libdeflate", "zlib"]:
            rs = runs.get((name, writer))
            if not rs:
                continue
            wall = statistics.median(w for w, _ in rs)
            encode = statistics.median(e for _, e in rs)
            speed = size["raw"] / encode / 1e6 if encode > 0 else float("nan")
            print(f"| {name} | {label[writer]} | {wall:.2f} | {encode:.2f} | {speed:.0f} | "
                  f"{size[writer] / 1e6:.1f} MB | {size[writer] / size['raw']:.3f} | {size['same']}/{size['files']} |")
    print()


def main():
    rows = list(csv.DictReader(open(sys.argv[1]))) if os.path.exists(sys.argv[1]) else []
    job = job_memory(sys.argv[2] if len(sys.argv) > 2 else None)
    groups = defaultdict(list)
    for r in rows:
        groups[(r["workload"], r["peer"])].append(r)
    stamp = rows[0]["stamp"] if rows else "?"
    print("# Benchmarks\n")
    print("filterpipe against the tools a user would pick instead, on the same 24 photographs "
          "(78.2 MP, 12 JPEG + 12 PNG), doing the same work end to end (decode, compute, normalise, "
          "encode PNGs) on every core. Produced by `bash bench/compare.sh` (the peer benchmark of "
          "`../shared/bench`, run interleaved: each repetition runs every tool once in turn).\n")
    print(f"- Run: {stamp}, {machine()}.")
    print("- Wall time: median of the repetitions (min–max); ×filterpipe = tool's median / "
          "filterpipe's (above 1: filterpipe is faster). Peak RSS: the largest single process "
          "(`/usr/bin/time -v`); most peers run a pool of 2 worker processes, each holding one image, "
          "where filterpipe holds its 2 images in flight in one process. Job MB: the peak of the whole "
          "job's memory, all its processes together (sum of PSS, sampled every 50 ms by "
          "`bench/tree_memory.c`), the figure to compare across process models. Out MB: bytes "
          "written, so PNG levels can be compared.\n")
    order = ["W0", "W0fast", "W0z6", "W1", "W2", "W3", "W3s"]
    for wl in sorted({k[0] for k in groups}, key=lambda w: order.index(w) if w in order else 99):
        peers = {p: rs for (w, p), rs in groups.items() if w == wl}
        med = {p: statistics.median(float(r["wall_s"]) for r in rs) for p, rs in peers.items()}
        ref = med.get("filterpipe")
        if ref is None and wl == "W0fast":
            ref = statistics.median(float(r["wall_s"]) for r in groups.get(("W0", "filterpipe"), [])) if groups.get(("W0", "filterpipe")) else None
        print(f"## {wl}: {WORKLOADS.get(wl, '')}\n")
        print("| tool | runs | wall s median (min–max) | ×filterpipe | MP/s | CPU s | peak RSS MB | job MB | outputs | out MB | zlib level |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for p in sorted(peers, key=lambda p: med[p]):
            rs = peers[p]
            w = [float(r["wall_s"]) for r in rs]
            cpu = statistics.median(float(r["user_s"]) + float(r["sys_s"]) for r in rs)
            rss = max(int(r["maxrss_kb"]) for r in rs) / 1024
            mp = float(rs[0]["mp_in"])
            mb = statistics.median(int(r["out_bytes"]) for r in rs) / 1e6
            ratio = f"{med[p] / ref:.2f}" if ref else "–"
            name = f"**{p}**" if p.startswith("filterpipe") else p
            total = f"{job[(wl, p)]:.0f}" if (wl, p) in job else "–"
            print(f"| {name} | {len(rs)} | {med[p]:.2f} ({min(w):.2f}–{max(w):.2f}) | {ratio} | {mp / med[p]:.1f} | "
                  f"{cpu:.1f} | {rss:.0f} | {total} | {rs[-1]['n_out']} | {mb:.1f} | {ZLIB.get(p, '?')} |")
        print()
        others = [p for p in peers if not p.startswith("filterpipe")]
        if "filterpipe" in peers and others:
            ref = med["filterpipe"]
            best = min(others, key=lambda p: med[p])
            rss = {p: max(int(r["maxrss_kb"]) for r in peers[p]) / 1024 for p in peers}
            target = f" (target ≤ {TARGETS[wl]:.2f})" if wl in TARGETS else ""
            line = (f"filterpipe ÷ best peer ({best}): **{ref / med[best]:.2f}**{target}; peak RSS "
                    f"{rss['filterpipe']:.0f} MB against {best}'s {rss[best]:.0f} MB per process"
                    f" (lowest of any peer: {min(rss[p] for p in others):.0f} MB)")
            if (wl, "filterpipe") in job and (wl, best) in job:
                lowest = min((job[(wl, p)], p) for p in others if (wl, p) in job)
                line += (f"; whole job {job[(wl, 'filterpipe')]:.0f} MB against {best}'s {job[(wl, best)]:.0f} MB"
                         f" (lowest of any peer: {lowest[1]} {lowest[0]:.0f} MB)")
            print(line + ".\n")
            for variant in sorted(p for p in peers if p.startswith("filterpipe-")):
                flag = variant.split("-", 1)[1]
                text = (f"With `--max-memory {flag}`: filterpipe ÷ best peer **{med[variant] / med[best]:.2f}**{target}; "
                        f"peak RSS {rss[variant]:.0f} MB against {best}'s {rss[best]:.0f} MB per process")
                if (wl, variant) in job:
                    text += f"; whole job {job[(wl, variant)]:.0f} MB"
                print(text + ".\n")


    detector(sys.argv[3] if len(sys.argv) > 3 else None)
    encoder(sys.argv[4] if len(sys.argv) > 4 else None)

    # Hand-measured notes (compute-only engine, the machine's ceiling, --profile) kept beside the script.
    notes = os.path.join(os.path.dirname(os.path.abspath(__file__)), "notes.md")
    if os.path.exists(notes):
        print(open(notes).read().rstrip())


if __name__ == "__main__":
    main()
