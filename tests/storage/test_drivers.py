"""PostgreSQL goes through psycopg 3 (the `postgres` extra); without it, one clear message says what to install.

"Not installed" is what Python itself records for a module it cannot import: `sys.modules[name] = None`.
"""

import sys

import pytest

from storage.db import MissingDriver, make_engine


def test_a_psycopg2_url_uses_psycopg_3_when_psycopg2_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg2", None)
    engine = make_engine("postgresql+psycopg2://u@db.example/app")  # connects lazily: nothing is dialled
    assert engine.url.drivername == "postgresql+psycopg"


@pytest.mark.parametrize("url", ["postgresql://u@db.example/app", "postgres://u:pw@db.example/app"])
def test_postgresql_without_psycopg_names_the_extra(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(MissingDriver) as raised:
        make_engine(url)
    assert "pip install 'outsource-review[postgres]'" in str(raised.value)
    assert "pw" not in str(raised.value)


def test_sqlite_needs_no_postgresql_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)
    assert make_engine("sqlite://").url.get_backend_name() == "sqlite"
