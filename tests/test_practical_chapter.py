"""Chapter 4's code is meant to be copied into a reader's own project: its visible cells, pasted in order
into a fresh Python session, must run (no name from a hidden cell, no notebook-only call), and must not
lean on the course's fast engine."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = ROOT / "chapters" / "04_dropout_in_your_model.ipynb"
HIDDEN = {"remove-cell", "remove-input"}


def visible_code(path: Path) -> str:
    cells = json.loads(path.read_text())["cells"]
    return "\n\n".join(
        "".join(cell["source"])
        for cell in cells
        if cell["cell_type"] == "code" and not HIDDEN & set(cell.get("metadata", {}).get("tags", []))
    )


def test_the_visible_code_does_not_use_the_fast_engine():
    code = visible_code(CHAPTER)
    assert "utils.engine" not in code and "fast_cv" not in code and "run_sweep" not in code
    assert "model.fit(" in code.replace("last.fit(", "model.fit(") and "EarlyStopping" in code


def test_the_visible_code_runs_when_pasted_into_a_fresh_python_session(tmp_path):
    script = tmp_path / "pasted.py"
    script.write_text(visible_code(CHAPTER))
    env = {**os.environ, "MPLBACKEND": "Agg"}
    out = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=1200
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert "stopped after" in out.stdout  # the training loop ran and reported its progress
