"""Where a review stands: the facts of its progress, as data (`wording.headline` puts them in words)."""

from __future__ import annotations

from dataclasses import dataclass

from flows.interview.sifting import accepted_merges, in_play, listed_processes, picked
from flows.interview.wording import headline
from flows.keys import CANDIDATES, RATE, key_for
from flows.method import INTERVIEW_PATH, STEPS, Stage
from flows.model import Review


@dataclass(frozen=True)
class Progress:
    """Where a review stands. `answered` changes from step to step; `rated` ("3 of 12 rated", in step 6)
    moves with every closed rating round, so the kickoff message leaves it to the questions ("task 3 of
    12") rather than being edited after every answer."""

    stage: Stage
    step: int | None
    title: str
    answered: tuple[str, ...]
    rated: str | None = None

    @property
    def facts(self) -> tuple[str, ...]:
        return (*self.answered, self.rated) if self.rated else self.answered

    @property
    def headline(self) -> str:
        return headline(self.stage, self.step, self.title)


def progress(review: Review, count_rated: bool = True) -> Progress:
    """The review's progress; without `count_rated`, `rated` stays None (and costs nothing)."""
    answers = review.answers
    facts: list[str] = []
    processes = listed_processes(review)
    if processes:
        facts.append(f"{len(processes)} process{'es' if len(processes) != 1 else ''} listed")
    merges = sum(len(m.sources) for m in accepted_merges(review))
    if merges:
        facts.append(f"{merges} merged")
    if CANDIDATES in answers:
        count = len(picked(answers[CANDIDATES]))
        facts.append(f"{count} candidate{'s' if count != 1 else ''}")
    order = list(INTERVIEW_PATH)
    rated: str | None = None
    if review.state in order and order.index(review.state) > order.index(Stage.NOT_SHORT_TERM):
        if count_rated:
            remaining = in_play(review, Stage.PRIORITISE)
            done = sum(1 for p in remaining if key_for(RATE, p) in answers)
            rated = f"{done} of {len(remaining)} rated"
    elif review.state in (Stage.DONE, Stage.CANCELLED, Stage.REPORT) and processes:
        facts.append(f"{len(in_play(review, Stage.PRIORITISE))} shortlisted")
    info = STEPS.get(review.state)
    return Progress(review.state, review.state.step_number, info.title if info else "", tuple(facts), rated)
