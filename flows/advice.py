"""Advice before arithmetic: what to outsource first, what to talk through first and what stays in-house, in
words a marketing manager reads at a glance. Every renderer (Markdown, Slack) opens with it; the arithmetic
follows in their details (flows.render) and in the JSON report, which this module never changes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from flows.method import FACTOR_IDS, FACTORS, FACTORS_BY_ID, REASON_LABELS, counts
from flows.report import Disagreement, Exclusion, PairSensitivity, RankedTask, Report, Stability

TOP = 5  # the advice speaks of the shortlist's first five tasks; the rest are in the report below it
KEPT_SHOWN = 10  # processes kept in-house named in the advice, the others counted
NAMES_SHOWN = 5  # tasks named in one sentence, the others counted
NO_STANDOUT = "no factor stands out"
EPSILON = Fraction(1, 10**9)  # weights come as floats: 1.4 is stored a hair off

Name = Callable[[str], str]


@dataclass(frozen=True)
class TaskAdvice:
    """One of the top tasks: the one or two reasons that drive its score, and what to talk through, if anything."""

    rank: int
    process: str
    reasons: tuple[str, ...]  # in words: ("big benefits", "low risk")
    disagreements: tuple[Disagreement, ...]
    fragile: Stability | None  # its stability when a ±50% weight moves it, else None

    @property
    def discuss(self) -> bool:
        return bool(self.disagreements) or self.fragile is not None


@dataclass(frozen=True)
class Advice:
    outsource: tuple[TaskAdvice, ...]  # clear: the raters agree and its place holds
    discuss: tuple[TaskAdvice, ...]  # the raters disagree, or its place could change
    kept: tuple[Exclusion, ...]  # every process excluded at steps 2 to 5, in step order
    more_ranked: int  # ranked tasks below the top that the advice does not name


def advise(report: Report, top: int = TOP) -> Advice:
    """The advice for the report's first `top` tasks and its exclusions."""
    tasks = [
        TaskAdvice(
            t.rank,
            t.process,
            reasons(t, report),
            t.disagreements,
            t.stability if t.stability is not None and not t.stability.stable else None,
        )
        for t in report.shortlist[:top]
    ]
    return Advice(
        outsource=tuple(t for t in tasks if not t.discuss),
        discuss=tuple(t for t in tasks if t.discuss),
        kept=tuple(sorted(report.excluded, key=lambda e: e.step)),
        more_ranked=max(0, len(report.shortlist) - top),
    )


# ---------------------------------------------------------------- reasons


def reasons(task: RankedTask, report: Report) -> tuple[str, ...]:
    """The one or two factors that add most to the task's score, in words ("big benefits", "low risk"):
    only factors rated on the side that favours outsourcing, weighed as the score weighs them."""
    favourable = [
        f
        for f in FACTOR_IDS
        if report.weights[f] > 0 and _leans(task.factors[f], report.directions[f]) == report.directions[f]
    ]
    favourable.sort(key=lambda f: -task.contributions[f])  # stable: ties keep the factors' order
    if not favourable:
        return (NO_STANDOUT,)
    return tuple(level(f, task.factors[f]) for f in favourable[:2])


def _leans(median: float, direction: str) -> str | None:
    """ "+" when a median is above the middle of the scale (3), "-" below it: with the direction, whether the
    factor speaks for outsourcing."""
    return "+" if median > 3 else "-" if median < 3 else None


def level(factor: str, median: float) -> str:
    """A factor's median in words: 'low risk', 'big benefits'."""
    known = FACTORS_BY_ID[factor]
    return known.high if median > 3 else known.low


def reasons_text(found: Sequence[str]) -> str:
    return ", ".join(found)


# ---------------------------------------------------------------- what to talk through


def disagreement_words(disagreements: Sequence[Disagreement], names: Callable[[Iterable[str]], str]) -> str:
    """'raters disagree on risk (tom said 2, maria said 4)'; with several factors, just the factors."""
    if len(disagreements) == 1:
        (d,) = disagreements
        label = FACTORS_BY_ID[d.factor].label
        return f"raters disagree on {label} ({names(d.low_raters)} said {d.low}, {names(d.high_raters)} said {d.high})"
    return "raters disagree on " + listing([FACTORS_BY_ID[d.factor].label for d in disagreements], str)


def discuss_words(task: TaskAdvice, name: Name, names: Callable[[Iterable[str]], str]) -> str:
    """Why a task is worth a talk first, as one sentence without the final full stop."""
    parts = []
    if task.disagreements:
        parts.append(disagreement_words(task.disagreements, names))
    if task.fragile is not None:
        parts.append(f"its place could change: it {stability_words(task.fragile, name)}")
    return "; ".join(parts)


# ---------------------------------------------------------------- stability in words


def stability_words(stability: Stability, name: Name = str) -> str:
    """'keeps its place …', or 'would swap with X if risk counted half again as much' (no subject)."""
    if stability.stable or stability.factor is None:
        return "keeps its place if any one factor counts half as much or half again as much"
    label = FACTORS_BY_ID[stability.factor].label
    amount = "half again as much" if stability.change == "+50%" else "half as much"
    crossed = stability.crossed_by
    verb = (
        f"would swap with {name(crossed[0])}"
        if len(crossed) == 1
        else f"would change places with {listing(crossed, name)}"
    )
    return f"{verb} if {label} counted {amount}"


def swap_words(pair: PairSensitivity, name: Name = str) -> str:
    """'SEO audits would move above Blog writing if risk counted half again as much', or that no one factor
    can swap them. The arithmetic (`pair.text`) stays in the details and the JSON."""
    higher, lower = name(pair.higher), name(pair.lower)
    if pair.factor is None or pair.now is None or pair.threshold is None:
        return f"{lower} stays below {higher} however much any one factor counts"
    label = FACTORS_BY_ID[pair.factor].label
    return f"{lower} would move above {higher} if {label} {weight_change(pair)}"


def weight_change(pair: PairSensitivity) -> str:
    """How one weight must change for the pair to swap, in words: 'counted half again as much', 'counted over
    40% more', 'did not count at all'. Rounded so that the change said is enough."""
    assert pair.now is not None and pair.threshold is not None
    now, threshold = Fraction(pair.now), Fraction(pair.threshold)
    beyond = not pair.inclusive  # at the threshold itself they only tie, and the tie stays with `higher`
    if pair.direction == "less":
        if threshold <= EPSILON:
            return "did not count at all"
        return "counted " + _less(threshold / now, beyond)
    if now == 0:
        if threshold == 0:
            return "counted at all (now it counts for nothing)"
        over = "over " if beyond else ""
        return f"were given a weight of {over}{_decimal(threshold)} (now it counts for nothing)"
    return "counted " + _more(threshold / now, beyond)


def _more(ratio: Fraction, beyond: bool) -> str:
    if abs(ratio - 1) <= EPSILON:
        return "even a little more"
    if ratio > 100:
        return "more than 100 times as much"
    if ratio < 2:
        percent, exact = _up(100 * (ratio - 1))
        over = beyond and exact
        if percent == 50:
            return ("more than " if over else "") + "half again as much"
        if percent == 100:
            return ("more than " if over else "") + "twice as much"
        return ("over " if over else "") + f"{percent}% more"
    tenths, exact = _up(10 * ratio)
    times = "twice" if tenths == 20 else f"{_decimal(Fraction(tenths, 10))} times"
    return ("more than " if beyond and exact else "") + f"{times} as much"


def _less(ratio: Fraction, beyond: bool) -> str:
    if abs(ratio - 1) <= EPSILON:
        return "even a little less"
    percent, exact = _up(100 * (1 - ratio))
    over = beyond and exact
    if percent >= 100:
        return "next to nothing"
    if percent == 50:
        return ("less than " if over else "") + "half as much"
    return ("over " if over else "") + f"{percent}% less"


def _up(value: Fraction) -> tuple[int, bool]:
    """`value` rounded up to a whole number (a hair above a whole number is that number), and whether that is
    `value` itself."""
    whole = math.ceil(value - EPSILON)
    return whole, abs(whole - value) <= EPSILON


def _decimal(value: Fraction) -> str:
    """2 -> '2', 2.5 -> '2.5', 1/3 -> '0.34' (rounded up: the change said is enough)."""
    hundredths = math.ceil(value * 100 - EPSILON)
    return str(hundredths // 100) if hundredths % 100 == 0 else f"{hundredths / 100:.2f}".rstrip("0")


# ---------------------------------------------------------------- kept in-house

STEP_WORDS = {3: "keep in-house", 4: "cannot be outsourced", 5: "not now: revisit later"}


def kept_words(exclusion: Exclusion) -> str:
    """Why a process stays in-house and at which step: 'gives a competitive advantage and no outsider can
    match it (step 3, keep in-house)'."""
    if exclusion.step == 2:
        return "not marked as a candidate (step 2)"
    why = listing([REASON_LABELS.get(r, r) for r in exclusion.reasons], str)
    step = STEP_WORDS.get(exclusion.step)
    return f"{why} (step {exclusion.step}{', ' + step if step else ''})"


# ---------------------------------------------------------------- how the factors count


def factor_counts(report: Report) -> list[str]:
    """Per factor, its weight and which way it counts: 'Importance (×1) counts against outsourcing: keep what
    matters most close'."""
    return [
        f"{f.label.capitalize()} (×{_weight(report.weights[f.id])}) {counts(f.id, report.directions[f.id])}"
        for f in FACTORS
    ]


def counts_summary(report: Report) -> str:
    """Which factors count for outsourcing and which against, in one sentence (for Slack): 'A high rating
    counts against outsourcing on risk (a risky hand-over can wait), …; it counts for outsourcing on benefits
    (…).'"""
    against = [_counted(f.id, report) for f in FACTORS if report.directions[f.id] == "-"]
    for_it = [_counted(f.id, report) for f in FACTORS if report.directions[f.id] == "+"]
    parts = []
    if against:
        parts.append(f"counts against outsourcing on {listing(against, str, len(FACTORS))}")
    if for_it:
        parts.append(f"counts for outsourcing on {listing(for_it, str, len(FACTORS))}")
    return f"A high rating {'; it '.join(parts)}."


def _counted(factor: str, report: Report) -> str:
    known = FACTORS_BY_ID[factor]
    why = known.why if report.directions[factor] == known.direction else "turned around for this review"
    return f"{known.label} ({why})"


def _weight(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


# ---------------------------------------------------------------- lists in words


def listing(items: Sequence[str], name: Name, limit: int = NAMES_SHOWN) -> str:
    """'A', 'A and B', 'A, B and C', 'A, B, C, D, E and 3 more' (`limit` named, the rest counted)."""
    shown = [name(n) for n in items[:limit]]
    rest = len(items) - len(shown)
    if rest:
        return f"{', '.join(shown)} and {rest} more"
    if len(shown) <= 1:
        return "".join(shown)
    return f"{', '.join(shown[:-1])} and {shown[-1]}"
