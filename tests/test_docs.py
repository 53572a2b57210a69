"""The documentation cannot drift from the code.

* docs/derivation.md and docs/reference.md name functions and tests: every named function imports,
  every named test exists (found in the test file's syntax tree), every seed equation from 1a to 4
  and from 15 to 30 has a row with both, and every reference row names a test in tests/test_reference.py
  (the Matrix Cookbook's rows: in tests/test_cookbook.py, one row per identity of the registry);
* notebooks are stored without outputs (the README in notebooks/ says why), each opens with what the
  learner will see and ends with exercises and their solutions, and each is in the site's navigation.
"""

from __future__ import annotations

import ast
import importlib
import json
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

TEST_ID = re.compile(r"`(tests/[\w/]+\.py)::(\w+(?:::\w+)?)`")
FUNCTION = re.compile(r"`(autograd_core(?:\.\w+)+)`")


def table_rows(markdown: str) -> list[list[str]]:
    """Body rows of every pipe table: the cells of each row (header and separator rows skipped)."""
    rows, previous = [], ""
    for line in markdown.splitlines():
        if line.startswith("|") and not re.fullmatch(r"\|[\s\-:|]+\|", line.strip()):
            if previous.startswith("|"):
                rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
        previous = line if line.startswith("|") else ""
    return [row for row in rows if row]


@cache
def defined_tests(path: str) -> frozenset[str]:
    """``name`` and ``Class::name`` for every test function defined in a test file."""
    tree = ast.parse((ROOT / path).read_text())
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    names.add(f"{node.name}::{item.name}")
    return frozenset(n for n in names if n.split("::")[-1].startswith("test"))


def resolve(dotted: str) -> object:
    """Import ``autograd_core.module.attr`` (or a module) and return the object."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(dotted)


def named_tests(text: str) -> list[tuple[str, str]]:
    return TEST_ID.findall(text)


def named_functions(text: str) -> list[str]:
    return FUNCTION.findall(text)


DOC_PAGES = ["derivation.md", "reference.md"]


@pytest.mark.parametrize("page", DOC_PAGES)
def test_every_named_test_exists(page):
    text = (DOCS / page).read_text()
    ids = named_tests(text)
    assert ids, f"{page} names no tests"
    missing = [f"{path}::{name}" for path, name in ids
               if not (ROOT / path).exists() or name not in defined_tests(path)]
    assert not missing, f"{page} names tests that do not exist: {missing}"


@pytest.mark.parametrize("page", DOC_PAGES)
def test_every_named_function_imports(page):
    names = named_functions((DOCS / page).read_text())
    assert names, f"{page} names no functions"
    for dotted in names:
        try:
            obj = resolve(dotted)
        except (ImportError, AttributeError) as error:
            pytest.fail(f"{page} names {dotted}, which does not import: {error}")
        assert callable(obj) or hasattr(obj, "__path__") or hasattr(obj, "__file__"), dotted


SEED_EQUATIONS = ["1a", "1b", "2", "3", "4", *[str(k) for k in range(15, 31)]]


def derivation_rows() -> dict[str, list[str]]:
    """Equation label -> its row, for every row whose first cell lists equation numbers."""
    rows = {}
    for row in table_rows((DOCS / "derivation.md").read_text()):
        for label in re.split(r"[,\s]+", row[0]):
            if re.fullmatch(r"\d+[ab]?", label):
                rows[label] = row
    return rows


@pytest.mark.parametrize("equation", SEED_EQUATIONS)
def test_derivation_maps_each_seed_equation_to_a_function_and_a_test(equation):
    rows = derivation_rows()
    assert equation in rows, f"Eq. {equation} has no row in docs/derivation.md"
    row = " | ".join(rows[equation])
    assert named_functions(row), f"Eq. {equation}: no function named"
    assert named_tests(row), f"Eq. {equation}: no test named"


COOKBOOK = "autograd_core.layer.closed_form.cookbook."


def test_every_reference_row_names_a_test_in_test_reference():
    """Sections 1-7 are computed in tests/test_reference.py; the Cookbook's rows (8-9) in tests/test_cookbook.py."""
    rows = table_rows((DOCS / "reference.md").read_text())
    assert len(rows) >= 20
    for row in rows:
        text = " | ".join(row)
        home = "tests/test_cookbook.py" if COOKBOOK in text else "tests/test_reference.py"
        assert any(path == home for path, _ in named_tests(text)), f"reference row without a test in {home}: {row[0]}"


def test_every_cookbook_identity_has_one_reference_row_with_its_equation():
    """The registry and the page cannot drift: one row per identity, first cell its equation number."""
    from autograd_core.layer.closed_form.cookbook import IDENTITIES, VEC_IDENTITIES

    rows = table_rows((DOCS / "reference.md").read_text())
    for name, identity in IDENTITIES.items():
        function = f"`{COOKBOOK}{identity.gradient.__name__}`"
        found = [row for row in rows if function in " | ".join(row)]
        assert len(found) == 1, f"{name}: {len(found)} rows name {function}"
        assert found[0][0] == identity.equation, f"{name}: the row says {found[0][0]}, the registry {identity.equation}"
    for name, identity in VEC_IDENTITIES.items():
        function = f"`{COOKBOOK}{identity.jacobian.__name__}`"
        assert sum(function in " | ".join(row) for row in rows) == 1, f"{name}: no single row names {function}"


@pytest.mark.parametrize("page", sorted((DOCS / "api").glob("*.md")), ids=lambda p: p.name)
def test_every_api_page_documents_modules_that_import(page):
    """mkdocstrings' ``::: module`` directives: a renamed module would otherwise break only the docs build."""
    modules = re.findall(r"^::: ([\w.]+)\s*$", page.read_text(), flags=re.M)
    for module in modules:
        importlib.import_module(module)


def test_every_docs_page_is_in_the_navigation():
    nav = (ROOT / "mkdocs.yml").read_text()
    pages = [p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md") if "notebooks" not in p.parts]
    missing = [page for page in pages if page not in nav]
    assert not missing, f"pages missing from mkdocs.yml's nav: {missing}"


def test_table_parser_reads_rows_and_skips_headers():
    text = "| a | b |\n| --- | --- |\n| 1 | `x` |\n| 2 | y |\n\n| c |\n|---|\n| 3 |\n"
    assert table_rows(text) == [["1", "`x`"], ["2", "y"], ["3"]]


# --- notebooks ------------------------------------------------------------------------------------
def load(path: Path) -> dict:
    return json.loads(path.read_text())


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 3


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_without_outputs(path):
    """Outputs stay out of git: diffs stay reviewable, and nothing stale is ever read (CI executes them)."""
    for index, cell in enumerate(load(path)["cells"]):
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [], f"{path.name} cell {index} has outputs: clear them before committing"
            assert cell.get("execution_count") is None, f"{path.name} cell {index} has an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_opens_with_what_the_learner_sees_and_ends_with_exercises(path):
    cells = load(path)["cells"]
    first = "".join(cells[0]["source"])
    assert cells[0]["cell_type"] == "markdown" and "What you will see" in first, path.name
    text = "\n".join("".join(c["source"]) for c in cells)
    assert "## Exercises" in text and "<details>" in text, f"{path.name}: exercises with folded solutions"
    tail = [c for c in cells[-3:] if c["cell_type"] == "code"]
    assert any("assert" in "".join(c["source"]) for c in tail), f"{path.name}: solutions are executed at the end"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_uses_the_python3_kernel_and_asserts(path):
    nb = load(path)
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    assert code.count("assert") >= 5, f"{path.name} checks too little"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_in_the_site_navigation(path):
    assert f"notebooks/{path.name}" in (ROOT / "mkdocs.yml").read_text()


def test_every_page_in_the_navigation_exists():
    nav = re.findall(r":\s*([\w./-]+\.(?:md|ipynb))\s*$", (ROOT / "mkdocs.yml").read_text(), flags=re.M)
    assert "index.md" in nav
    missing = [page for page in nav if not (DOCS / page).exists()]
    assert not missing, f"mkdocs.yml lists pages that do not exist: {missing}"


def test_getting_started_code_runs(tmp_path, monkeypatch):
    """Every Python block of docs/getting-started.md runs as written (files land in a temp dir)."""
    blocks = re.findall(r"```python\n(.*?)```", (DOCS / "getting-started.md").read_text(), flags=re.S)
    assert len(blocks) >= 3
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "getting-started.md", "exec"), namespace)
    assert (tmp_path / "neuron.svg").read_text().lstrip().startswith("<")


def test_docs_give_the_readme_commands_verbatim():
    """The two commands of the README are the ones the docs tell a newcomer to run."""
    readme = (ROOT / "README.md").read_text()
    commands = [line for line in readme.splitlines() if line.startswith("python3 -m venv .venv && ")]
    assert len(commands) == 2, commands
    ci = (ROOT / ".ci" / "run").read_text()
    assert commands[1] in ci.splitlines()
    for page in ("getting-started.md", "index.md"):
        text = (ROOT / "docs" / page).read_text()
        for command in commands:
            assert command in text, (page, command)


def refusal_examples() -> list[tuple[str, str]]:
    """(python snippet, expected start of the message) for each example of docs/refusals.md."""
    text = (ROOT / "docs" / "refusals.md").read_text()
    return re.findall(r"```python\n(.*?)```\n\n```text\n(.*?)\n```", text, flags=re.S)


def test_the_refusals_page_has_examples():
    assert len(refusal_examples()) >= 15


@pytest.mark.parametrize(("snippet", "expected"), refusal_examples())
def test_every_refusal_on_the_page_raises_the_message_shown(snippet, expected):
    import math

    import numpy as np

    import autograd_core

    namespace = {"np": np, "math": math, **{name: getattr(autograd_core, name) for name in autograd_core.__all__}}
    with pytest.raises(Exception) as err:
        exec(snippet, namespace)
    assert f"{type(err.value).__name__}: {err.value}".startswith(expected)


@pytest.mark.parametrize("marker", ["layout=", "retain_graph=False"])
def test_the_examples_of_the_concepts_page_run(marker):
    """docs/concepts.md's examples are executed: the four-layout table's shapes and kron(Bᵀ, A) hold, and
    retain_graph=False leaves no intermediate gradient."""
    blocks = [b for b in re.findall(r"```python\n(.*?)```", (DOCS / "concepts.md").read_text(), flags=re.S)
              if marker in b]
    assert blocks, f"docs/concepts.md lost its example with {marker}"
    for block in blocks:
        exec(compile(block, "concepts.md", "exec"), {})


def test_the_examples_of_the_functions_page_run():
    """docs/functions.md's examples assert the Cookbook's closed forms and the primitive recipe: they run."""
    blocks = re.findall(r"```python\n(.*?)```", (DOCS / "functions.md").read_text(), flags=re.S)
    assert len(blocks) >= 2, "docs/functions.md lost its examples"
    for block in blocks:
        exec(compile(block, "functions.md", "exec"), {})


def test_the_checking_page_prints_what_it_shows(capsys):
    """docs/checking.md's example runs and prints exactly the report shown under it."""
    text = (DOCS / "checking.md").read_text()
    code, shown = re.search(r"```python\n(.*?)```\n\nprints\n\n```text\n(.*?)\n```", text, flags=re.S).groups()
    exec(compile(code, "checking.md", "exec"), {})
    assert capsys.readouterr().out.strip() == shown.strip()

