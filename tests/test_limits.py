"""The course's run-time limits are set once (pyproject.toml) and used everywhere."""

from utils import limits

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))


def write(tmp_path, text):
    path = tmp_path / "pyproject.toml"
    path.write_text(text)
    return path


GOOD = """
[tool.dropout-course.limits]
cell-seconds = 60
[tool.dropout-course.limits.chapter-seconds]
01_intro = 30
"""


def test_the_limits_are_read_from_the_given_file(tmp_path):
    path = write(tmp_path, GOOD)
    assert limits.cell_seconds(path) == 60
    assert limits.chapter_seconds("01_intro", path) == 30
    assert limits.chapter_seconds("chapters/01_intro.ipynb", path) == 30


@pytest.mark.parametrize(
    "text, message",
    [
        ("[tool.other]\nx = 1\n", "has no \\[tool.dropout-course.limits\\] table"),
        (GOOD.replace("cell-seconds = 60", "cell-seconds = 0"), "cell-seconds must be an integer >= 1"),
        (GOOD.replace("cell-seconds = 60", 'cell-seconds = "60"'), "cell-seconds must be an integer >= 1"),
        (GOOD.replace("cell-seconds = 60", "cell-seconds = true"), "cell-seconds must be an integer >= 1"),
        (
            GOOD.replace("01_intro = 30", "01_intro = 2.5"),
            "chapter-seconds.01_intro must be an integer >= 1",
        ),
        (GOOD.split("[tool.dropout-course.limits.chapter-seconds]")[0], "chapter-seconds\\] is missing"),
    ],
)
def test_a_broken_table_is_refused_with_a_message(tmp_path, text, message):
    with pytest.raises(ValueError, match=message):
        limits.load_limits(write(tmp_path, text))


def test_a_toml_syntax_error_names_the_file_and_the_line(tmp_path):
    # issue 16, item 8: tomllib's own error says "line 3" but not which file
    path = write(tmp_path, GOOD.replace("cell-seconds = 60", "cell-seconds = = 60"))
    with pytest.raises(ValueError, match=rf"^{re.escape(str(path))} is not valid TOML: .*line 3") as error:
        limits.cell_seconds(path)
    assert type(error.value) is ValueError  # not tomllib.TOMLDecodeError, which names no file


def test_a_missing_file_or_chapter_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="no pyproject.toml"):
        limits.load_limits(tmp_path / "nowhere.toml")
    with pytest.raises(KeyError, match="no time limit for chapter '02_other'.*01_intro"):
        limits.chapter_seconds("02_other", write(tmp_path, GOOD))
    with pytest.raises(ValueError, match="chapter must be"):
        limits.chapter_seconds("", write(tmp_path, GOOD))


def test_every_chapter_has_a_bound_and_no_bound_is_left_over():
    bounds = limits.load_limits()["chapter-seconds"]
    assert sorted(bounds) == [path.stem for path in CHAPTERS]


def test_the_book_build_uses_the_same_cell_limit():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["execute"]["timeout"] == limits.cell_seconds()


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_no_chapter_sets_a_limit_of_its_own(path):
    nb = json.loads(path.read_text())
    assert "timeout" not in nb["metadata"].get("execution", {}), "remove metadata.execution.timeout"
    source = "\n".join("".join(cell["source"]) for cell in nb["cells"] if cell["cell_type"] == "code")
    assert "BOUND_SECONDS =" not in source
    assert f'chapter_seconds("{path.stem}")' in source, "the final check must assert the chapter's own bound"


def test_nbmake_gets_the_cell_limit_from_pyproject():
    """The root conftest.py hands cell-seconds to nbmake unless the command line sets one."""
    probe = (
        "import pytest, sys\n"
        "class P:\n"
        "    def pytest_collection_finish(self, session):\n"
        "        print('TIMEOUT', session.config.option.nbmake_timeout)\n"
        "sys.exit(pytest.main(sys.argv[1:], plugins=[P()]))\n"
    )
    for extra, expected in (([], limits.cell_seconds()), (["--nbmake-timeout=7"], 7)):
        out = subprocess.run(
            [sys.executable, "-c", probe, "--collect-only", "-q", "chapters/01_dropout_theory.ipynb", *extra],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert f"TIMEOUT {expected}" in out.stdout, out.stdout + out.stderr


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_the_time_line_states_the_chapter_bound(path):
    """The opening "Time" note tells the reader the bound the final check asserts."""
    opening = "".join(json.loads(path.read_text())["cells"][0]["source"])
    stated = [int(n) for n in re.findall(r"allows? (\d+) s\b", opening)]
    assert stated == [limits.chapter_seconds(path.stem)], f"the Time note states {stated}"
