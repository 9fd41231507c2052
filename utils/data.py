"""Load the data sets shipped in ``data/``, checked.

- :func:`load_sonar`: Sonar (Mines vs. Rocks), 208 x 60, two classes;
- :func:`load_mnist1d`: MNIST-1D, 5,000 x 40, ten classes, with its published split.

The loaders never repair or partially load a file: anything unexpected raises
an error naming the file and what is wrong with it (:class:`SonarDataError`,
:class:`MNIST1DDataError`, both a :class:`DataFileError`, i.e. a ``ValueError``).
A missing file raises ``FileNotFoundError``, a directory ``IsADirectoryError``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
import zipfile
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

#: The shipped MNIST-1D file, written by ``scripts/make_mnist1d.py``.
MNIST1D_PATH = SONAR_PATH.parent / "mnist1d.npz"
#: sha256 of that file's bytes (see ``data/README.md``).
MNIST1D_SHA256 = "e94327493e2cdbf5c6d637c73b093540c86e079cabf218779be73061414a312e"
#: The arrays of the ``.npz`` file: name -> (shape, dtype).
MNIST1D_ARRAYS = {
    "x_train": ((4000, 40), np.dtype(np.float32)),
    "y_train": ((4000,), np.dtype(np.int64)),
    "x_test": ((1000, 40), np.dtype(np.float32)),
    "y_test": ((1000,), np.dtype(np.int64)),
}
MNIST1D_CLASSES = 10


class DataFileError(ValueError):
    """A data file exists but is not the data set the course expects."""


class SonarDataError(DataFileError):
    """The Sonar file exists but is not the data set the course expects."""


class MNIST1DDataError(DataFileError):
    """The MNIST-1D file exists but is not the data set the course expects."""


class SonarData(NamedTuple):
    """Features, labels and feature names of the Sonar data set."""

    X: np.ndarray
    """``(208, 60)`` float32 band energies, each in [0, 1]."""
    y: np.ndarray
    """``(208,)`` int64 labels: 1 for a mine (``M``), 0 for a rock (``R``)."""
    feature_names: list[str]
    """``band_01`` ... ``band_60``, lowest frequency band first."""


class MNIST1DData(NamedTuple):
    """Features, labels and published train/test split of MNIST-1D."""

    X: np.ndarray
    """``(5000, 40)`` float32 signals: the 4,000 training rows, then the 1,000 test rows."""
    y: np.ndarray
    """``(5000,)`` int64 digit labels 0-9, in the rows' order."""
    train: np.ndarray
    """Row indices of the published training set: ``0 .. 3999``."""
    test: np.ndarray
    """Row indices of the published test set: ``4000 .. 4999``."""

    @property
    def X_train(self) -> np.ndarray:
        return self.X[self.train]

    @property
    def y_train(self) -> np.ndarray:
        return self.y[self.train]

    @property
    def X_test(self) -> np.ndarray:
        return self.X[self.test]

    @property
    def y_test(self) -> np.ndarray:
        return self.y[self.test]


def _check_sha256_argument(sha256) -> None:
    """Raise ``ValueError`` unless ``sha256`` is ``None`` or 64 hexadecimal digits (either case).

    Checked before the file is read, so that a mistyped checksum is reported as the argument's
    mistake, not as an edited file.
    """
    if sha256 is not None and (not isinstance(sha256, str) or not re.fullmatch(r"[0-9a-fA-F]{64}", sha256)):
        shown = repr(sha256) if len(repr(sha256)) <= 80 else repr(sha256)[:77] + "..."
        raise ValueError(
            f"sha256 must be a 64-character hex string (digits 0-9 and letters a-f) or None, got {shown}"
        )


def _read_data_file(path: Path, what: str) -> bytes:
    """The bytes of ``path``, or ``FileNotFoundError`` / ``IsADirectoryError`` naming it."""
    if path.is_dir():
        raise IsADirectoryError(f"{what} data path is a directory, not a file: {path}")
    if not path.is_file():
        raise FileNotFoundError(f"{what} data file not found: {path}")
    return path.read_bytes()


def load_sonar(path: str | Path | None = None, *, sha256: str | None = SONAR_SHA256) -> SonarData:
    """Load and validate the Sonar data.

    Parameters
    ----------
    path:
        CSV file to read; the course's shipped copy when ``None``.
    sha256:
        Expected checksum of the file's content, with Windows line endings
        (CRLF) read as Unix ones (LF): a checkout that converted the line
        endings still matches, an edited file does not. Pass ``None`` to skip
        the check (for example for a deliberately modified copy in an exercise).

    Returns
    -------
    SonarData
        ``X`` (float32, 208 x 60), ``y`` (0 = rock, 1 = mine) and feature names.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    IsADirectoryError
        If the path is a directory.
    SonarDataError
        If the file has the wrong shape, a non-numeric or out-of-range value,
        an unknown label, or (with ``sha256`` set) different content.
    """
    path = Path(SONAR_PATH if path is None else path)
    _check_sha256_argument(sha256)
    # Git for Windows (core.autocrlf=true) may check the file out with CRLF line endings;
    # the data, and the checksum, are those of the content with LF line endings.
    raw = _read_data_file(path, "Sonar").replace(b"\r\n", b"\n")

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


def load_mnist1d(path: str | Path | None = None, *, sha256: str | None = MNIST1D_SHA256) -> MNIST1DData:
    """Load and validate the MNIST-1D data (Greydanus 2020), with its published split.

    Parameters
    ----------
    path:
        ``.npz`` file to read; the course's shipped copy when ``None``. It must
        hold exactly the arrays ``x_train`` (4000 x 40, float32), ``y_train``
        (4000, int64), ``x_test`` (1000 x 40, float32) and ``y_test`` (1000,
        int64), as ``scripts/make_mnist1d.py`` writes them.
    sha256:
        Expected checksum of the file's bytes. Pass ``None`` to skip the check
        (for example for a deliberately modified copy in an exercise).

    Returns
    -------
    MNIST1DData
        ``X`` (float32, 5000 x 40: training rows, then test rows), ``y``
        (digits 0-9), and the index arrays ``train`` (``0 .. 3999``) and
        ``test`` (``4000 .. 4999``); ``X_train``, ``y_train``, ``X_test`` and
        ``y_test`` select them.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    IsADirectoryError
        If the path is a directory.
    MNIST1DDataError
        If the file is not an ``.npz`` archive, lacks an array or holds an
        extra one, has an array of the wrong shape or dtype, a non-finite
        feature, a label outside 0-9, or (with ``sha256`` set) different bytes.
    """
    path = Path(MNIST1D_PATH if path is None else path)
    _check_sha256_argument(sha256)
    raw = _read_data_file(path, "MNIST-1D")

    def fail(message: str) -> MNIST1DDataError:
        return MNIST1DDataError(f"{path}: {message}")

    if not zipfile.is_zipfile(io.BytesIO(raw)):
        raise fail("not a .npz archive (not a zip file: truncated, or another format?)")
    arrays: dict[str, np.ndarray] = {}
    try:
        with np.load(io.BytesIO(raw), allow_pickle=False) as archive:
            names = set(archive.files)
            missing = sorted(set(MNIST1D_ARRAYS) - names)
            extra = sorted(names - set(MNIST1D_ARRAYS))
            if missing or extra:
                raise fail(
                    f"expected exactly the arrays {sorted(MNIST1D_ARRAYS)}"
                    + (f"; missing {missing}" if missing else "")
                    + (f"; unexpected {extra}" if extra else "")
                )
            for name in MNIST1D_ARRAYS:
                arrays[name] = archive[name]
    except MNIST1DDataError:
        raise
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError) as err:
        raise fail(f"not a valid .npz archive ({type(err).__name__}: {err})") from None

    for name, (shape, dtype) in MNIST1D_ARRAYS.items():
        array = arrays[name]
        if not isinstance(array, np.ndarray):
            raise fail(f"not a valid .npz archive: {name} is not a .npy array")
        if array.dtype != dtype:
            raise fail(f"{name} has dtype {array.dtype}, expected {dtype}")
        if array.shape != shape:
            raise fail(f"{name} has shape {array.shape}, expected {shape}")
    for name in ("x_train", "x_test"):
        bad = ~np.isfinite(arrays[name])
        if bad.any():
            row, col = np.argwhere(bad)[0]
            raise fail(
                f"{name} has {int(bad.sum())} non-finite value(s), the first at row {row}, column {col}: "
                f"{arrays[name][row, col]}"
            )
    for name in ("y_train", "y_test"):
        bad = (arrays[name] < 0) | (arrays[name] >= MNIST1D_CLASSES)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise fail(
                f"{name} has {int(bad.sum())} label(s) outside 0-{MNIST1D_CLASSES - 1}, "
                f"the first at row {row}: {arrays[name][row]}"
            )

    if sha256 is not None:
        digest = hashlib.sha256(raw).hexdigest()
        if digest != sha256.lower():
            raise fail(f"sha256 is {digest}, expected {sha256}: the file was edited or truncated")

    X = np.concatenate([arrays["x_train"], arrays["x_test"]])
    y = np.concatenate([arrays["y_train"], arrays["y_test"]])
    n_train = len(arrays["y_train"])
    return MNIST1DData(X=X, y=y, train=np.arange(n_train), test=np.arange(n_train, len(y)))
