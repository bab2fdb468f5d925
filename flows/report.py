"""The report as data: what `decide()` returns and every renderer reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from flows.model import Merge, Metric

if TYPE_CHECKING:
    from flows.ledger import LedgerEntry, Reconsideration


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
    ledger: list[LedgerEntry] = field(default_factory=list)  # filled from the answer history
    reconsidered: list[Reconsideration] = field(default_factory=list)

    def fate_of(self, process: str) -> str:
        """'ranked', 'excluded at step N' or 'merged into X'."""
        for task in self.shortlist:
            if task.process == process:
                return "ranked"
        for exclusion in self.excluded:
            if exclusion.process == process:
                return f"excluded at step {exclusion.step}"
        for merge in self.merged:
            if process in merge.sources:
                return f"merged into {merge.into}"
        return "unknown"
