"""MkDocs hooks (``hooks:`` in mkdocs.yml): a site that needs no network, from a build with a clean log.

* **MathJax, served by the site itself.** The MathJax 3 files come from the PyPI package
  ``django-static-mathjax`` (MathJax 3.2.2, the release a ``mathjax@3`` CDN URL resolves to, packaged
  as plain files; the package imports nothing, Django included). They are added to the build as
  if they were in ``docs/javascripts/mathjax/``, so ``mkdocs build`` and ``mkdocs serve`` copy
  them into the site, and nothing is committed. Only what ``tex-mml-chtml.js`` loads at run time
  comes along: the TeX extensions it autoloads (``\\boldsymbol``, ...), its CHTML fonts, and the
  menu's accessibility components.
* **Kernels with an encrypted transport.** mkdocs-jupyter executes the notebooks through nbconvert,
  and ipykernel 7 warns once per notebook that it "is running over TCP without encryption". The
  kernel's loopback traffic is now encrypted instead: ``tools/jupyter/jupyter_nbconvert_config.json``
  asks the kernel manager to provision CurveZMQ keys (``transport_encryption = "auto"``: only for a
  kernelspec that declares it supports them), and this hook puts that folder on ``JUPYTER_CONFIG_PATH``
  for the build.
* **Kernels that import this tree.** The executed notebooks import ``autograd_core`` from the tree being
  built (its root is put first on ``PYTHONPATH``), not from whichever copy the environment has installed.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from mkdocs.structure.files import File, Files

HERE = Path(__file__).resolve().parent
JUPYTER_CONFIG_DIR = HERE / "jupyter"

#: Where the site serves MathJax from (mkdocs.yml's extra_javascript names the entry point in it).
MATHJAX_URI = "javascripts/mathjax"
#: The entry point, and what it loads at run time, relative to MathJax's ``es5`` folder.
MATHJAX_PARTS = (
    "tex-mml-chtml.js",
    "input/tex/extensions",  # \boldsymbol and the other packages [tex]/autoload fetches on first use
    "output/chtml/fonts/woff-v2",  # the CHTML output's web fonts
    "ui",  # the context menu, and what it loads lazily
    "a11y",
    "sre",  # the speech rule engine of the menu's accessibility options
)


def mathjax_root() -> Path:
    """MathJax's ``es5`` folder inside the installed ``django-static-mathjax`` package."""
    spec = importlib.util.find_spec("mathjax")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "MathJax is not installed: the site serves its own copy, from the package django-static-mathjax "
            "(pip install -e '.[docs]')"
        )
    root = Path(next(iter(spec.submodule_search_locations))) / "static" / "mathjax" / "es5"
    if not (root / "tex-mml-chtml.js").is_file():
        raise RuntimeError(f"{root} has no tex-mml-chtml.js: is 'mathjax' the package django-static-mathjax?")
    return root


def mathjax_files(root: Path) -> list[tuple[str, Path]]:
    """(site path, source file) for each MathJax file the site serves."""
    found = []
    for part in MATHJAX_PARTS:
        source = root / part
        paths = [source] if source.is_file() else sorted(p for p in source.rglob("*") if p.is_file())
        if not paths:
            raise RuntimeError(f"MathJax's {part} is missing from {root}")
        found += [(f"{MATHJAX_URI}/{p.relative_to(root).as_posix()}", p) for p in paths]
    return found


def on_config(config):
    """Put the kernel configuration on Jupyter's config path before any notebook is executed."""
    if not (JUPYTER_CONFIG_DIR / "jupyter_nbconvert_config.json").is_file():
        raise RuntimeError(f"{JUPYTER_CONFIG_DIR}/jupyter_nbconvert_config.json is missing")
    path = os.environ.get("JUPYTER_CONFIG_PATH")
    entries = path.split(os.pathsep) if path else []
    if str(JUPYTER_CONFIG_DIR) not in entries:
        os.environ["JUPYTER_CONFIG_PATH"] = os.pathsep.join([str(JUPYTER_CONFIG_DIR), *entries])
    root = str(Path(config.config_file_path).resolve().parent)
    python_path = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if root not in python_path:
        os.environ["PYTHONPATH"] = os.pathsep.join([root, *python_path])
    return config


def on_files(files: Files, config) -> Files:
    """Add MathJax to the site's files, as if it were under docs/."""
    for uri, source in mathjax_files(mathjax_root()):
        files.append(File.generated(config, uri, abs_src_path=str(source)))
    return files
