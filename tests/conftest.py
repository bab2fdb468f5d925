"""For every test: the user's data folder is a temporary one.

By default the program keeps reviews in the user's data folder (`storage.db.default_database_path`). The tests
that run it give it a DATABASE_URL of their own; this is the belt to those braces, so that no test, and no
program a test starts (they inherit the environment), ever writes to the real ~/.local/share/outsource-review.
XDG_DATA_HOME is what platformdirs reads on Linux, where the tests run.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def private_data_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("user-data")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_DATA_HOME", str(folder))
        yield folder
