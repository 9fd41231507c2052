"""Argument checks shared by every module of the package.

Each check returns the value in a plain Python type (``int`` or ``float``) or raises ``ValueError``
naming the argument, what it must be, and what it got. ``bool`` is never accepted as a number
(``True`` is an ``int`` to Python, never a count or a rate to a reader), and NumPy scalars
(``np.int64(3)``, ``np.float32(0.5)``) are accepted wherever the Python type is.

This module imports nothing but the standard library, so every module can use it.
"""

from __future__ import annotations

import math
import numbers


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def check_int(name: str, value, minimum: int = 1, maximum: int | None = None) -> int:
    """Return ``value`` as an ``int``, or raise ``ValueError`` naming ``name`` unless it is an integer
    between ``minimum`` and ``maximum`` (inclusive; no upper bound when ``maximum`` is ``None``)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or value < minimum
        or (maximum is not None and value > maximum)
    ):
        bounds = f">= {minimum}" if maximum is None else f"from {minimum} to {maximum}"
        raise ValueError(f"{name} must be an integer {bounds}, got {_shown(value)}")
    return int(value)


def check_number(
    name: str,
    value,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    open_minimum: bool = False,
    open_maximum: bool = False,
) -> float:
    """Return ``value`` as a ``float``, or raise ``ValueError`` naming ``name`` unless it is a finite real
    number within the bounds (``open_minimum``/``open_maximum`` exclude the bound itself)."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    if ok and minimum is not None:
        ok = value > minimum if open_minimum else value >= minimum
    if ok and maximum is not None:
        ok = value < maximum if open_maximum else value <= maximum
    if not ok:
        if minimum is not None and maximum is not None:
            where = (
                f" in {'(' if open_minimum else '['}{minimum:g}, {maximum:g}{')' if open_maximum else ']'}"
            )
        elif minimum is not None:
            where = f" {'>' if open_minimum else '>='} {minimum:g}"
        elif maximum is not None:
            where = f" {'<' if open_maximum else '<='} {maximum:g}"
        else:
            where = ""
        raise ValueError(f"{name} must be a finite number{where}, got {_shown(value)}")
    return float(value)


def check_positive(name: str, value) -> float:
    """Return ``value`` as a ``float``, or raise ``ValueError`` unless it is a finite number > 0."""
    try:
        return check_number(name, value, minimum=0, open_minimum=True)
    except ValueError:
        raise ValueError(f"{name} must be a positive number, got {_shown(value)}") from None


def check_rate(name: str, value) -> float:
    """Return a dropout rate (or momentum) as a ``float``, or raise unless it is a number in [0, 1)."""
    try:
        return check_number(name, value, minimum=0, maximum=1, open_maximum=True)
    except ValueError:
        raise ValueError(f"{name} must be a number in [0, 1), got {_shown(value)}") from None


def check_probability(name: str, value) -> float:
    """Return a probability strictly between 0 and 1 (a significance level, a power) as a ``float``."""
    return check_number(name, value, minimum=0, maximum=1, open_minimum=True, open_maximum=True)


def check_text(name: str, value) -> str:
    """Return ``value`` unless it is not a string with something besides white space in it."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a non-empty string, got {_shown(value)}")
    return value
