"""How stable is the ranking? Exact single-weight sensitivity for the weighted-sum score (the README, "The method").

A task's score is 100 × Σ w_f·v_f / Σ w_f with v_f its normalised median. For two tasks a (above) and b, with
d_f = v_af − v_bf, S = Σ w_f·d_f and W = Σ w_f, the score difference is 100 × S / W. Moving one weight w_k to x
(the others fixed) makes it 100 × (S + (x − w_k)·d_k) / (W + x − w_k): the denominator stays positive, so the
sign follows the numerator, which is linear in x. It is zero at x = w_k − S/d_k when d_k ≠ 0, and at that exact
point the contract's tie-breaks (higher benefits, then lower risk, then the name) decide the order.

Everything is computed with exact fractions; floats only come out at the end.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import cached_property
from itertools import accumulate, pairwise
from operator import mul

from flows.method import FACTOR_IDS, FACTORS_BY_ID
from flows.report import PairSensitivity, RankedTask, Report, Stability

STABILITY_BAND = Fraction(1, 2)  # ±50%
NO_SWAP = "no single weight change swaps them"
MAX_WEIGHT = int(sys.float_info.max)


def _label(factor: str) -> str:
    return FACTORS_BY_ID[factor].label


def _number(value: float | Fraction, decimals: int = 2) -> str:
    """2 -> '2', 2.5 -> '2.5', 1/3 -> '0.33', 1e300 -> '1e+300'."""
    value = float(value)
    if abs(value) >= 1e6:
        return f"{value:.4g}"
    return str(int(value)) if value.is_integer() else f"{value:.{decimals}f}".rstrip("0").rstrip(".")


def _outward(value: Fraction, up: bool) -> str:
    """`value` with at most two decimals, rounded so a statement 'more than' (up) / 'less than' stays true.

    2.6 stays 2.6; 2.6033 becomes 2.61 for 'more than' and 2.6 for 'less than'. A tiny positive 'less than'
    threshold gets more decimals rather than becoming 0. A value within a hair (1e-9) of a two-decimal number is
    that number: weights typed as decimals are stored as the nearest binary fraction.
    """
    # In whole numbers over value's denominator q: a Fraction operation costs a gcd, and this runs per pair.
    p, q = value.numerator, value.denominator
    hundredths = round(Fraction(p * 100, q))  # round(value, 2): halves to even
    if abs(p * 100 - hundredths * q) * 10**9 <= 100 * max(q, abs(p)) and (hundredths > 0 or p <= 0 or up):
        return _number(hundredths / 100)
    for decimals in (2, 3, 4, 6):
        scale = 10**decimals
        rounded = -(-p * scale // q) if up else p * scale // q  # ceil / floor of value * scale
        if rounded > 0 or p <= 0 or up:
            return _number(rounded / scale, decimals)
    return _number(value, 9)


@dataclass(frozen=True)
class _Task:
    name: str
    values: dict[str, int]  # normalised medians (1 = outsource sooner) times a common denominator
    # The contract's tie-breaks, smaller first. Medians of whole ratings are whole or halves: exact as floats.
    tie_key: tuple[float, float, str]

    @cached_property
    def vector(self) -> tuple[int, ...]:
        """`values` in FACTOR_IDS order, for `_numerator`."""
        return tuple(self.values[f] for f in FACTOR_IDS)


@dataclass(frozen=True)
class _Weights:
    """Weights as whole numbers over one common denominator: exact, and much faster than Fractions."""

    scaled: dict[str, int]
    unit: int  # a weight is scaled / unit

    @classmethod
    def of(cls, weights: Mapping[str, float]) -> _Weights:
        exact = {f: Fraction(weights[f]) for f in FACTOR_IDS}
        unit = math.lcm(*(w.denominator for w in exact.values()))
        return cls({f: int(w * unit) for f, w in exact.items()}, unit)

    def true(self, scaled: int | Fraction) -> Fraction:
        return Fraction(scaled) / self.unit

    @cached_property
    def current(self) -> dict[str, Fraction]:
        """Each weight as it is, exactly: once, not once per pair of tasks."""
        return {f: self.true(w) for f, w in self.scaled.items()}

    @cached_property
    def vector(self) -> tuple[int, ...]:
        """`scaled` in FACTOR_IDS order, for `_numerator`: once, not once per pair of tasks."""
        return _in_order(self.scaled)


def _tasks(shortlist: Sequence[RankedTask], directions: Mapping[str, str]) -> list[_Task]:
    # Medians take few values (1, 1.5, ... 5): each (median, direction) is made a fraction once, not once per
    # task and factor, and then a whole number over their common denominator.
    normal: dict[tuple[float, str], Fraction] = {}
    keys = [[(t.factors[f], directions[f]) for f in FACTOR_IDS] for t in shortlist]
    for key in {key for task_keys in keys for key in task_keys}:
        m, direction = Fraction(key[0]), key[1]
        normal[key] = (m - 1) / 4 if direction == "+" else (5 - m) / 4
    unit = math.lcm(1, *(v.denominator for v in normal.values()))
    scaled = {key: int(v * unit) for key, v in normal.items()}
    return [
        _Task(
            t.process,
            {f: scaled[key] for f, key in zip(FACTOR_IDS, task_keys, strict=True)},
            (-t.factors["benefits"], t.factors["risk"], t.process.casefold()),
        )
        for t, task_keys in zip(shortlist, keys, strict=True)
    ]


def _numerator(task: _Task, weights: Sequence[int]) -> int:
    """Σ w·v (`weights` in FACTOR_IDS order, see `_in_order`): the score times Σ w (and the common
    denominators), which is the same for every task. Worked out for every task under 13 weightings."""
    return sum(map(mul, weights, task.vector))


def _in_order(weights: Mapping[str, int]) -> tuple[int, ...]:
    return tuple(weights[f] for f in FACTOR_IDS)


# ---------------------------------------------------------------- adjacent pairs


@dataclass(frozen=True)
class _Crossing:
    factor: str
    now: Fraction
    threshold: Fraction
    direction: str  # "more" or "less"
    inclusive: bool


def _crossing(a: _Task, b: _Task, weights: _Weights, k: str, s: int) -> _Crossing | None:
    """Where moving weight k alone puts b above a, if anywhere in x ≥ 0 (with Σ w > 0).

    `s` is a's numerator minus b's."""
    d_k = a.values[k] - b.values[k]
    if d_k == 0:
        return None
    w_k = weights.scaled[k]
    others = sum(weights.scaled.values()) - w_k
    # The threshold w_k − S/d_k (over the unit) as top / bottom in whole numbers, bottom > 0: Fractions only
    # for a crossing that exists.
    top, bottom = w_k * d_k - s, d_k * weights.unit
    if bottom < 0:
        top, bottom = -top, -bottom
    inclusive = b.tie_key < a.tie_key  # at the exact crossing the scores tie and the tie-break decides
    if top > MAX_WEIGHT * bottom:  # no weight can be that large
        return None
    if d_k < 0:  # b is better on k: more weight on k helps b; threshold >= w_k when a is above b
        direction = "more"
    elif top > 0 or (top == 0 and inclusive and others > 0):
        direction = "less"  # a is better on k: b gets ahead only when k weighs less, and not below 0
    else:
        return None
    return _Crossing(k, weights.current[k], Fraction(top, bottom), direction, inclusive)


def condition(crossing: _Crossing | None) -> str:
    """'if risk weighs more than 2.6 (now 2)', or that no single weight change swaps the pair."""
    if crossing is None:
        return NO_SWAP
    now = _number(crossing.now)
    label = _label(crossing.factor)
    if crossing.direction == "more":
        shown = _outward(crossing.threshold, up=True)
        bound = f"{shown} or more" if crossing.inclusive else f"more than {shown}"
    elif crossing.threshold == 0:
        bound = "0"
    else:
        shown = _outward(crossing.threshold, up=False)
        bound = f"{shown} or less" if crossing.inclusive else f"less than {shown}"
    return f"if {label} weighs {bound} (now {now})"


def _nearest_crossing(a: _Task, b: _Task, weights: _Weights, s: int) -> _Crossing | None:
    """The crossing nearest to the weights as they are (the first factor in FACTOR_IDS wins a tie), or None.

    Moving weight k to its crossing moves it by |S / d_k| (over the common unit), so the nearer crossings are
    those of the larger |d_k|: candidates are tried in that order, and the first that exists is the nearest.
    One crossing is worked out in fractions instead of one per factor. `s` is a's numerator minus b's."""
    differing = [k for k in FACTOR_IDS if a.values[k] != b.values[k]]
    if s:  # with S = 0 every crossing is where the weights are now: all tie, and factor order decides
        differing.sort(key=lambda k: -abs(a.values[k] - b.values[k]))  # stable: ties keep factor order
    return next((c for k in differing if (c := _crossing(a, b, weights, k, s)) is not None), None)


def pair_sensitivity(higher: _Task, lower: _Task, weights: _Weights, s: int) -> PairSensitivity:
    """The nearest single-weight change that puts `lower` above `higher` (first factor wins a tie); `s` is
    higher's numerator minus lower's."""
    best = _nearest_crossing(higher, lower, weights, s)
    if best is None:
        return PairSensitivity(higher.name, lower.name, condition(None))
    return PairSensitivity(
        higher=higher.name,
        lower=lower.name,
        condition=condition(best),
        factor=best.factor,
        now=float(best.now),
        threshold=float(best.threshold),
        direction=best.direction,
        inclusive=best.inclusive,
    )


# ---------------------------------------------------------------- stability


def _moves(weights: _Weights) -> list[tuple[str, str, Fraction, int]]:
    """(factor, change, new weight, that weight doubled over the unit) for each single weight at −50% and at
    +50%. Every other weight is doubled too: that keeps the order, and keeps half and one and a half of a
    weight whole numbers."""
    moves = []
    for k in FACTOR_IDS:
        w_k = weights.scaled[k]
        if w_k == 0:  # a zero weight stays zero
            continue
        for change, moved in (("-50%", w_k), ("+50%", 3 * w_k)):
            moves.append((k, change, weights.true(Fraction(moved, 2)), moved))
    return moves


def stabilities(tasks: Sequence[_Task], weights: _Weights, base: list[int]) -> list[Stability]:
    """Per task: does it keep its place with each single weight at −50% and at +50% (the others fixed)?
    `base`: each task's numerator under the weights as they are.

    "Keeps its place" means no other task changes sides with it, so its rank and the tasks above it stay
    the same. Checking the two ends of [0.5·w, 1.5·w] is exact, not a sample: for any pair, the score
    difference's sign follows a numerator linear in the one moved weight, so the pair's order flips at most
    once as that weight moves; if it flips anywhere between w and 1.5·w it is still flipped at 1.5·w, and
    likewise between 0.5·w and w. The tie-breaks at an exact tie keep this true (the order at the crossing
    point is one side's or the other's).

    Each weighting orders the tasks once (scores, then tie-breaks), and a task keeps its place exactly when
    the tasks above it are the same set in both orders: the first p tasks of both orders are the same set
    (p its place) and it is at p in both. That takes a sort per weighting; a fragile task's crossings are
    the tasks above it in one order and not in the other (comparing every pair for every weighting made a
    1,000-process report take seconds).
    """
    by_tie = sorted(range(len(tasks)), key=lambda i: tasks[i].tie_key)
    ties = _inverse(by_tie)  # each task's place among the tie-breaks: compared as a number from here on
    order_now = _ranking(base, ties)
    now = _inverse(order_now)
    stable = Stability(True)
    # A move changes weight k alone (all weights doubled): each numerator is twice the current one plus the
    # change of k's doubled weight times the task's value on k.
    moved = []
    for k, change, x, w_k in _moves(weights):
        delta = w_k - 2 * weights.scaled[k]
        order = _ranking([2 * n + delta * t.values[k] for n, t in zip(base, tasks, strict=True)], ties)
        places = _inverse(order)
        moved.append((k, change, x, places, order, _keeps_place(now, order_now, places)))
    if not moved:  # every weight is zero: nothing moves
        return [stable] * len(tasks)
    names = [t.name for t in tasks]
    found = []
    for me, kept_by_move in enumerate(zip(*(kept for *_, kept in moved), strict=True)):
        if all(kept_by_move):
            found.append(stable)
            continue
        k, change, x, places, order, _ = moved[kept_by_move.index(False)]
        # Those above it in one order and not in the other, in the shortlist's order: of those above it now,
        # the ones below it after the move, and the other way round.
        p, q = now[me], places[me]
        crossed = sorted([o for o in order_now[:p] if places[o] > q] + [o for o in order[:q] if now[o] > p])
        found.append(
            Stability(
                stable=False,
                factor=k,
                weight=float(x),
                change=change,
                crossed_by=tuple(map(names.__getitem__, crossed)),
                passes=tuple([names[o] for o in crossed if now[o] < p]),
                condition=f"with {_label(k)} at {_number(x)} ({change})",
            )
        )
    return found


def _ranking(numerators: list[int], ties: list[int]) -> list[int]:
    """The tasks (their indexes) from the top place down, by their numerators (`_numerator`): the higher score
    first, then the tie-breaks (`ties`, each task's place among them: 0 to n - 1, so one whole number orders
    by both)."""
    count = len(numerators)
    keys = [tie - n * count for n, tie in zip(numerators, ties, strict=True)]
    return sorted(range(count), key=keys.__getitem__)


def _inverse(order: list[int]) -> list[int]:
    """Each task's place in `order` (the tasks from the top place down); and the other way round."""
    places = [0] * len(order)
    for place, i in enumerate(order):
        places[i] = place
    return places


def _keeps_place(now: list[int], order_now: list[int], moved: list[int]) -> list[bool]:
    """Per task: the same tasks are above it in both orders (given as each task's place, and the tasks from
    the top place down now)."""
    # same_top[p]: the first p tasks of both orders are the same set (their places after the move are 0..p-1)
    highest = accumulate(map(moved.__getitem__, order_now), max)
    same_top = [True, *(top == p for p, top in enumerate(highest))]
    return [same_top[place] and after == place for place, after in zip(now, moved, strict=True)]


# ---------------------------------------------------------------- the report


def analyse(report: Report) -> Report:
    """The report with `sensitivity` (one finding per adjacent pair) and each task's `stability` filled in."""
    weights = _Weights.of(report.weights)
    tasks = _tasks(report.shortlist, report.directions)
    numerators = [_numerator(t, weights.vector) for t in tasks]  # each task's, under the weights as they are
    report.sensitivity = [
        pair_sensitivity(a, b, weights, n_a - n_b)
        for (a, b), (n_a, n_b) in zip(pairwise(tasks), pairwise(numerators), strict=True)
    ]
    found = stabilities(tasks, weights, numerators)
    report.shortlist = [replace(t, stability=found[i]) for i, t in enumerate(report.shortlist)]
    return report
