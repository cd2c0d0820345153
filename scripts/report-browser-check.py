#!/usr/bin/env python3
"""The report's browser test: `apply --report --stages` on a tiny synthetic batch, opened from
file:// in headless chromium through chromedriver (WebDriver over HTTP+JSON, standard library).

    scripts/report-browser-check.py FILTERPIPE [--screenshots DIR]

Asserts: every image loads (naturalWidth > 0), no console error, failures come first, hovering a
known pixel of a known map shows the value computed here from the formula that made the input
(not from the map), stage tabs switch, the enlarged view zooms and pans all panes together,
and after the whole OUTPUT folder is moved elsewhere all of it still works.
With --screenshots DIR it also runs samples/filters/features.filter --stages on samples/images
and writes DIR/report-overview.png, DIR/report-stages.png and DIR/report-viewer.png (1280 px wide).
Exit 0 on success, 1 on a failed check (the message says which), 77 when chromium is missing.
"""

import os
import math
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report_browser import Browser, loaded_resources, ref  # noqa: E402

W, H = 512, 384  # larger than the grid's thumbnails, so the grid shows a shrunk copy
NAME = "ramp <&\"'> x"  # escaped everywhere or the page breaks


def pixel(x, y):
    return (x + 2 * y) % 256  # 8-bit gray; one pixel off changes the value by 1/255 or more


def intensity(x, y):
    return pixel(x, y) / 255.0


# The filter file's maps as formulas of the input (1×1 convs, then relu).
FILTER = """input gray
conv
  filter up bias=0.5
    2
  filter down bias=0.5
    -2
relu
output maps normalize=minmax colormap=viridis
"""
CONV = {"up": lambda i: 2 * i + 0.5, "down": lambda i: 0.5 - 2 * i}
FINAL = {"up": lambda i: max(CONV["up"](i), 0), "down": lambda i: max(CONV["down"](i), 0)}


def write_png(path, width, height, value):
    rows = b"".join(b"\0" + bytes(value(x, y) for x in range(width)) for y in range(height))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(png)


def fail(message):
    print(f"report-browser-check: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


def expected_range(formula):
    values = [formula(intensity(x, y)) for y in range(H) for x in range(W)]
    return min(values), max(values)


def percentile(values, p):
    """numpy's default (linear) percentile."""
    s = sorted(values)
    k = (len(s) - 1) * p / 100
    f = math.floor(k)
    c = min(f + 1, len(s) - 1)
    return s[f] + (s[c] - s[f]) * (k - f)


def expected_signed_range(formula):
    """Stage maps that can be negative are drawn -m..m, m the 99.5th percentile of |v| (docs/filter-format.md)."""
    m = percentile([abs(formula(intensity(x, y))) for y in range(H) for x in range(W)], 99.5)
    return -m, m


def wait_for(browser, script, timeout=10.0, *args):
    end = time.time() + timeout
    while True:
        value = browser.js(script, *args)
        if value or time.time() > end:
            return value
        time.sleep(0.05)


def load_everything(browser):
    """Scrolls every image into view (they are lazy), waits, returns the ones that did not load."""
    browser.js("for (const g of document.querySelectorAll('.grid')) g.hidden = false;")
    browser.js("for (const i of document.images) { i.loading = 'eager'; }")
    wait_for(browser, "return [...document.images].every(i => i.complete);", 15)
    broken = browser.js("return [...document.images].filter(i => !(i.naturalWidth > 0)).map(i => i.getAttribute('src'));")
    browser.js("for (const s of document.querySelectorAll('section')) s.querySelector('.stages button:last-child')?.click();")
    return broken


def console_errors(browser):
    return [e for e in browser.console() if e.get("level") == "SEVERE"]


def hover_value(browser, element, dx, dy, output_css):
    """Moves the mouse to (dx, dy) from the element's centre; returns (x, y, value) the page shows."""
    browser.js("document.querySelectorAll(arguments[0]).forEach(o => o.textContent = '');", output_css)
    browser.move_to(element, dx, dy)
    text = wait_for(
        browser,
        "const o = [...document.querySelectorAll(arguments[0])].find(o => /\\(\\d+, \\d+\\)/.test(o.textContent));"
        "return o ? o.textContent : null;",
        10,
        output_css,
    )
    check(text, f"no value shown under the cursor ({output_css})")
    match = re.search(r"\((\d+), (\d+)\) (\S+)$", text)
    check(match, f"unreadable value text {text!r}")
    return int(match.group(1)), int(match.group(2)), float(match.group(3)), text


def hover_pixel(browser, element, x, y, output_css):
    """Hovers map pixel (x, y) of a map of W×H shown at any size; checks the page reports that pixel."""
    rect = browser.js("const r = arguments[0].getBoundingClientRect(); return [r.width, r.height];", ref(element))
    dx = round((x + 0.5) / W * rect[0] - rect[0] / 2)
    dy = round((y + 0.5) / H * rect[1] - rect[1] / 2)
    shown_x, shown_y, value, text = hover_value(browser, element, dx, dy, output_css)
    # WebDriver offsets are whole CSS px from a rounded centre: allow 1.5 CSS px.
    slack = 1.5 * max(W / rect[0], H / rect[1]) + 1
    check(abs(shown_x - x) <= slack and abs(shown_y - y) <= slack,
          f"hovering pixel ({x}, {y}) reported ({shown_x}, {shown_y})")
    return shown_x, shown_y, value, text


def check_value(label, x, y, shown, formula, levels=255, signed_stage=False):
    lo, hi = expected_signed_range(formula) if signed_stage else expected_range(formula)
    expected = min(max(formula(intensity(x, y)), lo), hi)
    # Half a quantisation step, plus the 6 significant digits the page prints.
    tolerance = (hi - lo) / levels / 2 + 5e-6 * max(1, abs(expected))
    check(abs(shown - expected) <= tolerance,
          f"{label} at ({x}, {y}): page shows {shown}, expected {expected:.6f} (±{tolerance:.2g})")
    print(f"report-browser-check: {label} at ({x}, {y}): shown {shown}, expected {expected:.6f}, within ±{tolerance:.2g}")


def figure(browser, section, stage_title_part, name):
    return browser.find(f"section#{section} .grid:not([hidden]) figure.map[data-name='{name}'] img.map")


def run_synthetic(filterpipe, root, browser):
    inputs = os.path.join(root, "in")
    os.makedirs(inputs)
    write_png(os.path.join(inputs, NAME + ".png"), W, H, pixel)
    with open(os.path.join(inputs, "broken.png"), "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")  # truncated: a failure with a one-line reason
    filter_path = os.path.join(root, "ramp.filter")
    with open(filter_path, "w") as f:
        f.write(FILTER)
    out = os.path.join(root, "out")
    run = subprocess.run([filterpipe, "apply", filter_path, inputs, out, "--report", "--stages", "-q"],
                         capture_output=True, text=True)
    check(run.returncode == 1, f"apply should exit 1 (one image failed), got {run.returncode}: {run.stderr}")
    moved = os.path.join(root, "elsewhere", "moved out")
    for phase, folder in (("in place", out), ("moved", moved)):
        if phase == "moved":
            os.makedirs(os.path.dirname(moved))
            shutil.move(out, moved)
            shutil.rmtree(inputs)  # nothing outside the folder may be needed
        browser.open("file://" + os.path.join(folder, "index.html").replace(" ", "%20"))
        wait_for(browser, "return document.readyState === 'complete';")
        order = browser.js("return [...document.querySelectorAll('nav#contents li')].map(li => li.className);")
        check(order == ["failed", ""], f"contents should list the failure first: {order}")
        title = browser.js("return document.querySelector('section:not(.failed) h2').textContent;")
        check(title.endswith(NAME + ".png"), f"section title {title!r} should be the input path")
        count, total = loaded_resources(browser, folder)
        print(f"report-browser-check: {phase}: first paint fetched {count} files, {total} bytes")

        thumbnail = browser.js("return document.querySelector('section#image-1 figure.map img.map').naturalWidth;")
        check(thumbnail < W, f"the grid should show a smaller copy of a {W}-px map, not {thumbnail} px")
        up = figure(browser, "image-1", "final", "up")
        x, y, shown, _ = hover_pixel(browser, up, 300, 100, "section#image-1 output.value")
        check_value("final map 'up'", x, y, shown, FINAL["up"])
        down = figure(browser, "image-1", "final", "down")
        x, y, shown, _ = hover_pixel(browser, down, 30, 10, "section#image-1 output.value")
        check(CONV["down"](intensity(x, y)) > 0, f"pick a pixel where 'down' is not clipped ({x}, {y})")
        check_value("final map 'down'", x, y, shown, FINAL["down"])

        # The stage tabs: stage 1 (conv) shows the signed map before relu.
        browser.click(browser.find("section#image-1 .stages button[data-stage='0']"))
        visible = browser.js("return [...document.querySelectorAll('section#image-1 .grid')].map(g => !g.hidden);")
        check(visible == [True, False], f"the conv tab should show only stage 1: {visible}")
        down = figure(browser, "image-1", "conv", "down")
        x, y, shown, _ = hover_pixel(browser, down, 400, 200, "section#image-1 output.value")
        check_value("stage 1 (conv) map 'down'", x, y, shown, CONV["down"], signed_stage=True)

        # The enlarged view: input + 2 maps; wheel zoom and drag move every pane alike.
        browser.click(down)
        check(browser.js("return document.getElementById('viewer').open;"), "clicking a map should open the enlarged view")
        panes = browser.js("return document.querySelectorAll('#viewer .pane').length;")
        check(panes == 3, f"the enlarged view should show the input and 2 maps, not {panes} panes")
        focus = browser.find("#viewer .pane.focus")  # the pane: its zoomed image is larger than it
        browser.wheel(focus, -600)
        browser.drag(focus, 30, 10)
        transforms = browser.js("return [...document.querySelectorAll('#viewer .pane img')].map(i => i.style.transform);")
        check(len(set(transforms)) == 1 and "scale(1)" not in transforms[0],
              f"zoom and pan should apply to every pane alike: {transforms}")
        scale = float(re.search(r"scale\(([\d.]+)\)", transforms[0]).group(1))
        check(scale > 4, f"the wheel should zoom in (scale {scale})")
        print(f"report-browser-check: enlarged view: {panes} panes, all at {transforms[0]}")
        x, y, shown, text = hover_value(browser, focus, 5, 5, "#viewer header output")
        check(text.startswith("down "), f"the enlarged view's readout should name the map: {text!r}")
        check_value("enlarged stage 1 map 'down'", x, y, shown, CONV["down"], signed_stage=True)
        browser.js("document.getElementById('viewer').close();")

        broken = load_everything(browser)
        check(not broken, f"images that did not load: {broken}")
        images = browser.js("return document.images.length;")
        errors = console_errors(browser)
        check(not errors, f"console errors: {errors}")
        print(f"report-browser-check: {phase}: all {images} images loaded, no console errors")

    # 16-bit gray maps: the page reads two bytes a sample and divides by 65535.
    out16 = os.path.join(root, "out16")
    os.makedirs(inputs, exist_ok=True)
    write_png(os.path.join(inputs, NAME + ".png"), W, H, pixel)
    run = subprocess.run([filterpipe, "apply", filter_path, inputs, out16, "--report", "--depth", "16", "-q"],
                         capture_output=True, text=True)
    check(run.returncode == 0, f"--depth 16 run failed: {run.stderr}")
    browser.open("file://" + os.path.join(out16, "index.html"))
    wait_for(browser, "return document.readyState === 'complete';")
    up = figure(browser, "image-0", "final", "up")
    x, y, shown, _ = hover_pixel(browser, up, 123, 45, "section#image-0 output.value")
    check_value("16-bit final map 'up'", x, y, shown, FINAL["up"], levels=65535)
    errors = console_errors(browser)
    check(not errors, f"console errors (16-bit): {errors}")
    return moved


def screenshots(filterpipe, root, browser, folder):
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = os.path.join(root, "samples-out")
    # From the package root, so the page names the inputs as a user would type them.
    run = subprocess.run([filterpipe, "apply", "samples/filters/features.filter", "samples/images", out,
                          "--kind", "maps", "--report", "--stages", "-q"], capture_output=True, text=True, cwd=here)
    check(run.returncode == 0, f"samples run failed: {run.stderr}")
    os.makedirs(folder, exist_ok=True)
    browser.open("file://" + os.path.join(out, "index.html"))
    wait_for(browser, "return [...document.images].filter(i => i.getBoundingClientRect().top < innerHeight).every(i => i.complete);")
    time.sleep(0.5)
    first = browser.find("section#image-0 .grid:not([hidden]) figure.map img.map")
    hover_value(browser, first, 10, 5, "section#image-0 output.value")
    browser.js("window.scrollTo(0, 0);")
    browser.screenshot(os.path.join(folder, "report-overview.png"))
    browser.js("document.querySelector('section#image-0').scrollIntoView();")
    browser.click(browser.find("section#image-0 .stages button[data-stage='0']"))
    time.sleep(0.5)
    hover_value(browser, browser.find("section#image-0 .grid:not([hidden]) figure.map img.map"), 0, 0,
                "section#image-0 output.value")
    browser.screenshot(os.path.join(folder, "report-stages.png"))
    browser.click(browser.find("section#image-0 .grid:not([hidden]) figure.map img.map"))
    focus = browser.find("#viewer .pane.focus")  # the pane: its zoomed image is larger than it
    browser.wheel(focus, -400)
    hover_value(browser, focus, 20, 10, "#viewer header output")
    time.sleep(0.3)
    browser.screenshot(os.path.join(folder, "report-viewer.png"))
    errors = console_errors(browser)
    check(not errors, f"console errors on the samples report: {errors}")
    print(f"report-browser-check: screenshots in {folder}")


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    filterpipe = os.path.abspath(sys.argv[1])
    shots = None
    if "--screenshots" in sys.argv:
        shots = os.path.abspath(sys.argv[sys.argv.index("--screenshots") + 1])
    if not (shutil.which("chromedriver") and os.path.exists("/usr/bin/chromium")):
        print("report-browser-check: skipped: chromium and chromedriver are not installed")
        sys.exit(77)
    root = tempfile.mkdtemp(prefix="fp-report-check-")
    started = time.time()
    browser = Browser(width=1280, height=900)
    try:
        run_synthetic(filterpipe, root, browser)
        if shots:
            screenshots(filterpipe, root, browser, shots)
    finally:
        browser.close()
        if not os.environ.get("REPORT_CHECK_KEEP"):
            shutil.rmtree(root, ignore_errors=True)
    print(f"report-browser-check: OK ({time.time() - started:.1f} s)")


if __name__ == "__main__":
    main()
