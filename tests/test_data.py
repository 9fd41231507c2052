"""utils.data: the Sonar loader accepts exactly the shipped file and explains every refusal."""

import hashlib

import numpy as np
import pytest

from utils.data import SONAR_PATH, SONAR_SHA256, SonarDataError, load_sonar


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
