"""Changing answers, reconsidering exclusions, the ledger, and versions with their differences."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from flows.interview import (
    answered_questions,
    apply_reply,
    build_report,
    current_prompt,
    reopen,
)
from flows.ledger import build_ledger, reconsiderations
from flows.method import Stage
from flows.model import AnswerRecord, Review
from flows.versions import compare, next_version, previous_version_id, version_of

ME, BOB = "maria", "tom"

FULL = [
    "skip",  # organisation
    "Blog writing\nWriting blog posts\nSEO audits\nBrand strategy\nKey account calls\nWebsite relaunch",
    "done",
    "yes because same work",  # merge Writing blog posts
    "1 2 3 4 5",
    "3 because it is our voice",  # competitive advantage: Brand strategy
    "none",
    "none",
    "none",
    "none",
    "none",
    "3",  # face to face: Key account calls
    "3",  # in progress: Website relaunch
    "none",
    "none",
    "none",
    "none",
    "ok",
    "skip",
    "1 3 1 3 4 1",
    "skip",
    "2 4 2 3 5 2",
    "done",
    "done",
]


def run(review: Review, replies: list[str], author: str = ME) -> list[AnswerRecord]:
    """Apply replies; return the history the service would have saved."""
    records = []
    for i, text in enumerate(replies):
        outcome = apply_reply(review, author, text, is_facilitator=author == review.facilitator)
        assert outcome.error is None, (text, outcome.error)
        if outcome.changed:
            at = datetime(2026, 11, 1, tzinfo=UTC) + timedelta(minutes=len(records) + i)
            records.append(AnswerRecord("r1", outcome.question or "", author, text, outcome.value, at))
    return records


@pytest.fixture
def finished() -> tuple[Review, list[AnswerRecord]]:
    review = Review(title="Q3", facilitator=ME, raters=[ME], id="r1")
    history = run(review, FULL)
    assert review.state is Stage.DONE
    return review, history


def test_the_ledger_says_who_excluded_what_when_and_why(finished: tuple[Review, list[AnswerRecord]]) -> None:
    review, history = finished
    ledger = {e.process: e for e in build_ledger(build_report(review), history)}
    brand = ledger["Brand strategy"]
    assert (brand.fate, brand.step, brand.reasons, brand.by) == (
        "excluded",
        3,
        ("competitive_advantage",),
        (ME,),
    )
    assert brand.comments == ("it is our voice",)
    assert brand.at is not None
    assert ledger["Key account calls"].step == 4 and ledger["Website relaunch"].step == 5
    merged = ledger["Writing blog posts"]
    assert (merged.fate, merged.step, merged.comments) == ("merged", 1, ("same work",))


def test_reconsider_brings_a_process_back_at_its_step(finished: tuple[Review, list[AnswerRecord]]) -> None:
    review, history = finished
    before = build_report(review)
    reopen(review)
    outcome = apply_reply(review, BOB, "reconsider Brand strategy")
    assert outcome.error == "Only the facilitator can use `reconsider`."
    history += run(review, ["reconsider brand STRATEGY"])
    prompt = current_prompt(review)
    assert review.state is Stage.KEEP_INHOUSE
    assert prompt is not None and prompt.key == "keep_inhouse:competitive_advantage@Brand strategy"
    history += run(review, ["no"] * 12 + ["skip", "2 2 2 2 2 2", "done"])
    assert review.state is Stage.DONE
    after = build_report(review)
    assert [t.process for t in after.shortlist] == ["Blog writing", "SEO audits", "Brand strategy"]
    assert "Brand strategy" not in {e.process for e in after.excluded}
    (change,) = reconsiderations(after, history)
    assert (change.process, change.by, change.was_step, change.was_reasons) == (
        "Brand strategy",
        ME,
        3,
        ("competitive_advantage",),
    )
    assert change.now == "ranked"
    lines = compare(before, after)
    assert any(line.startswith("Brand strategy is new on the shortlist at rank 3") for line in lines)


def test_reconsider_a_merge_asks_whether_it_is_a_candidate(
    finished: tuple[Review, list[AnswerRecord]],
) -> None:
    review, _ = finished
    reopen(review)
    run(review, ["reconsider Writing blog posts"])
    prompt = current_prompt(review)
    assert review.state is Stage.CANDIDATES
    assert prompt is not None and prompt.key == "candidates@Writing blog posts"
    run(review, ["no"])
    assert "Writing blog posts" in {e.process for e in build_report_when_ready(review).excluded}


def build_report_when_ready(review: Review):  # type: ignore[no-untyped-def]
    return build_report(review)


def test_change_reopens_one_answer_and_keeps_the_rest(finished: tuple[Review, list[AnswerRecord]]) -> None:
    review, _ = finished
    reopen(review)
    numbered = answered_questions(review)
    number = next(n for n, key, _ in numbered if key == "not_short_term:in_progress")
    run(review, [f"change {number}"])
    prompt = current_prompt(review)
    assert prompt is not None and prompt.key == "not_short_term:in_progress"
    assert review.state is Stage.NOT_SHORT_TERM
    run(review, ["none"])  # Website relaunch is no longer "in progress": it needs rating now
    prompt = current_prompt(review)
    assert prompt is not None and prompt.key == "prioritise.service_level:Website relaunch"
    run(review, ["skip", "3 3 3 3 3 3", "done"])
    assert review.state is Stage.DONE
    assert "Website relaunch" in [t.process for t in build_report(review).shortlist]


def test_reconsider_refuses_what_is_not_excluded(finished: tuple[Review, list[AnswerRecord]]) -> None:
    review, _ = finished
    reopen(review)
    assert "not excluded" in (
        apply_reply(review, ME, "reconsider SEO audits", is_facilitator=True).error or ""
    )
    assert "don't know" in (apply_reply(review, ME, "reconsider Podcasts", is_facilitator=True).error or "")
    assert "number" in (apply_reply(review, ME, "change 999", is_facilitator=True).error or "")


def test_a_reopened_review_waits_for_done(finished: tuple[Review, list[AnswerRecord]]) -> None:
    review, _ = finished
    reopen(review)
    assert review.state is Stage.REPORT
    assert "reopened" in (apply_reply(review, ME, "hello").error or "")
    run(review, ["done"])
    assert review.state is Stage.DONE


def test_weights_can_change_at_any_time_by_the_facilitator(
    finished: tuple[Review, list[AnswerRecord]],
) -> None:
    review, _ = finished
    reopen(review)
    assert apply_reply(review, BOB, "weights risk 3").error == "Only the facilitator can use `weights`."
    run(review, ["weights rank benefits risk", "done"])
    report = build_report(review)
    assert report.weights_source == "ranked factors (rank-order centroid)"
    assert report.weights["benefits"] > report.weights["risk"] > report.weights["consequences"]


def test_a_new_version_keeps_every_answer_and_links_back(finished: tuple[Review, list[AnswerRecord]]) -> None:
    review, _ = finished
    second = next_version(review, BOB)
    assert (second.title, second.state, second.facilitator) == ("Q3 (v2)", Stage.REPORT, BOB)
    assert version_of(second) == 2 and previous_version_id(second) == "r1"
    assert build_report(second).shortlist == build_report(review).shortlist
    assert next_version(second, BOB).title == "Q3 (v3)"
    run(second, ["weights risk 4", "done"], author=BOB)
    lines = compare(build_report(review), build_report(second))
    assert "Weights changed: risk 1 → 4." in lines


def test_compare_says_nothing_changed() -> None:
    review = Review(title="Q", facilitator=ME, raters=[ME])
    run(review, FULL)
    report = build_report(review)
    assert compare(report, report) == ["Nothing changed in the shortlist, the exclusions or the weights."]


def test_merge_by_name_and_undo_it_by_reconsidering() -> None:
    review = Review(title="Q", facilitator=ME, raters=[ME])
    run(review, ["skip", "Newsletter\nEmail campaigns\nSEO audits", "done"])
    assert review.state is Stage.CANDIDATES  # no look-alikes: nothing suggested
    outcome = apply_reply(review, ME, "merge Email campaigns into newsletter", is_facilitator=True)
    assert outcome.error is None and outcome.message is not None
    assert outcome.message.startswith(
        "Merged “Email campaigns” into “Newsletter”. The options are numbered anew"
    )
    prompt = current_prompt(review)
    assert prompt is not None and [o.value for o in prompt.options] == ["Newsletter", "SEO audits"]
    assert "not on the list" in (apply_reply(review, ME, "merge Podcasts into SEO audits").error or "")
    assert "merge each process once" in (
        apply_reply(review, ME, "merge Email campaigns into SEO audits").error or ""
    )
    run(review, ["reconsider Email campaigns"])
    prompt = current_prompt(review)
    assert prompt is not None and [o.value for o in prompt.options] == [
        "Newsletter",
        "Email campaigns",
        "SEO audits",
    ]


def test_weights_can_turn_a_direction_around() -> None:
    review = Review(title="Q", facilitator=ME, raters=[ME])
    run(
        review,
        [*FULL[:17], "importance + risk 2", "skip", "1 3 1 3 4 1", "skip", "2 4 2 2 5 2", "done", "done"],
    )
    report = build_report(review)
    assert report.directions["importance"] == "+" and report.weights["risk"] == 2
    seo = next(t for t in report.shortlist if t.process == "SEO audits")
    assert round(seo.score, 1) == 71.4  # the contract's example with its `directions` line applied
