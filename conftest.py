"""Passes the course's one cell time limit (pyproject.toml) on to nbmake.

nbmake's own default is 300 s per cell; the course sets its limit once, in
``[tool.dropout-course.limits]``. A ``--nbmake-timeout`` given on the command
line still wins. (``utils.limits`` loads no TensorFlow, so importing it here is quick.)
"""

from utils.limits import cell_seconds


def pytest_configure(config):
    given = any(arg.startswith("--nbmake-timeout") for arg in config.invocation_params.args)
    if hasattr(config.option, "nbmake_timeout") and not given:
        config.option.nbmake_timeout = cell_seconds()
