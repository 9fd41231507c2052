"""The book's structure, read from its table of contents: every page ``_toc.yml`` lists, in order.

Used by the tests of the built book and by ``benchmarks/page_weight.py``, so that all of them walk
the same pages.
"""

from __future__ import annotations

import re
from pathlib import Path

TOC = Path(__file__).resolve().parent.parent / "_toc.yml"


def toc_files(toc_path: str | Path = TOC) -> list[str]:
    """Every ``file`` entry of a Jupyter Book table of contents, root first, in reading order.

    Entries are returned as written (``"chapters/02_baseline"``), walking ``parts``, ``chapters`` and
    ``sections`` at any depth. Raises ``ValueError`` naming the file when it is missing, is not YAML,
    or has no ``root``.
    """
    import yaml

    path = Path(toc_path)
    if not path.is_file():
        raise ValueError(f"table of contents {path} does not exist")
    try:
        toc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ValueError(f"table of contents {path} is not valid YAML: {error}") from None
    if not isinstance(toc, dict) or not isinstance(toc.get("root"), str):
        raise ValueError(f"table of contents {path} has no 'root' page")
    files = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    walk(toc.get("parts"))
    walk(toc.get("chapters"))
    return files


def toc_pages(toc_path: str | Path = TOC) -> list[str]:
    """:func:`toc_files` without suffixes (``.md``, ``.ipynb``): the pages' paths in the built book."""
    return [re.sub(r"\.(md|ipynb)$", "", page) for page in toc_files(toc_path)]
