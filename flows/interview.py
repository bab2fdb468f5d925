"""The interview: which question comes next, what a reply does, and the one shared state machine.

A review's state is one of `Stage`; the questions inside a stage are derived from the answers so far, so
`back`, revisions and restarts need nothing but the saved `Review`. The machine is built once at import
(`MACHINE`, model=None) and fired on plain Review objects rehydrated per request.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any

from transitions import EventData, Machine

from flows.decision import decide, sift
from flows.method import (
    ACTIVE_STAGES,
    FACTORS,
    INTERVIEW_PATH,
    KNOCKOUT_STAGES,
    STEPS,
    Criterion,
    Stage,
    criteria_for,
)
from flows.model import Merge, Metric, Review, ReviewInput, utcnow
from flows.prompts import Kind, Option, Prompt, ReplyError, parse_reply
from flows.reference import ORGANISATIONS, peer_figures, suggest_metrics
from flows.report import MergeSuggestion, Report
from flows.similarity import dedupe, suggest_merges

K_TITLE = "intake.title"
K_ORGANISATION = "intake.organisation"
K_PROCESSES = "simplify.processes"
K_MERGE = "simplify.merge:"
K_CANDIDATES = "candidates"
K_WEIGHTS = "prioritise.weights"
K_SERVICE_LEVEL = "prioritise.service_level:"
K_RATE = "prioritise.rate:"
K_METRICS = "metrics:"
MAX_PROCESSES = 1000

_KEY_STAGES = {
    "intake": Stage.INTAKE,
    "simplify": Stage.SIMPLIFY,
    "candidates": Stage.CANDIDATES,
    "prioritise": Stage.PRIORITISE,
    "metrics": Stage.METRICS,
    **{s.value: s for s in KNOCKOUT_STAGES},
}
# Drafts of these kinds are collected over several replies and given back on `back`.
_COLLECTED = (Kind.LIST, Kind.METRICS, Kind.RATINGS)


def stage_of(key: str) -> Stage:
    head = key.split(":", 1)[0].split(".", 1)[0]
    return _KEY_STAGES[head]


# ---------------------------------------------------------------- the state machine


def _stage_complete(event: EventData) -> bool:
    review: Review = event.model  # type: ignore[assignment]
    return current_prompt(review) is None


def _build_machine() -> Machine:
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
    return Machine(
        model=None,
        states=Stage,
        transitions=transitions,
        initial=Stage.INTAKE,
        auto_transitions=False,
        send_event=True,
    )


MACHINE = _build_machine()


def fire(review: Review, trigger: str) -> bool:
    """Fire a trigger on a rehydrated review; False when a condition held it back."""
    return bool(MACHINE.events[trigger].trigger(review))


# ---------------------------------------------------------------- what the answers add up to


def listed_processes(review: Review) -> list[str]:
    return list(review.answers.get(K_PROCESSES) or [])


def merge_suggestions(review: Review) -> list[MergeSuggestion]:
    return suggest_merges(listed_processes(review))


def accepted_merges(review: Review) -> list[Merge]:
    by_target: dict[str, list[str]] = {}
    for s in merge_suggestions(review):
        if review.answers.get(K_MERGE + s.source) is True:
            by_target.setdefault(s.into, []).append(s.source)
    return [Merge(into, tuple(sources)) for into, sources in by_target.items()]


def review_input(review: Review, upto: Stage | None = None) -> ReviewInput:
    """The answers as the decision reads them; with `upto`, only what was decided before that stage."""
    order = list(INTERVIEW_PATH)
    limit = order.index(upto) if upto is not None else len(order)

    def known(stage: Stage) -> bool:
        return order.index(stage) < limit

    answers = review.answers
    knockouts: dict[Stage, dict[str, list[str]]] = {}
    for stage in KNOCKOUT_STAGES:
        if not known(stage):
            continue
        held: dict[str, list[str]] = {}
        for criterion in criteria_for(stage):
            for process in answers.get(f"{stage.value}:{criterion.id}") or []:
                held.setdefault(process, []).append(criterion.id)
        knockouts[stage] = held
    weights_answer = answers.get(K_WEIGHTS) or {}
    data = ReviewInput(
        processes=listed_processes(review),
        title=review.title,
        organisation=answers.get(K_ORGANISATION),
        merges=accepted_merges(review) if known(Stage.SIMPLIFY) else [],
        candidates=answers.get(K_CANDIDATES) if known(Stage.CANDIDATES) else None,
        knockouts=knockouts,
        weights=dict(weights_answer.get("weights") or {}),
        weights_source=weights_answer.get("source") or "default",
    )
    if known(Stage.PRIORITISE):
        _, _, ranked = sift(data)
        data.ratings = {p: answers[K_RATE + p] for p in ranked if K_RATE + p in answers}
        data.service_levels = {
            p: answers[K_SERVICE_LEVEL + p] for p in ranked if answers.get(K_SERVICE_LEVEL + p)
        }
    if not known(Stage.METRICS):
        return data
    data.metrics = {
        key[len(K_METRICS) :]: [Metric(**m) for m in value]
        for key, value in answers.items()
        if key.startswith(K_METRICS) and value
    }
    return data


def in_play(review: Review, stage: Stage) -> list[str]:
    """Processes still in the running when `stage` starts."""
    _, _, remaining = sift(review_input(review, upto=stage))
    return remaining


def build_report(review: Review) -> Report:
    """The report of a review whose ratings are complete (from step 7 on)."""
    return decide(review_input(review))


# ---------------------------------------------------------------- the questions


QuestionPlan = Iterator[tuple[str, Callable[[], Prompt]]]


def _intake(review: Review) -> QuestionPlan:
    if not review.title:
        yield K_TITLE, lambda: Prompt(K_TITLE, Kind.TEXT, Stage.INTAKE, "What should we call this review?")
    options = tuple(Option(key, label) for key, label in ORGANISATIONS.items())
    yield (
        K_ORGANISATION,
        lambda: Prompt(
            K_ORGANISATION,
            Kind.PICK_ONE,
            Stage.INTAKE,
            "What kind of organisation is this review for? It picks the survey figures shown in step 2.",
            options=options,
            optional=True,
        ),
    )


def _simplify(review: Review) -> QuestionPlan:
    def processes_prompt() -> Prompt:
        draft = review.drafts.get(K_PROCESSES) or []
        return Prompt(
            K_PROCESSES,
            Kind.LIST,
            Stage.SIMPLIFY,
            "List every marketing process the team runs today, in-house or not. "
            "Simplify as you go: if two lines are the same work, write it once.",
            collected=tuple(draft),
            details=(
                "Examples: Blog writing, SEO audits, Newsletter, Paid search ads, Social media posting.",
            ),
        )

    yield K_PROCESSES, processes_prompt
    for suggestion in merge_suggestions(review):
        yield K_MERGE + suggestion.source, partial(_merge_prompt, suggestion)


def _merge_prompt(s: MergeSuggestion) -> Prompt:
    return Prompt(
        K_MERGE + s.source,
        Kind.YES_NO,
        Stage.SIMPLIFY,
        f"“{s.source}” looks like “{s.into}” ({s.similarity:.0f}% similar). Merge it into “{s.into}”?",
        optional=True,
        subject=s.source,
    )


def _candidates(review: Review) -> QuestionPlan:
    processes = in_play(review, Stage.CANDIDATES)
    if processes:
        yield K_CANDIDATES, partial(_candidates_prompt, review, processes)


def _candidates_prompt(review: Review, processes: list[str]) -> Prompt:
    year = date.today().year
    figures = tuple(f.cite(year) for f in peer_figures(review.answers.get(K_ORGANISATION)))
    return Prompt(
        K_CANDIDATES,
        Kind.PICK,
        Stage.CANDIDATES,
        "Which of these could be outsourced at all? Compare with what similar organisations outsource.",
        options=tuple(Option(p, p) for p in processes),
        optional=True,
        details=figures,
    )


def _knockouts(stage: Stage) -> Callable[[Review], QuestionPlan]:
    def plan(review: Review) -> QuestionPlan:
        processes = in_play(review, stage)
        if not processes:
            return
        options = tuple(Option(p, p) for p in processes)
        for criterion in criteria_for(stage):
            yield f"{stage.value}:{criterion.id}", partial(_knockout_prompt, criterion, options)

    return plan


def _knockout_prompt(criterion: Criterion, options: tuple[Option, ...]) -> Prompt:
    return Prompt(
        f"{criterion.stage.value}:{criterion.id}",
        Kind.PICK,
        criterion.stage,
        criterion.question,
        options=options,
        optional=True,
        help=criterion.help,
    )


def _prioritise(review: Review) -> QuestionPlan:
    processes = in_play(review, Stage.PRIORITISE)
    if not processes:
        return
    yield K_WEIGHTS, _weights_prompt
    for process in processes:
        yield K_SERVICE_LEVEL + process, partial(_service_level_prompt, process)
        yield K_RATE + process, partial(_rating_prompt, review, process)


def _weights_prompt() -> Prompt:
    return Prompt(
        K_WEIGHTS,
        Kind.WEIGHTS,
        Stage.PRIORITISE,
        "Should any factor count more than the others? All six weigh 1 unless you change them.",
        optional=True,
        details=tuple(f"{f.id}: {f.help}" for f in FACTORS),
    )


def _service_level_prompt(process: str) -> Prompt:
    return Prompt(
        K_SERVICE_LEVEL + process,
        Kind.TEXT,
        Stage.PRIORITISE,
        f"What service level do you get for “{process}” today (for example “monthly, 5 working days”)?",
        optional=True,
        subject=process,
    )


def _rating_prompt(review: Review, process: str) -> Prompt:
    key = K_RATE + process
    draft = review.drafts.get(key) or {}
    awaiting = tuple(r for r in review.raters if r not in draft)
    return Prompt(
        key,
        Kind.RATINGS,
        Stage.PRIORITISE,
        f"Rate “{process}” on each factor from 1 to 5. Everyone rates on their own; "
        "no one sees the others' ratings until the round closes.",
        subject=process,
        details=tuple(f"{i}. {f.id}: {f.question}" for i, f in enumerate(FACTORS, start=1)),
        collected=tuple(draft),
        awaiting=awaiting,
    )


def _metrics(review: Review) -> QuestionPlan:
    if not in_play(review, Stage.PRIORITISE):
        return
    for task in decide(review_input(review, upto=Stage.METRICS)).shortlist:
        yield K_METRICS + task.process, partial(_metrics_prompt, review, task.process)


def _metrics_prompt(review: Review, process: str) -> Prompt:
    key = K_METRICS + process
    suggestion = suggest_metrics(process)
    draft = review.drafts.get(key) or []
    return Prompt(
        key,
        Kind.METRICS,
        Stage.METRICS,
        f"Which metrics will tell you whether outsourcing “{process}” works? Give each a baseline (your own "
        "number today), an SLA target and an early-warning threshold.",
        optional=True,
        subject=process,
        details=(
            f"Suggested for {suggestion.task_type}: {', '.join(suggestion.metrics)}.",
            f"Reference: {suggestion.reference}",
            "If you leave out `warn at`, the warning sits 10% worse than the baseline.",
        ),
        collected=tuple(m["name"] for m in draft),
    )


def _nothing(review: Review) -> QuestionPlan:
    return iter(())


PLANS: dict[Stage, Callable[[Review], QuestionPlan]] = {
    Stage.INTAKE: _intake,
    Stage.SIMPLIFY: _simplify,
    Stage.CANDIDATES: _candidates,
    Stage.KEEP_INHOUSE: _knockouts(Stage.KEEP_INHOUSE),
    Stage.CANNOT_OUTSOURCE: _knockouts(Stage.CANNOT_OUTSOURCE),
    Stage.NOT_SHORT_TERM: _knockouts(Stage.NOT_SHORT_TERM),
    Stage.PRIORITISE: _prioritise,
    Stage.METRICS: _metrics,
    Stage.REPORT: _nothing,
    Stage.DONE: _nothing,
    Stage.CANCELLED: _nothing,
}


def current_prompt(review: Review) -> Prompt | None:
    """The first unanswered question of the review's stage, or None when the stage is complete."""
    for key, build in PLANS[review.state](review):
        if key not in review.answers:
            return build()
    return None


# ---------------------------------------------------------------- applying a reply


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


class NotAllowed(Exception):
    pass


def settle(review: Review) -> list[Stage]:
    """Move forward over every complete stage; the stages entered, in order."""
    entered = []
    while review.state in ACTIVE_STAGES and current_prompt(review) is None:
        if not fire(review, "finish" if review.state is Stage.REPORT else "advance"):
            break
        entered.append(review.state)
    return entered


def commit(review: Review, key: str, value: Any) -> None:
    review.answers = {**review.answers, key: value}
    review.drafts = {k: v for k, v in review.drafts.items() if k != key}
    review.answered = [*[k for k in review.answered if k != key], key]


def go_back(review: Review) -> str:
    """Reopen the last committed answer; collected drafts come back so nothing typed is lost."""
    if not review.answered:
        raise ReplyError("There is nothing to go back to yet.")
    key = review.answered[-1]
    value = review.answers[key]
    review.answered = review.answered[:-1]
    review.answers = {k: v for k, v in review.answers.items() if k != key}
    if value and not isinstance(value, bool) and (key == K_PROCESSES or key.startswith((K_RATE, K_METRICS))):
        review.drafts = {**review.drafts, key: value}
    target = stage_of(key)
    while review.state is not target and fire(review, "retreat"):
        pass
    return key


def apply_reply(
    review: Review,
    author: str,
    text: str,
    *,
    is_facilitator: bool = False,
    expect_key: str | None = None,
) -> Outcome:
    """Apply one typed reply to the review in place."""
    if not review.is_open:
        state = "finished" if review.state is Stage.DONE else "cancelled"
        return Outcome(
            prompt=None, error=f"This review is {state}; start a new one or ask the facilitator to reopen it."
        )
    prompt = current_prompt(review)
    if prompt is None:  # a stage left complete (should not happen, but never get stuck)
        passed = settle(review)
        return Outcome(prompt=current_prompt(review), changed=True, stages_passed=passed)
    if expect_key is not None and expect_key != prompt.key:
        return Outcome(
            prompt=prompt, error="That question has been answered already; here is the current one."
        )
    try:
        reply = parse_reply(prompt, text)
        outcome = _apply(review, prompt, author, reply.command, reply.value, is_facilitator)
    except ReplyError as exc:
        return Outcome(prompt=prompt, error=str(exc), question=prompt.key)
    if outcome.changed:
        outcome.stages_passed = settle(review)
        review.updated_at = utcnow()
    outcome.question = prompt.key
    outcome.prompt = current_prompt(review)
    return outcome


def _apply(
    review: Review, prompt: Prompt, author: str, command: str | None, value: Any, facilitator: bool
) -> Outcome:
    key = prompt.key
    if command == "help":
        parts = [prompt.help, prompt.accepts] if prompt.help else [prompt.accepts]
        return Outcome(prompt=prompt, message=" ".join(parts))
    if command == "back":
        reopened = go_back(review)
        return Outcome(
            prompt=None, changed=True, message="Going back one question.", value={"back": reopened}
        )
    if command == "skip":
        commit(review, key, _skipped(prompt))
        return Outcome(prompt=None, changed=True, message="Skipped.")
    if command == "done":
        return _close(review, prompt, facilitator)
    if prompt.kind is Kind.LIST:
        items = dedupe([*(review.drafts.get(key) or []), *value])
        if len(items) > MAX_PROCESSES:
            raise ReplyError(f"A review holds at most {MAX_PROCESSES} processes.")
        added = len(items) - len(review.drafts.get(key) or [])
        review.drafts = {**review.drafts, key: items}
        return Outcome(
            prompt=None,
            changed=True,
            value=value,
            message=f"Added {added} ({len(items)} so far). Send more, or reply `done` when the list is complete.",
        )
    if prompt.kind is Kind.METRICS:
        metrics = [*(review.drafts.get(key) or []), *(m.as_dict() for m in value)]
        review.drafts = {**review.drafts, key: metrics}
        return Outcome(
            prompt=None,
            changed=True,
            value=[m.as_dict() for m in value],
            message=f"Recorded {len(value)} metric(s). Send more, or reply `done`.",
        )
    if prompt.kind is Kind.RATINGS:
        draft = {**(review.drafts.get(key) or {}), author: value}
        review.drafts = {**review.drafts, key: draft}
        if review.raters and all(r in draft for r in review.raters):
            commit(review, key, draft)
            return Outcome(prompt=None, changed=True, value=value, message="Thanks, the round is complete.")
        return Outcome(
            prompt=None, changed=True, value=value, message=f"Thanks {author}, your ratings are in."
        )
    if prompt.kind is Kind.WEIGHTS:
        stored = {"weights": value.weights, "source": value.source}
        commit(review, key, stored)
        return Outcome(prompt=None, changed=True, value=stored, message="Weights noted.")
    commit(review, key, value)
    if key == K_TITLE:
        review.title = value
    return Outcome(prompt=None, changed=True, value=value)


def _skipped(prompt: Prompt) -> Any:
    if prompt.kind is Kind.PICK:
        return [o.value for o in prompt.options] if prompt.key == K_CANDIDATES else []
    if prompt.kind is Kind.YES_NO:
        return False
    if prompt.kind is Kind.METRICS:
        return []
    return None


def _close(review: Review, prompt: Prompt, facilitator: bool) -> Outcome:
    draft = review.drafts.get(prompt.key)
    if prompt.kind is Kind.RATINGS:
        if not facilitator:
            raise ReplyError("Only the facilitator closes a rating round. Your ratings are saved.")
        if not draft:
            raise ReplyError("No one has rated this yet; send six ratings first, like `2 4 2 3 5 2`.")
    if prompt.kind is Kind.LIST and not draft:
        raise ReplyError("The list is still empty; send at least one process first, one per line.")
    commit(review, prompt.key, draft or [])
    return Outcome(prompt=None, changed=True, message="Done.")


# ---------------------------------------------------------------- lifecycle


def cancel(review: Review) -> None:
    if not fire(review, "cancel"):
        raise ReplyError("This review is not open.")
    review.updated_at = utcnow()


def reopen(review: Review) -> None:
    if review.state not in (Stage.DONE, Stage.CANCELLED):
        raise ReplyError("Only a finished or cancelled review can be reopened.")
    fire(review, "reopen")
    review.updated_at = utcnow()


@dataclass(frozen=True)
class Progress:
    stage: Stage
    step: int | None
    title: str
    answered: tuple[str, ...]

    @property
    def headline(self) -> str:
        if self.stage is Stage.DONE:
            return "Finished"
        if self.stage is Stage.CANCELLED:
            return "Cancelled"
        if self.stage is Stage.INTAKE:
            return "Getting started"
        if self.stage is Stage.REPORT:
            return "Report ready"
        return f"Step {self.step} of 7 · {self.title}"


def progress(review: Review) -> Progress:
    answers = review.answers
    facts: list[str] = []
    processes = listed_processes(review)
    if processes:
        facts.append(f"{len(processes)} processes listed")
    merges = sum(len(m.sources) for m in accepted_merges(review))
    if merges:
        facts.append(f"{merges} merged")
    if K_CANDIDATES in answers:
        facts.append(f"{len(answers[K_CANDIDATES])} candidates")
    order = list(INTERVIEW_PATH)
    if review.state in order and order.index(review.state) > order.index(Stage.NOT_SHORT_TERM):
        remaining = in_play(review, Stage.PRIORITISE)
        rated = sum(1 for p in remaining if K_RATE + p in answers)
        facts.append(f"{rated} of {len(remaining)} rated")
    elif review.state in (Stage.DONE, Stage.CANCELLED, Stage.REPORT) and processes:
        facts.append(f"{len(in_play(review, Stage.PRIORITISE))} shortlisted")
    info = STEPS.get(review.state)
    return Progress(review.state, review.state.step_number, info.title if info else "", tuple(facts))
