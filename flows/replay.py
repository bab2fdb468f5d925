"""An answers file applied to a review in one pass: the answers a chat would have given, and their records.

Each answer goes in as the reply a person would type (the interview's own rules read it), but in memory, one
after the other, so the caller saves the finished review and every record at once
(`ReviewService.replay`) instead of one transaction per reply.
"""

from __future__ import annotations

from collections.abc import Callable

from flows.answers import AnswersError
from flows.decision import effective_directions, effective_weights, scores, sift
from flows.interview import InPlay, apply_reply, current_prompt, review_input
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
)
from flows.method import FACTOR_IDS, Stage
from flows.model import AnswerRecord, Review, ReviewInput
from flows.prompts import Kind, Prompt, typed_reply
from flows.similarity import name_key

ROC_SOURCE = "ranked factors (rank-order centroid)"  # flows.prompts.parse_weights' source for `rank ...`

Send = Callable[[str, str], tuple[Prompt | None, str | None]]  # (author, text) -> (next prompt, error)

_SECTIONS = {SERVICE_LEVEL: "service_levels", RATE: "ratings", METRICS: "metrics"}
_PLACES = {
    MERGE: "merges",
    WEIGHTS: "weights",
    ORGANISATION: "organisation",
    PROCESSES: "processes",
    TITLE: "title",
}


def replay(review: Review, data: ReviewInput, source: str) -> list[AnswerRecord]:
    """Answer the whole interview on `review` (in place, as its facilitator and the file's raters would) and
    return the answer records the replies make, in order; raises AnswersError if the file cannot be answered.
    """
    answers = Answers(data, source, review.facilitator)
    records: list[AnswerRecord] = []
    known = InPlay()  # what is in play, kept from reply to reply while the answers it was made from hold

    def send(author: str, text: str) -> tuple[Prompt | None, str | None]:
        text, too_long = typed_reply(text)
        if too_long:
            return None, too_long
        outcome = apply_reply(review, author, text, is_facilitator=author == review.facilitator, known=known)
        if outcome.changed and not outcome.error:
            records.append(outcome.record(review, author, text))
        return outcome.prompt, outcome.error

    drive(answers, current_prompt(review), send)
    if review.state is not Stage.DONE or _core(review_input(review)) != _core(data):
        raise RuntimeError(f"{source}: the interview did not reach the file's result; please report this bug")
    return records


def check_answers(data: ReviewInput, source: str, facilitator: str, fallback_title: str) -> Review:
    """The review an answers file makes, in memory, saving nothing; raises AnswersError if it cannot be."""
    review = Review(title=data.title or fallback_title, facilitator=facilitator)
    replay(review, data, source)
    return review


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _place(prompt: Prompt) -> str:
    """Where in the answers file the answer to `prompt` comes from."""
    key = QuestionKey.parse(prompt.key)
    if key.name in _SECTIONS and key.subject is not None:
        return f"{_SECTIONS[key.name]} › {key.subject}"
    return _PLACES.get(key.name, key.name)  # candidates, keep_inhouse, cannot_outsource, not_short_term


class Answers:
    """The typed replies that answer each interview question the way an answers file does."""

    def __init__(self, data: ReviewInput, source: str, facilitator: str):
        self.data, self.source, self.me = data, source, facilitator
        # By name key, as each question about a process looks its answer up (the last spelling wins).
        self.levels = {name_key(p): s for p, s in data.service_levels.items()}
        self.ratings = {name_key(p): r for p, r in data.ratings.items()}
        self.metrics = {name_key(p): m for p, m in data.metrics.items()}

    def fail(self, place: str, problem: str, fix: str) -> AnswersError:
        return AnswersError(self.source, place, problem, fix)

    def replies(self, prompt: Prompt) -> list[tuple[str, str]]:
        me, data = self.me, self.data
        key = QuestionKey.parse(prompt.key)
        name, per_process = key.name, key.subject is not None
        if name == TITLE:
            return [(me, data.title or "Untitled review")]
        if name == ORGANISATION:
            if data.organisation is None:
                return [(me, "skip")]
            known = {name_key(o.value): o.value for o in prompt.options}
            if name_key(data.organisation) not in known:
                raise self.fail(
                    "organisation",
                    f"unknown organisation {data.organisation!r}",
                    f"use one of: {', '.join(known.values())}, or leave it out",
                )
            return [(me, known[name_key(data.organisation)])]
        if name == PROCESSES:
            merges = [f"merge {src} into {m.into}" for m in data.merges for src in m.sources]
            return [(me, "\n".join(data.processes)), (me, "done"), *((me, merge) for merge in merges)]
        if name == MERGE and per_process:
            return [(me, "no")]  # the file's merges were all made by name
        if prompt.kind is Kind.PICK:
            chosen = self._chosen(key)
            numbers = [str(i) for i, o in enumerate(prompt.options, start=1) if name_key(o.value) in chosen]
            return [(me, " ".join(numbers) or "none")]
        if name == WEIGHTS:
            if data.weights_source == ROC_SOURCE and not data.directions:  # `rank ...` gives the same weights
                order = sorted(data.weights, key=lambda f: -data.weights[f])
                return [(me, "rank " + " ".join(order))]
            pairs = [f"{factor} {_number(weight)}" for factor, weight in data.weights.items()]
            pairs += [f"{factor} {direction}" for factor, direction in data.directions.items()]
            return [(me, " ".join(pairs) or "ok")]
        process = prompt.subject or ""
        if name == SERVICE_LEVEL and per_process:
            return [(me, self.levels.get(name_key(process)) or "skip")]
        if name == RATE and per_process:
            ratings = self.ratings.get(name_key(process), {})
            rounds = [
                (rater, " ".join(str(values[f]) for f in FACTOR_IDS)) for rater, values in ratings.items()
            ]
            return [*rounds, (me, "done")]
        if name == METRICS and per_process:
            metrics = self.metrics.get(name_key(process), [])
            lines = []
            for i, m in enumerate(metrics, start=1):
                place = f"metrics › {process} › item {i}"
                if any(mark in m.name for mark in ";|"):
                    raise self.fail(place, "a metric name cannot contain `;` or `|`", "reword the name")
                lines.append("; ".join([m.name, _number(m.baseline), _number(m.target), _number(m.warn_at)]))
            return [(me, "\n".join(lines)), (me, "done")] if lines else [(me, "skip")]
        raise RuntimeError(
            f"{self.source}: the interview asked {prompt.key!r}, which answers files cannot answer yet"
        )

    def _chosen(self, key: QuestionKey) -> set[str]:
        if key.name == CANDIDATES:
            candidates = self.data.candidates
            return {name_key(p) for p in (self.data.processes if candidates is None else candidates)}
        held = self.data.knockouts.get(Stage(key.name), {})
        return {name_key(p) for p, reasons in held.items() if key.subject in reasons}


def drive(answers: Answers, prompt: Prompt | None, send: Send) -> None:
    """Answer question after question until the interview has no more."""
    asked: set[str] = set()
    while prompt is not None:
        if prompt.key in asked:
            raise answers.fail(_place(prompt), "the interview did not take this answer", "check the value")
        asked.add(prompt.key)
        current = prompt
        for author, text in answers.replies(current):
            prompt, error = send(author, text)
            if error:
                raise answers.fail(_place(current), error.rstrip("."), "correct it in the file")


def _core(data: ReviewInput) -> tuple[object, ...]:
    """What the decision makes of `data`: the contract's report keys that carry it (section 4), without
    building the report: the processes, merges, exclusions (reasons in any order), the ranked shortlist with
    its shown scores and factor medians, the weights and directions."""
    processes, excluded, _ = sift(data)
    return (
        processes,
        [(m.into, list(m.sources)) for m in data.merges],
        [(e.process, e.step, sorted(e.reasons)) for e in excluded],
        [(process, medians, round(score, 1)) for process, medians, score in scores(data)],
        effective_weights(data.weights),
        effective_directions(data.directions),
    )
