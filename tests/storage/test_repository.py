"""SqlReviewStore against real databases: a SQLite file, and PostgreSQL when it answers."""

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlmodel import Session, col, select

from flows.method import Stage
from flows.model import AnswerRecord, Merge, Metric, Review
from flows.ports import ReviewStore, VersionConflict
from flows.report import Disagreement, Exclusion, RankedTask, Report
from storage.db import make_engine
from storage.migrate import upgrade
from storage.repository import SqlReviewStore
from storage.tables import MetricRow, ProcessRow, RatingRow

T0 = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)


def full_review() -> Review:
    """A review with every field set to something other than its default."""
    return Review(
        title="Q3 marketing review — ünïcode",
        facilitator="U_FAC",
        team_id="T1",
        channel_id="C1",
        thread_ts="1715000000.000100",
        state=Stage.PRIORITISE,
        answers={
            "processes": ["Blog writing", "SEO audits"],
            "keep_inhouse": {"Brand strategy": ["competitive_advantage"]},
            "weights": {"risk": 2.5},
            "nothing": None,
        },
        drafts={"ratings": {"SEO audits": {"alice": {"risk": 2}}}, "open": True},
        answered=["processes", "keep_inhouse"],
        raters=["alice", "bob"],
        created_at=datetime(2024, 5, 6, 9, 8, 9, tzinfo=timezone(timedelta(hours=2))),  # = 07:08:09 UTC
    )


def record(review: Review, question: str, value: object = None, author: str = "alice") -> AnswerRecord:
    return AnswerRecord(
        review_id=review.id or "", question=question, author=author, text=str(value), value=value
    )


def test_the_store_satisfies_the_port(store: SqlReviewStore) -> None:
    port: ReviewStore = store
    assert port is store


def test_round_trip_of_every_field_on_a_sqlite_file(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    try:
        upgrade(engine)
        original = full_review()
        created = SqlReviewStore(engine).create(original)
    finally:
        engine.dispose()

    assert created.id is not None and len(created.id) == 32 and int(created.id, 16) >= 0
    assert created.version == 1
    assert original.id is None and original.version == 0  # the argument is left alone

    fresh = make_engine(sqlite_url)  # a new engine: nothing cached anywhere
    try:
        loaded = SqlReviewStore(fresh).get(created.id)
    finally:
        fresh.dispose()
    assert loaded == created
    assert loaded is not None
    assert loaded.state is Stage.PRIORITISE
    assert loaded.created_at == datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    assert loaded.created_at.tzinfo == UTC and loaded.updated_at.tzinfo == UTC
    assert loaded.answers["nothing"] is None


def test_round_trip_on_each_backend(store: SqlReviewStore) -> None:
    created = store.create(full_review())
    assert store.get(created.id or "") == created
    assert store.find_by_thread("T1", "C1", "1715000000.000100") == created


def test_create_keeps_a_given_id(store: SqlReviewStore) -> None:
    created = store.create(replace(full_review(), id="a" * 32))
    assert created.id == "a" * 32
    assert store.get("a" * 32) == created


def test_naive_timestamps_are_taken_as_utc(store: SqlReviewStore) -> None:
    created = store.create(replace(full_review(), created_at=datetime(2024, 1, 2, 3, 4, 5)))
    loaded = store.get(created.id or "")
    assert loaded is not None and loaded.created_at == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_save_bumps_the_version_and_writes_every_field(store: SqlReviewStore) -> None:
    created = store.create(full_review())
    changed = replace(
        created,
        title="Renamed",
        state=Stage.METRICS,
        answers={**created.answers, "ratings": {"SEO audits": {"alice": {"risk": 2}}}},
        drafts={},
        answered=[*created.answered, "ratings"],
        raters=["alice"],
    )
    saved = store.save(changed)
    assert saved.version == 2
    assert changed.version == 1  # the argument is left alone
    assert saved.updated_at >= created.updated_at
    assert store.get(created.id or "") == saved


def test_team_and_creation_time_never_change_on_save(store: SqlReviewStore) -> None:
    created = store.create(full_review())
    store.save(replace(created, team_id="T_OTHER", created_at=T0 + timedelta(days=9)))
    loaded = store.get(created.id or "")
    assert loaded is not None
    assert loaded.team_id == "T1" and loaded.created_at == created.created_at


def test_stale_save_raises_version_conflict_and_saves_nothing(store: SqlReviewStore) -> None:
    created = store.create(full_review())
    first = store.save(replace(created, title="First"), [record(created, "a", 1)])
    with pytest.raises(VersionConflict):
        store.save(replace(created, title="Stale", state=Stage.DONE), [record(created, "b", 2)])
    assert store.get(created.id or "") == first
    assert [r.question for r in store.history(created.id or "")] == ["a"]


def test_mark_posted_writes_the_mark_alone_and_guards_the_version(store: SqlReviewStore) -> None:
    created = store.create(full_review())
    saved = store.save(replace(created, title="Saved"), [record(created, "a", 1)])
    marked = store.mark_posted(saved, "prioritise.rate:SEO audits")
    assert marked == replace(saved, posted_question="prioritise.rate:SEO audits", version=saved.version + 1)
    assert store.get(created.id or "") == marked  # every other field as saved, updated_at included
    with pytest.raises(VersionConflict):
        store.mark_posted(saved, "metrics:SEO audits")  # someone saved (or marked) since `saved`
    with pytest.raises(VersionConflict):
        store.save(replace(saved, title="Stale"))  # a save that read the review before the mark
    assert store.get(created.id or "") == marked
    assert [r.question for r in store.history(created.id or "")] == ["a"]


def test_saving_a_review_that_was_never_created_fails(store: SqlReviewStore) -> None:
    with pytest.raises(ValueError, match="created first"):
        store.save(full_review())
    with pytest.raises(VersionConflict):
        store.save(replace(full_review(), id="b" * 32, version=1))


def test_answers_are_saved_with_the_review_or_not_at_all(store: SqlReviewStore) -> None:
    created = store.create(full_review())
    good = record(created, "processes", ["Blog writing"])
    unserialisable = record(created, "bad", {1, 2})  # a set is not JSON: the insert fails mid-transaction
    # SQLite: SQLAlchemy turns the value into JSON and wraps the error; psycopg 3 turns it itself, and raises as is
    with pytest.raises((StatementError, TypeError), match="not JSON serializable"):
        store.save(replace(created, title="Half"), [good, unserialisable])
    assert store.get(created.id or "") == created
    assert store.history(created.id or "") == []

    saved = store.save(replace(created, title="Whole"), [good])
    assert saved.version == 2
    assert store.history(created.id or "") == [good]


@pytest.mark.parametrize("value", [1, 2.5, -3, "text", True, None, [1, "a"], {"picked": ["A"], "asked": []}])
def test_any_json_value_of_an_answer_reads_back_as_written(store: SqlReviewStore, value: object) -> None:
    # SQLite hands a JSON column numeric affinity: a number comes back as a number, not as JSON text.
    created = store.create(full_review())
    store.save(created, [record(created, "q", value)])
    assert [r.value for r in store.history(created.id or "")] == [value]


def test_several_answer_records_of_one_save_read_back_as_written(store: SqlReviewStore) -> None:
    """One save, many answer rows (sent as one statement): JSON values and times to the microsecond come back
    as written, on SQLite and on PostgreSQL alike."""
    created = store.create(full_review())
    at = datetime(2026, 11, 27, 9, 30, 15, 123456, tzinfo=UTC)
    records = [
        AnswerRecord(created.id or "", "q1", "alice", "2 4", {"a": [1, 2.5]}, at=at),
        AnswerRecord(created.id or "", "q2", "bob", "skip", None, at=at + timedelta(microseconds=1)),
        AnswerRecord(created.id or "", "q3", "carol", "yes", True, at=at + timedelta(microseconds=2)),
    ]
    store.save(created, records)
    assert store.history(created.id or "") == records


def _answer_writes(engine: Engine) -> list[tuple[str, object]]:
    """(statement, parameters) of every write to current_answer on `engine`, from now on."""
    seen: list[tuple[str, object]] = []

    def watch(conn: Any, cursor: Any, statement: str, parameters: object, *rest: Any) -> None:
        words = statement.split()
        if words[0] in ("INSERT", "DELETE") and "current_answer" in words[:3]:
            seen.append((words[0], parameters))

    event.listen(engine, "before_cursor_execute", watch)
    return seen


def test_a_save_since_the_loaded_review_writes_only_the_answers_that_changed(
    store: SqlReviewStore,
) -> None:
    created = store.create(full_review())
    writes = _answer_writes(store.engine)
    answers = {k: v for k, v in created.answers.items() if k != "nothing"}  # one answer withdrawn
    answers |= {"weights": {"risk": 3}, "new": [1]}  # one changed (it keeps its place), one added
    saved = store.save(replace(created, answers=answers), since=created)
    assert [kind for kind, _ in writes] == ["DELETE", "INSERT"]
    assert "nothing" in str(writes[0][1])
    rows: Any = writes[1][1]  # tuples on SQLite, dicts on PostgreSQL
    assert [row["key"] if isinstance(row, dict) else row[1] for row in rows] == ["weights", "new"]
    loaded = store.get(created.id or "")
    assert loaded == saved and list(loaded.answers) == ["processes", "keep_inhouse", "weights", "new"]

    writes.clear()
    store.save(replace(saved, title="Renamed"), since=saved)  # the same answers: nothing to write
    assert writes == []


@pytest.mark.parametrize("since", ["none", "another version", "another review"])
def test_without_a_matching_since_every_answer_is_written_again(store: SqlReviewStore, since: str) -> None:
    created = store.create(full_review())
    other = store.create(replace(full_review(), id=None, thread_ts="1715000000.000200", answers={}))
    saved = store.save(created, since=created)
    stale = {"none": None, "another version": created, "another review": other}[since]
    writes = _answer_writes(store.engine)
    answers = {"fresh": 1, **saved.answers, "processes": ["Blog writing"]}
    again = store.save(replace(saved, answers=answers), since=stale)
    assert [kind for kind, _ in writes] == ["DELETE", "INSERT"]  # all of them cleared and written
    loaded = store.get(created.id or "")
    assert loaded == again and list(loaded.answers) == list(answers)
    assert store.get(other.id or "") == other


def test_answers_keep_their_order_across_many_saves(store: SqlReviewStore) -> None:
    """The order the questions were first answered in, as Python keeps a dict's: a new answer to a
    question keeps its place, a withdrawn and re-given one goes to the end."""
    review = store.create(replace(full_review(), answers={"z": 0, "a": 0}))
    for step in range(1, 25):
        answers = dict(review.answers)
        if step % 5 == 0:
            answers.pop(next(iter(answers)))  # withdraw the first
        answers[f"q{(step * 7) % 11:02d}"] = step  # new, or a new value in place
        saved = store.save(replace(review, answers=answers), since=review)
        assert list(store.get(review.id or "").answers.items()) == list(answers.items())  # type: ignore[union-attr]
        review = saved


@pytest.mark.parametrize("key", ['say "hi"', "back\\slash", "ünïcode ✓", "rate:Ads @ scale", "new\nline", ""])
def test_any_question_key_reads_back_as_written(store: SqlReviewStore, key: str) -> None:
    created = store.create(replace(full_review(), answers={key: {"v": [key]}, "after": 1}))
    assert store.get(created.id or "") == created
    assert list(store.list_reviews()[0].answers) == [key, "after"]


def test_a_review_without_answers_reads_back_with_none(store: SqlReviewStore) -> None:
    created = store.create(replace(full_review(), answers={}))
    assert store.get(created.id or "") == created and created.answers == {}


def test_deleting_a_review_deletes_its_answers(store: SqlReviewStore) -> None:
    created = store.create(full_review())
    with store.engine.begin() as connection:
        connection.execute(text("DELETE FROM review WHERE id = :id"), {"id": created.id})
        left = connection.execute(text("SELECT count(*) FROM current_answer")).scalar()
    assert left == 0


def test_answer_records_for_another_review_are_refused(store: SqlReviewStore) -> None:
    created = store.create(full_review())
    other = AnswerRecord(review_id="c" * 32, question="q", author="a", text="t", value=1)
    with pytest.raises(ValueError, match="answer record"):
        store.save(created, [other])
    assert store.get(created.id or "") == created


def test_history_is_every_answer_oldest_first_with_who_and_when(store: SqlReviewStore) -> None:
    created = store.create(full_review())
    later = AnswerRecord(
        created.id or "", "q2", "bob", "2 4 2 3 5 2", [2, 4, 2, 3, 5, 2], at=T0 + timedelta(1)
    )
    earlier = AnswerRecord(created.id or "", "q1", "alice", "yes", True, at=T0)
    saved = store.save(created, [later])
    store.save(saved, [earlier])
    assert store.history(created.id or "") == [earlier, later]
    assert store.history("unknown") == []


def test_get_and_find_by_thread_are_scoped_to_the_team(store: SqlReviewStore) -> None:
    mine = store.create(full_review())
    theirs = store.create(replace(full_review(), team_id="T2"))  # same channel and thread ids, other team
    assert store.get(mine.id or "", "T1") == mine
    assert store.get(mine.id or "", "T2") is None
    assert store.get(mine.id or "") == mine
    assert store.get(theirs.id or "", "T2") == theirs
    assert store.find_by_thread("T1", "C1", "1715000000.000100") == mine
    assert store.find_by_thread("T2", "C1", "1715000000.000100") == theirs
    assert store.find_by_thread("T3", "C1", "1715000000.000100") is None
    assert store.find_by_thread("T1", "C1", "other") is None
    assert store.get("missing") is None


def test_one_review_per_thread_but_any_number_without_one(store: SqlReviewStore) -> None:
    store.create(full_review())
    with pytest.raises(IntegrityError):
        store.create(full_review())
    terminal = replace(full_review(), channel_id=None, thread_ts=None)
    assert store.create(terminal).id != store.create(terminal).id


def test_list_reviews_newest_first_scoped_and_limited(store: SqlReviewStore) -> None:
    def plain(title: str, team: str = "T1") -> Review:
        return Review(title=title, facilitator="U", team_id=team)

    a = store.create(plain("a"))
    b = store.create(plain("b"))
    store.create(plain("other team", "T2"))
    c = store.create(plain("c"))
    store.save(a)  # a becomes the most recently updated
    assert [r.title for r in store.list_reviews("T1")] == ["a", "c", "b"]
    assert [r.title for r in store.list_reviews("T1", limit=2)] == ["a", "c"]
    assert {r.title for r in store.list_reviews()} == {"a", "b", "c", "other team"}
    assert store.list_reviews("T9") == []
    assert {b.id, c.id} <= {r.id for r in store.list_reviews("T1")}


def test_claim_receipt_first_true_then_false(store: SqlReviewStore) -> None:
    assert store.claim_receipt("T1", "Ev123") is True
    assert store.claim_receipt("T1", "Ev123") is False
    assert store.claim_receipt("T1", "Ev123") is False
    assert store.claim_receipt("T2", "Ev123") is True  # per team
    assert store.claim_receipt("T1", "Ev124") is True


def test_claim_receipt_across_two_engines_on_one_file(sqlite_url: str) -> None:
    first, second = make_engine(sqlite_url), make_engine(sqlite_url)
    try:
        upgrade(first)
        assert SqlReviewStore(first).claim_receipt("T1", "action-1.5") is True
        assert SqlReviewStore(second).claim_receipt("T1", "action-1.5") is False
        assert SqlReviewStore(second).claim_receipt("T1", "action-2") is True
        assert SqlReviewStore(first).claim_receipt("T1", "action-2") is False
    finally:
        first.dispose()
        second.dispose()


# The report projection -----------------------------------------------------------------------------------------

RATINGS = {
    "alice": {
        "risk": 1,
        "consequences": 3,
        "tech_complexity": 1,
        "importance": 3,
        "benefits": 4,
        "vendor_expertise": 1,
    },
    "bob": {
        "risk": 3,
        "consequences": 3,
        "tech_complexity": 1,
        "importance": 3,
        "benefits": 4,
        "vendor_expertise": 1,
    },
}


def sample_report(first: str = "Blog writing", second: str = "SEO audits") -> Report:
    def task(rank: int, process: str, score: float, metrics: tuple[Metric, ...] = ()) -> RankedTask:
        return RankedTask(
            rank=rank,
            process=process,
            score=score,
            factors={"risk": 2.0, "benefits": 4.0},
            contributions={"risk": 0.25, "benefits": 0.75},
            disagreements=(Disagreement("risk", 1, 3, ("alice",), ("bob",)),),
            ratings=RATINGS,
            metrics=metrics,
        )

    return Report(
        review="Q3",
        processes=[first, second, "Brand strategy", "Key account calls"],
        merged=[Merge(into=first, sources=("Writing blog posts",))],
        merge_suggestions=[],
        excluded=[
            Exclusion("Brand strategy", 3, ("competitive_advantage", "low_benefit")),
            Exclusion("Key account calls", 4, ("face_to_face",)),
        ],
        shortlist=[
            task(1, first, 82.125),
            task(
                2, second, 78.6, (Metric("organic sessions", 12000, 15000, 11000), Metric("audits", None, 1))
            ),
        ],
        weights={"risk": 2.0},
        directions={"risk": "-"},
    )


def projection(engine: Engine, review_id: str) -> tuple[list[ProcessRow], list[RatingRow], list[MetricRow]]:
    with Session(engine) as session:
        processes = session.exec(
            select(ProcessRow).where(ProcessRow.review_id == review_id).order_by(col(ProcessRow.position))
        ).all()
        ratings = session.exec(select(RatingRow).where(RatingRow.review_id == review_id)).all()
        metrics = session.exec(
            select(MetricRow).where(MetricRow.review_id == review_id).order_by(col(MetricRow.id))
        ).all()
        return list(processes), list(ratings), list(metrics)


def test_projection_is_written_from_the_report(engine: Engine) -> None:
    report = sample_report()
    store = SqlReviewStore(engine, outcome=lambda review: report if review.state is Stage.DONE else None)
    created = store.create(full_review())
    assert projection(engine, created.id or "") == ([], [], [])

    store.save(replace(created, state=Stage.DONE))
    processes, ratings, metrics = projection(engine, created.id or "")
    assert [
        (p.position, p.name, p.fate, p.step, p.reasons, p.merged_into, p.rank, p.score) for p in processes
    ] == [
        (0, "Blog writing", "ranked", None, [], None, 1, 82.125),
        (1, "SEO audits", "ranked", None, [], None, 2, 78.6),
        (2, "Brand strategy", "excluded", 3, ["competitive_advantage", "low_benefit"], None, None, None),
        (3, "Key account calls", "excluded", 4, ["face_to_face"], None, None, None),
        (4, "Writing blog posts", "merged", None, [], "Blog writing", None, None),
    ]
    expected_ratings = {
        (process, rater, factor, value)
        for process in ("Blog writing", "SEO audits")
        for rater, values in RATINGS.items()
        for factor, value in values.items()
    }
    assert {(r.process, r.rater, r.factor, r.value) for r in ratings} == expected_ratings
    assert len(ratings) == 24
    assert [(m.process, m.name, m.baseline, m.target, m.warn_at) for m in metrics] == [
        ("SEO audits", "organic sessions", 12000, 15000, 11000),
        ("SEO audits", "audits", None, 1, None),
    ]


def test_projection_is_replaced_on_every_save_and_cleared_without_a_report(engine: Engine) -> None:
    reports: dict[str, Report | None] = {"now": sample_report()}
    store = SqlReviewStore(engine, outcome=lambda review: reports["now"])
    created = store.create(full_review())
    other = store.create(replace(full_review(), thread_ts="another"))
    assert len(projection(engine, created.id or "")[0]) == 5

    reports["now"] = replace(sample_report(), shortlist=[], excluded=[], merged=[], processes=["Only one"])
    saved = store.save(created)
    processes, ratings, metrics = projection(engine, created.id or "")
    assert [(p.name, p.fate) for p in processes] == [("Only one", "pending")]
    assert ratings == [] and metrics == []

    reports["now"] = None
    store.save(saved)
    assert projection(engine, created.id or "") == ([], [], [])
    assert len(projection(engine, other.id or "")[0]) == 5  # other reviews keep theirs


def test_a_failed_save_keeps_the_old_projection(engine: Engine) -> None:
    store = SqlReviewStore(engine, outcome=lambda review: sample_report())
    created = store.create(full_review())
    store.save(created)
    with pytest.raises(VersionConflict):
        SqlReviewStore(engine, outcome=lambda review: None).save(created)
    assert len(projection(engine, created.id or "")[0]) == 5


def statements_of(engine: Engine, run: Callable[[], object]) -> list[str]:
    seen: list[str] = []

    def keep(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", keep)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    return seen


def test_the_review_as_loaded_tells_whether_there_is_a_projection_to_clear(engine: Engine) -> None:
    report = sample_report()
    store = SqlReviewStore(engine, outcome=lambda review: report if review.state is Stage.DONE else None)
    finished = store.create(replace(full_review(), state=Stage.DONE))
    assert len(projection(engine, finished.id or "")[0]) == 5

    reopened = replace(finished, state=Stage.PRIORITISE)
    sql = statements_of(engine, lambda: store.save(reopened, since=finished))
    assert projection(engine, finished.id or "") == ([], [], [])
    assert not any("RETURNING" in s for s in sql)  # the outcome of `since` told, not the database
    assert sum(s.startswith("DELETE FROM") for s in sql) == 3  # process, rating, metric

    saved = store.get(finished.id or "")
    assert saved is not None
    sql = statements_of(engine, lambda: store.save(replace(saved, title="Next"), since=saved))
    assert not any("RETURNING" in s or s.startswith("DELETE") for s in sql)  # in progress: nothing to clear

    # Without `since` (or with a review of another version), the UPDATE asks.
    again = store.get(finished.id or "")
    assert again is not None
    sql = statements_of(engine, lambda: store.save(again, since=saved))
    assert any("RETURNING" in s for s in sql)


def test_shortlist_counts_over_finished_reviews_of_the_team(engine: Engine) -> None:
    reports = {
        "done 1": sample_report("Blog writing", "SEO audits"),
        "done 2": sample_report("blog writing ", "Newsletter"),
        "done 3": sample_report("Blog Writing", "SEO audits"),
        "done 4": sample_report("blog writing", "Ads"),
        "open": sample_report("Podcast", "SEO audits"),
        "other team": sample_report("Podcast", "SEO audits"),
    }
    store = SqlReviewStore(engine, outcome=lambda review: reports[review.title])
    for title, report in reports.items():
        team = "T2" if title == "other team" else "T1"
        state = Stage.METRICS if title == "open" else Stage.DONE
        store.create(Review(title=title, facilitator="U", team_id=team, state=state))
        assert report.shortlist

    counts = store.shortlist_counts("T1")
    assert counts == {"blog writing": 4, "SEO audits": 2, "Ads": 1, "Newsletter": 1}
    assert list(counts) == ["blog writing", "SEO audits", "Ads", "Newsletter"]
    assert store.shortlist_counts("T2") == {"Podcast": 1, "SEO audits": 1}
    assert store.shortlist_counts("T9") == {}
