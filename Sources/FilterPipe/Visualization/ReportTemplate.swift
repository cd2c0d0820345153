// The report page's fixed parts: its style sheet, the enlarged view and its script. They carry no
// text from the run (ReportPage escapes and inserts that), so they are plain constants.

enum ReportTemplate {
    static let css = """
        :root { --line: #d8d8d8; --muted: #666; --bad: #b00; }
        * { box-sizing: border-box; }
        body { font: 14px/1.4 system-ui, sans-serif; margin: 0; padding: 16px 20px; background: #f6f6f6; color: #222; }
        h1 { font-size: 1.35em; margin: 0 0 .3em; }
        h2 { font-size: 1.05em; margin: 0 0 .6em; overflow-wrap: anywhere; }
        pre { background: #fff; border: 1px solid var(--line); padding: .6em; overflow-x: auto; font-size: 12px; }
        .muted { color: var(--muted); font-weight: normal; }
        .counts { margin: 0 0 .4em; }
        details.summary summary { cursor: pointer; color: var(--muted); }
        img.filters { max-width: 100%; image-rendering: pixelated; border: 1px solid var(--line); }
        nav#contents { background: #fff; border: 1px solid var(--line); border-radius: 4px; padding: .5em 1em; margin: .8em 0; }
        nav#contents h2 { font-size: .95em; margin: 0 0 .3em; }
        nav#contents ol { margin: 0; padding-left: 1.6em; columns: 3 18em; font-size: .9em; }
        nav#contents li.failed a { color: var(--bad); font-weight: 600; }
        .reason { color: var(--bad); font-family: ui-monospace, monospace; font-size: .9em; }
        section.image { background: #fff; border: 1px solid var(--line); border-radius: 4px; padding: 12px; margin: 12px 0; }
        section.failed { border-color: #d33; background: #fff5f5; }
        .error { color: var(--bad); font-family: ui-monospace, monospace; white-space: pre-wrap; margin: 0; }
        .row { display: grid; grid-template-columns: 320px minmax(0, 1fr); gap: 16px; align-items: start; }
        figure { margin: 0; }
        figure.input { position: sticky; top: 8px; }
        figure.input img { width: 100%; height: auto; border: 1px solid var(--line); display: block; }
        figcaption { font-size: 12px; color: var(--muted); }
        .stages { display: flex; flex-wrap: wrap; gap: 4px; margin-bottom: 8px; }
        .stages button { font: inherit; font-size: 12px; padding: 2px 8px; border: 1px solid var(--line); background: #f4f4f4; border-radius: 3px; cursor: pointer; }
        .stages button[aria-selected="true"] { background: #224; color: #fff; border-color: #224; }
        .stages button[aria-selected="true"] .muted { color: #ccd; }
        .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 12px; }
        .grid[hidden] { display: none; }
        figure.map img.map { width: 100%; height: auto; display: block; border: 1px solid var(--line); cursor: zoom-in; background: #eee; }
        figure.map.wide { grid-column: 1 / -1; }
        figure.map.wide img.map { width: auto; max-width: 100%; }
        .caption { display: flex; align-items: center; gap: 6px; margin-top: 3px; min-width: 0; }
        .caption .name { flex: 1; min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; color: #222; font-weight: 600; }
        .caption .name { display: flex; }
        .caption .name .head { min-width: 0; overflow: hidden; text-overflow: ellipsis; }
        .caption .name .tail { flex: none; }
        .caption a.file { font-size: 11px; }
        img.filter { image-rendering: pixelated; border: 1px solid #999; flex: none; max-width: 30%; height: auto; }
        .legend { margin-top: 3px; }
        .legend .bar { height: 8px; border: 1px solid #bbb; }
        .legend .ticks { display: flex; justify-content: space-between; font-size: 11px; font-variant-numeric: tabular-nums; }
        output.value { display: block; font: 12px ui-monospace, monospace; color: #036; min-height: 1.4em; }
        .pictures { font-size: 12px; margin: .6em 0 0; }
        dialog#viewer { width: 96vw; height: 94vh; max-width: none; max-height: none; padding: 0; border: 1px solid #444; background: #111; color: #eee; }
        dialog#viewer::backdrop { background: rgba(0, 0, 0, .6); }
        .viewer { display: flex; flex-direction: column; height: 100%; }
        .viewer header { display: flex; gap: 12px; align-items: center; padding: 6px 10px; background: #222; font-size: 13px; }
        .viewer header .title { font-weight: 600; }
        .viewer header output { flex: 1; font-family: ui-monospace, monospace; color: #9cf; }
        .viewer header button { font: inherit; }
        .panes { flex: 1; overflow: auto; display: grid; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); gap: 8px; padding: 8px; align-content: start; }
        .pane { position: relative; overflow: hidden; background: #000; border: 1px solid #444; cursor: grab; }
        .pane.focus { border-color: #fc3; }
        .pane img { position: absolute; left: 0; top: 0; width: 100%; height: 100%; transform-origin: 0 0; image-rendering: pixelated; user-select: none; -webkit-user-drag: none; }
        .pane .label { position: absolute; left: 0; bottom: 0; background: rgba(0, 0, 0, .65); padding: 1px 6px; font-size: 12px; pointer-events: none; }
        """

    static let lightbox = """
        <dialog id="viewer"><div class="viewer"><header><span class="title"></span><output>&nbsp;</output><span class="zoom">1×</span><button type="button" data-action="reset">reset (0)</button><button type="button" data-action="close">close (Esc)</button></header><div class="panes"></div></div></dialog>

        """

    /// The page's behaviour: stage tabs, values under the cursor, the enlarged view with linked
    /// pan and zoom. COLORMAPS (level → RGB, 768 numbers a map) is defined by the page before it.
    static let script = #"""
        "use strict";
        // Sidecar scripts call FP.payload(document.currentScript, base64 of the map's PNG).
        const FP = { waiting: new Map(), payload(script, base64) { const done = this.waiting.get(script); if (done) { this.waiting.delete(script); done(base64); } } };
        window.FP = FP;
        const decoded = new Map();  // payload URL -> Promise of {width, height, level(x, y), max}

        function loadPayload(url) {
          if (!decoded.has(url)) {
            decoded.set(url, new Promise((resolve, reject) => {
              const script = document.createElement("script");
              FP.waiting.set(script, resolve);
              script.onerror = () => reject(new Error("cannot load " + url));
              script.src = url;
              document.head.appendChild(script);
            }).then(base64 => decodePNG(Uint8Array.from(atob(base64), c => c.charCodeAt(0)))));
          }
          return decoded.get(url);
        }

        async function inflate(parts) {
          const stream = new Blob(parts).stream().pipeThrough(new DecompressionStream("deflate"));
          return new Uint8Array(await new Response(stream).arrayBuffer());
        }

        // PNG: IHDR, the IDAT stream inflated, rows unfiltered (None, Sub, Up, Average, Paeth).
        async function decodePNG(bytes) {
          const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
          let at = 8, width = 0, height = 0, depth = 8, type = 0;
          const idat = [];
          while (at + 8 <= bytes.length) {
            const length = view.getUint32(at);
            const kind = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
            const data = bytes.subarray(at + 8, at + 8 + length);
            if (kind === "IHDR") { width = view.getUint32(at + 8); height = view.getUint32(at + 12); depth = data[8]; type = data[9]; }
            else if (kind === "IDAT") idat.push(data);
            else if (kind === "IEND") break;
            at += 12 + length;
          }
          const channels = { 0: 1, 2: 3, 4: 2, 6: 4 }[type];
          if (!channels || (depth !== 8 && depth !== 16)) throw new Error("unsupported PNG (type " + type + ", depth " + depth + ")");
          const raw = await inflate(idat);
          const bpp = channels * depth / 8, stride = width * bpp;
          const pixels = new Uint8Array(height * stride);
          for (let y = 0; y < height; y++) {
            const filter = raw[y * (stride + 1)], src = y * (stride + 1) + 1, row = y * stride, prev = row - stride;
            for (let i = 0; i < stride; i++) {
              const a = i >= bpp ? pixels[row + i - bpp] : 0, b = y > 0 ? pixels[prev + i] : 0, c = i >= bpp && y > 0 ? pixels[prev + i - bpp] : 0;
              let p = raw[src + i];
              if (filter === 1) p += a;
              else if (filter === 2) p += b;
              else if (filter === 3) p += (a + b) >> 1;
              else if (filter === 4) { const q = a + b - c, pa = Math.abs(q - a), pb = Math.abs(q - b), pc = Math.abs(q - c); p += pa <= pb && pa <= pc ? a : pb <= pc ? b : c; }
              pixels[row + i] = p & 255;
            }
          }
          const sample = (x, y, ch) => { const i = y * stride + (x * channels + ch) * depth / 8; return depth === 16 ? pixels[i] << 8 | pixels[i + 1] : pixels[i]; };
          return { width, height, channels, max: depth === 16 ? 65535 : 255, sample };
        }

        // The level a pixel stands for: its gray sample, or for a colour map the nearest table
        // entry (the middle of tied entries, as MapMetadata.value(ofColor:) does).
        function levelAt(image, x, y, cmap) {
          if (image.channels < 3) return image.sample(x, y, 0);
          const r = image.sample(x, y, 0), g = image.sample(x, y, 1), b = image.sample(x, y, 2);
          const table = COLORMAPS[cmap];
          if (!table) return Math.floor((r + g + b + 1) / 3);
          let best = Infinity, first = 0, last = 0;
          for (let i = 0; i < 256; i++) {
            const d = (table[3 * i] - r) ** 2 + (table[3 * i + 1] - g) ** 2 + (table[3 * i + 2] - b) ** 2;
            if (d < best) { best = d; first = last = i; } else if (d === best) last = i;
          }
          return (first + last) / 2;
        }

        // The pixel of `figure`'s map under the event, or null; `img` may be scaled or transformed.
        function pixelUnder(img, figure, event) {
          const rect = img.getBoundingClientRect();
          const w = +figure.dataset.w, h = +figure.dataset.h;
          const x = Math.floor((event.clientX - rect.left) / rect.width * w), y = Math.floor((event.clientY - rect.top) / rect.height * h);
          return x >= 0 && y >= 0 && x < w && y < h ? { x, y } : null;
        }

        async function showValue(img, figure, event, output) {
          const at = pixelUnder(img, figure, event);
          if (!at || !figure.dataset.payload || figure.dataset.lo === undefined) return;
          try {
            const image = await loadPayload(figure.dataset.payload);
            const lo = +figure.dataset.lo, hi = +figure.dataset.hi;
            const value = lo + levelAt(image, at.x, at.y, figure.dataset.cmap) * (hi - lo) / image.max;
            output.textContent = (output.dataset.prefix ? figure.dataset.name + " " : "") + "(" + at.x + ", " + at.y + ") " + (+value.toPrecision(6));
            output.dataset.x = at.x; output.dataset.y = at.y; output.dataset.value = value;
          } catch (error) {
            output.textContent = String(error.message || error);
          }
        }

        document.addEventListener("mousemove", event => {
          const img = event.target;
          if (!(img instanceof HTMLImageElement) || !img.classList.contains("map")) return;
          const figure = img.closest("figure.map");
          showValue(img, figure, event, figure.querySelector("output.value"));
        });

        document.addEventListener("click", event => {
          const tab = event.target.closest(".stages button");
          if (tab) {
            const section = tab.closest("section");
            for (const button of section.querySelectorAll(".stages button")) button.setAttribute("aria-selected", String(button === tab));
            for (const grid of section.querySelectorAll(".grid")) grid.hidden = grid.dataset.stage !== tab.dataset.stage;
            return;
          }
          if (event.target instanceof HTMLImageElement && event.target.classList.contains("map")) {
            event.preventDefault();
            openViewer(event.target.closest("figure.map"));
          }
        });

        // The enlarged view: the input and every map of the stage, one shared zoom and offset
        // (in fractions of a pane, so maps of different resolutions stay aligned with the photo).
        const viewer = document.getElementById("viewer");
        const panes = viewer.querySelector(".panes");
        const readout = viewer.querySelector("header output");
        readout.dataset.prefix = "1";
        const view = { scale: 1, x: 0, y: 0 };
        function applyView() {
          for (const img of panes.querySelectorAll("img")) img.style.transform = `translate(${view.x * 100}%, ${view.y * 100}%) scale(${view.scale})`;
          viewer.querySelector(".zoom").textContent = (+view.scale.toPrecision(3)) + "×";
        }
        function resetView() { view.scale = 1; view.x = 0; view.y = 0; applyView(); }

        function addPane(src, label, width, height, figure) {
          const pane = document.createElement("div");
          pane.className = "pane";
          pane.style.aspectRatio = width + " / " + height;
          const img = document.createElement("img");
          img.src = src; img.alt = label; img.draggable = false;
          if (figure) { img.className = "zoomed"; pane.figure = figure; }
          const caption = document.createElement("span");
          caption.className = "label"; caption.textContent = label;
          pane.append(img, caption);
          panes.appendChild(pane);
          return pane;
        }

        function openViewer(figure) {
          const section = figure.closest("section"), grid = figure.closest(".grid");
          panes.replaceChildren();
          const input = section.querySelector("img.input");
          if (input) addPane(input.currentSrc || input.src, "input", input.width, input.height, null);
          let focus = null;
          for (const other of grid.querySelectorAll("figure.map")) {
            const pane = addPane(other.dataset.full, other.dataset.name, +other.dataset.w, +other.dataset.h, other);
            if (other === figure) { pane.classList.add("focus"); focus = pane; }
          }
          viewer.querySelector(".title").textContent = section.querySelector("h2").textContent + " — " + grid.dataset.title;
          readout.textContent = "\u00a0";
          resetView();
          viewer.showModal();
          if (focus) focus.scrollIntoView({ block: "nearest" });
        }

        panes.addEventListener("wheel", event => {
          const pane = event.target.closest(".pane");
          if (!pane) return;
          event.preventDefault();
          const rect = pane.getBoundingClientRect();
          const u = (event.clientX - rect.left) / rect.width, v = (event.clientY - rect.top) / rect.height;
          const scale = Math.min(64, Math.max(1, view.scale * Math.exp(-event.deltaY / 300)));
          // Keep the point under the cursor where it is.
          view.x = u - (u - view.x) * scale / view.scale;
          view.y = v - (v - view.y) * scale / view.scale;
          view.scale = scale;
          applyView();
        }, { passive: false });

        let drag = null;
        panes.addEventListener("pointerdown", event => {
          const pane = event.target.closest(".pane");
          if (!pane) return;
          drag = { pane, x: event.clientX, y: event.clientY, viewX: view.x, viewY: view.y };
          pane.setPointerCapture(event.pointerId);
        });
        panes.addEventListener("pointermove", event => {
          if (drag) {
            const rect = drag.pane.getBoundingClientRect();
            view.x = drag.viewX + (event.clientX - drag.x) / rect.width;
            view.y = drag.viewY + (event.clientY - drag.y) / rect.height;
            applyView();
          }
          const pane = event.target.closest(".pane");
          if (pane && pane.figure) showValue(pane.querySelector("img"), pane.figure, event, readout);
        });
        panes.addEventListener("pointerup", () => { drag = null; });
        viewer.querySelector("[data-action=reset]").addEventListener("click", resetView);
        viewer.querySelector("[data-action=close]").addEventListener("click", () => viewer.close());
        viewer.addEventListener("keydown", event => { if (event.key === "0") resetView(); });
        """#
}
