"""`Prepared` writes what Core writes, on SQLite and PostgreSQL: same SQL, same conversions, same errors."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, bindparam, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from storage.prepared import Prepared
from storage.tables import AnswerRow, ReceiptRow, ReviewRow

ANSWER = AnswerRow.__table__  # type: ignore[attr-defined]
RECEIPT = ReceiptRow.__table__  # type: ignore[attr-defined]
REVIEW = ReviewRow.__table__  # type: ignore[attr-defined]
WHEN = datetime(2026, 11, 27, 9, 30, 15, 123456, tzinfo=UTC)


def _review(engine: Engine, review_id: str) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(REVIEW).values(
                id=review_id, team_id="T1", title="t", facilitator="U1", state="intake", drafts={},
                answered=[], raters=[], version=1, created_at=WHEN, updated_at=WHEN,
            )
        )  # fmt: skip


def _rows(engine: Engine, query: str) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(query))]


def test_an_insert_stores_json_and_times_as_core_does(engine: Engine) -> None:
    _review(engine, "r1")
    columns = ("review_id", "question", "author", "text", "value", "at")
    row = {
        "review_id": "r1",
        "question": "q",
        "author": "U1",
        "text": "2 4",
        "value": {"a": [1, 2.5]},
        "at": WHEN,
    }
    prepared = Prepared(insert(ANSWER), engine.dialect, columns)
    with engine.begin() as connection:
        connection.execute(insert(ANSWER), [row | {"question": "core"}])
        prepared.run(connection, row | {"question": "one"})
        prepared.run_rows(connection, [row | {"question": "many 1"}, row | {"question": "many 2"}])
        prepared.run_rows(connection, [])
    stored = _rows(engine, "SELECT question, value, at FROM answer ORDER BY id")
    assert [q for q, _, _ in stored] == ["core", "one", "many 1", "many 2"]
    assert len({(str(value), str(at)) for _, value, at in stored}) == 1  # stored alike, to the character
    with engine.connect() as connection:
        values = connection.execute(select(ANSWER.c.value, ANSWER.c.at)).all()
    assert {(str(v), a) for v, a in values} == {("{'a': [1, 2.5]}", WHEN)}


def test_a_missing_value_is_stored_as_core_stores_it(engine: Engine) -> None:
    _review(engine, "r1")
    row = {"review_id": "r1", "question": "q", "author": "U1", "text": "skip", "value": None, "at": WHEN}
    prepared = Prepared(
        insert(ANSWER), engine.dialect, ("review_id", "question", "author", "text", "value", "at")
    )
    with engine.begin() as connection:
        connection.execute(insert(ANSWER), [row])
        prepared.run(connection, row)
    stored = _rows(engine, "SELECT value, value IS NULL FROM answer ORDER BY id")
    assert len(stored) == 2 and stored[0] == stored[1]


def test_an_update_counts_its_rows_and_fills_in_literals(engine: Engine) -> None:
    _review(engine, "r1")
    bump = (
        update(REVIEW)
        .where(REVIEW.c.id == bindparam("w_id"), REVIEW.c.version == bindparam("w_seen"))
        .values(title=bindparam("v_title"), version=REVIEW.c.version + 1)
    )
    prepared = Prepared(bump, engine.dialect)
    with engine.begin() as connection:
        assert prepared.run(connection, {"w_id": "r1", "w_seen": 1, "v_title": "new"}).rowcount == 1
        assert prepared.run(connection, {"w_id": "r1", "w_seen": 1, "v_title": "again"}).rowcount == 0
        with pytest.raises(KeyError, match="v_title"):
            prepared.run(connection, {"w_id": "r1", "w_seen": 2})
    assert _rows(engine, "SELECT title, version FROM review") == [("new", 2)]


def test_a_key_taken_twice_raises_integrity_error_and_the_transaction_goes(engine: Engine) -> None:
    _review(engine, "r1")
    claim = Prepared(insert(RECEIPT), engine.dialect, ("team_id", "key", "created_at"))
    receipt = {"team_id": "T1", "key": "E1", "created_at": WHEN}
    with engine.begin() as connection:
        claim.run(connection, receipt)
    with pytest.raises(IntegrityError), engine.begin() as connection:
        claim.run(connection, receipt | {"key": "E2"})
        claim.run(connection, receipt)
    assert _rows(engine, "SELECT key FROM receipt") == [("E1",)]


def test_an_insert_takes_every_column_but_the_numbered_one_by_default(engine: Engine) -> None:
    answer_columns = ("review_id", "question", "author", "text", "value", "at")
    assert (
        Prepared(insert(ANSWER), engine.dialect).sql
        == Prepared(insert(ANSWER), engine.dialect, answer_columns).sql
    )
    receipt_columns = ("team_id", "key", "created_at")
    assert (
        Prepared(insert(RECEIPT), engine.dialect).sql
        == Prepared(insert(RECEIPT), engine.dialect, receipt_columns).sql
    )
