"""What every command says about the user's own input: echoes kept short, output paths checked first.

Two rules shared by the subcommands:

* **Echoes are short.** An error message quotes at most :data:`MAX_ECHO` characters of what the
  user typed (a formula, a ``NAME=VALUE``, a file name, a list of names), cut with an ellipsis
  that says how long the original was, so a 100 KB argument gives a one-line error, not 100 KB.
* **Output paths are checked before any work, and folders are never created.** A file the CLI
  writes (``verify --draw``, ``graph -o``, ``train --plot``) must name a file in a folder that
  exists and can be written; anything else is refused by :func:`check_output_file` with a
  message naming the real problem (empty name, missing folder, a path through something that is
  not a folder, no write permission). An existing file of that name is overwritten, as ``cp``
  and ``curl -o`` do.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

#: the most characters of user input quoted in one message.
MAX_ECHO = 200


class OutputPathError(ValueError):
    """An output path that cannot be written; the message is one line naming the reason."""


def clip(text: str, limit: int = MAX_ECHO) -> str:
    """``text`` itself when short, else its first ``limit`` characters, an ellipsis and the full length."""
    text = str(text)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters)"


def quote(text: str, limit: int = MAX_ECHO) -> str:
    """``repr(text)`` (control characters escaped) of at most about ``limit`` characters."""
    text = str(text)
    shown = repr(text[:limit])
    if len(text) <= limit and len(shown) <= limit + 2:
        return shown
    return f"{shown[:limit + 1]}…{shown[0]} ({len(text):,} characters)"


def quote_all(items: Iterable[str], limit: int = MAX_ECHO) -> str:
    """``'a', 'b', 'c'`` -- cut after about ``limit`` characters with ``… and N more``."""
    items = list(items)
    parts: list[str] = []
    used = 0
    for item in items:
        part = quote(item, limit=40)
        if parts and used + len(part) > limit:
            return f"{', '.join(parts)}, … and {len(items) - len(parts):,} more"
        parts.append(part)
        used += len(part) + 2
    return ", ".join(parts)


def check_output_file(path: str, option: str) -> Path:
    """Refuse an output file that cannot be written, before any work; return it as a :class:`Path`.

    The folder it goes into must already exist (nothing is ever created but the file itself) and be
    writable; the file may exist, and is then overwritten. Raises :class:`OutputPathError`.
    """
    where = f"{option} {quote(path)}"
    if not path:
        raise OutputPathError(f"{option}: the file name is empty")
    if "\x00" in path:
        raise OutputPathError(f"{where}: a file name cannot contain a NUL character")
    target = Path(path)
    try:
        if target.is_dir():
            raise OutputPathError(f"{where}: is a folder; give a file name, such as {quote(str(target / 'out.svg'))}")
        _check_folder(target.parent, where)
        if target.exists() and not os.access(target, os.W_OK):
            raise OutputPathError(f"{where}: the file exists and is not writable")
    except OSError as exc:  # a name too long for the file system, a loop of links, ...
        raise OutputPathError(f"{where}: {exc.strerror or exc}") from None
    return target


def check_output_folder(path: str, option: str) -> Path:
    """Like :func:`check_output_file` for an output *folder*: it may exist, or be created inside an existing one."""
    where = f"{option} {quote(path)}"
    if not path:
        raise OutputPathError(f"{option}: the folder name is empty")
    if "\x00" in path:
        raise OutputPathError(f"{where}: a folder name cannot contain a NUL character")
    target = Path(path)
    try:
        if target.exists():
            if not target.is_dir():
                raise OutputPathError(f"{where}: is a file, not a folder")
            _check_folder(target, where)
        else:
            _check_folder(target.parent, where)
    except OSError as exc:
        raise OutputPathError(f"{where}: {exc.strerror or exc}") from None
    return target


def _check_folder(folder: Path, where: str) -> None:
    """``folder`` must exist, be a folder and be writable; the message names the first thing that is wrong."""
    folder = folder if str(folder) else Path(".")
    if folder.is_dir():
        if not os.access(folder, os.W_OK | os.X_OK):
            raise OutputPathError(f"{where}: the folder {quote(str(folder))} is not writable")
        return
    for ancestor in (folder, *folder.parents):
        if ancestor.exists() or ancestor.is_symlink():
            if not ancestor.is_dir():
                raise OutputPathError(f"{where}: {quote(str(ancestor))} is not a folder")
            break
    raise OutputPathError(f"{where}: folder {quote(str(folder))} does not exist "
                          "(autograd-core never creates folders: create it first)")
