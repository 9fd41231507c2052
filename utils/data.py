"""Load the data sets shipped in ``data/``, and a reader's own CSV file, checked.

- :func:`load_sonar`: Sonar (Mines vs. Rocks), 208 x 60, two classes;
- :func:`load_mnist1d`: MNIST-1D, 5,000 x 40, ten classes, with its published split;
- :func:`load_csv`: any CSV file of numeric features and one column of classes.

The loaders never repair or partially load a file: anything unexpected raises
an error naming the file and what is wrong with it (:class:`SonarDataError`,
:class:`MNIST1DDataError`, :class:`CSVDataError`, all a :class:`DataFileError`,
i.e. a ``ValueError``). A missing file raises ``FileNotFoundError``, a directory
``IsADirectoryError``.
"""

from __future__ import annotations

from utils.checks import check_int

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


class CSVDataError(DataFileError):
    """A CSV file given to :func:`load_csv` that cannot be used as it is (the message says where and why)."""


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


#: Label cells that mean "no label" (compared without case and surrounding white space).
MISSING_LABELS = frozenset({"", "nan", "na", "n/a", "null", "none", "?"})


class CSVData(NamedTuple):
    """Features, integer-coded classes and class names read from a CSV file by :func:`load_csv`."""

    X: np.ndarray
    """``(rows, features)`` float64 features, as in the file (unscaled)."""
    y: np.ndarray
    """``(rows,)`` int64 class codes ``0 .. k-1``: row ``i`` belongs to class ``classes[y[i]]``."""
    classes: list
    """The class names as the file writes them, sorted: whole numbers as ``int``, anything else as ``str``."""
    class_counts: dict
    """Rows of each class, ``{name: rows}``, in the order of :attr:`classes`."""
    feature_names: list[str]
    """The header's names of the feature columns, or ``column_1``, ``column_2``, ... (the file's column numbers)."""

    def describe(self) -> str:
        """``'40 rows, 5 features, 3 classes: 0 (code 0) 14 rows, ...'``: what was read, class by class."""
        classes = ", ".join(
            f"{name!r} (code {code}) {count} rows"
            for code, (name, count) in enumerate(self.class_counts.items())
        )
        return f"{len(self.y)} rows, {self.X.shape[1]} features, {len(self.classes)} classes: {classes}"


def _label_index(label_column, header: list[str] | None, n_columns: int) -> int:
    """The 0-based index of the label column, from a column number (negative counts from the end) or name."""
    if isinstance(label_column, str):
        if header is None:
            raise ValueError(
                f"label_column={label_column!r} is a column name, but header=False: pass header=True if the "
                "file's first line names the columns, or give the column's number (0 first, -1 last)"
            )
        matches = [j for j, name in enumerate(header) if name == label_column]
        if len(matches) != 1:
            found = "twice or more" if matches else "not"
            raise ValueError(
                f"label_column={label_column!r} is {found} in the header; its columns are {header!r:.300}"
            )
        return matches[0]
    try:
        index = check_int("label_column", label_column, minimum=-n_columns, maximum=n_columns - 1)
    except ValueError:
        raise ValueError(
            f"label_column must be a column number from {-n_columns} to {n_columns - 1} (this file has "
            f"{n_columns} columns; -1 is the last) or, with header=True, a column name; got {label_column!r}"
        ) from None
    return index % n_columns


def _classes_of(labels: list[str], lines: list[int], fail) -> tuple[list, np.ndarray]:
    """Class names (sorted) and each row's code, from the label cells; refuses missing and non-whole labels.

    Labels that all read as numbers are classes only if they are whole numbers (``2`` or ``2.0``); a
    column with ``2.7`` in it holds measurements, not classes. Any other label makes every label a name.
    """
    for text, line in zip(labels, lines):
        if text.lower() in MISSING_LABELS:
            raise fail(
                f"line {line}: the label is missing ({text!r}); fill in the row's class or remove the row"
            )
    try:
        values = [float(text) for text in labels]
    except ValueError:
        values = None  # some label is not a number: the labels are names
    if values is None:
        names = labels
    else:
        for value, text, line in zip(values, labels, lines):
            if not (math.isfinite(value) and value.is_integer()):
                raise fail(
                    f"line {line}: the label {text!r} is not a whole number, so the label column holds "
                    "measurements rather than classes; choose the column of classes with label_column=..."
                )
        names = [int(value) for value in values]
    classes = sorted(set(names))
    if len(classes) < 2:
        raise fail(f"every row has the label {classes[0]!r}: classification needs two or more classes")
    code = {name: k for k, name in enumerate(classes)}
    return classes, np.array([code[name] for name in names], dtype=np.int64)


def load_csv(path: str | Path, label_column, *, header: bool = False, delimiter: str = ",") -> CSVData:
    """Load a CSV file of numeric features and one column of classes, checked, for the course's tools.

    Parameters
    ----------
    path:
        The CSV file (UTF-8 or ASCII). Empty lines are skipped.
    label_column:
        The column that holds the classes: its number (``0`` the first, ``-1`` the last) or, with
        ``header=True``, its name. Classes may be names (``"mine"``, ``"rock"``) or whole numbers
        (``0``, ``1``, ``2``, also written ``2.0``); they are coded ``0 .. k-1`` in sorted order.
    header:
        ``True`` if the first line names the columns.
    delimiter:
        The one character between cells.

    Returns
    -------
    CSVData
        ``X`` (float64, unscaled), ``y`` (int64 codes), ``classes``, ``class_counts`` and
        ``feature_names``; ``describe()`` says what was read, with the rows of each class.

    Raises
    ------
    FileNotFoundError, IsADirectoryError
        If the path is missing or a directory.
    ValueError
        If ``label_column``, ``header`` or ``delimiter`` is not a valid setting for this file.
    CSVDataError
        Naming the line (and column): a row with another number of cells, a feature that is not a
        finite number, a missing label (empty, ``NaN``, ``NA``, ``?``, ...), a numeric label that is
        not a whole number (a continuous column is not a column of classes), or a single class.
    """
    if not isinstance(header, bool):
        raise ValueError(f"header must be True or False, got {header!r}")
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise ValueError(f"delimiter must be a single character such as ',' or ';', got {delimiter!r}")
    if not isinstance(path, (str, Path)) or not str(path).strip():
        raise ValueError(f"path must be the CSV file's path (a str or pathlib.Path), got {path!r:.80}")
    path = Path(path)

    def fail(message: str) -> CSVDataError:
        return CSVDataError(f"{path}: {message}")

    names, rows = _csv_rows(_read_data_file(path, "CSV"), delimiter, header, fail)
    label = _label_index(label_column, names, len(rows[0][1]) if names is None else len(names))
    X, feature_names = _features_of(rows, label, names, fail)
    lines = [line for line, _ in rows]
    classes, y = _classes_of([row[label].strip() for _, row in rows], lines, fail)
    counts = np.bincount(y, minlength=len(classes))
    return CSVData(
        X=X,
        y=y,
        classes=classes,
        class_counts={name: int(n) for name, n in zip(classes, counts)},
        feature_names=feature_names,
    )


def _csv_rows(
    raw: bytes, delimiter: str, header: bool, fail
) -> tuple[list[str] | None, list[tuple[int, list]]]:
    """The header's column names (``None`` without a header) and the non-empty rows as ``(line, cells)``.

    Every row has the same number of cells as the header (or the first row), at least two.
    """
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise fail(f"not a UTF-8 text file ({err})") from None
    rows = [
        (line, row)
        for line, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1)
        if any(cell.strip() for cell in row)
    ]
    names = [cell.strip() for cell in rows.pop(0)[1]] if header and rows else None
    if not rows:
        raise fail("no rows of data")
    first, width = (
        ("the header", len(names)) if names is not None else (f"line {rows[0][0]}", len(rows[0][1]))
    )
    if width < 2:
        raise fail(
            f"{first} has {width} column; a row needs at least one feature and a label "
            f"(is the delimiter {delimiter!r} right?)"
        )
    for line, row in rows:
        if len(row) != width:
            raise fail(f"line {line} has {len(row)} columns, but {first} has {width}")
    return names, rows


def _features_of(rows, label: int, names: list[str] | None, fail) -> tuple[np.ndarray, list[str]]:
    """Every column but ``label`` as a float64 array, and those columns' names; refuses a non-finite cell."""
    columns = [j for j in range(len(rows[0][1])) if j != label]
    feature_names = [names[j] for j in columns] if names is not None else [f"column_{j + 1}" for j in columns]
    X = np.empty((len(rows), len(columns)), dtype=np.float64)
    for i, (line, row) in enumerate(rows):
        for k, j in enumerate(columns):
            cell = row[j].strip()
            where = f"line {line}, column {j + 1} ({feature_names[k]})"
            try:
                value = float(cell)
            except ValueError:
                hint = (
                    " (if the first line names the columns, pass header=True)"
                    if i == 0 and names is None
                    else ""
                )
                raise fail(f"{where}: {cell!r} is not a number{hint}") from None
            if not math.isfinite(value):
                raise fail(
                    f"{where}: {cell!r} is not a finite number; fill in or remove rows with missing values first"
                )
            X[i, k] = value
    return X, feature_names
