"""Question keys: `QuestionKey` reads every stored key and writes it back unchanged."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows.interview import K_CANDIDATES, K_RATE, QuestionKey, question_of, stage_of
from flows.keys import edition, follow_up, is_edition_of, key_for, knockout
from flows.method import CRITERIA, Stage
from tests.support.harness import finished_review

AWKWARD = [
    "intake.title",
    "simplify.processes",
    "simplify.merges",
    "candidates",
    "candidates@Blog: part 2",
    "candidates@a@b#c",
    "candidates#0123456789",
    "keep_inhouse:low_benefit",
    "keep_inhouse:low_benefit@Blog writing",
    "keep_inhouse:low_benefit@x:y@z#w",
    "keep_inhouse:low_benefit#0123456789",
    "prioritise.weights",
    "prioritise.rate:Blog writing",
    "prioritise.rate:A: b@c#d",
    "prioritise.rate:",
    "prioritise.service_level:SEO #1",
    "metrics:candidates@x",
    "simplify.merge:Newsletter emails",
    "checkin:Blog writing",
    "checkin.reminder",
    "",
]


@pytest.mark.parametrize("text", AWKWARD)
def test_every_key_reads_back_unchanged(text: str) -> None:
    assert str(QuestionKey.parse(text)) == text


def test_the_keys_of_a_whole_review_read_back_unchanged() -> None:
    review = finished_review(12, raters=2)
    assert len(review.answers) > 30
    for text in review.answers:
        assert str(QuestionKey.parse(text)) == text


def test_a_key_is_taken_apart_where_its_parts_are() -> None:
    assert QuestionKey.parse("prioritise.rate:A: b@c#d") == QuestionKey("prioritise.rate", "A: b@c#d")
    assert QuestionKey.parse("candidates@Blog: 2") == QuestionKey("candidates", process="Blog: 2")
    assert QuestionKey.parse("keep_inhouse:low_benefit@x#y") == QuestionKey(
        "keep_inhouse", "low_benefit", process="x#y"
    )
    assert QuestionKey.parse("keep_inhouse:low_benefit#9f") == QuestionKey(
        "keep_inhouse", "low_benefit", digest="9f"
    )
    assert QuestionKey.parse("intake.title") == QuestionKey("intake.title")


def test_pick_questions_and_their_editions() -> None:
    for criterion in CRITERIA:
        asked = knockout(criterion.stage, criterion.id)
        assert QuestionKey.parse(asked).is_pick
        assert question_of(edition(asked, "abc")) == asked
        assert is_edition_of(edition(asked, "abc"), asked)
        assert QuestionKey.parse(follow_up(asked, "Blog")).asked == QuestionKey.parse(asked)
    assert question_of("candidates#0123456789") == K_CANDIDATES
    assert question_of("prioritise.rate:SEO #1") == "prioritise.rate:SEO #1"  # a name, not an edition
    assert not is_edition_of("prioritise.rate:A#b", "prioritise.rate:A")
    assert key_for("prioritise.rate", "Blog") == K_RATE + "Blog"


def test_the_stage_of_a_key() -> None:
    assert stage_of("intake.title") is Stage.INTAKE
    assert stage_of("candidates@Blog") is Stage.CANDIDATES
    assert stage_of("keep_inhouse:low_benefit@Blog") is Stage.KEEP_INHOUSE
    assert stage_of("prioritise.rate:a.b") is Stage.PRIORITISE
    assert stage_of("metrics:x") is Stage.METRICS
    with pytest.raises(KeyError):
        stage_of("checkin:Blog")


@given(
    name=st.sampled_from(["intake.title", "candidates", "keep_inhouse", "prioritise.rate", "metrics"]),
    subject=st.none() | st.text(max_size=12),
    process=st.none() | st.text(max_size=12),
)
def test_key_for_writes_a_key_as_question_key_does(
    name: str, subject: str | None, process: str | None
) -> None:
    assert key_for(name, subject, process) == str(QuestionKey(name, subject, process))
