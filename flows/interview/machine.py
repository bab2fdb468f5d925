"""The one shared state machine: the interview's stages and what moves a review between them, built once at
import and fired on plain `Review` objects rehydrated per request (`MACHINE`, model=None).

Its triggers are what a person does: `done` (the open stage has nothing left to ask), `back` (an answer is
taken back), `revise` (an earlier answer changed: `change N`, `merge`, `reconsider`, `weights`), `finish`,
`cancel` and `reopen`; and `knock_out`, when a knock-out step leaves no candidate. Where a trigger can lead to
several stages, its transitions are tried earliest stage first and the first whose conditions hold is taken,
so the conditions pick the destination. `move` is the one way to fire them.
"""

from __future__ import annotations

import itertools
from typing import Any

from transitions import EventData, Machine

from flows.interview.plans import PLANS, open_question
from flows.interview.sifting import InPlay
from flows.keys import stage_of
from flows.method import ACTIVE_STAGES, INTERVIEW_PATH, KNOCKOUT_STAGES, Stage
from flows.model import Review, utcnow
from flows.prompts import ReplyError

QUESTION_STAGES = INTERVIEW_PATH[:-1]  # the stages that ask; the report only waits (a reopened review)
# What fires each trigger (the legend of docs/interview-flow.md).
TRIGGERS: dict[str, str] = {
    "done": "a reply left the open stage with nothing to ask: on to the next stage, and over every stage "
    "after it with nothing to ask (answered already, or nothing in play)",
    "knock_out": "a knock-out step (3 to 5) is left with no candidate in play (its answers crossed out the "
    "last one, or none came to it): straight to the report",
    "finish": "the report is reached, or the facilitator says `done` to a reopened review waiting there",
    "back": "`back` took the last answer back: to the stage that answer belongs to",
    "revise": "`change N`, `merge`, `reconsider` or `weights` changed an earlier answer: to the earliest stage "
    "with an open question again, if any",
    "cancel": "the facilitator (or an admin) cancels the review",
    "reopen": "the facilitator reopens a finished or cancelled review: to the report, then `revise`",
}


# ---------------------------------------------------------------- conditions (pure predicates)


def nothing_left_to_ask(event: EventData) -> bool:
    """The review's stage has no open question."""
    return open_question(_review(event), _known(event)) is None


def no_candidates_left(event: EventData) -> bool:
    """Nothing is in play when the next step starts (this knock-out step crossed out the last candidate, or
    none came to it), so no later step has anything to ask about."""
    review = _review(event)
    following = INTERVIEW_PATH[INTERVIEW_PATH.index(review.state) + 1]
    return not _known(event).at(review, following)


def asks_again(event: EventData) -> bool:
    """The destination, an earlier stage, has an open question again (after an edit, or a reopen)."""
    review, stage = _review(event), _destination(event)
    return any(key not in review.answers for key, _ in PLANS[stage](review, _known(event)))


def reopened_there(event: EventData) -> bool:
    """The answer `back` took back was given at the destination stage."""
    reopened = event.kwargs.get("reopened")
    return reopened is not None and stage_of(reopened) is _destination(event)


def _review(event: EventData) -> Review:
    return event.model  # type: ignore[return-value]


def _known(event: EventData) -> InPlay:
    known = event.kwargs.get("known")
    return known if isinstance(known, InPlay) else InPlay()


def _destination(event: EventData) -> Stage:
    assert event.transition is not None and event.transition.dest is not None
    return Stage[event.transition.dest]


# ---------------------------------------------------------------- the table and the machine


def transitions_table() -> list[dict[str, Any]]:
    """The interview's transitions, as `transitions` takes them (also drawn in docs/interview-flow.md).

    The order matters where one trigger leads from a stage to several: earliest destination first."""
    table: list[dict[str, Any]] = [
        {"trigger": "done", "source": here, "dest": following, "conditions": nothing_left_to_ask}
        for here, following in itertools.pairwise(QUESTION_STAGES)
    ]
    table += [
        {
            "trigger": "knock_out",
            "source": list(KNOCKOUT_STAGES),
            "dest": Stage.REPORT,
            "conditions": [nothing_left_to_ask, no_candidates_left],
        },
        {"trigger": "done", "source": Stage.METRICS, "dest": Stage.REPORT, "conditions": nothing_left_to_ask},
        {"trigger": "finish", "source": Stage.REPORT, "dest": Stage.DONE, "conditions": nothing_left_to_ask},
    ]
    for at, earlier in enumerate(QUESTION_STAGES):
        later = list(INTERVIEW_PATH[at + 1 :])
        # The report asks nothing, so no answer is taken back there (a reopened review uses `change N`).
        asked_later = [stage for stage in later if stage is not Stage.REPORT]
        table += [
            {"trigger": "back", "source": asked_later, "dest": earlier, "conditions": reopened_there},
            {"trigger": "revise", "source": later, "dest": earlier, "conditions": asks_again},
        ]
    table += [
        {"trigger": "cancel", "source": list(INTERVIEW_PATH), "dest": Stage.CANCELLED},
        {"trigger": "reopen", "source": [Stage.DONE, Stage.CANCELLED], "dest": Stage.REPORT},
    ]
    return table


def _build_machine() -> Machine:
    return Machine(
        model=None,
        states=Stage,
        transitions=transitions_table(),
        initial=Stage.INTAKE,
        auto_transitions=False,
        send_event=True,
    )


MACHINE = _build_machine()
CARRYING_ON = ("done", "finish")  # the triggers that carry a review on over the stages with nothing to ask


def move(
    review: Review, trigger: str, known: InPlay | None = None, *, reopened: str | None = None
) -> list[Stage]:
    """Fire `trigger` on a rehydrated review: the stages it entered, in order (none when no transition's
    conditions held). `back` takes `reopened`, the key of the answer it took back.

    `done` and `finish` carry on over every stage left with nothing to ask. Arriving at the report finishes
    the review; a reopened review already at the report waits for `finish` (the facilitator's `done`)."""
    known = known or InPlay()
    if trigger not in CARRYING_ON:
        return [review.state] if _fire(review, trigger, known, reopened) else []
    entered: list[Stage] = []
    while review.state in ACTIVE_STAGES and _step_on(review, trigger == "finish" or bool(entered), known):
        entered.append(review.state)
    return entered


def _step_on(review: Review, finishing: bool, known: InPlay) -> bool:
    """One step on from the review's stage, when it has nothing left to ask: a knock-out step that left no
    candidate leads to the report, any other stage to the next; the report, when `finishing`, to the end."""
    if review.state is Stage.REPORT:
        return finishing and _fire(review, "finish", known)
    if review.state in KNOCKOUT_STAGES and _fire(review, "knock_out", known):
        return True
    return _fire(review, "done", known)


def _fire(review: Review, trigger: str, known: InPlay, reopened: str | None = None) -> bool:
    event = MACHINE.events[trigger]
    if review.state.name not in event.transitions:
        return False
    return bool(event.trigger(review, known=known, reopened=reopened))


def cancel(review: Review) -> None:
    if not review.is_open or not move(review, "cancel"):
        raise ReplyError("This review is not open.")
    review.updated_at = utcnow()


def reopen(review: Review) -> None:
    """Back to the report; a review cancelled half-way resumes at its first open question."""
    if not move(review, "reopen"):
        raise ReplyError("Only a finished or cancelled review can be reopened.")
    move(review, "revise")
    review.updated_at = utcnow()
