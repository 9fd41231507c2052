"""What publishing the course relies on: the chapters' Colab cell, clean notebooks, the TOC.

The repository URL is set in one place, ``repository.url`` in ``_config.yml``:
the book's Binder/Colab/repository buttons are built from it, and every
chapter's first code cell (the Colab cell, hidden in the book) clones the same
repository when the chapter runs in Colab. After changing the URL, run
``python scripts/set_repository_url.py --sync`` to update the notebooks.

Also: the Binder install check (``test_binder_install``), skipped unless
``BINDER_CHECK=1`` because it installs the whole environment into a fresh venv
(several minutes).
"""

from __future__ import annotations

from utils.book import toc_files

import importlib.util
import os
import shutil
import subprocess
import sys
import types
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = ROOT / "chapters"
NOTEBOOKS = sorted(CHAPTERS.glob("*.ipynb"))
FIX = "run `python scripts/set_repository_url.py --sync` from the repository root"


def _load_script():
    spec = importlib.util.spec_from_file_location(
        "set_repository_url", ROOT / "scripts" / "set_repository_url.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


script = _load_script()


def _config():
    return yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


def _repository_url() -> str:
    return str(_config()["repository"]["url"]).rstrip("/")


def _read(path: Path):
    return nbformat.read(path, as_version=nbformat.NO_CONVERT)


def _code_cells(nb):
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


# ------------------------------------------------------------------ the repository setting


def test_repository_url_is_a_github_repository():
    url = _repository_url()
    assert script._GITHUB_URL.match(url), (
        f"_config.yml repository.url must be https://github.com/OWNER/REPO (Colab opens "
        f"notebooks from GitHub only), got {url!r}"
    )
    launch = _config().get("launch_buttons", {})
    assert launch.get("binderhub_url") and launch.get("colab_url"), (
        "_config.yml launch_buttons must set binderhub_url and colab_url"
    )


def test_there_are_chapter_notebooks():
    assert NOTEBOOKS, f"no notebooks in {CHAPTERS}"


def test_every_toc_entry_exists():
    missing = [
        f for f in toc_files() if not any((ROOT / f"{f}{ext}").is_file() for ext in ("", ".md", ".ipynb"))
    ]
    assert not missing, f"_toc.yml lists files that do not exist: {missing}"


def test_every_chapter_notebook_is_in_the_toc():
    listed = {f.removesuffix(".ipynb") for f in toc_files()}
    orphans = [_name(p) for p in NOTEBOOKS if f"chapters/{p.stem}" not in listed]
    assert not orphans, f"notebooks missing from _toc.yml (the book would not show them): {orphans}"


# ------------------------------------------------------------------ every notebook


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_name)
def test_first_code_cell_is_the_colab_cell(path):
    cells = _code_cells(_read(path))
    assert cells, f"{_name(path)} has no code cell"
    cell, url = cells[0], _repository_url()
    assert "remove-cell" in cell.metadata.get("tags", []), (
        f"{_name(path)}: the first code cell (the Colab cell) must be tagged remove-cell "
        f"so that the book hides it"
    )
    if url not in cell.source:
        raise AssertionError(
            f"{_name(path)}: the Colab cell does not clone {url} (repository.url in _config.yml); {FIX}"
        )
    assert cell.source == script.colab_cell_source(url), (
        f"{_name(path)}: the first code cell differs from the course's Colab cell "
        f"(scripts/set_repository_url.py, COLAB_CELL_TEMPLATE); {FIX}\n"
        f"--- found:\n{cell.source}\n--- expected:\n{script.colab_cell_source(url)}"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_name)
def test_notebook_is_committed_without_outputs(path):
    dirty = [
        i
        for i, cell in enumerate(_code_cells(_read(path)))
        if cell.outputs or cell.execution_count is not None
    ]
    assert not dirty, (
        f"{_name(path)}: code cells {dirty} have outputs or execution counts; commit notebooks "
        f"cleared (`jupyter nbconvert --clear-output --inplace {_name(path)}`)"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_name)
def test_notebook_ends_with_a_hidden_check_cell(path):
    last = _code_cells(_read(path))[-1]
    assert "remove-cell" in last.metadata.get("tags", []), (
        f"{_name(path)}: the last code cell (the chapter's checks) must be tagged remove-cell"
    )
    assert "assert" in last.source, f"{_name(path)}: the last code cell must check claims with assert"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_name)
def test_notebook_kernel_is_python3(path):
    kernelspec = _read(path).metadata.get("kernelspec", {})
    assert kernelspec.get("name") == "python3", (
        f"{_name(path)}: kernelspec name must be python3 (Binder, Colab and nbmake start that "
        f"kernel), got {kernelspec}"
    )


# ------------------------------------------------------------------ the Colab cell's logic


def _run_colab_cell(monkeypatch, tmp_path, in_colab: bool, course_exists: bool = False):
    """Exec the Colab cell with subprocess.run, os.chdir and sys.path observed, nothing real run."""
    calls, chdirs = [], []
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: calls.append((a, k)))
    monkeypatch.setattr(os, "chdir", chdirs.append)
    real_isdir = os.path.isdir
    monkeypatch.setattr(
        os.path, "isdir", lambda p: course_exists if p == "/content/course" else real_isdir(p)
    )
    if in_colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    path_before = list(sys.path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    exec(compile(script.colab_cell_source(_repository_url()), "colab_cell", "exec"), {})
    return calls, chdirs, [p for p in sys.path if p not in path_before]


def test_colab_cell_does_nothing_outside_colab(monkeypatch, tmp_path):
    calls, chdirs, added = _run_colab_cell(monkeypatch, tmp_path, in_colab=False)
    assert calls == [] and chdirs == [] and added == [], (calls, chdirs, added)


def test_colab_cell_in_colab_fetches_the_course_and_installs_scikeras(monkeypatch, tmp_path):
    calls, chdirs, added = _run_colab_cell(monkeypatch, tmp_path, in_colab=True)
    commands = [args[0] for args, _ in calls]
    assert ["git", "clone", "--depth", "1", _repository_url(), "/content/course"] in commands
    pip = [c for c in commands if c[1:4] == ["-m", "pip", "install"]]
    assert pip and "scikeras==0.13.0" in pip[0], commands
    pinned = [
        line for line in (ROOT / "requirements.txt").read_text().lower().splitlines() if "#" not in line
    ]
    for package in ("scikeras", "jupyterquiz", "plotly"):  # Colab lacks them or has another plotly
        wanted = [f"{package}=={line.split('==')[1]}" for line in pinned if line.startswith(f"{package}==")]
        assert wanted and wanted[0] in pip[0], (wanted, pip[0])
    assert all(kwargs.get("check") for _, kwargs in calls), "every command must fail loudly"
    assert added == ["/content/course"], "the course's utils package must become importable"
    assert chdirs == ["/content/course/chapters"], "chapters run from chapters/, as everywhere else"


def test_colab_cell_can_run_twice(monkeypatch, tmp_path):
    calls, _, added = _run_colab_cell(monkeypatch, tmp_path, in_colab=True, course_exists=True)
    assert not any(args[0][:2] == ["git", "clone"] for args, _ in calls), "must not clone again"


def test_set_repository_url_rewrites_config_and_cells(tmp_path, monkeypatch):
    config = tmp_path / "_config.yml"
    config.write_text((ROOT / "_config.yml").read_text(encoding="utf-8"), encoding="utf-8")
    chapters = tmp_path / "chapters"
    chapters.mkdir()
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# 1. Title"),
            nbformat.v4.new_code_cell(
                script.colab_cell_source(_repository_url()), metadata={"tags": ["remove-cell"]}
            ),
            nbformat.v4.new_code_cell("x = 1"),
        ]
    )
    nbformat.write(nb, chapters / "01_x.ipynb")
    new = "https://github.com/someone/fork-of-course"
    script.write_repository_url(new, config)
    assert script.read_repository_url(config) == new
    assert "# The one setting a publisher changes" in config.read_text(), "comments are kept"
    assert script.sync_notebooks(new, chapters) == [chapters / "01_x.ipynb"]
    cells = _code_cells(_read(chapters / "01_x.ipynb"))
    assert cells[0].source == script.colab_cell_source(new)
    assert cells[0].metadata["tags"] == ["remove-cell"] and cells[1].source == "x = 1"


def _course_copy(tmp_path, monkeypatch, url_line):
    """A _config.yml whose repository url: line is ``url_line``, and one chapter; the script points at them."""
    config = tmp_path / "_config.yml"
    text = (ROOT / "_config.yml").read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    start = lines.index("repository:\n")
    at = next(i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("url:"))
    lines[at] = f"  url: {url_line}\n"
    config.write_text("".join(lines), encoding="utf-8")
    chapters = tmp_path / "chapters"
    chapters.mkdir()
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(script.colab_cell_source(_repository_url()))]
    )
    nbformat.write(nb, chapters / "01_x.ipynb")
    monkeypatch.setattr(script, "CONFIG", config)
    monkeypatch.setattr(script, "CHAPTERS", chapters)
    return config, chapters / "01_x.ipynb"


@pytest.mark.parametrize(
    "url_line",
    [
        "https://gitlab.com/someone/course  # my fork",
        "https://github.com/someone/course#readme",
        "http://github.com/someone/course",
        "https://github.com/someone",
        "",
    ],
)
def test_sync_refuses_a_url_in_the_config_that_the_command_line_refuses(
    tmp_path, monkeypatch, capsys, url_line
):
    # issue 16, item 6: --sync wrote any URL from _config.yml into every notebook and printed "Done"
    config, notebook = _course_copy(tmp_path, monkeypatch, url_line)
    before = notebook.read_bytes()
    with pytest.raises(SystemExit) as exit_info:
        script.main(["--sync"])
    assert exit_info.value.code == 2
    err = capsys.readouterr()
    assert "_config.yml: repository.url: expected https://github.com/OWNER/REPO" in err.err
    assert "nothing was changed" in err.err and "Done" not in err.out
    assert notebook.read_bytes() == before
    if url_line:  # the same URL on the command line is refused too, and the config is left alone
        text = config.read_text()
        with pytest.raises(SystemExit):
            script.main([url_line.split()[0]])
        assert config.read_text() == text


def test_sync_with_a_github_url_in_the_config_rewrites_the_cells(tmp_path, monkeypatch, capsys):
    new = "https://github.com/someone/fork-of-course"
    _, notebook = _course_copy(tmp_path, monkeypatch, f"{new}  # my fork")
    assert script.main(["--sync"]) == 0
    assert _code_cells(_read(notebook))[0].source == script.colab_cell_source(new)
    assert "Done" in capsys.readouterr().out


# ------------------------------------------------------------------ Binder's install (opt-in)


@pytest.mark.skipif(
    os.environ.get("BINDER_CHECK") != "1",
    reason="slow (installs the whole environment, several minutes): "
    "run with BINDER_CHECK=1 pytest tests/test_publishing.py -k binder",
)
def test_binder_install(tmp_path):
    """Reproduce what repo2docker does for this repository, in a fresh venv.

    mybinder.org (repo2docker) reads runtime.txt for the Python version, copies the
    repository and runs ``pip install -r requirements.txt`` from its root, then opens
    notebooks with their own folder as working directory. Here: a fresh venv on a
    Python of runtime.txt's version, the same install from a copy of the repository,
    and ``import utils; utils.load_sonar()`` from ``chapters/``.
    """
    runtime = (ROOT / "runtime.txt").read_text().strip()
    assert runtime.startswith("python-"), f"runtime.txt must say python-X.Y, got {runtime!r}"
    version = runtime.removeprefix("python-")
    assert f"{sys.version_info.major}.{sys.version_info.minor}" == version, (
        f"run this check with Python {version} (runtime.txt), not {sys.version.split()[0]}"
    )
    repo = tmp_path / "repo"  # the working tree, as it would be pushed
    shutil.copytree(
        ROOT,
        repo,
        ignore=shutil.ignore_patterns(
            ".git", "_build", ".venv", "*.egg-info", "__pycache__", ".ipynb_checkpoints"
        ),
    )
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "-r", "requirements.txt"], cwd=repo, check=True
    )
    probe = (
        "import utils, keras, scikeras, sklearn; d = utils.load_sonar(); "
        "assert d.X.shape == (208, 60); print(utils.__file__)"
    )
    result = subprocess.run(
        [str(python), "-c", probe],
        cwd=repo / "chapters",
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": ""},
    )
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.strip()).is_relative_to(repo), (
        f"utils was imported from {result.stdout.strip()}, not from the clone"
    )
