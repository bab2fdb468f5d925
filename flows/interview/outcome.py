"""What one reply did, and the step every reply ends with: move over complete stages, show what is next."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flows.interview.machine import settle
from flows.interview.plans import current_prompt
from flows.interview.sifting import InPlay
from flows.method import Stage
from flows.model import Review, utcnow
from flows.prompts import Prompt


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


def conclude(review: Review, outcome: Outcome, question: str, known: InPlay, finish: bool = False) -> Outcome:
    """Settle a changed review (move over the stages now complete) and show the question now open."""
    if outcome.changed:
        outcome.stages_passed = settle(review, finish, known)
        review.updated_at = utcnow()
    outcome.question = question
    outcome.prompt = current_prompt(review, known)
    return outcome
