"""Hand the chapters that nbmake just executed to the book build, so none runs twice.

`pytest --overwrite` (nbmake) writes each executed chapter back into the
working tree. This script puts their outputs into Jupyter Book's execution
cache (`_build/.jupyter_cache`), keyed exactly as the build will look them up:
outputs are copied into the committed version of each notebook (so the
cache's hash of code and cell metadata matches), with the run time nbmake
recorded, and the committed file is restored in the working tree.
`jupyter-book build` then finds every chapter in the cache.

Usage (CI, from the repository root):

    python .ci/cache_executed.py chapters/*.ipynb             # cache executed chapters
    python .ci/cache_executed.py --uncached chapters/*.ipynb  # list chapters the cache lacks
"""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime

import nbformat
from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn

CACHE = "_build/.jupyter_cache"


def run_seconds(nb) -> float | None:
    """Wall time from the first cell's start to the last cell's end, from nbclient's timing."""
    stamps = []
    for cell in nb.cells:
        timing = cell.get("metadata", {}).get("execution", {})
        for key in ("iopub.status.busy", "shell.execute_reply"):
            if key in timing:
                stamps.append(datetime.fromisoformat(timing[key].replace("Z", "+00:00")))
    return (max(stamps) - min(stamps)).total_seconds() if stamps else None


def print_uncached(paths: list[str]) -> int:
    """Print the notebooks whose current code the cache holds no execution of."""
    cache = get_cache(CACHE)
    for path in paths:
        try:
            cache.match_cache_notebook(nbformat.read(path, as_version=4))
        except KeyError:
            print(path)
    return 0


def main(paths: list[str]) -> int:
    if paths[:1] == ["--uncached"]:
        return print_uncached(paths[1:])
    if not paths:
        print("usage: python .ci/cache_executed.py [--uncached] NOTEBOOK...", file=sys.stderr)
        return 2
    cache = get_cache(CACHE)
    for path in paths:
        executed = nbformat.read(path, as_version=4)
        committed_text = subprocess.run(
            ["git", "show", f"HEAD:{path}"], capture_output=True, text=True, check=True
        ).stdout
        committed = nbformat.reads(committed_text, as_version=4)
        done = [c for c in executed.cells if c.cell_type == "code"]
        todo = [c for c in committed.cells if c.cell_type == "code"]
        if len(done) != len(todo) or any(a.source != b.source for a, b in zip(done, todo)):
            print(f"{path}: executed copy does not match the committed notebook", file=sys.stderr)
            return 1
        if not any(c.outputs for c in done):
            print(f"{path}: has no outputs; was it executed with `pytest --overwrite`?", file=sys.stderr)
            return 1
        for source, target in zip(done, todo):
            target.outputs = source.outputs
            target.execution_count = source.execution_count
        committed.metadata["language_info"] = executed.metadata.get("language_info", {})
        seconds = run_seconds(executed)
        bundle = CacheBundleIn(committed, uri=path, data={"execution_seconds": seconds})
        record = cache.cache_notebook_bundle(bundle, check_validity=False, overwrite=True)
        # The build hashes the notebook it reads: give it back the committed file.
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(committed_text)
        print(f"cached {path} (record {record.pk}, ran {seconds:.0f} s)" if seconds else f"cached {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
