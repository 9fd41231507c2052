"""Generate ``data/mnist1d.npz``, the MNIST-1D data set, once and byte-reproducibly.

MNIST-1D (Greydanus 2020, "Scaling down deep learning", arXiv:2011.14439) is
*generated*, not downloaded: the ``mnist1d`` package's published procedure,
``make_dataset(get_dataset_args())``, turns ten hand-drawn 1-D templates into
5,000 noisy, shifted, sheared signals of length 40 with numpy and scipy alone,
seeded with the package's default seed 42. This script runs that procedure with
the default arguments, unchanged, and writes its published split (the first
4,000 examples train, the last 1,000 test) as four arrays:

- ``x_train`` (4000, 40) float32 and ``y_train`` (4000,) int64;
- ``x_test`` (1000, 40) float32 and ``y_test`` (1000,) int64.

The features are cast from the package's float64; nothing else changes. The
archive is an uncompressed ``.npz`` (what ``np.savez`` writes) whose zip
entries carry a fixed date and fixed attributes, so the bytes do not depend on
when, where or with which zlib the script runs: two runs give the same sha256.

Usage, from the repository root::

    python scripts/make_mnist1d.py          # (re)write data/mnist1d.npz, print its sha256
    python scripts/make_mnist1d.py --check  # regenerate in memory; exit 1 unless the
                                            # shipped file is identical, byte for byte

Only this script (and its test) needs ``mnist1d``; ``utils.load_mnist1d()``
reads the shipped file with numpy alone.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import io
import random
import sys
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "data" / "mnist1d.npz"

#: The archive's arrays, in the order they are written: name -> (shape, dtype).
ARRAYS = {
    "x_train": ((4000, 40), np.float32),
    "y_train": ((4000,), np.int64),
    "x_test": ((1000, 40), np.float32),
    "y_test": ((1000,), np.int64),
}
#: Every zip entry gets this date (the earliest a zip file can store) ...
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
#: ... and these Unix permissions (rw-r--r--), whatever the platform.
ZIP_FILE_MODE = 0o644


def generation_args() -> dict:
    """The ``mnist1d`` package's default generation arguments, minus the unused download URL."""
    from mnist1d.data import get_dataset_args

    args = get_dataset_args(as_dict=True)
    args.pop("url", None)
    return args


def generate_arrays() -> dict[str, np.ndarray]:
    """Run the package's published procedure and return the four arrays of :data:`ARRAYS`.

    ``make_dataset`` seeds Python's and numpy's global random generators; their
    previous states are restored afterwards, so calling this does not change the
    random numbers the rest of the process draws.
    """
    from mnist1d.data import get_dataset_args, make_dataset

    py_state, np_state = random.getstate(), np.random.get_state()  # noqa: NPY002 (mnist1d seeds the legacy global generator)
    try:
        data = make_dataset(get_dataset_args())
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)  # noqa: NPY002

    source = {"x_train": data["x"], "y_train": data["y"], "x_test": data["x_test"], "y_test": data["y_test"]}
    arrays = {name: np.asarray(source[name]).astype(dtype) for name, (_, dtype) in ARRAYS.items()}
    for name, (shape, _) in ARRAYS.items():
        array = arrays[name]
        if array.shape != shape:
            raise RuntimeError(
                f"mnist1d produced {name} with shape {array.shape}, expected {shape}: "
                "not the published data set (another mnist1d version?)"
            )
        if name.startswith("y_") and not np.array_equal(array, source[name]):
            raise RuntimeError(f"mnist1d produced {name} with non-integer labels")
    return arrays


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """Serialise ``arrays`` as an uncompressed ``.npz`` archive whose bytes depend only on the arrays."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, array in arrays.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(array), version=(1, 0), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 3  # Unix, so external_attr means the same on every platform
            info.external_attr = (0o100000 | ZIP_FILE_MODE) << 16  # regular file, rw-r--r--
            archive.writestr(info, member.getvalue())
    return buffer.getvalue()


@functools.lru_cache(maxsize=1)
def expected_bytes() -> bytes:
    """The bytes ``data/mnist1d.npz`` must have (generated once per process)."""
    return npz_bytes(generate_arrays())


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="regenerate in memory and verify that the file matches byte for byte (exit 1 otherwise)",
    )
    parser.add_argument(
        "--file",
        type=Path,
        default=OUTPUT,
        help=f"the file to write or check (default: {OUTPUT.relative_to(ROOT)})",
    )
    args = parser.parse_args(argv)
    if args.file.is_dir():  # checked before the (slow) generation
        parser.error(f"--file {args.file} is a directory; give the path of the .npz file, e.g. {OUTPUT}")

    if args.check:
        if not args.file.is_file():
            print(f"{args.file}: missing (run python scripts/make_mnist1d.py)", file=sys.stderr)
            return 1
        expected = expected_bytes()
        actual = args.file.read_bytes()
        if actual != expected:
            print(
                f"{args.file}: sha256 {sha256(actual)} ({len(actual)} bytes), but the generator gives "
                f"{sha256(expected)} ({len(expected)} bytes): the file differs from the published data",
                file=sys.stderr,
            )
            return 1
        print(f"{args.file}: OK, sha256 {sha256(expected)} ({len(expected)} bytes)")
        return 0

    expected = expected_bytes()
    try:
        args.file.parent.mkdir(parents=True, exist_ok=True)
        args.file.write_bytes(expected)
    except OSError as error:  # e.g. a parent that is a file, or no permission
        print(f"{args.file}: cannot write the file: {error.strerror or error}", file=sys.stderr)
        return 1
    print(f"wrote {args.file} ({len(expected)} bytes)")
    print(f"sha256 {sha256(expected)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
