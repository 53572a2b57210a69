"""tools/check_offline.py, the CI step that keeps the documentation site free of outside resources.

The scanner is tested on small pages: each way a page can load something from another host is found
and named, and what loads nothing (a plain link, a data: URL, a relative path) is left alone.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.check_offline import Finding, is_external, main, scan_css, scan_html, scan_site  # noqa: E402

CDN = "https://cdn.example.org/mathjax/tex-mml-chtml.js"


@pytest.mark.parametrize(
    "url",
    ["https://cdn.example.org/a.js", "http://example.org/a.css", "//cdn.example.org/a.js", "HTTPS://X.ORG/a", " ftp://x/y"],
)
def test_absolute_and_protocol_relative_addresses_are_outside(url):
    assert is_external(url)


@pytest.mark.parametrize(
    "url", ["javascripts/mathjax.js", "../assets/main.css", "/assets/x.css", "data:text/javascript,", "#top", ""]
)
def test_relative_paths_and_data_urls_are_inside(url):
    assert not is_external(url)


def test_a_script_from_a_cdn_is_named_with_its_url():
    page = f'<html><body><script src="{CDN}"></script><script src="../js/local.js"></script></body></html>'
    assert scan_html(page) == [("<script src>", CDN)]


def test_a_protocol_relative_script_is_found():
    assert scan_html('<script src="//cdn.example.org/x.js" async></script>') == [
        ("<script src>", "//cdn.example.org/x.js")
    ]


def test_stylesheets_fonts_and_preconnects_by_link_are_found():
    page = (
        '<link rel="stylesheet" href="https://fonts.example.com/css?family=Roboto">'
        '<link rel="preload" as="font" href="https://fonts.example.com/r.woff2">'
        '<link rel="preconnect" href="https://fonts.example.com">'
        '<link rel="stylesheet" href="../assets/main.css">'
    )
    assert [url for _, url in scan_html(page)] == [
        "https://fonts.example.com/css?family=Roboto",
        "https://fonts.example.com/r.woff2",
        "https://fonts.example.com",
    ]


def test_links_to_other_documents_and_plain_anchors_load_nothing():
    page = (
        '<link rel="canonical" href="https://example.org/derivation/">'
        '<link rel="alternate" type="application/rss+xml" href="https://example.org/feed.xml">'
        '<a href="https://squidfunk.github.io/mkdocs-material/">Material</a>'
    )
    assert scan_html(page) == []


def test_images_frames_and_srcsets_are_found():
    page = (
        '<img src="https://img.example.org/a.png">'
        '<img src="../img/layer.svg" srcset="../img/a.png 1x, https://img.example.org/b.png 2x">'
        '<iframe src="https://video.example.org/embed/1"></iframe>'
        '<svg><image href="//img.example.org/c.png"/></svg>'
    )
    assert [url for _, url in scan_html(page)] == [
        "https://img.example.org/a.png",
        "https://img.example.org/b.png",
        "https://video.example.org/embed/1",
        "//img.example.org/c.png",
    ]


def test_css_in_style_blocks_and_attributes_is_read():
    page = (
        "<style>@import url('https://fonts.example.com/css2?family=Inter');\n"
        "@font-face { font-family: M; src: url(https://fonts.example.com/m.woff2) format('woff2'); }\n"
        ".x { background: url(data:image/png;base64,AAAA) }</style>"
        '<div style="background-image: url(&quot;//img.example.org/bg.png&quot;)"></div>'
    )
    assert scan_html(page) == [
        ("<style> @import", "https://fonts.example.com/css2?family=Inter"),
        ("<style> url()", "https://fonts.example.com/m.woff2"),
        ("<div style> url()", "//img.example.org/bg.png"),
    ]


def test_a_css_file_with_a_web_font_is_found_and_local_fonts_are_not():
    css = (
        '@import "https://fonts.example.com/roboto.css";\n'
        "@font-face { src: url('../fonts/MathJax_Main-Regular.woff') format('woff'); }\n"
        "@font-face { src: url(\"https://fonts.example.com/r.woff2\"); }"
    )
    assert scan_css(css) == [("@import", "https://fonts.example.com/roboto.css"), ("url()", "https://fonts.example.com/r.woff2")]


def test_url_text_outside_resources_is_not_a_finding():
    page = (
        "<p>MathJax came from https://cdn.example.org/ before.</p>"
        '<math xmlns="http://www.w3.org/1998/Math/MathML"><mi>x</mi></math>'
        "<script>const u = 'https://example.org/x.js';</script>"
    )
    assert scan_html(page) == []


def test_a_site_is_scanned_page_by_page_and_the_command_names_page_and_url(tmp_path, capsys):
    (tmp_path / "derivation").mkdir()
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text('<script src="javascripts/mathjax/tex-mml-chtml.js"></script>')
    (tmp_path / "derivation" / "index.html").write_text(f'<script src="{CDN}"></script>')
    (tmp_path / "assets" / "main.css").write_text("@import url(//fonts.example.com/x.css);")
    pages, findings = scan_site(tmp_path)
    assert pages == 2
    assert findings == [
        Finding("assets/main.css", "@import", "//fonts.example.com/x.css"),
        Finding("derivation/index.html", "<script src>", CDN),
    ]
    assert main([str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert f"{tmp_path.as_posix()}/derivation/index.html: <script src> {CDN}" in out
    assert "2 outside resource(s)" in out


def test_an_offline_site_passes(tmp_path, capsys):
    (tmp_path / "index.html").write_text('<link rel="stylesheet" href="assets/main.css"><script src="a.js"></script>')
    assert main([str(tmp_path)]) == 0
    assert "1 pages, no script, style, font or image from outside the site" in capsys.readouterr().out


def test_a_site_that_was_not_built_is_an_error_not_a_pass(tmp_path, capsys):
    assert main([str(tmp_path / "site")]) == 2
    assert "build the site first" in capsys.readouterr().err
