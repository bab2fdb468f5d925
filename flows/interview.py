"""The interview: which question comes next, what a reply does, and the one shared state machine.

A review's state is one of `Stage`; the questions inside a stage are derived from the answers so far, so
`back`, revisions and restarts need nothing but the saved `Review`. The machine is built once at import
(`MACHINE`, model=None) and fired on plain Review objects rehydrated per request.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache, partial
from typing import Any

from transitions import EventData, Machine

from flows.decision import decide, ranking, sift
from flows.method import (
    ACTIVE_STAGES,
    CRITERIA,
    FACTORS,
    INTERVIEW_PATH,
    KNOCKOUT_STAGES,
    REASON_LABELS,
    STEPS,
    Criterion,
    Stage,
    criteria_for,
)
from flows.model import Merge, Metric, Review, ReviewInput, utcnow
from flows.prompts import (
    FREE_TEXT,
    GLOBAL_COMMAND,
    QUOTE_HINT,
    Kind,
    Option,
    Prompt,
    ReplyError,
    literal,
    parse_reply,
    parse_weights,
)
from flows.reference import ORGANISATIONS, peer_figures, suggest_metrics
from flows.report import MergeSuggestion, Report
from flows.similarity import dedupe, name_key, suggest_merges
from flows.versions import is_revision

K_TITLE = "intake.title"
K_ORGANISATION = "intake.organisation"
K_PROCESSES = "simplify.processes"
K_MERGE = "simplify.merge:"
K_EXPLICIT_MERGES = "simplify.merges"
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


# The questions that number the processes in play (Kind.PICK): only their editions carry a `#` and a digest.
_PICK_KEYS = frozenset({K_CANDIDATES, *(f"{c.stage.value}:{c.id}" for c in CRITERIA)})


def question_of(ref: str) -> str:
    """The key of the question `ref` names: a key, or a `Prompt.edition` (a pick's key and a digest). Other
    keys may hold a `#` in a process name; pick keys never do."""
    head, sep, _ = ref.partition("#")
    return head if sep and head in _PICK_KEYS else ref


def stage_of(key: str) -> Stage:
    head = key.split(":", 1)[0].split(".", 1)[0].split("@", 1)[0]
    return _KEY_STAGES[head]


# ---------------------------------------------------------------- the state machine


def _stage_complete(event: EventData) -> bool:
    review: Review = event.model  # type: ignore[assignment]
    return current_prompt(review) is None


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


def fire(review: Review, trigger: str) -> bool:
    """Fire a trigger on a rehydrated review; False when a condition held it back."""
    return bool(MACHINE.events[trigger].trigger(review))


# ---------------------------------------------------------------- what the answers add up to


def listed_processes(review: Review) -> list[str]:
    return list(review.answers.get(K_PROCESSES) or [])


def explicit_merges(review: Review) -> list[tuple[str, str]]:
    """(source, into) pairs the team merged by name (`merge A into B`)."""
    return [(str(a), str(b)) for a, b in review.answers.get(K_EXPLICIT_MERGES) or []]


def merge_suggestions(review: Review) -> list[MergeSuggestion]:
    listed, explicit = listed_processes(review), explicit_merges(review)
    if explicit:
        merged = {name_key(source) for source, _ in explicit}
        listed = [p for p in listed if name_key(p) not in merged]
    return suggest_merges(listed)


def accepted_merges(review: Review) -> list[Merge]:
    by_target: dict[str, list[str]] = {}
    for source, into in explicit_merges(review):
        by_target.setdefault(into, []).append(source)
    for s in merge_suggestions(review):
        if review.answers.get(K_MERGE + s.source) is True:
            by_target.setdefault(s.into, []).append(s.source)
    return [Merge(into, tuple(sources)) for into, sources in by_target.items()]


def merge_explicitly(review: Review, argument: str) -> tuple[str, str]:
    """`Writing blog posts into Blog writing`: merge two listed processes the team knows are one."""
    # The first ` into ` with a name before it; searched once, from the start of each run of spaces only.
    match = re.search(r"(?<!\s)\s+into\s", argument, re.IGNORECASE)
    # While the list is still being typed (step 1), its names so far can be merged too.
    names_so_far = [*listed_processes(review), *(review.drafts.get(K_PROCESSES) or [])]
    listed = {name_key(p): p for p in names_so_far}
    if not match or not argument[: match.start()].strip() or not argument[match.end() :].strip():
        raise ReplyError("Write `merge A into B`, with two names from the list.")
    names = []
    for raw in (argument[: match.start()], argument[match.end() :]):
        name = listed.get(name_key(raw.strip(' “”"')))
        if name is None:
            raise ReplyError(f"“{raw.strip()[:60]}” is not on the list; use a name exactly as listed.")
        names.append(name)
    source, into = names
    merged_away = {s for m in accepted_merges(review) for s in m.sources}
    if source == into or source in merged_away or into in merged_away:
        raise ReplyError(
            f"“{source}” can't be merged into “{into}”: merge each process once, into one kept name."
        )
    if any(into == source_ for source_, _ in explicit_merges(review)) or any(
        m.into == source for m in accepted_merges(review)
    ):
        raise ReplyError(f"“{source}” already has others merged into it; merge straight into one kept name.")
    review.answers = {**review.answers, K_EXPLICIT_MERGES: [*explicit_merges(review), [source, into]]}
    return source, into


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
    """The yes/no follow-ups given (`key@process`), by the key of the pick answer they follow up."""
    found: dict[str, dict[str, Any]] = {}
    for name, value in answers.items():
        if "@" in name and value is not None:
            key, _, process = name.partition("@")  # criteria never hold an "@"; process names may
            found.setdefault(key, {})[process] = value
    return found


def _holders(
    answers: dict[str, Any], key: str, names: set[str], follow_ups: dict[str, dict[str, Any]]
) -> tuple[set[str], set[str]]:
    """For the pick answer at `key`: (the listed `names` it holds for, those the team said it does not).

    A process the question did not ask about (it came into play later) counts by its own yes/no follow-up
    (`key@process`, in `follow_ups`), and by neither set while that is unanswered. Worked out with sets:
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
            (criterion.id, _held(answers, f"{stage.value}:{criterion.id}", names, follow_ups))
            for criterion in criteria_for(stage)
        ]
        knocked_out = set().union(*(held for _, held in holders))
        knockouts[stage] = {
            process: [criterion for criterion, held in holders if process in held]
            for process in (listed if knocked_out else ())
            if process in knocked_out
        }
    weights_answer = answers.get(K_WEIGHTS) or {}
    candidates = None
    if known(Stage.CANDIDATES) and K_CANDIDATES in answers:
        _, not_candidates = _holders(answers, K_CANDIDATES, names, follow_ups)
        candidates = [p for p in listed if p not in not_candidates]
    data = ReviewInput(
        processes=list(listed),
        title=review.title,
        organisation=answers.get(K_ORGANISATION),
        merges=accepted_merges(review) if known(Stage.SIMPLIFY) else [],
        candidates=candidates,
        knockouts=knockouts,
        weights=dict(weights_answer.get("weights") or {}),
        directions=dict(weights_answer.get("directions") or {}),
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


# in_play's last results: (id of the answers, stage) -> (those answers, the processes still in play)
_IN_PLAY: OrderedDict[tuple[int, Stage], tuple[object, list[str]]] = OrderedDict()
_IN_PLAY_LOCK = threading.Lock()
_IN_PLAY_KEPT = 16


def in_play(review: Review, stage: Stage) -> list[str]:
    """Processes still in the running when `stage` starts.

    The last few results are remembered for as long as the review's `answers` are the same object: answers
    are never changed in place, only replaced (storage requires it too), and one reply asks this up to eight
    times, of copies of the review with the same answers (300 processes: 2 ms each time)."""
    answers = review.answers
    key = (id(answers), stage)
    with _IN_PLAY_LOCK:
        seen = _IN_PLAY.get(key)
        if seen is not None and seen[0] is answers:  # holding them, the id cannot have been reused
            _IN_PLAY.move_to_end(key)
            return list(seen[1])
    _, _, remaining = sift(review_input(review, upto=stage))
    with _IN_PLAY_LOCK:
        _remember(answers, stage, remaining)
    return list(remaining)


def _remember(answers: dict[str, Any], stage: Stage, remaining: list[str]) -> None:
    """Keep an in_play result (the caller holds _IN_PLAY_LOCK), forgetting the oldest beyond the last few."""
    key = (id(answers), stage)
    _IN_PLAY[key] = (answers, remaining)
    _IN_PLAY.move_to_end(key)
    while len(_IN_PLAY) > _IN_PLAY_KEPT:
        _IN_PLAY.popitem(last=False)


def _carry_in_play(before: dict[str, Any], after: dict[str, Any], changed: Stage) -> None:
    """`after` is `before` with an answer of the stage `changed` set: what is in play when a stage from
    `changed` on starts cannot differ (it is worked out from the answers of earlier stages alone), so those
    results are remembered for `after` too. A rating need not sift 300 processes again."""
    order = {stage: i for i, stage in enumerate(INTERVIEW_PATH)}
    with _IN_PLAY_LOCK:
        carried = [
            (stage, seen[1])
            for (answers_id, stage), seen in _IN_PLAY.items()
            if answers_id == id(before)
            and seen[0] is before
            and order[changed] >= order.get(stage, len(order))
        ]
        for stage, remaining in carried:
            _remember(after, stage, remaining)


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
    yield from _follow_ups(
        review, K_CANDIDATES, processes, "Could “{}” be outsourced at all?", Stage.CANDIDATES
    )


def _follow_ups(
    review: Review, key: str, processes: list[str], question: str, stage: Stage, help: str = ""
) -> QuestionPlan:
    """A yes/no question for each process that came into play after `key` was answered
    (reconsidered, un-merged, or made a candidate later)."""
    value = review.answers.get(key)
    if value is None:
        return
    asked = asked_about(value)
    for process in processes:
        if asked is not None and process not in asked:
            follow_up = f"{key}@{process}"
            yield (
                follow_up,
                partial(_follow_up_prompt, follow_up, question.format(process), stage, process, help),
            )


def _follow_up_prompt(key: str, text: str, stage: Stage, process: str, help: str) -> Prompt:
    return Prompt(key, Kind.YES_NO, stage, text, subject=process, help=help)


def _candidates_prompt(review: Review, processes: list[str]) -> Prompt:
    year = date.today().year
    figures = tuple(f.cite(year) for f in peer_figures(review.answers.get(K_ORGANISATION)))
    return Prompt(
        K_CANDIDATES,
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


def _knockouts(stage: Stage) -> Callable[[Review], QuestionPlan]:
    def plan(review: Review) -> QuestionPlan:
        processes = in_play(review, stage)
        if not processes:
            return
        options = process_options(tuple(processes))
        for criterion in criteria_for(stage):
            yield f"{stage.value}:{criterion.id}", partial(_knockout_prompt, criterion, options)
        for criterion in criteria_for(stage):
            question = f"Does this hold for “{{}}”: {criterion.label}?"
            key = f"{stage.value}:{criterion.id}"
            yield from _follow_ups(review, key, processes, question, stage, criterion.help)

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
    for k, process in enumerate(processes, start=1):
        position = (k, len(processes))
        yield K_SERVICE_LEVEL + process, partial(_service_level_prompt, process, position)
        yield K_RATE + process, partial(_rating_prompt, review, process, position)


def _weights_prompt() -> Prompt:
    return Prompt(
        K_WEIGHTS,
        Kind.WEIGHTS,
        Stage.PRIORITISE,
        "Should any factor count more than the others? All six weigh 1 unless you change them.",
        optional=True,
        details=tuple(f"{f.id}: {f.help}" for f in FACTORS),
    )


def _service_level_prompt(process: str, position: tuple[int, int] | None = None) -> Prompt:
    return Prompt(
        K_SERVICE_LEVEL + process,
        Kind.TEXT,
        Stage.PRIORITISE,
        f"What service level do you get for “{process}” today (for example “monthly, 5 working days”)?",
        optional=True,
        subject=process,
        position=position,
    )


def _rating_prompt(review: Review, process: str, position: tuple[int, int] | None = None) -> Prompt:
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
        position=position,
    )


def _metrics(review: Review) -> QuestionPlan:
    if not in_play(review, Stage.PRIORITISE):
        return
    shortlist = ranking(review_input(review, upto=Stage.METRICS))
    for k, process in enumerate(shortlist, start=1):
        yield K_METRICS + process, partial(_metrics_prompt, review, process, (k, len(shortlist)))


def _metrics_prompt(review: Review, process: str, position: tuple[int, int] | None = None) -> Prompt:
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
        position=position,
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
    stale: bool = False  # the reply was aimed at a question that has been answered since


class NotAllowed(Exception):
    pass


def settle(review: Review, finish: bool = False) -> list[Stage]:
    """Move forward over every complete stage; the stages entered, in order.

    Arriving at the report finishes the review; a reopened review already at the report waits for `done`
    (`finish=True`).
    """
    entered: list[Stage] = []
    while review.state in ACTIVE_STAGES and current_prompt(review) is None:
        if review.state is Stage.REPORT and not (finish or entered):
            break
        if not fire(review, "finish" if review.state is Stage.REPORT else "advance"):
            break
        entered.append(review.state)
    return entered


def commit(review: Review, key: str, value: Any) -> None:
    before = review.answers
    review.answers = {**before, key: value}
    _carry_in_play(before, review.answers, stage_of(key))
    review.drafts = {k: v for k, v in review.drafts.items() if k != key}
    review.answered = [*[k for k in review.answered if k != key], key]


def go_back(review: Review) -> tuple[str, Any]:
    """Reopen the last committed answer: its key and the answer it had. Collected drafts come back so
    nothing typed is lost."""
    # The last answer given at this stage or before (after `reconsider`, later steps may hold answers too).
    order = list(INTERVIEW_PATH)
    earlier = [k for k in review.answered if order.index(stage_of(k)) <= order.index(review.state)]
    if not earlier:
        raise ReplyError("There is nothing to go back to yet.")
    key = earlier[-1]
    was = _uncommit(review, key)
    target = stage_of(key)
    while review.state is not target and fire(review, "retreat"):
        pass
    return key, was


FACILITATOR_ONLY = ("reconsider", "weights")
RENUMBERED = (
    "The options of this question were renumbered (a merge or a reconsider) after you saw them, so nothing "
    "was recorded. Please answer again with the new numbers."
)
REVISION_FACILITATOR_ONLY = ("change", "merge")  # on a reopened review (or a new version) too
REOPENED_HINT = (
    "The review is reopened: `change N` reopens answer N (`/outsource-review answers` lists them), "
    "`reconsider NAME` brings an excluded process back, `merge A into B` merges two, `weights ...` changes "
    "the weights, `done` finishes."
)


def apply_reply(
    review: Review,
    author: str,
    text: str,
    *,
    is_facilitator: bool | Callable[[], bool] = False,
    expect_key: str | None = None,
) -> Outcome:
    """Apply one typed reply to the review in place.

    `is_facilitator` may be a function: it is asked (at most once) only by the steps only the facilitator may
    take, so that a transport checks who someone is (a Web API call) only when it matters.
    """
    facilitator = _once(is_facilitator)
    if not review.is_open:
        state = "finished" if review.state is Stage.DONE else "cancelled"
        return Outcome(
            prompt=None, error=f"This review is {state}; start a new one or ask the facilitator to reopen it."
        )
    prompt = current_prompt(review)
    command = GLOBAL_COMMAND.match(text) if _may_be_command(text, prompt) else None
    if command:
        verb, argument = (g for g in command.groups() if g is not None)
        outcome = _apply_global(review, verb.lower(), argument.strip(), facilitator)
        if outcome.error and prompt is not None and prompt.kind in FREE_TEXT:
            outcome.error += " " + QUOTE_HINT.format(" ".join(text.split())[:60])
        if prompt is not None and outcome.prompt is not None and outcome.prompt.is_edition(prompt.edition):
            outcome.message = (
                f"{outcome.message} The options are numbered anew: check them before you answer."
            )
        return outcome
    if prompt is None:
        return _finish_or_hint(review, text, facilitator)
    if expect_key is not None and expect_key not in (prompt.key, prompt.edition):
        answered = "That question has been answered already; here is the current one."
        return Outcome(
            prompt=prompt,
            error=RENUMBERED if prompt.is_edition(expect_key) else answered,
            stale=True,
            question=question_of(expect_key),
        )
    try:
        reply = parse_reply(prompt, text)
        outcome = _apply(review, prompt, author, reply.command, reply.value, facilitator)
    except ReplyError as exc:
        return Outcome(prompt=prompt, error=str(exc), question=prompt.key)
    return _after(review, outcome, prompt.key)


def _after(review: Review, outcome: Outcome, question: str, finish: bool = False) -> Outcome:
    if outcome.changed:
        outcome.stages_passed = settle(review, finish)
        review.updated_at = utcnow()
    outcome.question = question
    outcome.prompt = current_prompt(review)
    return outcome


def _may_be_command(text: str, prompt: Prompt | None) -> bool:
    """Commands work at every question. At a list or free-text question a reply in quotes is text, and a
    reply of several lines is a list (its lines are checked for commands as they are parsed)."""
    if prompt is None or prompt.kind not in FREE_TEXT:
        return True
    if prompt.kind is not Kind.TEXT and "\n" in text.strip():
        return False
    return literal(text) is None


def _finish_or_hint(review: Review, text: str, facilitator: Callable[[], bool]) -> Outcome:
    """With every question answered (a reopened review), `done` finishes (the facilitator's to say); anything
    else gets a hint."""
    if review.state is Stage.REPORT and text.strip().casefold().strip(" .!`") not in ("done", "finish"):
        return Outcome(prompt=None, error=REOPENED_HINT)
    if review.state is Stage.REPORT and not facilitator():
        return Outcome(
            prompt=None, error="Only the facilitator (or a workspace admin) can finish a reopened review."
        )
    return _after(
        review, Outcome(prompt=None, changed=True, message="Finished."), "report.finish", finish=True
    )


def _once(answer: bool | Callable[[], bool]) -> Callable[[], bool]:
    """`answer` as a function that asks it (when it is one) only the first time."""
    if not callable(answer):
        return lambda: answer
    known: list[bool] = []

    def ask() -> bool:
        if not known:
            known.append(bool(answer()))
        return known[0]

    return ask


def _apply_global(review: Review, verb: str, argument: str, facilitator: Callable[[], bool]) -> Outcome:
    """`change N`, `reconsider NAME` and `weights ...` work whatever question is open."""
    if verb == "answers":
        return Outcome(prompt=current_prompt(review), message=answers_text(review))
    if verb == "weights" and not argument:
        return Outcome(prompt=current_prompt(review), message=weights_text(review))
    if verb in FACILITATOR_ONLY and not facilitator():
        return Outcome(prompt=current_prompt(review), error=f"Only the facilitator can use `{verb}`.")
    if verb in REVISION_FACILITATOR_ONLY and is_revision(review) and not facilitator():
        return Outcome(
            prompt=current_prompt(review),
            error=f"Only the facilitator (or a workspace admin) can use `{verb}` on a reopened review.",
        )
    value: Any = {verb: argument}
    try:
        if verb == "change":
            key, was = change_answer(review, argument)
            message = f"Reopened: {describe(key)}. {_was(key, was)}"
        elif verb == "merge":
            source, into = merge_explicitly(review, argument)
            message = f"Merged “{source}” into “{into}”."
            value = {"merge": source, "into": into}
        elif verb == "reconsider":
            process, step, reasons = reconsider(review, argument)
            message = f"“{process}” is back in the review from step {step}."
            value = {"process": process, "was": {"step": step, "reasons": list(reasons)}}
        else:
            answer = parse_weights(argument)
            stored = {"weights": answer.weights, "source": answer.source, "directions": answer.directions}
            commit(review, K_WEIGHTS, stored)
            message = "Weights changed."
    except ReplyError as exc:
        return Outcome(prompt=current_prompt(review), error=str(exc))
    rewind(review)
    outcome = Outcome(prompt=None, changed=True, message=message, value=value)
    return _after(review, outcome, f"review.{verb}")


def answers_text(review: Review) -> str:
    """The answers so far, numbered for `change N` (each line cut short)."""
    lines = [f"{n}. {_cut(text, 200)}" for n, _, text in answered_questions(review)]
    if not lines:
        return "Nothing is answered yet."
    return "Answers so far (`change N` reopens one):\n" + "\n".join(lines)


def weights_text(review: Review) -> str:
    """`weights` alone: the weights now, and how to change them (nothing changes)."""
    stored = review.answers.get(K_WEIGHTS) or {}
    weights = {f.id: (stored.get("weights") or {}).get(f.id, 1) for f in FACTORS}
    shown = ", ".join(f"{factor} {weight:g}" for factor, weight in weights.items())
    return (
        f"The weights now: {shown}. Change them with `weights risk 2 benefits 1.5`, "
        "`weights rank benefits risk ...` or `weights ok` (all 1)."
    )


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _was(key: str, value: Any) -> str:
    """What a reopened question's answer was, for the person about to change it."""
    if key.startswith(K_RATE):
        raters = ", ".join(value) if isinstance(value, dict) else ""
        return f"Rated so far by: {raters or 'no one'}; they are kept until the round closes again."
    if key == K_PROCESSES or key.startswith(K_METRICS):
        return (
            f"You answered: {_cut(_answer_text(value), 300)}. It is kept: send more, or reply `done` to "
            "keep it as it is."
        )
    return f"You answered: {_cut(_answer_text(value), 300)}. Reply again to change it."


def answered_questions(review: Review) -> list[tuple[int, str, str]]:
    """(number, key, 'question → answer') for each committed answer, in the order given."""
    return [
        (i, key, f"{describe(key)} → {_answer_text(review.answers.get(key))}")
        for i, key in enumerate(review.answered, 1)
    ]


def describe(key: str) -> str:
    """A short, plain name for a question key."""
    subject = key.partition(":")[2]
    names = {
        K_TITLE: "the title",
        K_ORGANISATION: "the kind of organisation",
        K_PROCESSES: "the list of processes",
        K_CANDIDATES: "which processes are candidates",
        K_WEIGHTS: "the weights",
    }
    if key in names:
        return names[key]
    if key.startswith(K_CANDIDATES + "@"):
        return f"whether {key.split('@', 1)[1]} is a candidate"
    if key.startswith(K_MERGE):
        return f"merging {subject}"
    if key.startswith(K_SERVICE_LEVEL):
        return f"the service level of {subject}"
    if key.startswith(K_RATE):
        return f"the ratings of {subject}"
    if key.startswith(K_METRICS):
        return f"the metrics of {subject}"
    criterion, _, process = subject.partition("@")
    label = REASON_LABELS.get(criterion, criterion)
    return f"{label} ({process})" if process else f"which processes: {label}"


def _answer_text(value: Any) -> str:
    if isinstance(value, dict) and "picked" in value:
        return ", ".join(value["picked"]) or "none"
    if isinstance(value, dict) and "weights" in value:
        return ", ".join(f"{k} {v:g}" for k, v in value["weights"].items()) or "all equal"
    if isinstance(value, dict):
        return f"{len(value)} rater(s)"
    if isinstance(value, list):
        return ", ".join(v["name"] if isinstance(v, dict) else str(v) for v in value) or "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "skipped" if value is None else str(value)


def change_answer(review: Review, argument: str) -> tuple[str, Any]:
    """Reopen answer number `argument`: its key and the answer it had. Collected drafts come back so nothing
    typed is lost."""
    # At most 9 digits: int() refuses over 4,300, and no review has a billion answers.
    if not argument.isdecimal() or len(argument) > 9 or not 1 <= int(argument) <= len(review.answered):
        raise ReplyError(f"Say which answer to change by its number, 1 to {len(review.answered)}.")
    key = review.answered[int(argument) - 1]
    return key, _uncommit(review, key)


def reconsider(review: Review, name: str) -> tuple[str, int, tuple[str, ...]]:
    """Bring an excluded or merged process back: it re-enters the method at the step that removed it."""
    report_input = review_input(review)
    processes, excluded, _ = sift(report_input)
    wanted = name_key(name)
    for merge in report_input.merges:
        for source in merge.sources:
            if name_key(source) == wanted:
                pairs = explicit_merges(review)
                if any(a == source for a, _ in pairs):
                    kept = [[a, b] for a, b in pairs if a != source]
                    review.answers = {**review.answers, K_EXPLICIT_MERGES: kept}
                else:
                    commit(review, K_MERGE + source, False)
                return source, 1, (f"merged into {merge.into}",)
    for exclusion in excluded:
        if name_key(exclusion.process) == wanted:
            _forget_from(review, exclusion.process, exclusion.step)
            return exclusion.process, exclusion.step, exclusion.reasons
    if any(name_key(p) == wanted for p in processes):
        raise ReplyError(f"“{name}” is not excluded, so there is nothing to reconsider.")
    raise ReplyError(f"I don't know a process called “{name}”. Check the spelling in the report.")


def _forget_from(review: Review, process: str, step: int) -> None:
    """Forget what was said about `process` from `step` on, so those questions are asked again."""
    answers = dict(review.answers)
    for key, value in review.answers.items():
        head = key.split(":", 1)[0].split("@", 1)[0]
        stage = _KEY_STAGES.get(head)
        if stage is None or stage.step_number is None or stage.step_number < step:
            continue
        if key.endswith("@" + process):
            del answers[key]
        elif isinstance(value, dict) and "asked" in value:
            answers[key] = {
                "picked": [p for p in value["picked"] if p != process],
                "asked": [p for p in value["asked"] if p != process],
            }
    review.answers = answers
    review.answered = [k for k in review.answered if k in answers]


def _uncommit(review: Review, key: str) -> Any:
    value = review.answers[key]
    review.answered = [k for k in review.answered if k != key]
    review.answers = {k: v for k, v in review.answers.items() if k != key}
    if key == K_TITLE:
        review.title = ""  # or the title question is not asked again
    if value and not isinstance(value, bool) and (key == K_PROCESSES or key.startswith((K_RATE, K_METRICS))):
        review.drafts = {**review.drafts, key: value}
    return value


def rewind(review: Review) -> None:
    """Move back to the earliest stage with an open question (after a change to an earlier answer)."""
    if review.state in (Stage.DONE, Stage.CANCELLED):
        return
    path = list(INTERVIEW_PATH)
    here = path.index(review.state)
    for stage in path[:here]:
        if any(key not in review.answers for key, _ in PLANS[stage](review)):
            while review.state is not stage and fire(review, "retreat"):
                pass
            return


def _apply(
    review: Review,
    prompt: Prompt,
    author: str,
    command: str | None,
    value: Any,
    facilitator: Callable[[], bool],
) -> Outcome:
    key = prompt.key
    if command == "help":
        parts = [prompt.help, prompt.accepts] if prompt.help else [prompt.accepts]
        return Outcome(prompt=prompt, message=" ".join(parts))
    if command == "back":
        reopened, was = go_back(review)
        return Outcome(
            prompt=None,
            changed=True,
            message=f"Going back to {describe(reopened)}. {_was(reopened, was)}",
            value={"back": reopened},
        )
    if prompt.kind is Kind.WEIGHTS and not facilitator():
        raise ReplyError("Only the facilitator (or a workspace admin) sets the weights; everyone rates.")
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
        stored = {"weights": value.weights, "source": value.source, "directions": value.directions}
        commit(review, key, stored)
        return Outcome(prompt=None, changed=True, value=stored, message="Weights noted.")
    if prompt.kind is Kind.PICK:
        value = pick_answer(value, prompt.options)
    commit(review, key, value)
    if key == K_TITLE:
        review.title = value
    return Outcome(prompt=None, changed=True, value=value)


def _skipped(prompt: Prompt) -> Any:
    if prompt.kind is Kind.PICK:
        everything = [o.value for o in prompt.options]
        return pick_answer(everything if prompt.key == K_CANDIDATES else [], prompt.options)
    if prompt.key.startswith(K_CANDIDATES + "@"):
        return True  # skipping means "yes, a candidate", as for the whole list
    if prompt.kind is Kind.YES_NO:
        return False
    if prompt.kind is Kind.METRICS:
        return []
    return None


def _close(review: Review, prompt: Prompt, facilitator: Callable[[], bool]) -> Outcome:
    draft = review.drafts.get(prompt.key)
    if prompt.kind is Kind.RATINGS:
        if not facilitator():
            raise ReplyError("Only the facilitator closes a rating round. Your ratings are saved.")
        if not draft:
            raise ReplyError("No one has rated this yet; send six ratings first, like `2 4 2 3 5 2`.")
    if prompt.kind is Kind.LIST and not draft:
        raise ReplyError("The list is still empty; send at least one process first, one per line.")
    commit(review, prompt.key, draft or [])
    return Outcome(prompt=None, changed=True, message="Done.")


# ---------------------------------------------------------------- lifecycle


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
        if self.stage is Stage.DONE:
            return "Finished"
        if self.stage is Stage.CANCELLED:
            return "Cancelled"
        if self.stage is Stage.INTAKE:
            return "Getting started"
        if self.stage is Stage.REPORT:
            return "Report ready"
        return f"Step {self.step} of 7 · {self.title}"


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
    if K_CANDIDATES in answers:
        count = len(picked(answers[K_CANDIDATES]))
        facts.append(f"{count} candidate{'s' if count != 1 else ''}")
    order = list(INTERVIEW_PATH)
    rated: str | None = None
    if review.state in order and order.index(review.state) > order.index(Stage.NOT_SHORT_TERM):
        if count_rated:
            remaining = in_play(review, Stage.PRIORITISE)
            done = sum(1 for p in remaining if K_RATE + p in answers)
            rated = f"{done} of {len(remaining)} rated"
    elif review.state in (Stage.DONE, Stage.CANCELLED, Stage.REPORT) and processes:
        facts.append(f"{len(in_play(review, Stage.PRIORITISE))} shortlisted")
    info = STEPS.get(review.state)
    return Progress(review.state, review.state.step_number, info.title if info else "", tuple(facts), rated)
