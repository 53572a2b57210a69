"""tools/check_math.py's reading of a rendered page: typeset math passes, TeX left as text does not.

The browser run itself is a CI step (.ci/run, after the site is built); here the DOM it returns is
replaced by small pages as MathJax leaves them, or as a page looks when MathJax never ran.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.check_math import main, screenshot_name, typeset_problems  # noqa: E402

TYPESET = '<mjx-container class="MathJax" jax="CHTML"><mjx-math><mjx-mi>W</mjx-mi></mjx-math></mjx-container>'


def test_a_page_whose_formulas_were_typeset_passes():
    page = (
        f'<p>Notation: <span class="arithmatex">{TYPESET}</span> has <br> entries'
        f'<img src="a.png"></p><div class="arithmatex">{TYPESET}</div>'
        "<pre><code>print('$x$ and \\\\(y\\\\) in code are fine')</code></pre>"
    )
    assert typeset_problems(page) == []


def test_a_page_where_mathjax_never_ran_names_the_raw_tex():
    page = '<p>Notation: <span class="arithmatex">\\(\\boldsymbol{W}\\)</span> is <i>p</i> by n.</p>'
    problems = typeset_problems(page)
    assert problems[0].startswith("no typeset formula")
    assert "1 of 1 arithmatex formulas not typeset" in problems
    assert any("raw TeX left in the text: ...\\(\\boldsymbol{W}\\)" in problem for problem in problems)


def test_one_formula_left_untypeset_among_typeset_ones_is_found():
    page = f'<span class="arithmatex">{TYPESET}</span><span class="arithmatex">\\[ x^2 \\]</span>'
    problems = typeset_problems(page)
    assert "1 of 2 arithmatex formulas not typeset" in problems
    assert any("raw TeX" in problem for problem in problems)


def test_jupyter_dollar_math_left_as_text_is_found():
    page = f'<div class="jp-RenderedMarkdown"><p>{TYPESET} and the loss $L = \\frac{{1}}{{m}}$</p></div>'
    problems = typeset_problems(page)
    assert problems and all("raw TeX left in the text" in problem for problem in problems)


def test_a_mathjax_error_is_a_failure():
    page = '<mjx-container><mjx-merror data-mjx-error="Undefined control sequence \\bm"></mjx-merror></mjx-container>'
    assert typeset_problems(page) == ["1 formula(s) typeset as a MathJax error (mjx-merror)"]


def test_screenshots_are_named_after_their_page():
    assert screenshot_name("derivation/") == "derivation.png"
    assert screenshot_name("notebooks/04_batch/") == "notebooks-04_batch.png"
    assert screenshot_name("") == "index.png"


def test_a_site_that_was_not_built_is_an_error(tmp_path, capsys):
    assert main(["--site", str(tmp_path)]) == 2
    assert "build the site first" in capsys.readouterr().err


def test_without_a_browser_the_check_says_it_was_skipped(tmp_path, capsys, monkeypatch):
    (tmp_path / "index.html").write_text("<p>home</p>")
    monkeypatch.setenv("CHROMIUM", "no-such-browser-anywhere")
    assert main(["--site", str(tmp_path)]) == 0
    assert "SKIPPED: no Chromium" in capsys.readouterr().out
