"""The GitHub workflows are valid and pass a security audit, offline.

Every file in ``.github/workflows/`` is

- validated against GitHub's workflow schema: ``check-jsonschema --builtin-schema
  vendor.github-workflows`` (the schema ships inside check-jsonschema, so no network);
- audited with ``zizmor --offline``, which must report nothing: actions pinned to a commit,
  no checkout that leaves the token in ``.git/config``, no template injection, no excessive
  permissions, ...

Both tools are pinned in ``requirements.txt``; a missing tool fails the test (it is never
skipped). Every action is also pinned the readable way: ``owner/repo@<40-hex commit> # vX.Y.Z``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted([*ROOT.glob(".github/workflows/*.yml"), *ROOT.glob(".github/workflows/*.yaml")])
REQUIREMENTS = ROOT / "requirements.txt"
TOOLS = {"check-jsonschema": "check-jsonschema", "zizmor": "zizmor"}  # executable -> PyPI name


def _tool(name: str) -> str:
    """Path of a tool: next to this Python (the venv's bin/) first, then on PATH; fails if missing."""
    beside = Path(sys.executable).parent / name
    if beside.is_file():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        pytest.fail(
            f"{name} is not installed (looked in {beside.parent} and on PATH): "
            f"install the course's environment with `pip install -r requirements.txt`"
        )
    return found


def _run(cmd: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_there_are_workflows():
    names = [p.name for p in WORKFLOWS]
    assert "book.yml" in names and "colab.yml" in names, f"expected book.yml and colab.yml, found {names}"


@pytest.mark.parametrize("tool", sorted(TOOLS))
def test_tool_is_the_pinned_version(tool):
    pins = dict(
        line.strip().split("==", 1)
        for line in REQUIREMENTS.read_text(encoding="utf-8").splitlines()
        if "==" in line and not line.lstrip().startswith("#")
    )
    pinned = pins.get(TOOLS[tool])
    assert pinned, f"{TOOLS[tool]} is not pinned in requirements.txt"
    out = _run([_tool(tool), "--version"])
    assert out.returncode == 0, f"{tool} --version failed:\n{out.stdout}{out.stderr}"
    assert re.search(rf"\b{re.escape(pinned)}\b", out.stdout + out.stderr), (
        f"{tool} is not the version requirements.txt pins ({pinned}): {(out.stdout + out.stderr).strip()}; "
        f"run `pip install -r requirements.txt`"
    )


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=_name)
def test_workflow_matches_github_schema(workflow):
    out = _run([_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(workflow)])
    assert out.returncode == 0, (
        f"{_name(workflow)} does not validate against GitHub's workflow schema:\n{out.stdout}{out.stderr}"
    )


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=_name)
def test_zizmor_reports_nothing(workflow):
    out = _run(
        [
            _tool("zizmor"),
            "--offline",
            "--strict-collection",
            "--color",
            "never",
            "--no-progress",
            str(workflow),
        ]
    )
    report = out.stdout + out.stderr
    assert out.returncode == 0 and "No findings to report" in report, (
        f"zizmor --offline reports findings (exit status {out.returncode}) in {_name(workflow)}:\n{report}"
    )


_USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>\S+)(?P<rest>.*)$")


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=_name)
def test_actions_are_pinned_with_their_version(workflow):
    bad = []
    for number, line in enumerate(workflow.read_text(encoding="utf-8").splitlines(), 1):
        match = _USES.match(line)
        if not match or match["ref"].startswith(("./", "docker://")):
            continue
        if not re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", match["ref"]) or not re.match(
            r"\s+#\s*v\d+\.\d+\.\d+\b", match["rest"]
        ):
            bad.append(f"line {number}: {line.strip()}")
    assert not bad, (
        f"{_name(workflow)}: every action must be pinned as `owner/repo@<40-hex commit> # vX.Y.Z`:\n"
        + "\n".join(bad)
    )


# ------------------------------------------------------------------ the weekly Colab run and its local check


def _colab_env_check():
    import importlib.util

    spec = importlib.util.spec_from_file_location("colab_env_check", ROOT / "scripts" / "colab_env_check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_colab_workflow_runs_the_chapters_in_colabs_image_without_the_local_versions():
    text = (ROOT / ".github" / "workflows" / "colab.yml").read_text(encoding="utf-8")
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    assert "us-docker.pkg.dev/colab-images/public/runtime" in code, "colab.yml must use Colab's runtime image"
    assert "schedule:" in code and "cron:" in code, "colab.yml must run on a schedule"
    assert ".ci/colab_chapters.py" in code and (ROOT / ".ci" / "colab_chapters.py").is_file()
    assert "colab-versions" not in code, (
        "colab.yml runs Colab's real image; it must not read .ci/colab-versions.txt"
    )


def test_colab_versions_file_lists_colabs_python_and_the_course_packages():
    python, pins = _colab_env_check().read_versions()
    assert python and re.fullmatch(r"3\.\d+", python), f"no '# python: 3.X' line, got {python!r}"
    names = {pin.split("==")[0].lower() for pin in pins}
    wanted = {"tensorflow", "keras", "scikit-learn", "numpy", "scipy", "pandas", "matplotlib"}
    assert wanted <= names, f".ci/colab-versions.txt lacks {sorted(wanted - names)}"


def test_colab_env_check_finds_lazy_imports_and_ignores_guarded_ones():
    found = _colab_env_check().imported_modules(
        "import numpy as np\n"
        "from sklearn.base import clone\n"
        "def f():\n"
        "    from jupyterquiz import display_quiz\n"
        "try:\n"
        "    from myst_nb import glue\n"
        "except ImportError:\n"
        "    glue = None\n"
        "try:\n"
        "    import scipy\n"
        "except ValueError:\n"
        "    pass\n"
    )
    assert found == {"numpy", "sklearn", "jupyterquiz", "scipy"}, found
