"""Check that the built site loads nothing from outside itself: no script, style, font or image by URL.

    python tools/check_offline.py [site]

Every ``.html`` page and ``.css`` file under ``site`` (default: ``site/``) is read; a resource whose
address is absolute (``https://...``, ``http://...``, any ``scheme://``) or protocol-relative (``//host/...``)
is reported with the page and the URL, and the exit status is 1. Exit 0 when there is none, 2 when the
folder holds no page (the site was not built).

What counts as loading a resource: ``<script src>``; ``<link href>`` unless its ``rel`` only names
another document (canonical, alternate, next, ...); ``src``, ``srcset``, ``poster`` and ``data`` of
images, media, frames and objects; ``href`` of SVG ``<image>`` and ``<use>``; and in CSS (``.css``
files, ``<style>`` blocks and ``style`` attributes) every ``@import`` and ``url(...)``, which is how
fonts arrive. A plain link (``<a href="https://...">``) loads nothing and is not reported. JavaScript
files are not read (a URL in a string is not a request); what the pages fetch when a browser runs
them is checked by ``tools/check_math.py``, which renders pages with every outside host unreachable.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

#: ``scheme://`` or protocol-relative ``//``: an address outside the site. (``data:`` and relative paths are in it.)
EXTERNAL = re.compile(r"^\s*(?:[a-z][a-z0-9+.\-]*:)?//", re.IGNORECASE)

#: ``<link rel=...>`` values that name another document and load nothing into the page.
NAVIGATION_RELS = frozenset(
    {"canonical", "alternate", "next", "prev", "author", "license", "help", "search", "me", "bookmark", "edit"}
)

#: Attributes, per element, through which an element loads something.
RESOURCE_ATTRIBUTES = {
    "script": ("src",),
    "img": ("src", "srcset"),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "iframe": ("src",),
    "frame": ("src",),
    "embed": ("src",),
    "input": ("src",),
    "object": ("data",),
    "image": ("href", "xlink:href"),
    "use": ("href", "xlink:href"),
}

CSS_IMPORT = re.compile(r"""@import\s+(?:url\(\s*)?["']?([^"')\s;]+)""", re.IGNORECASE)
CSS_URL = re.compile(r"""url\(\s*["']?([^"')\s]+)""", re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    """One outside resource: the file that asks for it, how it asks (``<script src>``, ``url()``), the URL."""

    page: str
    how: str
    url: str

    def __str__(self) -> str:
        return f"{self.page}: {self.how} {self.url}"


def is_external(url: str) -> bool:
    return bool(EXTERNAL.match(url))


def srcset_urls(value: str) -> list[str]:
    """The URLs of a ``srcset`` (``a.png 1x, b.png 2x``)."""
    return [candidate.split()[0] for candidate in value.split(",") if candidate.split()]


def scan_css(text: str, where: str = "") -> list[tuple[str, str]]:
    """``(how, url)`` for every outside ``@import`` and ``url()`` in a piece of CSS."""
    prefix = f"{where} " if where else ""
    found = [(f"{prefix}@import", url) for url in CSS_IMPORT.findall(text) if is_external(url)]
    imported = {url for _, url in found}
    found += [(f"{prefix}url()", url) for url in CSS_URL.findall(text) if is_external(url) and url not in imported]
    return found


class _ResourceParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "link" and "href" in values:
            rels = set(values.get("rel", "").lower().split())
            if not rels or not rels <= NAVIGATION_RELS:
                self._check(f"<link rel={values.get('rel', '')!r} href>", values["href"])
        for attribute in RESOURCE_ATTRIBUTES.get(tag, ()):
            if attribute in values:
                urls = srcset_urls(values[attribute]) if attribute == "srcset" else [values[attribute]]
                for url in urls:
                    self._check(f"<{tag} {attribute}>", url)
        if "style" in values:
            self.found += scan_css(values["style"], f"<{tag} style>")
        if tag == "style":
            self._in_style = True

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "style":
            self._in_style = False

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.found += scan_css(data, "<style>")

    def _check(self, how: str, url: str) -> None:
        if is_external(url):
            self.found.append((how, url.strip()))


def scan_html(text: str) -> list[tuple[str, str]]:
    """``(how, url)`` for every outside resource an HTML page loads."""
    parser = _ResourceParser()
    parser.feed(text)
    parser.close()
    return parser.found


def scan_site(site: Path) -> tuple[int, list[Finding]]:
    """(pages read, findings) for every ``.html`` and ``.css`` file under ``site``."""
    findings, pages = [], 0
    for path in sorted(site.rglob("*")):
        if path.suffix not in (".html", ".css") or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".html":
            pages += 1
            found = scan_html(text)
        else:
            found = scan_css(text)
        findings += [Finding(path.relative_to(site).as_posix(), how, url) for how, url in found]
    return pages, findings


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 1 or (args and args[0].startswith("-")):
        print("usage: python tools/check_offline.py [site]", file=sys.stderr)
        return 2
    site = Path(args[0] if args else "site")
    pages, findings = scan_site(site) if site.is_dir() else (0, [])
    if pages == 0:
        print(f"check_offline: no HTML page under {site}/: build the site first (mkdocs build)", file=sys.stderr)
        return 2
    for finding in findings:
        print(f"{site.as_posix()}/{finding}")
    if findings:
        print(f"check_offline: {len(findings)} outside resource(s) in the site: it would not work offline")
        return 1
    print(f"check_offline: {pages} pages, no script, style, font or image from outside the site")
    return 0


if __name__ == "__main__":
    sys.exit(main())
