"""A minimal WebDriver client for Debian's chromium + chromedriver (standard library only).

chromedriver speaks plain HTTP+JSON (W3C WebDriver), so urllib is all that is needed.
Used by scripts/report-browser-check.py (the report's browser test) and for measurements.
"""

import base64
import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


ELEMENT = "element-6066-11e4-a52e-4f735466cecf"  # W3C WebDriver's web element key


def ref(element):
    """The JSON form of an element id, as a script argument or an action's origin."""
    return {ELEMENT: element}


class WebDriverError(Exception):
    pass


class Browser:
    """One headless chromium session driven through chromedriver."""

    def __init__(self, width=1280, height=900, chromedriver="chromedriver", chromium="/usr/bin/chromium"):
        self.port = free_port()
        self.profile = tempfile.mkdtemp(prefix="fp-chromium-")
        self.log = open(os.path.join(self.profile, "chromedriver.log"), "w")
        self.driver = subprocess.Popen(
            [chromedriver, f"--port={self.port}"], stdout=self.log, stderr=subprocess.STDOUT
        )
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(100):
            try:
                self._request("GET", "/status")
                break
            except (urllib.error.URLError, ConnectionError, WebDriverError):
                time.sleep(0.1)
        else:
            self.close()
            raise WebDriverError("chromedriver did not start")
        caps = {
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "goog:chromeOptions": {
                        "binary": chromium,
                        "args": [
                            "--headless=new",
                            "--no-sandbox",
                            "--disable-gpu",
                            "--disable-dev-shm-usage",
                            f"--window-size={width},{height}",
                            f"--user-data-dir={self.profile}/user",
                            "--hide-scrollbars",
                        ],
                    },
                    "goog:loggingPrefs": {"browser": "ALL"},
                }
            }
        }
        try:
            value = self._request("POST", "/session", caps)
        except Exception:
            self.close()
            raise
        self.session = value["sessionId"]
        self.set_viewport(width, height)

    def _request(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.base + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                payload = json.load(response)
        except urllib.error.HTTPError as error:
            payload = json.load(error)
            raise WebDriverError(f"{method} {path}: {payload.get('value', payload)}") from None
        return payload.get("value")

    def call(self, method, path, body=None):
        return self._request(method, f"/session/{self.session}{path}", body)

    def cdp(self, command, params=None):
        return self.call("POST", "/goog/cdp/execute", {"cmd": command, "params": params or {}})

    def set_viewport(self, width, height):
        # The layout viewport itself, not the window: screenshots are exactly `width` px wide.
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )

    def open(self, url):
        self.call("POST", "/url", {"url": url})

    def js(self, script, *args):
        return self.call("POST", "/execute/sync", {"script": script, "args": list(args)})

    def js_async(self, script, *args):
        return self.call("POST", "/execute/async", {"script": script, "args": list(args)})

    def find(self, css):
        value = self.call("POST", "/element", {"using": "css selector", "value": css})
        return next(iter(value.values()))

    def click(self, element):
        self.call("POST", f"/element/{element}/click", {})

    def actions(self, steps):
        self.call("POST", "/actions", {"actions": steps})
        self.call("DELETE", "/actions")

    def move_to(self, element, x=0, y=0):
        """Moves the mouse to (x, y) CSS px from the element's centre (WebDriver's origin)."""
        origin = ref(element)
        self.actions(
            [
                {
                    "type": "pointer",
                    "id": "mouse",
                    "parameters": {"pointerType": "mouse"},
                    "actions": [{"type": "pointerMove", "duration": 0, "origin": origin, "x": x, "y": y}],
                }
            ]
        )

    def drag(self, element, dx, dy):
        origin = ref(element)
        self.actions(
            [
                {
                    "type": "pointer",
                    "id": "mouse",
                    "parameters": {"pointerType": "mouse"},
                    "actions": [
                        {"type": "pointerMove", "duration": 0, "origin": origin, "x": 0, "y": 0},
                        {"type": "pointerDown", "button": 0},
                        {"type": "pointerMove", "duration": 100, "origin": "pointer", "x": dx, "y": dy},
                        {"type": "pointerUp", "button": 0},
                    ],
                }
            ]
        )

    def wheel(self, element, delta_y):
        origin = ref(element)
        self.actions(
            [
                {
                    "type": "wheel",
                    "id": "wheel",
                    "actions": [
                        {"type": "scroll", "x": 0, "y": 0, "deltaX": 0, "deltaY": delta_y, "origin": origin}
                    ],
                }
            ]
        )

    def console(self):
        """Browser console entries since the last call (chromedriver's `browser` log)."""
        try:
            return self.call("POST", "/se/log", {"type": "browser"}) or []
        except WebDriverError:
            return []

    def screenshot(self, path, full_page=False):
        if full_page:
            metrics = self.cdp("Page.getLayoutMetrics")
            size = metrics["cssContentSize"]
            shot = self.cdp(
                "Page.captureScreenshot",
                {
                    "format": "png",
                    "captureBeyondViewport": True,
                    "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1},
                },
            )
            data = shot["data"]
        else:
            data = self.call("GET", "/screenshot")
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def close(self):
        try:
            if getattr(self, "session", None):
                self._request("DELETE", f"/session/{self.session}")
        except Exception:
            pass
        self.driver.terminate()
        try:
            self.driver.wait(10)
        except subprocess.TimeoutExpired:
            self.driver.kill()
        self.log.close()


def loaded_resources(browser, root):
    """(count, bytes) of the files the page has fetched so far, sized on disk (file://
    transfers report no size), the page itself included."""
    # Resource Timing has no entries for file:// here, so: the page, every image that has
    # decoded (naturalWidth > 0) and every script element that ran.
    names = browser.js(
        "return [location.href]"
        ".concat([...document.images].filter(i => i.naturalWidth > 0).map(i => i.currentSrc || i.src))"
        ".concat([...document.scripts].filter(s => s.src).map(s => s.src));"
    )
    total = 0
    count = 0
    seen = set()
    for name in names:
        if not name.startswith("file://") or name in seen:
            continue
        seen.add(name)
        path = urllib.request.url2pathname(name[len("file://"):].split("#")[0].split("?")[0])
        if os.path.isfile(path):
            total += os.path.getsize(path)
            count += 1
    return count, total


if __name__ == "__main__":
    # Measure: python3 scripts/report_browser.py OUT/index.html  -> files and bytes on first paint.
    import sys

    page = os.path.abspath(sys.argv[1])
    b = Browser()
    try:
        b.open("file://" + page)
        time.sleep(2)
        count, total = loaded_resources(b, os.path.dirname(page))
        print(f"{page}: first paint at 1280x900 fetched {count} files, {total} bytes ({total / 1e6:.1f} MB)")
    finally:
        b.close()
