"""utils.data: each loader accepts exactly the shipped file and explains every refusal."""

import utils
from utils.data import (
    MNIST1D_PATH,
    MNIST1D_SHA256,
    SONAR_PATH,
    SONAR_SHA256,
    CSVDataError,
    DataFileError,
    MNIST1DDataError,
    SonarDataError,
    load_csv,
    load_mnist1d,
    load_sonar,
)

import hashlib
import importlib.util
import re
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path, lines, name="sonar.csv"):
    path = tmp_path / name
    path.write_text("\n".join(lines))
    return path


def test_shipped_file_matches_the_documented_checksum():
    assert hashlib.sha256(SONAR_PATH.read_bytes()).hexdigest() == SONAR_SHA256


def test_loads_shapes_types_and_labels(sonar):
    assert sonar.X.shape == (208, 60) and sonar.X.dtype == np.float32
    assert sonar.y.shape == (208,) and set(np.unique(sonar.y)) == {0, 1}
    assert int(sonar.y.sum()) == 111 and int((sonar.y == 0).sum()) == 97  # 111 mines, 97 rocks
    assert sonar.X.min() >= 0 and sonar.X.max() <= 1
    assert sonar.feature_names[0] == "band_01" and sonar.feature_names[-1] == "band_60"
    assert len(sonar.feature_names) == 60


def test_first_row_values_and_sorted_labels(sonar, sonar_lines):
    first = sonar_lines[0].split(",")
    np.testing.assert_allclose(sonar.X[0], np.array(first[:60], dtype=np.float32))
    assert first[60] == "R" and sonar.y[0] == 0 and sonar.y[-1] == 1


def test_identical_copy_elsewhere_loads(tmp_path, sonar_lines):
    data = load_sonar(write(tmp_path, sonar_lines))
    assert data.X.shape == (208, 60)


def test_missing_file_names_the_path(tmp_path):
    missing = tmp_path / "nope.csv"
    with pytest.raises(FileNotFoundError, match="nope.csv"):
        load_sonar(missing)


def test_truncated_file_missing_rows(tmp_path, sonar_lines):
    path = write(tmp_path, sonar_lines[:-10])
    with pytest.raises(SonarDataError, match=r"sonar\.csv: expected 208 rows, found 198"):
        load_sonar(path)


def test_truncated_mid_line(tmp_path):
    raw = SONAR_PATH.read_bytes()
    path = tmp_path / "cut.csv"
    path.write_bytes(raw[: len(raw) - 40])
    with pytest.raises(SonarDataError, match=r"cut\.csv: line 208 has \d+ columns, expected 61"):
        load_sonar(path)


def test_wrong_column_count(tmp_path, sonar_lines):
    lines = list(sonar_lines)
    lines[4] = lines[4].replace(",", ",0.5,", 1)
    with pytest.raises(SonarDataError, match="line 5 has 62 columns, expected 61"):
        load_sonar(write(tmp_path, lines))


def test_non_numeric_value(tmp_path, sonar_lines):
    lines = list(sonar_lines)
    cells = lines[9].split(",")
    cells[2] = "abc"
    lines[9] = ",".join(cells)
    with pytest.raises(SonarDataError, match=r"line 10, column 3: 'abc' is not a number"):
        load_sonar(write(tmp_path, lines))


def test_value_out_of_range(tmp_path, sonar_lines):
    lines = list(sonar_lines)
    cells = lines[0].split(",")
    cells[0] = "1.5"
    lines[0] = ",".join(cells)
    with pytest.raises(SonarDataError, match=r"line 1, column 1: 1.5 is outside \[0, 1\]"):
        load_sonar(write(tmp_path, lines))


def test_unknown_label(tmp_path, sonar_lines):
    lines = list(sonar_lines)
    lines[100] = lines[100][:-1] + "X"
    with pytest.raises(SonarDataError, match="line 101: unknown label 'X'"):
        load_sonar(write(tmp_path, lines))


def test_edited_but_well_formed_value_fails_the_checksum(tmp_path, sonar_lines):
    lines = list(sonar_lines)
    cells = lines[50].split(",")
    cells[5] = "0.1234"
    lines[50] = ",".join(cells)
    path = write(tmp_path, lines)
    with pytest.raises(SonarDataError, match="sha256 is .* the file was edited or truncated"):
        load_sonar(path)
    # The caller can opt out explicitly, for a deliberately modified copy.
    assert load_sonar(path, sha256=None).X[50, 5] == pytest.approx(0.1234)


def test_trailing_newline_changes_the_bytes(tmp_path, sonar_lines):
    path = write(tmp_path, sonar_lines + [""])  # adds a final newline; csv ignores it
    with pytest.raises(SonarDataError, match="sha256"):
        load_sonar(path)


def test_binary_garbage(tmp_path):
    path = tmp_path / "garbage.csv"
    path.write_bytes(b"\xff\xfe\x00junk")
    with pytest.raises(SonarDataError, match="garbage.csv: not a plain ASCII CSV"):
        load_sonar(path)


def test_bad_checksum_argument():
    with pytest.raises(ValueError, match="sha256 must be a 64-character"):
        load_sonar(sha256="abc")


@pytest.mark.parametrize("loader", [load_sonar, load_mnist1d], ids=["sonar", "mnist1d"])
@pytest.mark.parametrize("bad", ["z" * 64, SONAR_SHA256[:-1] + " ", "0x" + SONAR_SHA256[:62]])
def test_a_checksum_that_is_not_hex_is_named_as_the_arguments_mistake(loader, bad):
    # issue 16, item 5: 64 characters that are not hex digits used to be reported as an edited file
    with pytest.raises(ValueError, match=r"sha256 must be a 64-character hex string") as error:
        loader(sha256=bad)
    assert not isinstance(error.value, DataFileError), "the file is fine; the argument is not"


def test_an_upper_case_checksum_is_accepted():
    assert load_sonar(sha256=SONAR_SHA256.upper()).X.shape == (208, 60)


def test_directory_is_named_as_such(tmp_path):
    with pytest.raises(IsADirectoryError, match=f"directory, not a file: {tmp_path}"):
        load_sonar(tmp_path)


def test_windows_line_endings_load_with_the_published_checksum(tmp_path, sonar):
    # Git for Windows' default core.autocrlf=true checks text files out with CRLF.
    raw = SONAR_PATH.read_bytes()
    assert b"\r" not in raw and not raw.endswith(b"\n")  # the published file: LF, no final newline
    path = tmp_path / "sonar.csv"
    path.write_bytes(raw.replace(b"\n", b"\r\n"))
    data = load_sonar(path)  # default sha256
    np.testing.assert_array_equal(data.X, sonar.X)
    np.testing.assert_array_equal(data.y, sonar.y)


def test_windows_line_endings_do_not_hide_an_edit(tmp_path):
    raw = SONAR_PATH.read_bytes().replace(b"\n", b"\r\n")
    path = tmp_path / "sonar.csv"
    path.write_bytes(raw.replace(b"0.0200", b"0.0201", 1))
    with pytest.raises(SonarDataError, match="the file was edited or truncated"):
        load_sonar(path)


# ---------------------------------------------------------------------------------------------
# MNIST-1D


@pytest.fixture(scope="module")
def mnist_arrays():
    """The shipped file's four arrays, to build broken copies from."""
    with np.load(MNIST1D_PATH, allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


def write_npz(tmp_path, arrays, name="mnist1d.npz", **changes):
    """Write ``arrays`` with ``changes`` applied (a value of ``None`` drops that array)."""
    arrays = {**arrays, **changes}
    path = tmp_path / name
    np.savez(path, **{k: v for k, v in arrays.items() if v is not None})
    return path


def test_mnist1d_shipped_file_matches_the_documented_checksum():
    assert hashlib.sha256(MNIST1D_PATH.read_bytes()).hexdigest() == MNIST1D_SHA256


def test_mnist1d_loads_shapes_types_split_and_labels():
    data = utils.load_mnist1d()
    assert isinstance(data, utils.MNIST1DData)
    assert data.X.shape == (5000, 40) and data.X.dtype == np.float32
    assert data.y.shape == (5000,) and data.y.dtype == np.int64
    np.testing.assert_array_equal(data.train, np.arange(4000))
    np.testing.assert_array_equal(data.test, np.arange(4000, 5000))
    assert np.bincount(data.y).tolist() == [500] * 10
    assert data.X_train.shape == (4000, 40) and data.X_test.shape == (1000, 40)
    np.testing.assert_array_equal(data.y_test, data.y[4000:])
    # The generator centres the whole data set and scales it to standard deviation 1.
    assert abs(float(data.X.mean())) < 1e-4 and float(data.X.std()) == pytest.approx(1.0, abs=1e-4)


def test_mnist1d_rows_are_train_then_test(mnist_arrays):
    data = load_mnist1d()
    np.testing.assert_array_equal(data.X[:4000], mnist_arrays["x_train"])
    np.testing.assert_array_equal(data.X[4000:], mnist_arrays["x_test"])
    np.testing.assert_array_equal(data.y[:4000], mnist_arrays["y_train"])


def test_mnist1d_identical_copy_elsewhere_loads(tmp_path):
    path = tmp_path / "copy.npz"
    shutil.copyfile(MNIST1D_PATH, path)
    assert load_mnist1d(path).X.shape == (5000, 40)


def test_mnist1d_missing_file_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.npz"):
        load_mnist1d(tmp_path / "nope.npz")


def test_mnist1d_directory_is_named_as_such(tmp_path):
    with pytest.raises(IsADirectoryError, match=f"directory, not a file: {tmp_path}"):
        load_mnist1d(tmp_path)


@pytest.mark.parametrize(
    "content",
    [b"", b"x_train,y_train\n1,2\n", b"\x93NUMPY not really"],
    ids=["empty", "csv", "npy-like"],
)
def test_mnist1d_not_an_npz(tmp_path, content):
    path = tmp_path / "bad.npz"
    path.write_bytes(content)
    with pytest.raises(MNIST1DDataError, match=r"bad\.npz: not a \.npz archive"):
        load_mnist1d(path)


def test_mnist1d_single_npy_array_is_not_an_npz(tmp_path, mnist_arrays):
    path = tmp_path / "x.npy"
    np.save(path, mnist_arrays["x_train"])
    with pytest.raises(MNIST1DDataError, match=r"x\.npy: not a \.npz archive"):
        load_mnist1d(path)


def test_mnist1d_truncated_file(tmp_path):
    raw = MNIST1D_PATH.read_bytes()
    path = tmp_path / "cut.npz"
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(MNIST1DDataError, match=r"cut\.npz: not a \.npz archive .*truncated"):
        load_mnist1d(path)


def test_mnist1d_corrupted_byte_inside_an_array(tmp_path):
    raw = bytearray(MNIST1D_PATH.read_bytes())
    raw[1000] ^= 0xFF  # inside x_train's data: the zip entry's CRC no longer matches
    path = tmp_path / "flipped.npz"
    path.write_bytes(bytes(raw))
    with pytest.raises(MNIST1DDataError, match=r"flipped\.npz: not a valid \.npz archive \(BadZipFile"):
        load_mnist1d(path)


def test_mnist1d_member_that_is_not_an_npy_array(tmp_path, mnist_arrays):
    path = write_npz(tmp_path, mnist_arrays)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("notes.npy", b"not an array")
    with pytest.raises(MNIST1DDataError, match=r"unexpected \['notes'\]"):
        load_mnist1d(path)
    broken = tmp_path / "broken.npz"
    with zipfile.ZipFile(broken, "w") as archive:
        for name in mnist_arrays:
            archive.writestr(f"{name}.npy", b"garbage")
    with pytest.raises(MNIST1DDataError, match=r"broken\.npz: not a valid \.npz archive"):
        load_mnist1d(broken)


def test_mnist1d_pickled_object_array_is_refused(tmp_path, mnist_arrays):
    labels = np.empty(1000, dtype=object)
    labels[:] = [int(v) for v in mnist_arrays["y_test"]]
    path = write_npz(tmp_path, mnist_arrays, y_test=labels)
    with pytest.raises(MNIST1DDataError, match=r"not a valid \.npz archive .*pickle"):
        load_mnist1d(path)


def test_mnist1d_missing_array(tmp_path, mnist_arrays):
    path = write_npz(tmp_path, mnist_arrays, y_test=None)
    with pytest.raises(
        MNIST1DDataError, match=r"mnist1d\.npz: expected exactly the arrays .*; missing \['y_test'\]"
    ):
        load_mnist1d(path)


def test_mnist1d_extra_array(tmp_path, mnist_arrays):
    path = write_npz(tmp_path, mnist_arrays, t=np.zeros(40))
    with pytest.raises(MNIST1DDataError, match=r"unexpected \['t'\]"):
        load_mnist1d(path)


@pytest.mark.parametrize(
    "name, change, message",
    [
        ("x_train", lambda a: a.astype(np.float64), r"x_train has dtype float64, expected float32"),
        ("y_test", lambda a: a.astype(np.int32), r"y_test has dtype int32, expected int64"),
        ("y_train", lambda a: a.astype(np.float32), r"y_train has dtype float32, expected int64"),
        ("x_train", lambda a: a[:, :39], r"x_train has shape \(4000, 39\), expected \(4000, 40\)"),
        ("x_test", lambda a: a[:999], r"x_test has shape \(999, 40\), expected \(1000, 40\)"),
        ("y_train", lambda a: a[:, None], r"y_train has shape \(4000, 1\), expected \(4000,\)"),
    ],
    ids=["x-float64", "y-int32", "y-float", "x-narrow", "x-short", "y-2d"],
)
def test_mnist1d_wrong_dtype_or_shape(tmp_path, mnist_arrays, name, change, message):
    path = write_npz(tmp_path, mnist_arrays, **{name: change(mnist_arrays[name])})
    with pytest.raises(MNIST1DDataError, match=r"mnist1d\.npz: " + message):
        load_mnist1d(path, sha256=None)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_mnist1d_non_finite_value(tmp_path, mnist_arrays, value):
    x = mnist_arrays["x_test"].copy()
    x[7, 3] = value
    path = write_npz(tmp_path, mnist_arrays, x_test=x)
    with pytest.raises(
        MNIST1DDataError, match=r"x_test has 1 non-finite value\(s\), the first at row 7, column 3"
    ):
        load_mnist1d(path, sha256=None)


@pytest.mark.parametrize("label", [10, -1])
def test_mnist1d_label_out_of_range(tmp_path, mnist_arrays, label):
    y = mnist_arrays["y_train"].copy()
    y[12] = label
    path = write_npz(tmp_path, mnist_arrays, y_train=y)
    with pytest.raises(
        MNIST1DDataError, match=rf"y_train has 1 label\(s\) outside 0-9, the first at row 12: {label}"
    ):
        load_mnist1d(path, sha256=None)


def test_mnist1d_edited_but_well_formed_value_fails_the_checksum(tmp_path, mnist_arrays):
    x = mnist_arrays["x_train"].copy()
    x[5, 5] = 0.25
    path = write_npz(tmp_path, mnist_arrays, x_train=x)
    with pytest.raises(MNIST1DDataError, match="sha256 is .* the file was edited or truncated"):
        load_mnist1d(path)
    assert load_mnist1d(path, sha256=None).X[5, 5] == 0.25


def test_mnist1d_errors_are_value_errors_with_a_shared_base():
    assert issubclass(MNIST1DDataError, DataFileError) and issubclass(SonarDataError, DataFileError)
    assert issubclass(DataFileError, ValueError)


def test_mnist1d_bad_checksum_argument():
    with pytest.raises(ValueError, match="sha256 must be a 64-character"):
        load_mnist1d(sha256=123)


@pytest.fixture(scope="module")
def make_mnist1d():
    spec = importlib.util.spec_from_file_location("make_mnist1d", ROOT / "scripts" / "make_mnist1d.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_mnist1d_generator_reproduces_the_shipped_file_exactly(make_mnist1d, capsys):
    state = np.random.get_state()  # noqa: NPY002 (the legacy global state is what is tested)
    assert make_mnist1d.expected_bytes() == MNIST1D_PATH.read_bytes()
    # make_dataset seeds numpy's global generator; the script puts the old state back.
    after = np.random.get_state()  # noqa: NPY002
    assert after[0] == state[0] and np.array_equal(after[1], state[1]) and after[2:] == state[2:]
    assert make_mnist1d.main(["--check"]) == 0
    assert MNIST1D_SHA256 in capsys.readouterr().out


def test_mnist1d_generator_check_fails_on_another_file(make_mnist1d, tmp_path, capsys):
    raw = bytearray(MNIST1D_PATH.read_bytes())
    raw[-1] ^= 1
    other = tmp_path / "other.npz"
    other.write_bytes(bytes(raw))
    assert make_mnist1d.main(["--check", "--file", str(other)]) == 1
    assert "differs from the published data" in capsys.readouterr().err
    assert make_mnist1d.main(["--check", "--file", str(tmp_path / "none.npz")]) == 1


@pytest.mark.parametrize("check", [[], ["--check"]], ids=["write", "check"])
def test_mnist1d_generator_names_a_directory_given_as_the_file(make_mnist1d, tmp_path, capsys, check):
    # issue 16, item 7: writing ended in a raw IsADirectoryError traceback, --check said "missing"
    with pytest.raises(SystemExit) as exit_info:
        make_mnist1d.main([*check, "--file", str(tmp_path)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert f"--file {tmp_path} is a directory; give the path of the .npz file" in err
    assert "missing" not in err and list(tmp_path.iterdir()) == []


def test_mnist1d_generator_reports_a_file_it_cannot_write(make_mnist1d, tmp_path, capsys):
    (tmp_path / "plain").write_text("a file, not a folder")
    assert make_mnist1d.main(["--file", str(tmp_path / "plain" / "mnist1d.npz")]) == 1
    assert "cannot write the file" in capsys.readouterr().err


def test_mnist1d_generator_output_is_byte_stable(make_mnist1d, tmp_path, mnist_arrays):
    # Same arrays, same bytes: nothing time- or platform-dependent goes into the archive.
    first = make_mnist1d.npz_bytes(mnist_arrays)
    assert make_mnist1d.npz_bytes({k: v.copy() for k, v in mnist_arrays.items()}) == first
    assert make_mnist1d.main(["--file", str(tmp_path / "out.npz")]) == 0
    assert (tmp_path / "out.npz").read_bytes() == MNIST1D_PATH.read_bytes()
    with zipfile.ZipFile(tmp_path / "out.npz") as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


# ---------------------------------------------------------------------------------------------
# Your own data (README, "Evaluating your own data")


def readme_recipe() -> str:
    """The Python block of the README's "Evaluating your own data" section."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Evaluating your own data", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    return block


def test_own_csv_data_runs_through_fast_cv(tmp_path, monkeypatch, capsys):
    # The README's recipe, run as written on a small CSV file of three classes.
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(3), [14, 13, 13])
    X = rng.normal(size=(40, 5)) * 3 + 10 * y[:, None]  # unscaled on purpose: fast_cv scales per fold
    np.savetxt(tmp_path / "mine.csv", np.column_stack([X, y]), delimiter=",", fmt="%.6f")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(readme_recipe(), "README.md", "exec"), namespace)
    data, result = namespace["data"], namespace["result"]
    np.testing.assert_allclose(data.X, X, atol=1e-6)
    assert data.classes == [0, 1, 2] and data.class_counts == {0: 14, 1: 13, 2: 13}
    assert len(result.scores) == 5 and all(0.0 <= s <= 1.0 for s in result.scores)
    assert sorted(np.concatenate(result.test_indices).tolist()) == list(range(40))
    out = capsys.readouterr().out
    assert "40 rows, 5 features, 3 classes: 0 (code 0) 14 rows, 1 (code 1) 13 rows, 2 (code 2) 13 rows" in out
    assert str((5, 100)) in out  # the shapes the recipe's comment promises


# --- load_csv: a reader's own CSV file (issue 16, item 3) ------------------------------------------


def write_csv(tmp_path, text, name="mine.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_load_csv_reads_named_classes_by_column_name(tmp_path):
    path = write_csv(
        tmp_path, "kind,width,height\nrock,1.5,2\nmine,0.5,3\n\nrock,2,1e-3\nmine,4,-1\nrock,0,0\n\n"
    )
    data = load_csv(path, label_column="kind", header=True)
    np.testing.assert_array_equal(data.X, [[1.5, 2], [0.5, 3], [2, 1e-3], [4, -1], [0, 0]])
    assert data.X.dtype == np.float64 and data.y.dtype == np.int64
    assert data.classes == ["mine", "rock"] and data.y.tolist() == [1, 0, 1, 0, 1]
    assert data.class_counts == {"mine": 2, "rock": 3} and data.feature_names == ["width", "height"]
    assert data.describe() == "5 rows, 2 features, 2 classes: 'mine' (code 0) 2 rows, 'rock' (code 1) 3 rows"


def test_load_csv_reads_whole_number_classes_by_column_number(tmp_path):
    path = write_csv(tmp_path, "2,0.1,0.2\n0.0,0.3,0.4\n2.0,0.5,0.6\n-1,0.7,0.8\n")
    data = load_csv(path, label_column=0)
    assert data.classes == [-1, 0, 2] and all(type(c) is int for c in data.classes)
    assert data.y.tolist() == [2, 1, 2, 0] and data.feature_names == ["column_2", "column_3"]
    np.testing.assert_array_equal(load_csv(path, label_column=-3).y, data.y)  # -3: the first of 3


@pytest.mark.parametrize("missing", ["", "NaN", "nan", "NA", "?", "null", " None "])
def test_load_csv_refuses_a_missing_label_naming_the_line(tmp_path, missing):
    # The README's old recipe turned a NaN label into -9223372036854775808.
    path = write_csv(tmp_path, f"0.1,0.2,1\n0.3,0.4,0\n0.5,0.6,{missing}\n0.7,0.8,1\n")
    with pytest.raises(
        CSVDataError, match=rf"mine.csv: line 3: the label is missing \({re.escape(repr(missing.strip()))}\)"
    ):
        load_csv(path, label_column=-1)


def test_load_csv_refuses_a_continuous_label_column(tmp_path):
    # The README's old recipe cast values 0-3 to 3 classes and trained on them.
    rng = np.random.default_rng(0)
    table = np.column_stack([rng.normal(size=(20, 3)), rng.uniform(0, 3, size=20)])
    path = tmp_path / "mine.csv"
    np.savetxt(path, table, delimiter=",")
    with pytest.raises(CSVDataError, match=r"line 1: the label '.*' is not a whole number.*label_column"):
        load_csv(path, label_column=-1)


@pytest.mark.parametrize(
    "text, kwargs, message",
    [
        (
            "a,b,c\n1,2,0\n3,4,1\n",
            {},
            r"line 1, column 1 \(column_1\): 'a' is not a number \(if the first line names the columns, pass header=True\)",
        ),
        ("1,2,0\n3,x,1\n", {}, r"line 2, column 2 \(column_2\): 'x' is not a number$"),
        ("1,2,0\n3,nan,1\n", {}, r"line 2, column 2 \(column_2\): 'nan' is not a finite number"),
        ("1,,0\n3,4,1\n", {}, r"line 1, column 2 \(column_2\): '' is not a number"),
        ("1,2,0\n3,4\n", {}, r"line 2 has 2 columns, but line 1 has 3"),
        ("w,h,kind\n1,2,0\n3,4,5,1\n", dict(header=True), r"line 3 has 4 columns, but the header has 3"),
        ("1;2;0\n3;4;1\n", {}, r"line 1 has 1 column; .*is the delimiter ',' right"),
        ("1,2,0\n3,4,0\n", {}, r"every row has the label 0: classification needs two or more classes"),
        ("\n\n", {}, "no rows of data"),
        ("w,h,kind\n", dict(header=True), "no rows of data"),
    ],
)
def test_load_csv_names_the_line_and_column_of_a_problem(tmp_path, text, kwargs, message):
    with pytest.raises(CSVDataError, match=message):
        load_csv(write_csv(tmp_path, text), label_column=-1, **kwargs)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            dict(label_column=3),
            r"label_column must be a column number from -3 to 2 \(this file has 3 columns",
        ),
        (dict(label_column=True), r"label_column must be a column number"),
        (dict(label_column=1.0), r"label_column must be a column number"),
        (dict(label_column="kind"), r"label_column='kind' is a column name, but header=False"),
        (dict(label_column="kind", header=True), r"label_column='kind' is not in the header"),
        (dict(label_column=-1, header="yes"), r"header must be True or False"),
        (dict(label_column=-1, delimiter=", "), r"delimiter must be a single character"),
    ],
)
def test_load_csv_refuses_bad_settings(tmp_path, kwargs, message):
    path = write_csv(tmp_path, "w,h,class\n1,2,0\n3,4,1\n")
    with pytest.raises(ValueError, match=message):
        load_csv(path, **kwargs)


def test_load_csv_names_a_missing_file_or_a_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="CSV data file not found"):
        load_csv(tmp_path / "nope.csv", label_column=-1)
    with pytest.raises(IsADirectoryError, match="directory, not a file"):
        load_csv(tmp_path, label_column=-1)
    with pytest.raises(ValueError, match="path must be the CSV file's path"):
        load_csv(None, label_column=-1)


def test_load_csv_reads_the_shipped_sonar_file_as_load_sonar_does(sonar):
    data = load_csv(SONAR_PATH, label_column=-1)
    np.testing.assert_allclose(data.X, sonar.X, rtol=1e-6)
    assert data.classes == ["M", "R"] and data.class_counts == {"M": 111, "R": 97}
    np.testing.assert_array_equal(data.y, 1 - sonar.y)  # sorted names: M is code 0 here, 1 in load_sonar
