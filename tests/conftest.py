from pathlib import Path

import pytest

import actuarial

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "assumptions" / "example-city"
REFERENCE = ROOT.parent / "shared" / "data" / "reference"


@pytest.fixture(scope="session")
def example():
    return actuarial.load_assumptions(EXAMPLE)


@pytest.fixture(scope="session")
def example_projection(example):
    return actuarial.project(example, years=10)
