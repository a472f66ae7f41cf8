"""Where the tests find Pabulib elections.

The small Saint-Cyprien file is a fixture of the suite (tests/fixtures/pabulib, with its
attribution). The larger real elections live in the project's shared data folder, beside the
repository (``../shared/data/pabulib``); set PABULIB_DATA_DIR to use another folder. Tests that
need a missing file are skipped and say which file and where it was looked for.
"""

import os
from pathlib import Path

import pytest

FIXTURE_DIR = Path(__file__).parent / "fixtures" / "pabulib"
SAINT_CYPRIEN = FIXTURE_DIR / "France_Toulouse_2022_6_-_Saint-Cyprien.pb"


def data_dirs():
    configured = os.environ.get("PABULIB_DATA_DIR")
    if configured:
        return [Path(configured)]
    beside_repository = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
    return [beside_repository / "pabulib", Path("/work/shared/data/pabulib")]


def real_election(name, include_fixtures=True):
    """The path of the real election ``name``, or skip the test saying where it was looked for."""
    folders = ([FIXTURE_DIR] if include_fixtures else []) + data_dirs()
    for folder in folders:
        if (folder / name).is_file():
            return folder / name
    looked = ", ".join(str(folder) for folder in folders)
    pytest.skip(
        f"the real election {name} is not available (looked in {looked}; set PABULIB_DATA_DIR)"
    )
