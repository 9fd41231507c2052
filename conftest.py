"""Passes the course's one cell time limit (pyproject.toml) on to nbmake.

nbmake's own default is 300 s per cell; the course sets its limit once, in
``[tool.dropout-course.limits]``. A ``--nbmake-timeout`` given on the command
line still wins.
"""

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location("course_limits", Path(__file__).parent / "utils" / "limits.py")
_limits = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_limits)


def pytest_configure(config):
    given = any(arg.startswith("--nbmake-timeout") for arg in config.invocation_params.args)
    if hasattr(config.option, "nbmake_timeout") and not given:
        config.option.nbmake_timeout = _limits.cell_seconds()
