"""Shared builders for the flows tests: ratings, the contract's example, and an interview driver."""

from __future__ import annotations

import dataclasses
from typing import Any

from flows.interview import Outcome, apply_reply, current_prompt
from flows.method import FACTOR_IDS
from flows.model import Review
from flows.prompts import Prompt

FACILITATOR = "fran"

# The public contract's example answers file, verbatim except for the comments.
CONTRACT_YAML = """\
title: Q3 marketing review
organisation: ecommerce
processes:
  - Blog writing
  - Writing blog posts
  - SEO audits
  - Brand strategy
  - Key account calls
  - Website relaunch
merges:
  - {into: Blog writing, from: [Writing blog posts]}
candidates: [Blog writing, SEO audits, Brand strategy, Key account calls, Website relaunch]
keep_inhouse: {Brand strategy: [competitive_advantage]}
cannot_outsource: {Key account calls: [face_to_face]}
not_short_term: {Website relaunch: [in_progress]}
service_levels: {SEO audits: "monthly audit, 5 working days"}
weights: {risk: 2}
directions: {importance: "+"}
ratings:
  SEO audits:
    alice: {risk: 2, consequences: 4, tech_complexity: 2, importance: 2, benefits: 5, vendor_expertise: 2}
  Blog writing:
    alice: {risk: 1, consequences: 3, tech_complexity: 1, importance: 3, benefits: 4, vendor_expertise: 1}
metrics:
  SEO audits:
    - {name: organic sessions per month, baseline: 12000, target: 15000, warn_at: 11000}
"""
CONTRACT_YAML_NO_DIRECTIONS = "".join(
    line for line in CONTRACT_YAML.splitlines(keepends=True) if not line.startswith("directions:")
)


def rating(*values: int, **named: int) -> dict[str, int]:
    """rating(2, 4, 2, 3, 5, 2) in factor order, or rating(risk=1) with the rest 3."""
    if values:
        assert len(values) == len(FACTOR_IDS)
        return dict(zip(FACTOR_IDS, values, strict=True))
    return {f: named.get(f, 3) for f in FACTOR_IDS}


def as_text(values: dict[str, int]) -> str:
    return " ".join(str(values[f]) for f in FACTOR_IDS)


def prompt_strings(prompt: Prompt) -> list[str]:
    """Every string a transport could show for a prompt."""
    found: list[str] = [prompt.accepts]
    for field in dataclasses.fields(prompt):
        value = getattr(prompt, field.name)
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, tuple):
            for item in value:
                if isinstance(item, str):
                    found.append(item)
                elif dataclasses.is_dataclass(item):
                    found += [v for v in dataclasses.asdict(item).values() if isinstance(v, str)]
    return found


class Interview:
    """Drives `apply_reply` on one in-memory review, failing loudly on unexpected errors."""

    def __init__(self, title: str = "", raters: list[str] | None = None):
        self.review = Review(title=title, facilitator=FACILITATOR, raters=list(raters or []))
        self.outcomes: list[Outcome] = []

    @property
    def prompt(self) -> Prompt | None:
        return current_prompt(self.review)

    @property
    def key(self) -> str | None:
        prompt = self.prompt
        return prompt.key if prompt else None

    def say(self, text: str, author: str = FACILITATOR, **kwargs: Any) -> Outcome:
        outcome = apply_reply(self.review, author, text, is_facilitator=author == FACILITATOR, **kwargs)
        self.outcomes.append(outcome)
        assert outcome.error is None, f"{text!r} at {outcome.question}: {outcome.error}"
        return outcome

    def refused(self, text: str, author: str = FACILITATOR) -> str:
        before = (self.review.state, dict(self.review.answers), dict(self.review.drafts))
        outcome = apply_reply(self.review, author, text, is_facilitator=author == FACILITATOR)
        assert outcome.error, f"{text!r} was accepted at {outcome.question}"
        assert not outcome.changed
        assert (self.review.state, self.review.answers, self.review.drafts) == before
        return outcome.error

    def options(self) -> list[str]:
        prompt = self.prompt
        assert prompt is not None
        return [o.value for o in prompt.options]

    def pick(self, *names: str) -> Outcome:
        """Answer a pick question by naming options (turned into their numbers)."""
        options = self.options()
        numbers = [str(options.index(name) + 1) for name in names]
        return self.say(" ".join(numbers) if numbers else "none")


@dataclasses.dataclass(frozen=True)
class Pick:
    """Answer a pick question by option names (numbers are worked out when it is asked)."""

    names: tuple[str, ...]

    def __init__(self, *names: str):
        object.__setattr__(self, "names", names)


Step = str | tuple[str, str] | Pick  # a facilitator's text, (author, text), or options by name
Plan = dict[str, list[Step] | Pick | str]

# The contract's example (section 3) as an interview: same processes, merges, knock-outs and ratings.
CONTRACT_PLAN: Plan = {
    "intake.title": "Q3 marketing review",
    "intake.organisation": "3",  # ecommerce
    "simplify.processes": [
        "Blog writing\nWriting blog posts\nSEO audits",
        "- Brand strategy\n- Key account calls\n- Website relaunch",
        "done",
    ],
    "simplify.merge:Writing blog posts": "yes",
    "candidates": "all",
    "keep_inhouse:competitive_advantage": Pick("Brand strategy"),
    "cannot_outsource:face_to_face": Pick("Key account calls"),
    "not_short_term:in_progress": Pick("Website relaunch"),
    "prioritise.weights": "risk 2",
    "prioritise.service_level:SEO audits": "monthly audit, 5 working days",
    "prioritise.rate:Blog writing": [("alice", "1 3 1 3 4 1"), "done"],
    "prioritise.rate:SEO audits": [("alice", "2 4 2 2 5 2"), "done"],
    "metrics:SEO audits": ["organic sessions per month; 12000; 15000; 11000", "done"],
}


def answer(iv: Interview, plan: Plan) -> str:
    """Answer the current question from `plan`; by default picks say `none`, required yes/no `no`, others `skip`."""
    prompt = iv.prompt
    assert prompt is not None, "nothing is asked"
    steps = plan.get(prompt.key)
    if steps is None:
        default = {"pick": "none", "yes_no": "no"}.get(prompt.kind, "skip")
        steps = ["skip" if prompt.optional and prompt.kind != "pick" else default]
    elif not isinstance(steps, list):
        steps = [steps]
    for step in steps:
        if isinstance(step, Pick):
            iv.pick(*step.names)
        elif isinstance(step, tuple):
            iv.say(step[1], author=step[0])
        else:
            iv.say(step)
    return prompt.key


def run(iv: Interview, plan: Plan, *, until: str | None = None, limit: int = 200) -> list[str]:
    """Answer questions from `plan` until the review closes or the question `until` is asked."""
    asked: list[str] = []
    while iv.review.is_open and iv.key != until:
        asked.append(answer(iv, plan))
        assert len(asked) < limit, asked
    return asked
