"""The one shared machine: its triggers and conditions, `move` as the one way to fire it, and (hypothesis) any
replies and commands leave a review at the stage where its open question is."""

from __future__ import annotations

import contextlib
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from flows.interview import (
    K_TITLE,
    MACHINE,
    PLANS,
    apply_reply,
    cancel,
    commit,
    current_prompt,
    listed_processes,
    move,
    reopen,
)
from flows.interview.machine import QUESTION_STAGES, TRIGGERS
from flows.keys import stage_of
from flows.method import KNOCKOUT_STAGES, Stage
from flows.model import Review
from flows.prompts import Kind, ReplyError
from tests.flows.test_properties import AUTHORS, valid_reply
from tests.support.reviews import CONTRACT_PLAN, FACILITATOR, Interview, run

ROOT = Path(__file__).resolve().parents[2]


def first_asking(review: Review) -> Stage | None:
    """The earliest stage with an open question, whatever stage the review is at."""
    for stage in QUESTION_STAGES:
        if any(key not in review.answers for key, _ in PLANS[stage](review)):
            return stage
    return None


def test_every_trigger_is_in_the_legend() -> None:
    assert set(TRIGGERS) == set(MACHINE.events)


def test_only_the_machine_module_fires_the_machine() -> None:
    """Everything else moves a review with `move(review, trigger)`."""
    for package in ("flows", "bot", "storage"):
        for path in (ROOT / package).rglob("*.py"):
            if path.name in ("machine.py", "__init__.py") and path.parent.name == "interview":
                continue
            text = path.read_text(encoding="utf-8")
            assert "MACHINE" not in text and ".trigger(" not in text, path


def test_crossing_out_the_last_candidate_knocks_out_to_the_report() -> None:
    iv = Interview("t")
    run(iv, CONTRACT_PLAN, until="keep_inhouse:competitive_advantage")
    while iv.review.state is Stage.KEEP_INHOUSE:
        outcome = iv.say("all")
    assert outcome.stages_passed == [Stage.REPORT, Stage.DONE]
    assert iv.review.state is Stage.DONE


def test_a_step_with_nothing_in_play_knocks_out_as_it_is_passed() -> None:
    iv = Interview("t")
    run(iv, CONTRACT_PLAN, until="candidates")
    outcome = iv.say("none")
    assert outcome.stages_passed == [Stage.KEEP_INHOUSE, Stage.REPORT, Stage.DONE]


def test_revise_goes_back_to_the_earliest_stage_that_asks_again() -> None:
    iv = Interview()
    run(iv, CONTRACT_PLAN, until="keep_inhouse:competitive_advantage")
    assert move(iv.review, "revise") == []  # nothing earlier asks
    iv.say(f"change {iv.review.answered.index(K_TITLE) + 1}")
    assert iv.review.state is Stage.INTAKE and iv.key == K_TITLE


def test_a_trigger_without_a_transition_from_the_stage_moves_nothing() -> None:
    review = Review(title="", facilitator=FACILITATOR)
    assert move(review, "back", reopened=K_TITLE) == []
    assert move(review, "reopen") == []
    assert move(review, "finish") == []
    assert review.state is Stage.INTAKE


def test_the_knock_out_steps_are_the_only_ones_that_knock_out() -> None:
    sources = {source for source, found in MACHINE.events["knock_out"].transitions.items() if found}
    assert sources == {stage.name for stage in KNOCKOUT_STAGES}


# ---------------------------------------------------------------- any replies and commands

ACTIONS = ("valid",) * 20 + ("back", "back", "skip", "done", "change", "reconsider", "merge", "weights")


def check_stage(review: Review) -> None:
    """The review's stage agrees with where its open question is."""
    asking = first_asking(review)
    if review.state in QUESTION_STAGES:
        prompt = current_prompt(review)
        assert asking is review.state and prompt is not None and prompt.stage is review.state
    elif review.state in (Stage.REPORT, Stage.DONE):
        assert asking is None and current_prompt(review) is None


def back_then_done(review: Review) -> None:
    """`back`, then the answer taken back given again: the review is where it was."""
    here, before, title = review.state, dict(review.answers), review.title
    outcome = apply_reply(review, FACILITATOR, "back", is_facilitator=True)
    check_stage(review)
    if not isinstance(outcome.value, dict) or "back" not in outcome.value:
        assert review.state is here
        return
    key = outcome.value["back"]
    # straight to the stage the answer taken back belongs to, not over any other on the way
    assert review.state is stage_of(key) and outcome.stages_passed == []
    commit(review, key, before[key])
    review.title = title
    move(review, "done")
    assert review.state is here and review.answers == before
    check_stage(review)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), raters=st.sampled_from([[], ["alice"], ["alice", "bob"]]))
def test_any_replies_and_commands_leave_the_review_where_its_open_question_is(
    data: st.DataObject, raters: list[str]
) -> None:
    review = Review(title="", facilitator=FACILITATOR, raters=raters)
    for _ in range(data.draw(st.integers(1, 100), label="length")):
        prompt = current_prompt(review)
        action = data.draw(st.sampled_from((*ACTIONS, "lifecycle", "back then done")), label="action")
        author = data.draw(st.sampled_from(AUTHORS), label="author")
        names = st.sampled_from(listed_processes(review) or ["Blog writing"])
        if action == "lifecycle":
            with contextlib.suppress(ReplyError):
                (cancel if data.draw(st.booleans(), label="cancel") else reopen)(review)
            check_stage(review)
            continue
        if action == "back then done":
            if review.is_open:
                back_then_done(review)
            continue
        if (
            action == "valid"
            and prompt is not None
            and prompt.kind is Kind.PICK
            and data.draw(st.integers(0, 5))
        ):
            text = "all" if prompt.key == "candidates" else "none"  # keep processes in play, mostly
        elif action == "valid" and prompt is not None:
            text = data.draw(valid_reply(prompt), label="valid")
        elif action == "change":
            text = f"change {data.draw(st.integers(1, max(1, len(review.answered))), label='number')}"
        elif action == "reconsider":
            text = f"reconsider {data.draw(names, label='name')}"
        elif action == "merge":
            text = f"merge {data.draw(names, label='name')} into {data.draw(names, label='into')}"
        elif action == "weights":
            text = "weights risk 2"
        else:
            text = "done" if action == "valid" else action
        apply_reply(review, author, text, is_facilitator=author == FACILITATOR)
        check_stage(review)
        event(f"reached {review.state}")
