"""The plans: which questions each stage asks, in what order, derived from the answers so far."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from functools import lru_cache, partial

from flows.interview.sifting import InPlay, asked_about, merge_suggestions
from flows.keys import (
    CANDIDATES,
    MERGE,
    METRICS,
    ORGANISATION,
    PROCESSES,
    RATE,
    SERVICE_LEVEL,
    TITLE,
    WEIGHTS,
    QuestionKey,
    follow_up,
    key_for,
    knockout,
)
from flows.method import FACTORS, Criterion, Stage, counts, criteria_for
from flows.model import Review
from flows.prompts import Kind, Option, Prompt
from flows.reference import ORGANISATIONS, peer_figures, suggest_metrics
from flows.report import MergeSuggestion

QuestionPlan = Iterator[tuple[str, Callable[[], Prompt]]]
Plan = Callable[..., QuestionPlan]  # (review, known: InPlay | None = None)


def _intake(review: Review, known: InPlay | None = None) -> QuestionPlan:
    if not review.title:
        yield TITLE, lambda: Prompt(TITLE, Kind.TEXT, Stage.INTAKE, "What should we call this review?")
    options = tuple(Option(key, label) for key, label in ORGANISATIONS.items())
    yield (
        ORGANISATION,
        lambda: Prompt(
            ORGANISATION,
            Kind.PICK_ONE,
            Stage.INTAKE,
            "What kind of organisation is this review for? It picks the survey figures shown in step 2.",
            options=options,
            optional=True,
        ),
    )


def _simplify(review: Review, known: InPlay | None = None) -> QuestionPlan:
    def processes_prompt() -> Prompt:
        draft = review.drafts.get(PROCESSES) or []
        return Prompt(
            PROCESSES,
            Kind.LIST,
            Stage.SIMPLIFY,
            "List every marketing process the team runs today, in-house or not. "
            "Simplify as you go: if two lines are the same work, write it once.",
            collected=tuple(draft),
            details=(
                "Examples: Blog writing, SEO audits, Newsletter, Paid search ads, Social media posting.",
            ),
        )

    yield PROCESSES, processes_prompt
    for suggestion in merge_suggestions(review):
        yield key_for(MERGE, suggestion.source), partial(_merge_prompt, suggestion)


def _merge_prompt(s: MergeSuggestion) -> Prompt:
    return Prompt(
        key_for(MERGE, s.source),
        Kind.YES_NO,
        Stage.SIMPLIFY,
        f"“{s.source}” looks like “{s.into}” ({s.similarity:.0f}% similar). Merge it into “{s.into}”?",
        optional=True,
        subject=s.source,
    )


def _candidates(review: Review, known: InPlay | None = None) -> QuestionPlan:
    processes = (known or InPlay()).at(review, Stage.CANDIDATES)
    if processes:
        yield CANDIDATES, partial(_candidates_prompt, review, processes)
    yield from _follow_ups(
        review, CANDIDATES, processes, "Could “{}” be outsourced at all?", Stage.CANDIDATES
    )


def _follow_ups(
    review: Review, pick: str, processes: list[str], question: str, stage: Stage, help: str = ""
) -> QuestionPlan:
    """A yes/no question for each process that came into play after `pick` was answered
    (reconsidered, un-merged, or made a candidate later)."""
    value = review.answers.get(pick)
    if value is None:
        return
    asked = asked_about(value)
    for process in processes:
        if asked is not None and process not in asked:
            asked_key = follow_up(pick, process)
            yield (
                asked_key,
                partial(_follow_up_prompt, asked_key, question.format(process), stage, process, help),
            )


def _follow_up_prompt(key: str, text: str, stage: Stage, process: str, help: str) -> Prompt:
    return Prompt(key, Kind.YES_NO, stage, text, subject=process, help=help)


def _candidates_prompt(review: Review, processes: list[str]) -> Prompt:
    year = date.today().year
    figures = tuple(f.cite(year) for f in peer_figures(review.answers.get(ORGANISATION)))
    return Prompt(
        CANDIDATES,
        Kind.PICK,
        Stage.CANDIDATES,
        "Which of these could be outsourced at all? Compare with what similar organisations outsource.",
        options=process_options(tuple(processes)),
        optional=True,
        details=figures,
    )


@lru_cache(maxsize=16)
def process_options(processes: tuple[str, ...]) -> tuple[Option, ...]:
    """One option per process. Remembered: the plans of a step ask for the same list's options several times
    a reply (300 processes: 1,200 options made an answer)."""
    return tuple(Option(p, p) for p in processes)


def _knockouts(stage: Stage) -> Plan:
    def plan(review: Review, known: InPlay | None = None) -> QuestionPlan:
        processes = (known or InPlay()).at(review, stage)
        if not processes:
            return
        options = process_options(tuple(processes))
        for criterion in criteria_for(stage):
            yield knockout(stage, criterion.id), partial(_knockout_prompt, criterion, options)
        for criterion in criteria_for(stage):
            question = f"Does this hold for “{{}}”: {criterion.label}?"
            pick = knockout(stage, criterion.id)
            yield from _follow_ups(review, pick, processes, question, stage, criterion.help)

    return plan


def _knockout_prompt(criterion: Criterion, options: tuple[Option, ...]) -> Prompt:
    return Prompt(
        knockout(criterion.stage, criterion.id),
        Kind.PICK,
        criterion.stage,
        criterion.question,
        options=options,
        optional=True,
        help=criterion.help,
    )


def _prioritise(review: Review, known: InPlay | None = None) -> QuestionPlan:
    processes = (known or InPlay()).at(review, Stage.PRIORITISE)
    if not processes:
        return
    yield WEIGHTS, _weights_prompt
    for k, process in enumerate(processes, start=1):
        position = (k, len(processes))
        yield key_for(SERVICE_LEVEL, process), partial(_service_level_prompt, process, position)
        yield key_for(RATE, process), partial(_rating_prompt, review, process, position)


_WEIGHT_DETAILS = tuple(f"{f.label.capitalize()}: {f.help} It {counts(f.id, f.direction)}." for f in FACTORS)
_RATING_DETAILS = tuple(f"{i}. {f.label.capitalize()}: {f.question}" for i, f in enumerate(FACTORS, start=1))


def _weights_prompt() -> Prompt:
    return Prompt(
        WEIGHTS,
        Kind.WEIGHTS,
        Stage.PRIORITISE,
        "Should any factor count more than the others? All six weigh 1 unless you change them.",
        optional=True,
        details=_WEIGHT_DETAILS,
    )


def _service_level_prompt(process: str, position: tuple[int, int] | None = None) -> Prompt:
    return Prompt(
        key_for(SERVICE_LEVEL, process),
        Kind.TEXT,
        Stage.PRIORITISE,
        f"What service level do you get for “{process}” today (for example “monthly, 5 working days”)?",
        optional=True,
        subject=process,
        position=position,
        for_the_rest="skip all",
    )


def _rating_prompt(review: Review, process: str, position: tuple[int, int] | None = None) -> Prompt:
    asked = key_for(RATE, process)
    draft = review.drafts.get(asked) or {}
    awaiting = tuple(r for r in review.raters if r not in draft)
    return Prompt(
        asked,
        Kind.RATINGS,
        Stage.PRIORITISE,
        f"Rate “{process}” on each factor from 1 to 5. Everyone rates on their own; "
        "no one sees the others' ratings until the round closes.",
        subject=process,
        details=_RATING_DETAILS,
        collected=tuple(draft),
        awaiting=awaiting,
        position=position,
    )


def _metrics(review: Review, known: InPlay | None = None) -> QuestionPlan:
    known = known or InPlay()
    if not known.at(review, Stage.PRIORITISE):
        return
    shortlist = known.shortlist(review)
    for k, process in enumerate(shortlist, start=1):
        yield key_for(METRICS, process), partial(_metrics_prompt, review, process, (k, len(shortlist)))


def _metrics_prompt(review: Review, process: str, position: tuple[int, int] | None = None) -> Prompt:
    asked = key_for(METRICS, process)
    suggestion = suggest_metrics(process)
    draft = review.drafts.get(asked) or []
    return Prompt(
        asked,
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
        position=position,
        for_the_rest="done all",
    )


def _nothing(review: Review, known: InPlay | None = None) -> QuestionPlan:
    return iter(())


PLANS: dict[Stage, Plan] = {
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


# The stages whose questions are fixed when they start: they follow from what is in play then (and, for the
# metrics step, the ranking), not from the stage's own answers, so a walk of them holds over its answers.
STEADY = frozenset({Stage.PRIORITISE, Stage.METRICS})


def open_question(review: Review, known: InPlay | None = None) -> tuple[str, Callable[[], Prompt]] | None:
    """The first unanswered question of the review's stage (its key, and how to ask it), or None when the
    stage is complete. With `known`, the walk to it starts where the last one for these answers stopped."""
    known = known or InPlay()
    stage = review.state
    walk = known.walk(review, stage, lambda: PLANS[stage](review, known), steady=stage in STEADY)
    return walk.first_open(review.answers)


def the_rest(review: Review, key: str, known: InPlay | None = None) -> list[str]:
    """The unanswered questions of the review's stage after `key` that ask what it asks of another task (the
    service level of each task after it, say), in the order they would be asked."""
    asked = QuestionKey.parse(key).name
    keys = [k for k, _ in PLANS[review.state](review, known or InPlay())]
    later = keys[keys.index(key) + 1 :] if key in keys else []
    return [k for k in later if k not in review.answers and QuestionKey.parse(k).name == asked]


def current_prompt(review: Review, known: InPlay | None = None) -> Prompt | None:
    """The first unanswered question of the review's stage, or None when the stage is complete."""
    question = open_question(review, known)
    return question[1]() if question is not None else None
