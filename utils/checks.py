"""Argument checks shared by the package's modules."""

from __future__ import annotations

import numbers


def check_int(name: str, value, minimum: int = 1) -> int:
    """Return ``value`` as an ``int``, or raise ``ValueError`` naming ``name`` if it is not an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)
