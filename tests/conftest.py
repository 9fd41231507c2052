"""Shared fixtures for the unit tests of the course's `utils` package."""

import utils  # noqa: F401  (first: keeps TensorFlow quiet and selects the backend)
from utils.data import SONAR_PATH, load_sonar

import pytest


@pytest.fixture(scope="session")
def sonar():
    return load_sonar()


@pytest.fixture
def sonar_lines():
    """The shipped file's lines, to build broken copies from."""
    return SONAR_PATH.read_text().split("\n")
