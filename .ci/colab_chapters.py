"""Run every chapter as a reader runs it in Colab, inside Colab's runtime image.

Run by ``.github/workflows/colab.yml`` with the image's own Python, in a container of Colab's
published runtime image, with this repository mounted read-only::

    python3 /checkout/.ci/colab_chapters.py --checkout /checkout --out /out

1. print the image's Python and the versions of the packages the course uses;
2. check that ``repository.url`` in ``_config.yml`` names the repository this runs in
   (``GITHUB_REPOSITORY``): the chapters' Colab cell clones that URL;
3. copy the chapters to ``/content/notebooks`` (outside the course: nothing of the checkout is
   importable) and execute them in order with nbclient, working directory ``/content``, each
   with one cell put first: ``import google.colab``, which Colab's kernel has done before a
   reader's first cell. The chapter's Colab cell therefore runs its Colab branch: the first
   chapter clones the course to ``/content/course``; every chapter installs scikeras and
   scikit-learn >= 1.7, puts ``/content/course`` on ``sys.path`` and changes to its chapters;
4. check that the cell did that work: ``/content/course`` is a clone (its commit is reported
   beside this run's), scikeras is installed;
5. write the executed notebooks and ``summary.md`` to ``--out``.

The exit status is 1 when a chapter fails or a check fails, 0 otherwise.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

CONTENT = Path("/content")  # Colab's working directory
COURSE = CONTENT / "course"  # where the Colab cell clones the course
PACKAGES = ["tensorflow", "keras", "scikit-learn", "numpy", "scipy", "pandas", "matplotlib", "scikeras"]
ANSI = re.compile(r"\x1b\[[0-9;]*m")  # colours in tracebacks

# Put before each chapter's first cell: Colab's kernel has imported google.colab before a reader's
# first cell runs, and the chapter's Colab cell tests exactly that ("google.colab" in sys.modules).
COLAB_KERNEL_CELL = """\
# Added by .ci/colab_chapters.py: in Colab, google.colab is imported before the first cell runs.
import sys
import types

try:
    import google.colab  # noqa: F401
except Exception as error:  # the Colab cell needs only the name; say why the real module failed
    sys.modules["google.colab"] = types.ModuleType("google.colab")
    print(f"google.colab did not import ({error!r}); a stand-in module is used", file=sys.stderr)
"""


def versions(python: str = sys.executable) -> dict[str, str]:
    """Installed versions of :data:`PACKAGES`, read by a fresh process (installs made meanwhile count)."""
    code = (
        "import importlib.metadata as m, json\n"
        "out = {}\n"
        f"for name in {PACKAGES!r}:\n"
        "    try:\n"
        "        out[name] = m.version(name)\n"
        "    except m.PackageNotFoundError:\n"
        "        out[name] = 'not installed'\n"
        "print(json.dumps(out))\n"
    )
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def _module(path: Path, name: str):
    """Load one of the course's own files as a module, without importing the ``utils`` package (TensorFlow)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_chapter(source: Path, out: Path, timeout: int) -> tuple[bool, float, str]:
    """Execute one chapter as in Colab; write it to ``out``; return (passed, seconds, error)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(source, as_version=4)
    first = nbformat.v4.new_code_cell(COLAB_KERNEL_CELL)
    first.metadata["tags"] = ["colab-kernel"]
    nb.cells.insert(0, first)
    client = NotebookClient(nb, timeout=timeout, resources={"metadata": {"path": str(CONTENT)}})
    start = time.perf_counter()
    error = ""
    try:
        client.execute()
    except CellExecutionError as exc:
        error = ANSI.sub("", str(exc))
    except Exception as exc:  # a timeout or a dead kernel: report it like a failing cell
        error = f"{type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - start
    nbformat.write(nb, out / source.name)
    return not error, seconds, error


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkout", type=Path, required=True, help="the repository (read-only is fine)")
    parser.add_argument(
        "--out", type=Path, required=True, help="folder for executed notebooks and summary.md"
    )
    args = parser.parse_args(argv)
    checkout, out = args.checkout.resolve(), args.out.resolve()
    chapters = sorted((checkout / "chapters").glob("*.ipynb"))
    if not chapters:
        raise SystemExit(f"no chapters in {checkout / 'chapters'}")
    out.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    summary = ["# Every chapter in Colab's runtime image, the Colab cell active", ""]

    # 1. the image
    before = versions()
    image = f"Python {platform.python_version()} ({sys.executable}); " + ", ".join(
        f"{k} {v}" for k, v in before.items()
    )
    print(f"Colab image: {image}", flush=True)
    summary += [f"Image before the chapters: {image}", ""]
    try:
        import google.colab  # noqa: F401

        print("google.colab imports in this image", flush=True)
    except Exception as error:
        note = f"google.colab does not import in this image ({error!r}); the chapters get a stand-in module"
        print(f"::warning::{note}", flush=True)
        summary += [note, ""]

    # 2. the Colab cell clones repository.url: it must be this repository
    url = _module(checkout / "scripts" / "set_repository_url.py", "set_repository_url").read_repository_url(
        checkout / "_config.yml"
    )
    here = os.environ.get("GITHUB_REPOSITORY")
    if here and url.rstrip("/").lower() != f"https://github.com/{here}".lower():
        problems.append(
            f"_config.yml's repository.url is {url}, but this runs in {here}: the chapters' Colab cell "
            f"would clone another repository. Run `python scripts/set_repository_url.py "
            f"https://github.com/{here}`."
        )
        print(problems[-1], flush=True)

    # 3. the chapters, in order, from a folder outside the course
    timeout = _module(checkout / "utils" / "limits.py", "course_limits").cell_seconds(
        checkout / "pyproject.toml"
    )
    notebooks = CONTENT / "notebooks"
    ran = not problems
    if ran:
        if COURSE.exists():
            problems.append(f"{COURSE} exists before the first chapter: the Colab cell would not clone")
        notebooks.mkdir(parents=True, exist_ok=True)
        summary += ["| chapter | result | seconds |", "|---|---|---|"]
        for chapter in chapters:
            shutil.copy2(chapter, notebooks / chapter.name)
            print(f"== {chapter.stem}", flush=True)
            passed, seconds, error = run_chapter(notebooks / chapter.name, out, timeout)
            print(f"   {'passed' if passed else 'FAILED'} in {seconds:.0f} s", flush=True)
            summary.append(f"| {chapter.stem} | {'passed' if passed else '**failed**'} | {seconds:.0f} |")
            if not passed:
                print(error, flush=True)
                problems.append(f"{chapter.stem} failed: {error.strip().splitlines()[-1] if error else ''}")
        summary.append("")

    # 4. did the Colab cell do its work?
    if ran:
        if not (COURSE / ".git").is_dir():
            problems.append(f"{COURSE} is not a git clone: the Colab cell did not run its Colab branch")
        else:
            head = subprocess.run(
                ["git", "-C", str(COURSE), "rev-parse", "HEAD"], capture_output=True, text=True
            ).stdout.strip()
            sha = os.environ.get("GITHUB_SHA", "")
            line = f"The Colab cell cloned {url} at {head}" + (f"; this run's commit is {sha}" if sha else "")
            if sha and sha != head:
                line += " (they differ: the chapters ran with the default branch's helpers, as readers' do)"
            print(line, flush=True)
            summary += [line, ""]
        after = versions()
        if after["scikeras"] == "not installed":
            problems.append(
                "scikeras is not installed after the chapters ran: the Colab cell did not install it"
            )
        changed = ", ".join(f"{k} {before[k]} -> {after[k]}" for k in PACKAGES if before[k] != after[k])
        summary += [f"The Colab cell changed: {changed or 'nothing'}", ""]
        print(f"The Colab cell changed: {changed or 'nothing'}", flush=True)

    summary += ["## Problems", "", *(f"- {p}" for p in problems)] if problems else ["All chapters passed."]
    (out / "summary.md").write_text("\n".join(summary) + "\n", encoding="utf-8")
    for problem in problems:
        print(f"::error::{problem}", flush=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
