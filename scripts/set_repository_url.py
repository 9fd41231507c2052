"""Point the course at its repository: the one setting a publisher changes.

The repository URL lives in one place, ``repository.url`` in ``_config.yml``.
Jupyter Book builds the Binder, Colab and repository buttons from it. The
first code cell of every chapter (the Colab cell, hidden in the book) clones
the same repository when a chapter runs in Colab, so it must name the same URL;
``tests/test_publishing.py`` fails when the two disagree.

Usage, from the repository root::

    python scripts/set_repository_url.py https://github.com/OWNER/REPO
        # sets repository.url in _config.yml and rewrites every chapter's Colab cell

    python scripts/set_repository_url.py --sync
        # rewrites every chapter's Colab cell from the URL already in _config.yml

Only the source of each notebook's first code cell is replaced; nothing else in
the notebooks changes.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "_config.yml"
CHAPTERS = ROOT / "chapters"

#: The exact source of every chapter's first code cell (tagged ``remove-cell``).
#: ``{url}`` is ``repository.url`` from ``_config.yml``.
COLAB_CELL_TEMPLATE = """\
# Colab only: install what Colab lacks and fetch the course's helpers and data.
# Anywhere else (local Jupyter, Binder, CI, the book build) this cell does nothing.
import sys

if "google.colab" in sys.modules:
    import os
    import subprocess

    REPOSITORY = "{url}"
    if not os.path.isdir("/content/course"):
        subprocess.run(["git", "clone", "--depth", "1", REPOSITORY, "/content/course"], check=True)
    # Not in Colab, or not this version (plotly: the interactive figures); pip skips what is there.
    missing = ["scikeras==0.13.0", "scikit-learn>=1.7", "jupyterquiz==2.9.6.4", "plotly==7.1.0"]
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", *missing], check=True)
    if "/content/course" not in sys.path:
        sys.path.insert(0, "/content/course")
    os.chdir("/content/course/chapters")"""

_GITHUB_URL = re.compile(r"^https://github\.com/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


def check_github_url(url: str) -> str:
    """Return ``url`` unless it is not ``https://github.com/OWNER/REPO``; raise ``ValueError`` saying so.

    Both ways of setting the URL (the command line, and ``--sync`` from ``_config.yml``) go through
    this one check: Colab opens notebooks from GitHub only, and the Colab cell clones this URL.
    """
    if not isinstance(url, str) or not _GITHUB_URL.match(url):
        raise ValueError(f"expected https://github.com/OWNER/REPO (Colab opens GitHub only), got {url!r}")
    return url


def colab_cell_source(url: str) -> str:
    """The Colab cell's source for a repository URL."""
    return COLAB_CELL_TEMPLATE.replace("{url}", url)


def read_repository_url(config: Path = CONFIG) -> str:
    """``repository.url`` from ``_config.yml``."""
    import yaml

    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    try:
        url = data["repository"]["url"]
    except (TypeError, KeyError):
        raise SystemExit(f"{config}: no repository.url setting") from None
    return str(url).rstrip("/")


def write_repository_url(url: str, config: Path = CONFIG) -> None:
    """Replace the ``url:`` line of the ``repository:`` block, keeping comments."""
    lines = config.read_text(encoding="utf-8").splitlines(keepends=True)
    in_block = False
    for i, line in enumerate(lines):
        if re.match(r"^repository:\s*(#.*)?$", line):
            in_block = True
        elif in_block and re.match(r"^\S", line):
            break
        elif in_block and re.match(r"^\s+url:", line):
            indent = line[: len(line) - len(line.lstrip())]
            lines[i] = f"{indent}url: {url}\n"
            config.write_text("".join(lines), encoding="utf-8")
            return
    raise SystemExit(f"{config}: could not find the url: line of the repository: block")


def _shown(path: Path) -> str:
    """``path`` relative to the repository root when it lies inside it, else as given."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def first_code_cell(nb):
    """The first code cell of a notebook, or None."""
    return next((cell for cell in nb.cells if cell.cell_type == "code"), None)


def sync_notebooks(url: str, chapters: Path = CHAPTERS) -> list[Path]:
    """Set the Colab cell of every chapter notebook; return the notebooks changed."""
    import nbformat

    wanted = colab_cell_source(url)
    changed = []
    for path in sorted(chapters.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
        cell = first_code_cell(nb)
        if cell is None or not cell.source.lstrip().startswith("# Colab only"):
            print(
                f"SKIPPED {_shown(path)}: its first code cell is not the Colab cell",
                file=sys.stderr,
            )
            continue
        if cell.source != wanted:
            cell.source = wanted
            nbformat.write(nb, path)
            changed.append(path)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("url", nargs="?", help="https://github.com/OWNER/REPO")
    group.add_argument(
        "--sync", action="store_true", help="only rewrite the notebooks from the URL in _config.yml"
    )
    args = parser.parse_args(argv)
    if args.sync:
        url = read_repository_url(CONFIG)
        try:
            check_github_url(url)
        except ValueError as error:
            parser.error(
                f"{CONFIG.name}: repository.url: {error}; nothing was changed. Set it with "
                "python scripts/set_repository_url.py https://github.com/OWNER/REPO"
            )
    else:
        url = args.url.rstrip("/")
        if url.endswith(".git"):
            url = url[:-4]
        try:
            check_github_url(url)
        except ValueError as error:
            parser.error(str(error))
        write_repository_url(url, CONFIG)
        print(f"_config.yml: repository.url = {url}")
    for path in sync_notebooks(url, CHAPTERS):
        print(f"updated the Colab cell of {_shown(path)}")
    print("Done. Rebuild the book; check with: pytest tests/test_publishing.py")
    return 0


if __name__ == "__main__":
    sys.exit(main())
