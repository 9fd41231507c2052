"""The course's size and shape targets (issue 17), measured by scripts/course_metrics.py.

The chapters as committed have no outputs, so words here are the Markdown cells plus the string literals of
the cells that build Markdown (a stand-in for the text they display); `python scripts/course_metrics.py
--executed DIR` measures the displayed text itself on executed copies.
"""

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("course_metrics", ROOT / "scripts" / "course_metrics.py")
metrics = importlib.util.module_from_spec(_spec)
sys.modules["course_metrics"] = metrics  # dataclasses look their module up while the class is built
_spec.loader.exec_module(metrics)

CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
MEASURED = [metrics.measure(path) for path in CHAPTERS]


def test_every_target_is_met():
    assert metrics.problems(MEASURED) == []


@pytest.mark.parametrize("m", MEASURED, ids=lambda m: m.name)
def test_each_notebook_is_within_its_word_budget(m):
    assert m.total_words <= metrics.TARGETS["words_per_notebook"], f"{m.name}: {m.total_words} words"


def _notebook(tmp_path, cells, name="nb.ipynb"):
    path = tmp_path / name
    path.write_text(json.dumps({"cells": cells}))
    return path


def _code(source, tags=()):
    return {"cell_type": "code", "metadata": {"tags": list(tags)}, "source": source, "outputs": []}


def _md(source):
    return {"cell_type": "markdown", "metadata": {}, "source": source}


def test_words_leave_out_code_blocks_and_directive_options():
    text = "One two three.\n\n```python\nx = 1 + 2  # not prose\n```\n\n```{exercise} Four five\n:label: ex-x\nSix.\n```\n"
    assert (
        metrics.prose_words(text) == 7
    )  # One two three. / ```{exercise} Four five / Six. -> the directive line counts 3


def test_hidden_and_markdown_building_shares_and_check_reads(tmp_path):
    path = _notebook(
        tmp_path,
        [
            _md("# Title\nSome prose here."),
            _code("a = 1\nb = 2\nimport numpy as np"),
            _code('display(Markdown(f"a is {a}, quite big"))', tags=["remove-input"]),
            _code("assert a == 1\nassert b == 2\nassert np.pi > 3", tags=["remove-cell"]),
        ],
    )
    m = metrics.measure(path)
    assert (m.code_lines, m.hidden_lines, m.markdown_code_lines) == (7, 4, 1)
    assert m.check_reads == {3: ["a", "b"]}  # np is imported, not assigned: not counted
    assert m.words == 4 and m.generated_words == 4  # "Title Some prose here." and "a is {a}, quite big"
    assert m.longest_cell == 3


def test_problems_name_what_is_missed(tmp_path):
    big = _code("\n".join(f"x{i} = {i}" for i in range(70)))
    check = _code("\n".join(f"assert x{i} == {i}" for i in range(40)), tags=["remove-cell"])
    m = metrics.measure(_notebook(tmp_path, [_md("word " * 3100), big, check]))
    found = metrics.problems([m])
    assert any("3,100 words, more than 3,000" in p for p in found)
    assert any("cell 1 has 70 lines, more than 60" in p for p in found)
    assert any("check cell 2 reads 40 names" in p for p in found)
    assert any("hidden code is" in p for p in found)


def test_executed_copies_count_the_displayed_markdown(tmp_path):
    source = _notebook(tmp_path, [_code('Markdown("x")')], name="a.ipynb")
    executed_cell = _code('Markdown("x")')
    executed_cell["outputs"] = [
        {"output_type": "execute_result", "data": {"text/markdown": "five words are shown here"}}
    ]
    (tmp_path / "run").mkdir()
    executed = _notebook(tmp_path / "run", [executed_cell], name="a.ipynb")
    assert metrics.measure(source, executed).generated_words == 5


def test_the_script_refuses_a_missing_notebook(tmp_path, capsys):
    with pytest.raises(SystemExit):
        metrics.main([str(tmp_path / "nowhere.ipynb")])
    assert "is not a notebook file" in capsys.readouterr().err
