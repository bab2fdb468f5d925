"""The one shared state machine: the interview's transitions, built once at import and fired on plain
`Review` objects rehydrated per request (`MACHINE`, model=None)."""

from __future__ import annotations

import itertools
from typing import Any

from transitions import EventData, Machine

from flows.interview.plans import PLANS, open_question
from flows.interview.sifting import InPlay
from flows.method import ACTIVE_STAGES, INTERVIEW_PATH, Stage
from flows.model import Review, utcnow
from flows.prompts import ReplyError


def _stage_complete(event: EventData) -> bool:
    review: Review = event.model  # type: ignore[assignment]
    known = next(iter(event.args), None)  # fire() passes it on
    return open_question(review, known) is None


def transitions_table() -> list[dict[str, Any]]:
    """The interview's transitions, as `transitions` takes them (also drawn in docs/interview-flow.md)."""
    transitions: list[dict[str, Any]] = []
    for here, following in itertools.pairwise(INTERVIEW_PATH):
        transitions.append(
            {"trigger": "advance", "source": here, "dest": following, "conditions": _stage_complete}
        )
        transitions.append({"trigger": "retreat", "source": following, "dest": here})
    transitions += [
        {"trigger": "finish", "source": Stage.REPORT, "dest": Stage.DONE, "conditions": _stage_complete},
        {"trigger": "cancel", "source": sorted(ACTIVE_STAGES), "dest": Stage.CANCELLED},
        {"trigger": "reopen", "source": [Stage.DONE, Stage.CANCELLED], "dest": Stage.REPORT},
    ]
    return transitions


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


def fire(review: Review, trigger: str, known: InPlay | None = None) -> bool:
    """Fire a trigger on a rehydrated review; False when a condition held it back."""
    return bool(MACHINE.events[trigger].trigger(review, known))


def settle(review: Review, finish: bool = False, known: InPlay | None = None) -> list[Stage]:
    """Move forward over every complete stage; the stages entered, in order.

    Arriving at the report finishes the review; a reopened review already at the report waits for `done`
    (`finish=True`).
    """
    known = known or InPlay()
    entered: list[Stage] = []
    while review.state in ACTIVE_STAGES and open_question(review, known) is None:
        if review.state is Stage.REPORT and not (finish or entered):
            break
        if not fire(review, "finish" if review.state is Stage.REPORT else "advance", known):
            break
        entered.append(review.state)
    return entered


def rewind(review: Review, known: InPlay | None = None) -> None:
    """Move back to the earliest stage with an open question (after a change to an earlier answer)."""
    if review.state in (Stage.DONE, Stage.CANCELLED):
        return
    known = known or InPlay()
    path = list(INTERVIEW_PATH)
    here = path.index(review.state)
    for stage in path[:here]:
        if any(key not in review.answers for key, _ in PLANS[stage](review, known)):
            while review.state is not stage and fire(review, "retreat"):
                pass
            return


def cancel(review: Review) -> None:
    if not review.is_open or not fire(review, "cancel"):
        raise ReplyError("This review is not open.")
    review.updated_at = utcnow()


def reopen(review: Review) -> None:
    if review.state not in (Stage.DONE, Stage.CANCELLED):
        raise ReplyError("Only a finished or cancelled review can be reopened.")
    fire(review, "reopen")
    rewind(review)  # a review cancelled half-way resumes at its first open question
    review.updated_at = utcnow()
