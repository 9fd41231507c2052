"""Check, without Colab, that the chapters' Colab cell gives a working course on Colab's versions.

Running the chapters in Colab itself can only be done on GitHub (``.github/workflows/colab.yml``
runs every chapter weekly in Colab's runtime image). This script checks here what can be checked:
the effect of the chapters' Colab cell on an environment with Colab's package versions.

1. create a fresh virtual environment in a temporary folder, with Colab's Python version when
   this machine has it;
2. install Colab's versions of the packages the course uses, listed in ``.ci/colab-versions.txt``
   (with where and when they were taken);
3. copy the course (``utils/``, ``data/``, ``chapters/``, ``pyproject.toml``, ``_config.yml``)
   into the temporary folder, where the cell's ``git clone`` would put it;
4. in the new environment, with ``google.colab`` imported as in Colab, run the chapters' Colab
   cell exactly as the notebooks have it, with ``/content/course`` replaced by the copy: its own
   ``pip install`` line runs, it puts the copy on ``sys.path`` and changes to its ``chapters/``;
5. smoke test in that process: every third-party module the chapters and ``utils`` import
   (imports guarded by ``except ImportError`` excepted) imports; ``utils`` is the copy's; Sonar
   and MNIST-1D load; a tiny ``utils.engine.fast_cv`` run on each; a 2-fold, 2-epoch scikeras
   Pipeline run (``utils.evaluation.reference_cv``), recognised as a classifier by scikit-learn;
   ``keras.wrappers.SKLearnClassifier`` imports; ``utils.interactive.show_interactive`` draws a plotly
   figure with plotly's ``colab`` renderer.

Each step is printed as it starts, with its time when it ends. The exit status is 0 when every
step passed and 1 otherwise, with a message naming the step and what went wrong.

Usage, from anywhere::

    python scripts/colab_env_check.py                       # pip's usual cache
    python scripts/colab_env_check.py --pip-cache-dir DIR   # another pip cache (an empty one: cold)
    python scripts/colab_env_check.py --python /path/to/python3.12 --keep

It downloads about 700 MB of wheels (TensorFlow is most of it), which pip caches where its cache works.
"""

from __future__ import annotations

import argparse
import ast
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VERSIONS = ROOT / ".ci" / "colab-versions.txt"
CHAPTERS = ROOT / "chapters"
COURSE_FILES = ["utils", "data", "chapters", "pyproject.toml", "_config.yml"]
COLAB_COURSE = "/content/course"  # where the Colab cell clones the course
REPORTED = ["tensorflow", "keras", "scikit-learn", "numpy", "scipy", "pandas", "matplotlib", "scikeras"]


class CheckFailed(Exception):
    """A step failed; the message says what went wrong."""


def read_versions(path: Path = VERSIONS) -> tuple[str | None, list[str]]:
    """Colab's Python version (``# python: X.Y``) and its ``name==version`` lines from ``path``."""
    if not path.is_file():
        raise CheckFailed(f"{path} is missing: it lists Colab's package versions")
    python, pins = None, []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if line.startswith("# python:"):
            python = line.split(":", 1)[1].strip()
        elif line and not line.startswith("#"):
            if "==" not in line or line.count("==") != 1 or " " in line:
                raise CheckFailed(f"{path}:{number}: expected name==version, got {raw!r}")
            pins.append(line)
    if not pins:
        raise CheckFailed(f"{path} lists no packages")
    return python, pins


def colab_cells(chapters: Path = CHAPTERS) -> dict[str, list[str]]:
    """The chapters' first code cells (the Colab cell): each distinct source, with the chapters that have it.

    Normally all chapters have the same source (``tests/test_publishing.py`` checks that); if they
    differ, every variant is run.
    """
    cells: dict[str, list[str]] = {}
    for path in sorted(chapters.glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        if not code:
            raise CheckFailed(f"{path.name} has no code cell")
        source = code[0]["source"] if isinstance(code[0]["source"], str) else "".join(code[0]["source"])
        if '"google.colab" in sys.modules' not in source or COLAB_COURSE not in source:
            raise CheckFailed(
                f"{path.name}: the first code cell does not look like the Colab cell (no "
                f"'\"google.colab\" in sys.modules' or no {COLAB_COURSE}); this script needs updating"
            )
        cells.setdefault(source, []).append(path.stem)
    if not cells:
        raise CheckFailed(f"no chapters in {chapters}")
    return cells


def _guarded(handlers: list[ast.ExceptHandler]) -> bool:
    """Whether a ``try`` has an ``except ImportError`` (or ``ModuleNotFoundError``) handler."""
    for handler in handlers:
        kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        if any(isinstance(k, ast.Name) and k.id in ("ImportError", "ModuleNotFoundError") for k in kinds):
            return True
    return False


def imported_modules(source: str) -> set[str]:
    """Top-level names of the modules ``source`` imports, except imports guarded by ``except ImportError``."""
    found: set[str] = set()

    def visit(node: ast.AST, guarded: bool) -> None:
        if isinstance(node, ast.Import) and not guarded:
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not guarded and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
        if isinstance(node, ast.Try):
            inner = guarded or _guarded(node.handlers)
            for child in node.body:
                visit(child, inner)
            for child in [*node.handlers, *node.orelse, *node.finalbody]:
                visit(child, guarded)
            return
        for child in ast.iter_child_nodes(node):
            visit(child, guarded)

    visit(ast.parse(source), False)
    return found


def course_modules(root: Path = ROOT) -> list[str]:
    """Third-party modules the chapters' code cells and ``utils`` import (not the standard library, not utils)."""
    found: set[str] = set()
    for path in sorted((root / "chapters").glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        for number, cell in enumerate(nb["cells"]):
            if cell["cell_type"] != "code":
                continue
            source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
            try:
                found |= imported_modules("\n".join(lines))
            except SyntaxError as error:
                raise CheckFailed(f"{path.name} cell {number} does not parse: {error}") from error
    for path in sorted((root / "utils").glob("*.py")):
        found |= imported_modules(path.read_text(encoding="utf-8"))
    return sorted(m for m in found if m not in sys.stdlib_module_names and m not in ("utils", "google"))


def _python_version(python: str) -> str | None:
    try:
        out = subprocess.run(
            [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def find_python(version: str | None) -> tuple[str, str]:
    """A Python of ``version`` (``X.Y``) on this machine, else the one running this script."""
    if version:
        candidates = [shutil.which(f"python{version}")]
        candidates += sorted(
            glob.glob(os.path.expanduser(f"~/.pyenv/versions/{version}*/bin/python{version}"))
        )
        candidates += [f"/usr/bin/python{version}", f"/usr/local/bin/python{version}"]
        for candidate in candidates:
            if candidate and Path(candidate).exists() and _python_version(candidate) == version:
                return candidate, ""
        note = (
            f"WARNING: Colab uses Python {version}, which this machine does not have (looked on PATH, "
            f"in ~/.pyenv/versions and /usr/bin); using Python {sys.version_info[0]}.{sys.version_info[1]} "
            f"({sys.executable}). Pass --python to choose one."
        )
        return sys.executable, note
    return sys.executable, ""


def run(cmd: list[str], what: str, env: dict, cwd: Path | None = None) -> str:
    """Run ``cmd``; return its output; raise :class:`CheckFailed` naming ``what`` with the output's tail."""
    result = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    output = result.stdout + result.stderr
    if result.returncode != 0:
        tail = "\n".join(output.splitlines()[-40:])
        raise CheckFailed(f"{what} failed (exit status {result.returncode}): {' '.join(cmd)}\n{tail}")
    return output


# Runs inside the new environment: argv = JSON file of cell sources, course folder, JSON list of modules.
SMOKE_TEST = r"""
import importlib, importlib.metadata, json, os, subprocess, sys, time, types

cells_file, course, modules = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
failures = []


def say(message):
    print(f"    {message}", flush=True)


def check(ok, message):
    if not ok:
        failures.append(message)
        say(f"FAIL: {message}")
    return ok


# --- the Colab cell, as Colab runs it: google.colab is imported before any cell runs
sys.modules["google.colab"] = types.ModuleType("google.colab")
calls = []
real_run = subprocess.run


def logged_run(cmd, *args, **kwargs):
    calls.append([str(part) for part in cmd])
    say("the cell runs: " + " ".join(str(part) for part in cmd))
    return real_run(cmd, *args, **kwargs)


subprocess.run = logged_run
for chapters, source in json.load(open(cells_file)):
    start = time.perf_counter()
    try:
        exec(compile(source, "colab_cell", "exec"), {"__name__": "__main__"})
    except Exception as error:
        print(f"    FAIL: the Colab cell of {chapters} raised {type(error).__name__}: {error}", flush=True)
        sys.exit(1)
    say(f"the Colab cell of {chapters} ran in {time.perf_counter() - start:.0f} s")
subprocess.run = real_run
check(not any("clone" in call for call in calls), "the cell tried to git-clone: the course copy was not found")
check(any("pip" in call and "install" in call for call in calls), "the cell did not pip install anything")
check(sys.path[0] == course, f"the cell did not put the course first on sys.path: {sys.path[:2]}")
check(os.getcwd() == os.path.join(course, "chapters"), f"the cell did not change to chapters/: {os.getcwd()}")

versions = {}
for name in ["tensorflow", "keras", "scikit-learn", "numpy", "scipy", "pandas", "matplotlib", "scikeras", "plotly"]:
    try:
        versions[name] = importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        versions[name] = "not installed"
say("after the cell: " + ", ".join(f"{k} {v}" for k, v in versions.items()))

# --- the course first, as in every chapter (importing utils also keeps TensorFlow's start-up quiet)
import utils

check(os.path.dirname(os.path.dirname(os.path.abspath(utils.__file__))) == course,
      f"utils came from {utils.__file__}, not from the course copy {course}")

# --- every third-party module the chapters and utils import
missing = []
for name in modules:
    try:
        importlib.import_module(name)
    except Exception as error:
        missing.append(f"{name} ({type(error).__name__}: {error})")
check(not missing, "modules the chapters or utils import are missing after the Colab cell: " + "; ".join(missing))
say(f"imported {len(modules) - len(missing)} of {len(modules)} modules: {', '.join(modules)}")

# --- the course itself
import numpy as np

sonar = utils.load_sonar()
digits = utils.load_mnist1d()
say(f"Sonar {sonar.X.shape}, MNIST-1D {digits.X.shape}")

from utils.engine import fast_cv
from utils.models import baseline_model, build_mlp

result = fast_cv(baseline_model, sonar.X, sonar.y, cv=2, epochs=2, progress=False, warn=False)
check(len(result.scores) == 2 and np.all((result.scores >= 0) & (result.scores <= 1)),
      f"fast_cv on Sonar gave scores {result.scores}")
say(f"fast_cv on Sonar, 2 folds x 2 epochs: scores {np.round(result.scores, 3)}")


def mnist_model():
    return build_mlp(hidden_units=(32,), n_features=digits.X.shape[1], n_classes=10, hidden_dropout=0.2)


rows = np.arange(0, len(digits.y), 10)
result = fast_cv(mnist_model, digits.X[rows], digits.y[rows], cv=2, epochs=2, progress=False, warn=False)
check(len(result.scores) == 2, f"fast_cv on MNIST-1D gave scores {result.scores}")
say(f"fast_cv on MNIST-1D ({len(rows)} rows), 2 folds x 2 epochs: scores {np.round(result.scores, 3)}")

from sklearn.base import is_classifier
from utils.evaluation import KerasClassifier, reference_cv

check(is_classifier(KerasClassifier(model=baseline_model)),
      "scikit-learn does not recognise utils.evaluation.KerasClassifier as a classifier")
result = reference_cv(baseline_model, sonar.X, sonar.y, cv=2, epochs=2)
check(len(result.scores) == 2 and np.all(np.isfinite(result.scores)),
      f"the scikeras Pipeline gave scores {result.scores}")
say(f"scikeras Pipeline (reference_cv), 2 folds x 2 epochs: scores {np.round(result.scores, 3)}")

from keras.wrappers import SKLearnClassifier

say(f"keras.wrappers.SKLearnClassifier imports ({SKLearnClassifier.__module__})")

# --- an interactive figure, as a chapter shows it in Colab: plotly's colab renderer, then the caption
import IPython.display
import plotly.graph_objects as go
from utils.interactive import show_interactive

shown = []
IPython.display.display = lambda *objs, **kwargs: shown.extend(objs)
show_interactive(go.Figure(go.Scatter(x=[1, 2], y=[3, 4])), name="fig-smoke", caption="A smoke test.",
                 alt="Two points, at 3 and at 4: the smoke test of an interactive figure in Colab.")
check(len(shown) == 2 and "cdn.plot.ly" in shown[0].get("text/html", ""),
      f"show_interactive in Colab did not draw with plotly's colab renderer: {str(shown)[:300]}")
say(f"utils.interactive.show_interactive in Colab: plotly {importlib.metadata.version('plotly')}, colab renderer")
if failures:
    print(f"    {len(failures)} check(s) failed", flush=True)
    sys.exit(1)
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--python", help="the Python to create the environment with (default: Colab's version)"
    )
    parser.add_argument("--pip-cache-dir", help="pip cache folder (default: pip's own)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and print where it is")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    step_no = 0
    notes = []

    def step(title: str) -> float:
        nonlocal step_no
        step_no += 1
        print(f"[{step_no}] {title}", flush=True)
        return time.perf_counter()

    def done(t0: float) -> None:
        print(f"    done in {time.perf_counter() - t0:.0f} s", flush=True)

    tmp = Path(tempfile.mkdtemp(prefix="colab-env-check-"))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    if args.pip_cache_dir:
        env["PIP_CACHE_DIR"] = str(Path(args.pip_cache_dir).resolve())
    try:
        colab_python, pins = read_versions()
        cells = colab_cells()
        modules = course_modules()

        t0 = step("create a fresh virtual environment")
        if args.python:
            python, note = args.python, ""
            if _python_version(python) is None:
                raise CheckFailed(f"--python {python} is not a working Python")
        else:
            python, note = find_python(colab_python)
        if note:
            print(f"    {note}", flush=True)
            notes.append(note)
        venv = tmp / "venv"
        run([python, "-m", "venv", str(venv)], "creating the virtual environment", env)
        vpython = str(venv / "bin" / "python")
        print(f"    {vpython}: Python {_python_version(vpython)}, in {tmp}", flush=True)
        done(t0)

        t0 = step(f"install Colab's versions ({VERSIONS.relative_to(ROOT)}): {' '.join(pins)}")
        print(f"    pip cache: {env.get('PIP_CACHE_DIR', 'pip default (~/.cache/pip)')}", flush=True)
        pip_pins = [p for p in pins if p.lower().startswith("pip==")]
        if pip_pins:
            run([vpython, "-m", "pip", "install", "-q", *pip_pins], "installing Colab's pip", env)
        others = [p for p in pins if p not in pip_pins]
        run(
            [vpython, "-m", "pip", "install", "-q", "--progress-bar", "off", *others],
            "installing Colab's versions",
            env,
        )
        done(t0)

        t0 = step(f"copy the course where the Colab cell would clone it ({COLAB_COURSE})")
        course = tmp / "content" / "course"
        for name in COURSE_FILES:
            source = ROOT / name
            if source.is_dir():
                shutil.copytree(source, course / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            else:
                course.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, course / name)
        cells_file = tmp / "colab_cells.json"
        variants = [
            [", ".join(names), source.replace(COLAB_COURSE, str(course))] for source, names in cells.items()
        ]
        cells_file.write_text(json.dumps(variants), encoding="utf-8")
        if len(variants) > 1:
            print(
                f"    the chapters have {len(variants)} versions of the Colab cell; each is run", flush=True
            )
        smoke_file = tmp / "smoke_test.py"
        smoke_file.write_text(SMOKE_TEST, encoding="utf-8")
        done(t0)

        t0 = step("run the Colab cell (google.colab imported), then the smoke test, in the new environment")
        work = tmp / "cwd"  # neither the repository nor the copy: only the cell makes utils importable
        work.mkdir()
        before = run([vpython, "-m", "pip", "freeze"], "pip freeze", env)
        smoke = subprocess.run(
            [vpython, str(smoke_file), str(cells_file), str(course), json.dumps(modules)], env=env, cwd=work
        )
        after = run([vpython, "-m", "pip", "freeze"], "pip freeze", env)
        changed = sorted(set(after.splitlines()) - set(before.splitlines()))
        print(f"    the Colab cell installed or changed: {', '.join(changed) or 'nothing'}", flush=True)
        if smoke.returncode != 0:
            raise CheckFailed(
                f"the smoke test failed (exit status {smoke.returncode}); its FAIL lines above say why"
            )
        done(t0)
    except CheckFailed as error:
        where = f"step {step_no}" if step_no else "reading the course"
        print(f"\nFAILED at {where}: {error}", file=sys.stderr, flush=True)
        return 1
    finally:
        if args.keep:
            print(f"kept {tmp}", flush=True)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    for note in notes:
        print(note, flush=True)
    print(
        f"OK: the Colab cell gives a working course on Colab's versions ({time.perf_counter() - start:.0f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
