"""Render pages of the built site in headless Chromium with no network, and check that the math is typeset.

    python tools/check_math.py [--site site] [--out site/_screenshots] [PAGE ...]

PAGE is a page's path in the site (default: ``derivation/`` and ``notebooks/04_batch/``). The site is
served on 127.0.0.1 by a server started here, and the browser resolves no other host name
(``--host-resolver-rules``), so the pages render exactly as they would with no network at all. (That
the pages name no outside script, style or font is tools/check_offline.py's job; this one shows that
what they do load is enough.) For each page this checks that

* every file the browser asked the site for exists (a missing MathJax font or extension shows here);
* MathJax typeset the math: the page has ``mjx-container`` elements and no MathJax error, every
  formula that pymdownx.arithmatex marked (``class="arithmatex"``) holds one, and no TeX delimiter
  (``\\(``, ``\\[``, ``$$``, ``$``) is left in the text a reader sees (code and preformatted blocks aside);

and saves a screenshot of the top of the page (``derivation.png``, ``notebooks-04_batch.png``) in
``--out``. Exit 0 when every page passes, 1 when one does not (each failure is named), 2 for usage
errors. Where no Chromium is installed it says so and exits 0 without checking: .ci/run installs
Debian's ``chromium`` first wherever apt-get exists. ``CHROMIUM`` names another browser binary.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from functools import partial
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

DEFAULT_PAGES = ("derivation/", "notebooks/04_batch/")
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

#: Elements whose text a reader does not see as prose, or that MathJax leaves alone by design.
SKIPPED = frozenset(
    {"script", "style", "noscript", "template", "textarea", "pre", "code", "svg", "math", "mjx-container"}
)
VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)
#: TeX that MathJax would have replaced: \( \) \[ \] (arithmatex's and Jupyter's), $$ and $ (Jupyter's).
RAW_TEX = re.compile(r"\\[()\[\]]|\$")


@dataclass
class Requests:
    """The files the browser asked the local server for and that the site does not have."""

    missing: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def clear(self) -> None:
        with self.lock:
            self.missing.clear()


class _Handler(SimpleHTTPRequestHandler):
    """Serves the site, and records each file it does not have."""

    requests: Requests

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        if code == 404:
            with self.requests.lock:
                self.requests.missing.append(self.path)
        super().send_error(code, message, explain)

    def log_message(self, format: str, *args: object) -> None:  # quiet: findings are reported at the end
        pass


class _TypesetParser(HTMLParser):
    """Counts typeset formulas, arithmatex formulas left untypeset, and raw TeX in visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, int | None]] = []  # (tag, its arithmatex number if it is one)
        self.skipping = 0  # how many open elements are in SKIPPED
        self.containers = 0
        self.errors = 0  # MathJax's rendering of a TeX error (an unknown macro, say)
        self.typeset: list[bool] = []  # per arithmatex element: holds an mjx-container
        self.raw: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "mjx-container":
            self.containers += 1
            inside = [number for _, number in self.stack if number is not None]
            if inside:
                self.typeset[inside[-1]] = True
        if tag == "mjx-merror":
            self.errors += 1
        if tag in VOID:
            return
        number = None
        if "arithmatex" in (dict(attrs).get("class") or "").split():
            number = len(self.typeset)
            self.typeset.append(False)
        self.stack.append((tag, number))
        if tag in SKIPPED:
            self.skipping += 1

    def handle_endtag(self, tag: str) -> None:
        if all(open_tag != tag for open_tag, _ in self.stack):
            return
        while self.stack:
            open_tag, _ = self.stack.pop()
            if open_tag in SKIPPED:
                self.skipping -= 1
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        for match in RAW_TEX.finditer(data):
            start = max(match.start() - 30, 0)
            self.raw.append(" ".join(data[start : match.end() + 30].split()))


def typeset_problems(dom: str) -> list[str]:
    """What shows that a rendered page's math was not typeset (empty when it was)."""
    parser = _TypesetParser()
    parser.feed(dom)
    parser.close()
    problems = []
    if parser.containers == 0:
        problems.append("no typeset formula (no mjx-container element): MathJax did not run")
    if parser.errors:
        problems.append(f"{parser.errors} formula(s) typeset as a MathJax error (mjx-merror)")
    if not all(parser.typeset):
        problems.append(f"{parser.typeset.count(False)} of {len(parser.typeset)} arithmatex formulas not typeset")
    problems += [f"raw TeX left in the text: ...{snippet}..." for snippet in parser.raw[:5]]
    if len(parser.raw) > 5:
        problems.append(f"... and {len(parser.raw) - 5} more raw TeX delimiters")
    return problems


def find_browser() -> str | None:
    if os.environ.get("CHROMIUM"):
        return shutil.which(os.environ["CHROMIUM"])
    return next((path for path in map(shutil.which, BROWSERS) if path), None)


def browser_command(browser: str, profile: str) -> list[str]:
    return [
        browser,
        "--headless",
        "--no-sandbox",  # CI runs as root
        "--disable-gpu",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",  # no host but this one: no network
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--disable-default-apps",
        "--disable-domain-reliability",
        "--disable-client-side-phishing-detection",
        "--virtual-time-budget=20000",  # virtual time stops while files load: MathJax finishes first
        "--window-size=1280,1500",
    ]


def run_browser(command: list[str], timeout: float = 90) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise RuntimeError(f"{Path(command[0]).name} exited with {done.returncode}:\n{tail}")
    return done.stdout


def screenshot_name(page: str) -> str:
    return (page.strip("/").replace("/", "-") or "index") + ".png"


def check_pages(site: Path, pages: list[str], out: Path, browser: str) -> list[str]:
    """Failures, each prefixed by its page (empty when every page passes)."""
    requests = Requests()
    handler = type("Handler", (_Handler,), {"requests": requests})
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    out.mkdir(parents=True, exist_ok=True)
    failures = []
    try:
        with tempfile.TemporaryDirectory(prefix="check-math-") as profile:
            command = browser_command(browser, profile)
            for page in pages:
                if not (site / page).exists():
                    failures.append(f"{page}: not in {site}/")
                    continue
                requests.clear()
                url = f"{base}/{page.lstrip('/')}"
                dom = run_browser([*command, "--dump-dom", url])
                shot = out / screenshot_name(page)
                run_browser([*command, f"--screenshot={shot}", url])
                problems = typeset_problems(dom)
                missing = sorted(set(requests.missing))
                problems += [f"asked for a file the site does not have: {path}" for path in missing]
                if not shot.is_file():
                    problems.append(f"no screenshot was written to {shot}")
                failures += [f"{page}: {problem}" for problem in problems]
                status = "FAILED" if problems else "ok"
                typeset = dom.count("<mjx-container")
                print(f"check_math: {page}: {status} ({typeset} formulas typeset; screenshot {shot})")
    finally:
        server.shutdown()
        server.server_close()
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/check_math.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", nargs="*", default=list(DEFAULT_PAGES), metavar="PAGE")
    parser.add_argument("--site", type=Path, default=Path("site"))
    parser.add_argument("--out", type=Path, help="folder for the screenshots (default: SITE/_screenshots)")
    args = parser.parse_args(argv)
    if not (args.site / "index.html").is_file():
        print(f"check_math: no {args.site}/index.html: build the site first (mkdocs build)", file=sys.stderr)
        return 2
    browser = find_browser()
    if browser is None:
        print("check_math: SKIPPED: no Chromium on this machine (apt-get install chromium); math not checked")
        return 0
    failures = check_pages(args.site, args.pages, args.out or args.site / "_screenshots", browser)
    for failure in failures:
        print(f"check_math: {failure}")
    if failures:
        print(f"check_math: {len(failures)} problem(s): the math does not render offline")
        return 1
    print(f"check_math: {len(args.pages)} pages typeset with no network")
    return 0


if __name__ == "__main__":
    sys.exit(main())
