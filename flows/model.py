"""Plain data the method works on: the answers of a review, and the interview's own record.

`ReviewInput` has the shape of the answers file (docs/answers-file.md), with names already resolved;
`decide()` turns it into a report. `Review` is what storage saves and rehydrates: the machine's state,
the answers per question, and where the interview stands.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flows.method import Stage

Ratings = dict[str, dict[str, dict[str, int]]]  # process -> rater -> factor -> 1..5


@dataclass(frozen=True)
class Metric:
    name: str
    baseline: float | None = None
    target: float | None = None
    warn_at: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "baseline": self.baseline, "target": self.target, "warn_at": self.warn_at}


@dataclass(frozen=True)
class Merge:
    into: str
    sources: tuple[str, ...]


@dataclass
class ReviewInput:
    """Everything the decision needs, names as the team typed them (canonical spelling)."""

    processes: list[str]
    title: str = ""
    organisation: str | None = None
    merges: list[Merge] = field(default_factory=list)
    candidates: list[str] | None = None  # None: every process is a candidate
    knockouts: dict[Stage, dict[str, list[str]]] = field(default_factory=dict)  # stage -> process -> criteria
    service_levels: dict[str, str] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)
    directions: dict[str, str] = field(default_factory=dict)
    weights_source: str = "default"
    ratings: Ratings = field(default_factory=dict)
    metrics: dict[str, list[Metric]] = field(default_factory=dict)


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Review:
    """One review as the interview sees it. Storage saves every field; nothing here knows about storage.

    `answers` maps a question key to its committed answer; `drafts` holds answers still being collected
    (a list the team is still typing, a rating round still open); `answered` is the order answers were
    committed in, which is what `back` walks.
    """

    title: str
    facilitator: str
    team_id: str = "local"
    channel_id: str | None = None
    thread_ts: str | None = None
    id: str | None = None
    state: Stage = Stage.INTAKE
    answers: dict[str, Any] = field(default_factory=dict)
    drafts: dict[str, Any] = field(default_factory=dict)
    answered: list[str] = field(default_factory=list)
    raters: list[str] = field(default_factory=list)  # who must rate before a round closes by itself
    version: int = 0
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)
    enterprise_id: str | None = None  # the chat platform's organisation (Slack Enterprise Grid), when any
    # The question a transport last posted where the team answers (a Slack thread), as its `Prompt.edition`
    # (its key, and for numbered options which numbering). A transport compares it with the current question
    # to repost one whose post failed or was never made, or whose options were renumbered since.
    posted_question: str | None = None
    # The open question was not there to be seen before this moment: when it was posted, by the clock of the
    # place it was posted (Slack's ts of the message), or, until that is known, when the save that opened it
    # was made. None when unknown (reviews saved before it was kept). A typed reply dated earlier was meant
    # for a question before it.
    posted_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.state not in (Stage.DONE, Stage.CANCELLED)


@dataclass(frozen=True)
class AnswerRecord:
    """One reply as given: who, when, to which question, what they typed and what it meant."""

    review_id: str
    question: str
    author: str
    text: str
    value: Any
    at: datetime = field(default_factory=utcnow)
