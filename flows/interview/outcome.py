"""What one reply did, and the step every reply ends with: move over complete stages, show what is next."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flows.interview.machine import move
from flows.interview.plans import current_prompt
from flows.interview.sifting import InPlay
from flows.method import Stage
from flows.model import AnswerRecord, Review, utcnow
from flows.prompts import Prompt

MAX_RECORDED_TEXT = 4000


@dataclass
class Outcome:
    """What one reply did. `changed` says whether the review must be saved."""

    prompt: Prompt | None
    changed: bool = False
    message: str | None = None
    error: str | None = None
    question: str | None = None  # the key of the question the reply went to
    value: Any = None
    stages_passed: list[Stage] = field(default_factory=list)
    stale: bool = False  # the reply was aimed at a question that has been answered since
    withheld: bool = False  # a rating written where everyone reads it: not recorded (see `apply_reply`)

    def record(self, review: Review, author: str, text: str) -> AnswerRecord:
        """The answer record of a reply that changed `review`; stamps `posted_at` when it opens a question.

        The one place a recorded reply becomes a record, whether saved one by one (the review service) or
        all at once (`flows.replay`)."""
        opened = self.prompt
        if review.is_open and opened is not None and opened.key != self.question:
            review.posted_at = utcnow()  # the question this opens cannot have been seen before now
        return AnswerRecord(
            review.id or "", self.question or "", author, text[:MAX_RECORDED_TEXT], jsonable(self.value)
        )


def conclude(review: Review, outcome: Outcome, question: str, known: InPlay, finish: bool = False) -> Outcome:
    """Settle a changed review (move over the stages now complete) and show the question now open."""
    if outcome.changed:
        outcome.stages_passed = move(review, "finish" if finish else "done", known)
        review.updated_at = utcnow()
    outcome.question = question
    outcome.prompt = current_prompt(review, known)
    return outcome


def jsonable(value: object) -> object:
    """`value` as JSON holds it (an answer record's value)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [v if type(v) is str else jsonable(v) for v in value]  # names: most lists are of them
    if hasattr(value, "as_dict"):
        return value.as_dict()
    return str(value)
