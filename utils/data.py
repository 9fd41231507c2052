"""Load the Sonar (Mines vs. Rocks) data set shipped in ``data/``, checked.

The loader never repairs or partially loads a file: anything unexpected
raises :class:`SonarDataError` naming the file and what is wrong with it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from pathlib import Path
from typing import NamedTuple

import numpy as np

#: The shipped file, next to this package.
SONAR_PATH = Path(__file__).resolve().parent.parent / "data" / "sonar.csv"
#: sha256 of the UCI file as distributed (see ``data/README.md``).
SONAR_SHA256 = "3079c09b5d2789a0f96aff82c28e5164fafe2495c5f8da96c6c256c1bd25763f"
N_ROWS = 208
N_FEATURES = 60
LABELS = {"R": 0, "M": 1}


class SonarDataError(ValueError):
    """The Sonar file exists but is not the data set the course expects."""


class SonarData(NamedTuple):
    """Features, labels and feature names of the Sonar data set."""

    X: np.ndarray
    """``(208, 60)`` float32 band energies, each in [0, 1]."""
    y: np.ndarray
    """``(208,)`` int64 labels: 1 for a mine (``M``), 0 for a rock (``R``)."""
    feature_names: list[str]
    """``band_01`` ... ``band_60``, lowest frequency band first."""


def load_sonar(path: str | Path | None = None, *, sha256: str | None = SONAR_SHA256) -> SonarData:
    """Load and validate the Sonar data.

    Parameters
    ----------
    path:
        CSV file to read; the course's shipped copy when ``None``.
    sha256:
        Expected checksum of the file's bytes. Pass ``None`` to skip the check
        (for example for a deliberately modified copy in an exercise).

    Returns
    -------
    SonarData
        ``X`` (float32, 208 x 60), ``y`` (0 = rock, 1 = mine) and feature names.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    SonarDataError
        If the file has the wrong shape, a non-numeric or out-of-range value,
        an unknown label, or (with ``sha256`` set) different bytes.
    """
    path = Path(SONAR_PATH if path is None else path)
    if sha256 is not None and (not isinstance(sha256, str) or len(sha256) != 64):
        raise ValueError(f"sha256 must be a 64-character hex string or None, got {sha256!r}")
    if not path.is_file():
        raise FileNotFoundError(f"Sonar data file not found: {path}")
    raw = path.read_bytes()

    def fail(message: str) -> SonarDataError:
        return SonarDataError(f"{path}: {message}")

    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError as err:
        raise fail(f"not a plain ASCII CSV file ({err})") from None
    rows = list(csv.reader(io.StringIO(text)))
    if len(rows) != N_ROWS:
        raise fail(f"expected {N_ROWS} rows, found {len(rows)} (truncated or extended file?)")

    X = np.empty((N_ROWS, N_FEATURES), dtype=np.float32)
    y = np.empty(N_ROWS, dtype=np.int64)
    for i, row in enumerate(rows):
        line = i + 1
        if len(row) != N_FEATURES + 1:
            raise fail(f"line {line} has {len(row)} columns, expected {N_FEATURES + 1}")
        for j, cell in enumerate(row[:N_FEATURES]):
            try:
                value = float(cell)
            except ValueError:
                raise fail(f"line {line}, column {j + 1}: {cell!r} is not a number") from None
            if not (math.isfinite(value) and 0.0 <= value <= 1.0):
                raise fail(f"line {line}, column {j + 1}: {value} is outside [0, 1]")
            X[i, j] = value
        label = row[N_FEATURES].strip()
        if label not in LABELS:
            raise fail(f"line {line}: unknown label {label!r}, expected one of {sorted(LABELS)}")
        y[i] = LABELS[label]

    if sha256 is not None:
        digest = hashlib.sha256(raw).hexdigest()
        if digest != sha256.lower():
            raise fail(f"sha256 is {digest}, expected {sha256}: the file was edited or truncated")

    names = [f"band_{k:02d}" for k in range(1, N_FEATURES + 1)]
    return SonarData(X=X, y=y, feature_names=names)
