"""ReviewService over an in-memory fake of the storage port: records, retries, races and permissions."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import pytest

from flows.interview import K_CANDIDATES, K_ORGANISATION, K_PROCESSES, picked
from flows.method import Stage
from flows.ports import Outgoing, VersionConflict
from flows.service import (
    NotPermitted,
    Permission,
    PermissionNeeded,
    Picks,
    Reply,
    ReviewNotFound,
    ReviewService,
    Turn,
    knockout_questions,
)
from tests.support.memory_store import MemoryStore
from tests.support.reviews import FACILITATOR


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def service(store: MemoryStore) -> ReviewService:
    return ReviewService(store)


def _start(service: ReviewService, raters: Sequence[str] = ()) -> str:
    turn = service.start(title="Q3 review", facilitator=FACILITATOR, team_id="T1", raters=raters)
    assert turn.prompt is not None and turn.prompt.key == K_ORGANISATION
    assert turn.review.version == 1
    return turn.review.id or ""


def _to_candidates(service: ReviewService, review_id: str) -> None:
    for text in ("skip", "SEO audits\nNewsletter\nPaid search ads", "done"):
        turn = service.reply(review_id, Reply(FACILITATOR, text))
        assert turn.error is None, turn.error
    assert service.load(review_id).state is Stage.CANDIDATES


# ---------------------------------------------------------------- records


def test_each_accepted_reply_saves_one_answer_record(service: ReviewService, store: MemoryStore) -> None:
    review_id = _start(service)
    service.reply(review_id, Reply(FACILITATOR, "skip"))
    service.reply(review_id, Reply("alice", "SEO audits\nNewsletter"))
    service.reply(review_id, Reply("bob", "- Paid search ads"))
    turn = service.reply(review_id, Reply(FACILITATOR, "done"))
    assert turn.recorded and turn.error is None
    assert turn.review.state is Stage.CANDIDATES
    history = store.history(review_id)
    assert [(r.question, r.author, r.text) for r in history] == [
        (K_ORGANISATION, FACILITATOR, "skip"),
        (K_PROCESSES, "alice", "SEO audits\nNewsletter"),
        (K_PROCESSES, "bob", "- Paid search ads"),
        (K_PROCESSES, FACILITATOR, "done"),
    ]
    assert history[1].value == ["SEO audits", "Newsletter"]
    assert all(r.review_id == review_id for r in history)
    assert service.load(review_id).version == 5


@pytest.mark.parametrize("text", ["maybe", "7", "done", "help", ""])
def test_a_reply_that_does_not_parse_or_changes_nothing_saves_nothing(
    service: ReviewService, store: MemoryStore, text: str
) -> None:
    review_id = _start(service)
    _to_candidates(service, review_id)
    before = (store.saves, store.history(review_id), service.load(review_id))
    turn = service.reply(review_id, Reply("alice", text))
    assert not turn.recorded
    assert (turn.error is not None) or (text == "help" and turn.message)
    assert (store.saves, store.history(review_id), service.load(review_id)) == before
    assert turn.prompt is not None and turn.prompt.key == K_CANDIDATES


def test_a_version_conflict_is_retried_and_both_answers_apply(
    service: ReviewService, store: MemoryStore
) -> None:
    review_id = _start(service)
    service.reply(review_id, Reply(FACILITATOR, "skip"))
    # bob saves between alice's load and alice's save
    store.before_next_save.append(lambda: service.reply(review_id, Reply("bob", "Newsletter")))
    turn = service.reply(review_id, Reply("alice", "SEO audits"))
    assert store.conflicts == 1
    assert turn.recorded and not turn.late and turn.error is None
    review = service.load(review_id)
    assert review.drafts[K_PROCESSES] == ["Newsletter", "SEO audits"]
    assert [(r.author, r.text) for r in store.history(review_id)][1:] == [
        ("bob", "Newsletter"),
        ("alice", "SEO audits"),
    ]
    assert review.version == 4


def test_two_authors_answer_the_same_question_at_once(service: ReviewService, store: MemoryStore) -> None:
    review_id = _start(service)
    _to_candidates(service, review_id)
    store.before_next_save.append(lambda: service.reply(review_id, Reply("bob", "1 2")))
    turn = service.reply(review_id, Reply("alice", "3"))
    assert turn.late and turn.recorded
    assert turn.error and "answered already" in turn.error
    review = service.load(review_id)
    # the review moved on once, with bob's answer
    assert review.state is Stage.KEEP_INHOUSE
    assert picked(review.answers[K_CANDIDATES]) == ["SEO audits", "Newsletter"]
    assert turn.prompt is not None and turn.prompt.key == "keep_inhouse:competitive_advantage"
    late = [r for r in store.history(review_id) if r.question == K_CANDIDATES]
    assert [(r.author, r.text) for r in late] == [("bob", "1 2"), ("alice", "3")]
    assert late[0].value != {"late": True}
    assert late[1].value == {"late": True}


def test_raters_rating_at_the_same_moment_are_both_counted(
    service: ReviewService, store: MemoryStore
) -> None:
    review_id = _start(service, raters=["alice", "bob"])
    for text in ("skip", "SEO audits", "done", "all", *["none"] * 12, "ok", "skip"):
        assert service.reply(review_id, Reply(FACILITATOR, text)).error is None
    assert service.load(review_id).state is Stage.PRIORITISE
    store.before_next_save.append(lambda: service.reply(review_id, Reply("bob", "2 2 2 2 2 2")))
    turn = service.reply(review_id, Reply("alice", "4 4 4 4 4 4"))
    assert not turn.late and turn.recorded
    review = service.load(review_id)
    assert set(review.answers["prioritise.rate:SEO audits"]) == {"alice", "bob"}
    assert review.state is Stage.METRICS


# ---------------------------------------------------------------- a review the caller had (possibly outdated)


def test_an_outdated_review_given_is_loaded_again_and_the_reply_answers_the_open_question(
    service: ReviewService, store: MemoryStore
) -> None:
    """Another process moved the review on before the reply arrived: the reply is not late, it answers the
    question that was open when it came."""
    review_id = _start(service)
    for text in ("skip", "SEO audits\nNewsletter\nPaid search ads"):
        service.reply(review_id, Reply(FACILITATOR, text))
    outdated = service.load(review_id)  # still at the list of processes
    service.reply(review_id, Reply(FACILITATOR, "done"))  # saved elsewhere: now at step 2
    turn = service.reply(review_id, Reply("alice", "1 2"), loaded=outdated)
    assert turn.recorded and not turn.late and turn.error is None
    assert store.conflicts == 1
    review = service.load(review_id)
    assert picked(review.answers[K_CANDIDATES]) == ["SEO audits", "Newsletter"]
    assert review.answers[K_PROCESSES] == ["SEO audits", "Newsletter", "Paid search ads"]  # not "1 2"
    assert [r.question for r in store.history(review_id)][-1] == K_CANDIDATES


def test_a_reply_that_saves_nothing_is_checked_against_the_stored_review(
    service: ReviewService, store: MemoryStore
) -> None:
    review_id = _start(service)
    outdated = service.load(review_id)  # at the organisation question
    _to_candidates(service, review_id)
    turn = service.reply(review_id, Reply("alice", "help"), loaded=outdated)
    assert not turn.recorded and turn.message
    assert turn.prompt is not None and turn.prompt.key == K_CANDIDATES  # help for the open question
    current = service.load(review_id)
    assert service.reply(review_id, Reply("alice", "help"), loaded=current).prompt == turn.prompt


def test_a_current_review_given_and_saved_over_after_the_reply_came_makes_it_late(
    service: ReviewService, store: MemoryStore
) -> None:
    review_id = _start(service)
    _to_candidates(service, review_id)
    current = service.load(review_id)
    store.before_next_save.append(lambda: service.reply(review_id, Reply("bob", "1 2")))
    turn = service.reply(review_id, Reply("alice", "3"), loaded=current)
    assert turn.late and turn.recorded
    assert picked(service.load(review_id).answers[K_CANDIDATES]) == ["SEO audits", "Newsletter"]


# ---------------------------------------------------------------- the posted mark, saved with the answer


def _asking(turn: Turn) -> list[Outgoing]:
    """A transport's plan: a note, and the open question when it is not posted yet (as the Slack app plans)."""
    rows = [Outgoing("note", {"text": turn.message or turn.error or ""}, "T1", turn.review.id or "")]
    if turn.prompt is not None and turn.prompt.edition != turn.review.posted_question:
        rows.append(Outgoing("ask", {}, "T1", turn.review.id or "", question=turn.prompt.edition))
    return rows


def test_a_plans_rows_are_saved_with_the_answer_and_mark_the_question_they_ask(
    service: ReviewService, store: MemoryStore
) -> None:
    review_id = _start(service)
    service.mark_posted(review_id, K_ORGANISATION)
    saves, written = store.saves, len(store.outbox)
    turn = service.reply(review_id, Reply(FACILITATOR, "skip"), plan=_asking)
    assert turn.prompt is not None and turn.prompt.key == K_PROCESSES
    assert store.saves == saves + 1  # the answer, its rows and the mark: one save
    assert [row.method for row in store.outbox[written:]] == ["note", "ask"]
    assert service.load(review_id).posted_question == K_PROCESSES
    # A reply that keeps the same question open (a list item) asks nothing again: it is posted already.
    written = len(store.outbox)
    service.reply(review_id, Reply(FACILITATOR, "SEO audits"), plan=_asking)
    assert [row.method for row in store.outbox[written:]] == ["note"]
    # Without a plan, nothing is written and nothing marked.
    written = len(store.outbox)
    service.reply(review_id, Reply(FACILITATOR, "done"))
    assert len(store.outbox) == written and service.load(review_id).posted_question == K_PROCESSES


def test_a_reply_that_saves_nothing_writes_its_rows_once_with_its_receipt(
    service: ReviewService, store: MemoryStore
) -> None:
    review_id = _start(service)
    service.mark_posted(review_id, K_ORGANISATION)
    written = len(store.outbox)
    turn = service.reply(review_id, Reply(FACILITATOR, "help", delivery_key="event:E1"), plan=_asking)
    assert not turn.recorded and [row.method for row in store.outbox[written:]] == ["note"]
    again = service.reply(review_id, Reply(FACILITATOR, "help", delivery_key="event:E1"), plan=_asking)
    assert again.duplicate and len(store.outbox) == written + 1  # the retry shows nothing


def test_a_retried_answer_writes_nothing_again(service: ReviewService, store: MemoryStore) -> None:
    review_id = _start(service)
    service.reply(review_id, Reply(FACILITATOR, "skip", delivery_key="event:E2"), plan=_asking)
    written = len(store.outbox)
    again = service.reply(review_id, Reply(FACILITATOR, "skip", delivery_key="event:E2"), plan=_asking)
    assert again.duplicate and len(store.outbox) == written and len(store.history(review_id)) == 1


def test_endless_conflicts_give_up_with_version_conflict(store: MemoryStore) -> None:
    service = ReviewService(store, max_attempts=3)
    review_id = _start(service)

    def interfere() -> None:
        store.reviews[review_id] = dataclasses.replace(
            store.reviews[review_id], version=store.reviews[review_id].version + 1
        )
        store.before_next_save.append(interfere)

    store.before_next_save.append(interfere)
    with pytest.raises(VersionConflict):
        service.reply(review_id, Reply("alice", "skip"))
    assert store.history(review_id) == []


def test_replies_to_a_finished_review_are_refused_and_not_saved(
    service: ReviewService, store: MemoryStore
) -> None:
    review_id = _start(service)
    for text in ("skip", "SEO audits", "done", "none"):
        service.reply(review_id, Reply(FACILITATOR, text))
    assert service.load(review_id).state is Stage.DONE
    saves = store.saves
    turn = service.reply(review_id, Reply("alice", "yes"))
    assert turn.error and "finished" in turn.error and not turn.recorded
    assert store.saves == saves


def test_an_unknown_review_or_another_team(service: ReviewService) -> None:
    review_id = _start(service)
    with pytest.raises(ReviewNotFound):
        service.reply("nope", Reply("alice", "skip"))
    with pytest.raises(ReviewNotFound):
        service.reply(review_id, Reply("alice", "skip"), team_id="T2")
    assert service.reply(review_id, Reply("alice", "skip"), team_id="T1").recorded


def _finished_then_reopened(service: ReviewService) -> str:
    review_id = _start(service)
    for text in ("skip", "SEO audits", "done", "none"):
        service.reply(review_id, Reply(FACILITATOR, text))
    assert service.reopen(review_id, FACILITATOR).review.state is Stage.REPORT
    return review_id


def test_a_facilitators_step_asks_for_an_unchecked_permission_and_saves_nothing(
    service: ReviewService, store: MemoryStore
) -> None:
    review_id = _finished_then_reopened(service)
    saves, records = store.saves, len(store.history(review_id))
    with pytest.raises(PermissionNeeded):
        service.reply(review_id, Reply("alice", "done"), permission=Permission.UNCHECKED)
    assert (store.saves, len(store.history(review_id))) == (saves, records)
    # An answer anyone may give never asks.
    assert service.reply(review_id, Reply("alice", "help"), permission=Permission.UNCHECKED).error

    refused = service.reply(review_id, Reply("alice", "done"), permission=Permission.MEMBER)
    assert refused.error and "Only the facilitator" in refused.error and not refused.recorded
    finished = service.reply(review_id, Reply("alice", "done"), permission=Permission.ADMIN)
    assert finished.finished and finished.review.state is Stage.DONE


def test_a_turn_carries_what_a_transport_shows(service: ReviewService) -> None:
    review_id = _start(service)
    turn = service.reply(review_id, Reply(FACILITATOR, "skip"))
    assert turn.progress == service.progress(turn.review, count_rated=False)
    assert turn.prompt is not None and turn.report is None
    for text in ("SEO audits", "done"):
        turn = service.reply(review_id, Reply(FACILITATOR, text))
    assert turn.report is None
    turn = service.reply(review_id, Reply(FACILITATOR, "none"))
    assert turn.finished and turn.prompt is None and turn.progress.stage is Stage.DONE
    built = service.report(turn.review)
    assert turn.report is not None and (turn.report.processes, turn.report.excluded) == (
        built.processes,
        built.excluded,
    )
    assert [entry.process for entry in turn.report.ledger] == ["SEO audits"]  # the full report


# ---------------------------------------------------------------- cancel and reopen


def test_cancel_by_someone_else_is_not_permitted(service: ReviewService, store: MemoryStore) -> None:
    review_id = _start(service)
    with pytest.raises(NotPermitted):
        service.cancel(review_id, "mallory")
    assert service.load(review_id).state is Stage.INTAKE
    assert store.history(review_id) == []


def test_an_admin_may_cancel_and_the_facilitator_may_reopen(
    service: ReviewService, store: MemoryStore
) -> None:
    review_id = _start(service)
    _to_candidates(service, review_id)
    turn = service.cancel(review_id, "admin", permission=Permission.ADMIN)
    assert turn.recorded and turn.review.state is Stage.CANCELLED
    assert store.history(review_id)[-1].question == "review.cancel"
    assert store.history(review_id)[-1].author == "admin"
    with pytest.raises(NotPermitted):
        service.reopen(review_id, "mallory")
    turn = service.reopen(review_id, FACILITATOR)
    assert turn.review.state is Stage.CANDIDATES
    assert turn.prompt is not None and turn.prompt.key == K_CANDIDATES


def test_cancelling_twice_is_a_polite_error(service: ReviewService, store: MemoryStore) -> None:
    review_id = _start(service)
    service.cancel(review_id, FACILITATOR)
    saves = store.saves
    turn = service.cancel(review_id, FACILITATOR)
    assert turn.error and not turn.recorded
    assert store.saves == saves


def test_cancel_retries_a_version_conflict(service: ReviewService, store: MemoryStore) -> None:
    review_id = _start(service)
    store.before_next_save.append(lambda: service.reply(review_id, Reply("bob", "skip")))
    turn = service.cancel(review_id, FACILITATOR)
    assert store.conflicts == 1
    assert turn.review.state is Stage.CANCELLED
    assert [r.question for r in store.history(review_id)] == [K_ORGANISATION, "review.cancel"]


# ---------------------------------------------------------------- ratings are private


def _at_rating(service: ReviewService, raters: Sequence[str] = ()) -> str:
    review_id = _start(service, raters=raters)
    for text in ("skip", "SEO audits", "done", "all", *["none"] * 12, "ok", "skip"):
        assert service.reply(review_id, Reply(FACILITATOR, text)).error is None
    return review_id


def test_a_rating_written_in_public_is_withheld_and_saves_nothing(
    service: ReviewService, store: MemoryStore
) -> None:
    review_id = _at_rating(service)
    version, records = service.load(review_id).version, len(store.records[review_id])
    for text in ("2 4 2 3 5 2", "2 4", "hello"):
        turn = service.reply(review_id, Reply("bob", text, written_in_public=True))
        assert turn.withheld and not turn.recorded and turn.error, text
    assert service.load(review_id).version == version and len(store.records[review_id]) == records
    # Commands still work there; `help` says where ratings go.
    turn = service.reply(review_id, Reply("bob", "help", written_in_public=True))
    assert not turn.withheld and "rate in the form, or send the bot a direct message" in (turn.message or "")
    # The same rating given in private (a form, a direct message, the terminal) is recorded.
    turn = service.reply(review_id, Reply("bob", "2 4 2 3 5 2"))
    assert turn.recorded and not turn.withheld
    assert set(service.load(review_id).drafts["prioritise.rate:SEO audits"]) == {"bob"}


def test_other_questions_are_answered_in_public_as_before(service: ReviewService) -> None:
    review_id = _start(service)
    turn = service.reply(review_id, Reply(FACILITATOR, "skip", written_in_public=True))
    assert turn.recorded and not turn.withheld


def test_the_open_rating_rounds_of_a_workspace_oldest_review_first(service: ReviewService) -> None:
    assert service.rating_rounds("T1") == []
    first, second = _at_rating(service), _at_rating(service)
    _start(service)  # not at a rating: not listed
    for review_id in (first, second):  # the rounds listed are of reviews that run in a channel
        review = service.load(review_id)
        service.attach_thread(review, f"C{review_id[:6]}", "1.0")
    rounds = service.rating_rounds("T1")
    assert [(r.review.id, r.task) for r in rounds] == [(first, "SEO audits"), (second, "SEO audits")]
    assert service.rating_rounds("T2") == []


# ---------------------------------------------------------------- several pick questions at once


def _to_step_3(service: ReviewService) -> tuple[str, Turn]:
    review_id = _start(service)
    _to_candidates(service, review_id)
    turn = service.reply(review_id, Reply(FACILITATOR, "all"))
    assert turn.prompt is not None and turn.prompt.stage is Stage.KEEP_INHOUSE
    return review_id, turn


def test_reply_all_answers_a_steps_criteria_by_name_in_one_save(
    service: ReviewService, store: MemoryStore
) -> None:
    review_id, turn = _to_step_3(service)
    assert turn.prompt is not None
    questions = [key for key, _ in knockout_questions(turn.prompt)]
    assert len(questions) == 3
    shown: list[Turn] = []
    picks = [
        Picks(turn.prompt.edition, ("Newsletter",)),
        Picks(questions[1], ("Newsletter", "Paid search ads", "Not listed")),
        Picks(questions[2]),
    ]
    version = turn.review.version
    done = service.reply_all(
        review_id, "alice", picks, delivery_key="form-1", plan=lambda t: shown.append(t) or ()
    )
    assert done.error is None and done.recorded and len(shown) == 1  # what the last answer leads to
    assert done.review.version == version + 1  # one save
    assert done.review.state is Stage.CANNOT_OUTSOURCE and done.question == questions[2]
    assert [picked(done.review.answers[key]) for key in questions] == [
        ["Newsletter"],
        ["Newsletter", "Paid search ads"],
        [],
    ]
    history = [r for r in store.history(review_id) if r.question in questions]
    assert [(r.question, r.text) for r in history] == [
        (questions[0], "2"),
        (questions[1], "2 3"),
        (questions[2], "none"),
    ]
    again = service.reply_all(review_id, "alice", picks, delivery_key="form-1")
    assert again.duplicate and again.review.version == version + 1


def test_reply_all_saves_nothing_when_the_review_moved_on(service: ReviewService) -> None:
    review_id, turn = _to_step_3(service)
    assert turn.prompt is not None
    opened_for = turn.prompt.edition
    questions = [key for key, _ in knockout_questions(turn.prompt)]
    service.reply(review_id, Reply("bob", "none"))  # the first criterion, answered meanwhile
    version = service.load(review_id).version
    refused = service.reply_all(review_id, "alice", [Picks(opened_for, ("SEO audits",)), Picks(questions[1])])
    assert refused.error is not None and refused.error.startswith("The review moved on")
    assert not refused.recorded and service.load(review_id).version == version
