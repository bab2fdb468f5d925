"""How the interview puts answers and progress into words: names of questions, answers as text, headlines.

Presentation only: the engine decides, these functions say it.
"""

from __future__ import annotations

from typing import Any

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
from flows.method import FACTORS, REASON_LABELS, Stage
from flows.model import Review
from flows.people import people

_NAMES = {
    TITLE: "the title",
    ORGANISATION: "the kind of organisation",
    PROCESSES: "the list of processes",
    CANDIDATES: "which processes are candidates",
    WEIGHTS: "the weights",
}
_ABOUT = {
    MERGE: "merging {}",
    SERVICE_LEVEL: "the service level of {}",
    RATE: "the ratings of {}",
    METRICS: "the metrics of {}",
}


def describe(key: str) -> str:
    """A short, plain name for a question key."""
    if key in _NAMES:
        return _NAMES[key]
    parsed = QuestionKey.parse(key)
    if parsed.name == CANDIDATES and parsed.process is not None:
        return f"whether {parsed.process} is a candidate"
    if parsed.name in _ABOUT and parsed.subject is not None:
        return _ABOUT[parsed.name].format(parsed.subject)
    criterion = parsed.subject or ""  # a knock-out question, or its follow-up about one process
    label = REASON_LABELS.get(criterion, criterion)
    return f"{label} ({parsed.process})" if parsed.process else f"which processes: {label}"


def answers_text(review: Review) -> str:
    """The answers so far, numbered for `change N` (each line cut short)."""
    lines = [f"{n}. {cut(text, 200)}" for n, _, text in answered_questions(review)]
    if not lines:
        return "Nothing is answered yet."
    return "Answers so far (`change N` reopens one):\n" + "\n".join(lines)


def weights_text(review: Review) -> str:
    """`weights` alone: the weights now, and how to change them (nothing changes)."""
    stored = review.answers.get(WEIGHTS) or {}
    weights = {f.label: (stored.get("weights") or {}).get(f.id, 1) for f in FACTORS}
    shown = ", ".join(f"{factor} {weight:g}" for factor, weight in weights.items())
    return (
        f"The weights now: {shown}. Change them with `weights risk 2 benefits 1.5`, "
        "`weights rank benefits risk ...` or `weights ok` (all 1)."
    )


def raters_text(review: Review) -> str:
    """`raters` alone: who rates now, and how to change that (nothing changes)."""
    if not review.raters:
        return (
            "No raters are named: the facilitator closes each rating round with `done`. Name them with "
            "`raters @ana @ben`, and each round closes by itself once they all have rated."
        )
    return (
        f"The raters: {people(review.raters)}. Each round closes by itself once they all have rated. "
        "Change them with `raters @ana @ben`, or `raters none`."
    )


def duplicates_text(repeats: list[tuple[str, int]], shown: int = 5) -> str:
    """'“Newsletter” was listed twice: kept once.'; several in one sentence. '' when nothing was repeated."""
    if not repeats:
        return ""
    if len(repeats) == 1:
        name, count = repeats[0]
        times = "twice" if count == 2 else f"{count} times"
        return f"“{cut(name, 60)}” was listed {times}: kept once."
    names = [f"“{cut(name, 60)}”" for name, _ in repeats[:shown]]
    rest = len(repeats) - len(names)
    listed = (
        ", ".join(names[:-1]) + f" and {names[-1]}" if not rest else ", ".join(names) + f" and {rest} more"
    )
    return f"{listed} were listed more than once: each kept once."


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def was(key: str, value: Any) -> str:
    """What a reopened question's answer was, for the person about to change it."""
    name = QuestionKey.parse(key).name
    if name == RATE:
        raters = people(value) if isinstance(value, dict) else "no one"
        return f"Rated so far by: {raters}; they are kept until the round closes again."
    if key == PROCESSES or name == METRICS:
        return (
            f"You answered: {cut(answer_text(value), 300)}. It is kept: send more, or reply `done` to "
            "keep it as it is."
        )
    return f"You answered: {cut(answer_text(value), 300)}. Reply again to change it."


def answered_questions(review: Review) -> list[tuple[int, str, str]]:
    """(number, key, 'question → answer') for each committed answer, in the order given."""
    return [
        (i, key, f"{describe(key)} → {answer_text(review.answers.get(key))}")
        for i, key in enumerate(review.answered, 1)
    ]


def answer_text(value: Any) -> str:
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


def headline(stage: Stage, step: int | None, title: str) -> str:
    """The one-line state of a review ("Step 3 of 7 · ...")."""
    if stage is Stage.DONE:
        return "Finished"
    if stage is Stage.CANCELLED:
        return "Cancelled"
    if stage is Stage.INTAKE:
        return "Getting started"
    if stage is Stage.REPORT:
        return "Report ready"
    return f"Step {step} of 7 · {title}"
