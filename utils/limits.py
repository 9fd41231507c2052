"""The course's run-time limits, read from the one place they are set.

Every limit lives in ``pyproject.toml`` under ``[tool.dropout-course.limits]``:

- ``cell-seconds``: the longest any one cell may run, for nbmake (the root
  ``conftest.py`` passes it on) and for the book build (``_config.yml`` repeats
  it, and a test checks that the two agree);
- ``chapter-seconds``: per chapter, the longest the whole notebook may run;
  each chapter's hidden final check asserts its own bound.

Importing it loads no TensorFlow (``import utils.limits`` is quick), so the test
runner's ``conftest.py`` imports it as an ordinary module.
"""

from __future__ import annotations

from utils.checks import check_int, check_text

import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def load_limits(path: str | Path = PYPROJECT) -> dict:
    """Return the ``[tool.dropout-course.limits]`` table of ``path``, checked.

    Raises ``FileNotFoundError`` for a missing file and ``ValueError`` naming the file when it is
    not valid TOML, or when the table, ``cell-seconds`` or ``chapter-seconds`` is missing or not a
    positive whole number of seconds.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no pyproject.toml with the course's limits at {path}")
    with path.open("rb") as f:
        try:
            settings = tomllib.load(f)
        except tomllib.TOMLDecodeError as error:  # its message gives the line, not the file
            raise ValueError(f"{path} is not valid TOML: {error}") from None
    limits = settings.get("tool", {}).get("dropout-course", {}).get("limits")
    if not isinstance(limits, dict):
        raise ValueError(f"{path} has no [tool.dropout-course.limits] table")
    try:
        check_int("cell-seconds", limits.get("cell-seconds"))
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from None
    chapters = limits.get("chapter-seconds")
    if not isinstance(chapters, dict) or not chapters:
        raise ValueError(f"{path}: [tool.dropout-course.limits.chapter-seconds] is missing or empty")
    for name, seconds in chapters.items():
        try:
            check_int(f"chapter-seconds.{name}", seconds)
        except ValueError as error:
            raise ValueError(f"{path}: {error}") from None
    return limits


def cell_seconds(path: str | Path = PYPROJECT) -> int:
    """The longest one notebook cell may run, in seconds."""
    return load_limits(path)["cell-seconds"]


def chapter_seconds(chapter: str, path: str | Path = PYPROJECT) -> int:
    """The longest the chapter named ``chapter`` (notebook file stem) may run, in seconds."""
    try:
        check_text("chapter", chapter)
    except ValueError:
        raise ValueError(f"chapter must be a notebook's file name without .ipynb, got {chapter!r}") from None
    name = Path(chapter).stem
    bounds = load_limits(path)["chapter-seconds"]
    if name not in bounds:
        raise KeyError(
            f"no time limit for chapter {name!r}; pyproject.toml sets one for: {', '.join(sorted(bounds))}"
        )
    return bounds[name]
