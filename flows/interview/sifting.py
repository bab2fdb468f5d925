"""What the answers add up to: the decision's input, and which processes are still in play at a stage."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flows.decision import decide, ranking, sift
from flows.interview.walk import Walk
from flows.keys import (
    CANDIDATES,
    EXPLICIT_MERGES,
    MERGE,
    METRICS,
    ORGANISATION,
    PROCESSES,
    RATE,
    SERVICE_LEVEL,
    WEIGHTS,
    QuestionKey,
    key_for,
    knockout,
)
from flows.method import INTERVIEW_PATH, KNOCKOUT_STAGES, Stage, criteria_for
from flows.model import Merge, Metric, Review, ReviewInput
from flows.prompts import Option
from flows.report import MergeSuggestion, Report
from flows.similarity import name_key, suggest_merges

ORDER = {stage: i for i, stage in enumerate(INTERVIEW_PATH)}
T = TypeVar("T")


def listed_processes(review: Review) -> list[str]:
    return list(review.answers.get(PROCESSES) or [])


def explicit_merges(review: Review) -> list[tuple[str, str]]:
    """(source, into) pairs the team merged by name (`merge A into B`)."""
    return [(str(a), str(b)) for a, b in review.answers.get(EXPLICIT_MERGES) or []]


def merge_suggestions(review: Review) -> list[MergeSuggestion]:
    listed, explicit = listed_processes(review), explicit_merges(review)
    merged = {name_key(source) for source, _ in explicit}
    return suggest_merges(listed, leaving_out=[p for p in listed if name_key(p) in merged] if merged else ())


def accepted_merges(review: Review) -> list[Merge]:
    by_target: dict[str, list[str]] = {}
    for source, into in explicit_merges(review):
        by_target.setdefault(into, []).append(source)
    for s in merge_suggestions(review):
        if review.answers.get(key_for(MERGE, s.source)) is True:
            by_target.setdefault(s.into, []).append(s.source)
    return [Merge(into, tuple(sources)) for into, sources in by_target.items()]


def picked(value: Any) -> list[str]:
    """The processes a pick answer chose ({"picked": [...], "asked": [...]}, or a plain list)."""
    if isinstance(value, dict):
        return list(value.get("picked") or [])
    return list(value or [])


def asked_about(value: Any) -> set[str] | None:
    """The processes a pick answer asked about; None for a plain list, which asked about everything."""
    return set(value.get("asked") or ()) if isinstance(value, dict) else None


def pick_answer(chosen: list[str], options: tuple[Option, ...]) -> dict[str, list[str]]:
    return {"picked": list(chosen), "asked": [o.value for o in options]}


def _follow_up_answers(answers: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The yes/no follow-ups given, by the key of the pick answer they follow up, then by process."""
    found: dict[str, dict[str, Any]] = {}
    for name, value in answers.items():
        parsed = QuestionKey.follow_up_of(name) if value is not None else None
        if parsed is not None:
            found.setdefault(str(parsed.asked), {})[parsed.process or ""] = value
    return found


def _holders(
    answers: dict[str, Any], key: str, names: set[str], follow_ups: dict[str, dict[str, Any]]
) -> tuple[set[str], set[str]]:
    """For the pick answer at `key`: (the listed `names` it holds for, those the team said it does not).

    A process the question did not ask about (it came into play later) counts by its own yes/no follow-up
    (in `follow_ups`), and by neither set while that is unanswered. Worked out with sets:
    asked process by process, 300 processes and 12 criteria made every reply compare names a million times."""
    value = answers.get(key)
    about = asked_about(value) if value is not None else set()
    asked = names if about is None else names & about
    holds = asked.intersection(picked(value))
    not_holds = asked - holds
    for process, said in follow_ups.get(key, {}).items():
        if process in names and process not in asked:
            (holds if said else not_holds).add(process)
    return holds, not_holds


def _held(
    answers: dict[str, Any], key: str, names: set[str], follow_ups: dict[str, dict[str, Any]]
) -> set[str]:
    """`_holders`' first set. Most knock-out answers pick nothing and have no follow-ups: they hold for no
    one, whatever they asked about, and the 300 names they asked about need not be looked at."""
    value = answers.get(key)
    if isinstance(value, dict) and not value.get("picked") and key not in follow_ups:
        return set()
    return _holders(answers, key, names, follow_ups)[0]


def review_input(review: Review, upto: Stage | None = None) -> ReviewInput:
    """The answers as the decision reads them; with `upto`, only what was decided before that stage."""
    order = list(INTERVIEW_PATH)
    limit = order.index(upto) if upto is not None else len(order)

    def known(stage: Stage) -> bool:
        return order.index(stage) < limit

    answers = review.answers
    listed = listed_processes(review)
    names = set(listed)
    follow_ups = _follow_up_answers(answers)
    knockouts: dict[Stage, dict[str, list[str]]] = {}
    for stage in KNOCKOUT_STAGES:
        if not known(stage):
            continue
        holders = [
            (criterion.id, _held(answers, knockout(stage, criterion.id), names, follow_ups))
            for criterion in criteria_for(stage)
        ]
        knocked_out = set().union(*(held for _, held in holders))
        knockouts[stage] = {
            process: [criterion for criterion, held in holders if process in held]
            for process in (listed if knocked_out else ())
            if process in knocked_out
        }
    weights_answer = answers.get(WEIGHTS) or {}
    candidates = None
    if known(Stage.CANDIDATES) and CANDIDATES in answers:
        _, not_candidates = _holders(answers, CANDIDATES, names, follow_ups)
        candidates = [p for p in listed if p not in not_candidates]
    data = ReviewInput(
        processes=list(listed),
        title=review.title,
        organisation=answers.get(ORGANISATION),
        merges=accepted_merges(review) if known(Stage.SIMPLIFY) else [],
        candidates=candidates,
        knockouts=knockouts,
        weights=dict(weights_answer.get("weights") or {}),
        directions=dict(weights_answer.get("directions") or {}),
        weights_source=weights_answer.get("source") or "default",
    )
    if known(Stage.PRIORITISE):
        _, _, ranked = sift(data)
        rated = {p: key_for(RATE, p) for p in ranked}
        data.ratings = {p: answers[k] for p, k in rated.items() if k in answers}
        levels = {p: key_for(SERVICE_LEVEL, p) for p in ranked}
        data.service_levels = {p: answers[k] for p, k in levels.items() if answers.get(k)}
    if not known(Stage.METRICS):
        return data
    data.metrics = {}
    for name, value in answers.items():
        process = QuestionKey.subject_of(name, METRICS) if value else None
        if process is not None:
            data.metrics[process] = [Metric(**m) for m in value]
    return data


@dataclass
class InPlay:
    """Which processes are in play when each stage starts, for one review, worked out once per stage; and how
    far each stage's questions were walked to find the open one.

    One reply asks this up to eight times (300 processes: 2 ms each time), so `apply_reply` makes one and
    passes it down; an answers file's replay keeps one from reply to reply. It holds for the answers it was
    made from; `committed` carries it over an answer that cannot change it, and any other change of the
    answers (a reconsider, an undo) starts it afresh."""

    answers: dict[str, Any] | None = None
    found: dict[Stage, list[str]] = field(default_factory=dict)
    ranked: list[str] | None = None  # the shortlist in rank order, as the metrics step starts
    walks: dict[Stage, Walk[Any]] = field(default_factory=dict)

    def at(self, review: Review, stage: Stage) -> list[str]:
        self._hold(review)
        if stage not in self.found:
            self.found[stage] = sift(review_input(review, upto=stage))[2]
        return list(self.found[stage])

    def shortlist(self, review: Review) -> list[str]:
        """The ranked processes the metrics step asks about, best first (from the answers before it)."""
        self._hold(review)
        if self.ranked is None:
            self.ranked = ranking(review_input(review, upto=Stage.METRICS))
        return list(self.ranked)

    def walk(
        self, review: Review, stage: Stage, plan: Callable[[], Iterator[tuple[str, T]]], *, steady: bool
    ) -> Walk[T]:
        """The walk of `stage`'s questions (`plan()`, started when there is none for these answers yet)."""
        self._hold(review)
        walk = self.walks.get(stage)
        if walk is None or walk.review is not review:
            walk = self.walks[stage] = Walk(review, plan(), steady=steady)
        return walk

    def _hold(self, review: Review) -> None:
        if review.answers is not self.answers:
            self.answers, self.found, self.ranked, self.walks = review.answers, {}, None, {}

    def committed(self, before: dict[str, Any], after: dict[str, Any], changed: Stage | None) -> None:
        """`after` is `before` with one answer of the stage `changed` set: what is in play when a stage up
        to `changed` starts is worked out from earlier stages' answers alone, so it still holds; so do the
        walks of the stages before `changed`, and `changed`'s own when its questions are steady."""
        if self.answers is not before:
            return
        self.answers = after
        limit = ORDER.get(changed, -1) if changed is not None else -1
        self.found = {
            stage: found for stage, found in self.found.items() if ORDER.get(stage, len(ORDER)) <= limit
        }
        if ORDER[Stage.METRICS] > limit:
            self.ranked = None
        self.walks = {
            stage: walk
            for stage, walk in self.walks.items()
            if ORDER.get(stage, len(ORDER)) < limit or (ORDER.get(stage) == limit and walk.steady)
        }


def in_play(review: Review, stage: Stage, known: InPlay | None = None) -> list[str]:
    """Processes still in the running when `stage` starts (from `known`, when given)."""
    return (known or InPlay()).at(review, stage)


def build_report(review: Review) -> Report:
    """The report of a review whose ratings are complete (from step 7 on)."""
    return decide(review_input(review))
