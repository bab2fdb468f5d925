"""The report as data: what `decide()` returns and every renderer reads.

A leaf: it imports only the model, so the modules that fill a report in (decision, ledger, checkin) can all use it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from typing import Any

from flows.model import Merge, Metric


class Level(StrEnum):
    RED = "red"
    AMBER = "amber"


@dataclass(frozen=True)
class Reading:
    """One value of one metric for one period (YYYY-MM)."""

    process: str
    metric: str
    period: str
    value: float
    author: str
    at: str  # ISO 8601, UTC

    def as_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "period": self.period,
            "value": self.value,
            "author": self.author,
            "at": self.at,
        }


@dataclass(frozen=True)
class EarlyWarning:
    level: Level
    process: str
    metric: str
    period: str
    value: float
    text: str
    periods: tuple[str, ...]  # the periods whose values raised it


@dataclass(frozen=True)
class LedgerEntry:
    process: str
    fate: str  # "excluded" or "merged"
    step: int
    reasons: tuple[str, ...]
    by: tuple[str, ...]
    at: datetime | None
    comments: tuple[str, ...]


@dataclass(frozen=True)
class Reconsideration:
    process: str
    by: str
    at: datetime
    was_step: int | None
    was_reasons: tuple[str, ...]
    now: str  # the process's fate in the current report


@dataclass(frozen=True)
class MergeSuggestion:
    into: str
    source: str
    similarity: float


@dataclass(frozen=True)
class Exclusion:
    process: str
    step: int
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Disagreement:
    """Two raters' values for one factor differ by 2 or more."""

    factor: str
    low: int
    high: int
    low_raters: tuple[str, ...]
    high_raters: tuple[str, ...]


@dataclass(frozen=True)
class PairSensitivity:
    """The smallest change to one weight that would put `lower` above `higher`, its neighbour on the shortlist.

    `factor` is None when no single weight change swaps them. Otherwise `lower` moves above `higher` when the
    weight of `factor` (now `now`) goes past `threshold`: above it when `direction` is "more", below it when
    "less"; `inclusive` says the threshold itself already swaps them (the tie-break favours `lower`).
    """

    higher: str
    lower: str
    condition: str  # "if risk weighs more than 2.6 (now 2)", or "no single weight change swaps them"
    factor: str | None = None
    now: float | None = None
    threshold: float | None = None
    direction: str | None = None  # "more" or "less"
    inclusive: bool = False

    def sentence(self, name: Callable[[str], str] = str) -> str:
        """The finding in words; `name` shows a task name (escaping it for Markdown or Slack)."""
        if self.factor is None:
            return f"{name(self.lower)} stays below {name(self.higher)}: {self.condition}"
        return f"{name(self.lower)} overtakes {name(self.higher)} {self.condition}"

    @property
    def text(self) -> str:
        return self.sentence()


NAMES_SHOWN = 5  # a sentence names this many tasks, then says how many more (`crossed_by` keeps them all)


def _some(names: Sequence[str], name: Callable[[str], str]) -> str:
    """`A, B, C, D, E and 12 more`: in a large review one weight can move a task past dozens of others, and
    listing them all made the report grow with the square of the number of processes."""
    shown = ", ".join(name(n) for n in names[:NAMES_SHOWN])
    return shown + (f" and {len(names) - NAMES_SHOWN} more" if len(names) > NAMES_SHOWN else "")


@dataclass(frozen=True)
class Stability:
    """Whether a ranked task keeps its place when any one weight is moved by ±50%, the others fixed."""

    stable: bool
    factor: str | None = None  # the weight that breaks it (fragile only)
    weight: float | None = None  # the moved weight: half or one and a half times the current one
    change: str | None = None  # "-50%" or "+50%"
    crossed_by: tuple[str, ...] = ()  # the tasks that change sides with it there
    passes: tuple[str, ...] = ()  # those of crossed_by it moves above (the others move above it)
    condition: str = ""  # "with risk at 3 (+50%)"

    @property
    def label(self) -> str:
        return "stable" if self.stable else "fragile"

    def sentence(self, name: Callable[[str], str] = str) -> str:
        """The label and why, in words; `name` shows a task name (escaping it for Markdown or Slack)."""
        if self.stable:
            return "stable: keeps its place with any one weight 50% lower or higher"
        passes = set(self.passes)
        rising = [n for n in self.crossed_by if n not in passes]
        parts = [f"{_some(rising, name)} {'move' if len(rising) > 1 else 'moves'} above it"] if rising else []
        if self.passes:
            parts.append(f"it moves above {_some(self.passes, name)}")
        return f"fragile: {self.condition}, {' and '.join(parts)}"

    @property
    def text(self) -> str:
        return self.sentence()


@dataclass(frozen=True)
class RankedTask:
    rank: int
    process: str
    score: float  # exact; renderers round to one decimal
    factors: dict[str, float]  # median per factor
    contributions: dict[str, float]  # weight x normalised value per factor (the score's arithmetic)
    disagreements: tuple[Disagreement, ...]
    ratings: dict[str, dict[str, int]]  # rater -> factor -> value
    service_level: str | None = None
    metrics: tuple[Metric, ...] = ()
    stability: Stability | None = None  # flows.sensitivity

    @cached_property
    def spread(self) -> dict[str, tuple[int, int]]:
        """Per factor, the lowest and the highest rating given (worked out once: every renderer asks)."""
        if not self.ratings:
            return {}
        rows = list(self.ratings.values())
        return {f: (min(values), max(values)) for f in rows[0] for values in ([row[f] for row in rows],)}

    @property
    def needs_discussion(self) -> bool:
        return bool(self.disagreements)


@dataclass
class Report:
    review: str
    processes: list[str]
    merged: list[Merge]
    merge_suggestions: list[MergeSuggestion]
    excluded: list[Exclusion]
    shortlist: list[RankedTask]
    weights: dict[str, float]
    directions: dict[str, str]
    weights_source: str = "default"
    organisation: str | None = None
    notes: list[str] = field(default_factory=list)
    sensitivity: list[PairSensitivity] = field(default_factory=list)  # one per adjacent pair, top first
    ledger: list[LedgerEntry] = field(default_factory=list)  # filled from the answer history
    reconsidered: list[Reconsideration] = field(default_factory=list)
    checkins: list[Reading] = field(default_factory=list)  # actual metric values, per period
    warnings: list[EarlyWarning] = field(default_factory=list)  # early warnings standing now

    def place_of(self, process: str) -> RankedTask | Exclusion | Merge | None:
        """Where the process ended up: its ranked task, its exclusion or the merge that took it in."""
        for task in self.shortlist:
            if task.process == process:
                return task
        for exclusion in self.excluded:
            if exclusion.process == process:
                return exclusion
        for merge in self.merged:
            if process in merge.sources:
                return merge
        return None

    def fate_of(self, process: str) -> str:
        """'ranked', 'excluded at step N' or 'merged into X'."""
        match self.place_of(process):
            case RankedTask():
                return "ranked"
            case Exclusion(step=step):
                return f"excluded at step {step}"
            case Merge(into=into):
                return f"merged into {into}"
        return "unknown"
