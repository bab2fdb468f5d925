"""Sensitivity and stability (issue 5, item 3) against an independent brute force: move one weight finely,
re-rank with decide(), and see where neighbours swap."""

from __future__ import annotations

import dataclasses
import math
import random
from fractions import Fraction

import pytest

import flows.sensitivity as sensitivity
from flows.answers import load_answers
from flows.decision import decide
from flows.method import FACTOR_IDS, FACTORS_BY_ID
from flows.model import ReviewInput
from flows.report import Report
from tests.support.reviews import CONTRACT_YAML_NO_DIRECTIONS, rating

NAMES = ["Blog writing", "SEO audits", "Paid ads", "Newsletter", "Product photos", "Social posts"]


def review(ratings: dict[str, dict[str, dict[str, int]]], **weights: float) -> ReviewInput:
    return ReviewInput(processes=list(ratings), ratings=ratings, weights=weights)


def random_review(rng: random.Random) -> ReviewInput:
    """3-5 tasks, 1-3 raters, weights on a 0.001 grid (some 0), sometimes a flipped direction."""
    names = rng.sample(NAMES, rng.randint(3, 5))
    raters = [f"r{i}" for i in range(rng.randint(1, 3))]
    ratings: dict[str, dict[str, dict[str, int]]] = {}
    for name in names:
        if ratings and rng.random() < 0.2:  # an exact copy of another task: ties everywhere
            ratings[name] = dict(rng.choice(list(ratings.values())))
        else:
            ratings[name] = {r: {f: rng.randint(1, 5) for f in FACTOR_IDS} for r in raters}
    weights = {f: 0.0 if rng.random() < 0.1 else rng.randint(100, 1500) / 1000 for f in FACTOR_IDS}
    if not any(weights.values()):
        weights["benefits"] = 1.0
    directions = {f: "+" for f in FACTOR_IDS if rng.random() < 0.15}
    return ReviewInput(
        processes=names, ratings=ratings, weights=weights, directions=directions, title=f"random {rng}"
    )


def without_analysis(monkeypatch: pytest.MonkeyPatch) -> None:
    """decide() without the analysis under test: the brute force only needs its ranking (and is faster)."""
    monkeypatch.setattr(sensitivity, "analyse", lambda report: report)


def order_with(data: ReviewInput, weights: dict[str, float]) -> list[str]:
    return [t.process for t in decide(dataclasses.replace(data, weights=weights)).shortlist]


def grid(low: float, high: float, step: float) -> list[float]:
    first, last = math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9)
    return [round(i * step, 9) for i in range(first, last + 1)]


# ---------------------------------------------------------------- adjacent pairs: brute force


@pytest.mark.parametrize(("seed", "step"), [(0, 0.001), (1, 0.001), *((seed, 0.01) for seed in range(2, 12))])
def test_the_nearest_swap_matches_a_brute_force_scan(
    seed: int, step: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = random_review(random.Random(seed))
    report = decide(data)
    weights = dict(report.weights)
    assert len(report.sensitivity) == len(report.shortlist) - 1
    top = max(weights.values())
    xs = grid(0, 2 * top, step)

    # Every single weight moved over [0, 2·max], the ranking re-done by decide() each time.
    without_analysis(monkeypatch)
    positions: dict[tuple[str, float], dict[str, int]] = {}
    for k in FACTOR_IDS:
        for x in xs:
            moved = {**weights, k: x}
            if sum(moved.values()) > 0:
                positions[k, x] = {p: i for i, p in enumerate(order_with(data, moved))}

    for finding in report.sensitivity:
        a, b = finding.higher, finding.lower
        nearest: dict[str, float] = {}  # factor -> the swap point on the grid closest to its current weight
        for k in FACTOR_IDS:
            swaps = [x for x in xs if (k, x) in positions and positions[k, x][b] < positions[k, x][a]]
            if swaps:
                nearest[k] = min(swaps, key=lambda x, k=k: (abs(x - weights[k]), x))
        brute_distance = min((abs(x - weights[k]) for k, x in nearest.items()), default=math.inf)
        if finding.factor is None:
            assert finding.threshold is None and "no single weight change swaps them" in finding.text
            assert brute_distance == math.inf, (finding, nearest)
            continue
        assert finding.now == weights[finding.factor]
        assert finding.threshold is not None
        exact_distance = abs(finding.threshold - finding.now)
        # No swap on the grid is nearer than the exact one ...
        assert brute_distance >= exact_distance - step - 1e-9, (finding, nearest)
        if finding.threshold <= 2 * top:
            # ... and the exact one is found by the scan, on the side the sentence says.
            assert brute_distance <= exact_distance + step + 1e-9, (finding, nearest)
            x = nearest[finding.factor]
            assert abs(x - finding.threshold) <= step + 1e-9, (finding, x)
            assert (x >= finding.now) if finding.direction == "more" else (x <= finding.now)
        label = FACTORS_BY_ID[finding.factor].label
        assert f"{b} overtakes {a} if {label} weighs " in finding.text


def test_the_brute_force_covers_swaps_and_non_swaps() -> None:
    """The random sets above are not vacuous: they hold both kinds of finding, in both directions."""
    findings = [f for seed in range(12) for f in decide(random_review(random.Random(seed))).sensitivity]
    assert {f.direction for f in findings} == {"more", "less", None}
    assert any(f.inclusive for f in findings) and any(not f.inclusive for f in findings if f.factor)
    labels = [
        t.stability.label
        for seed in range(12)
        for t in decide(random_review(random.Random(100 + seed))).shortlist
        if t.stability
    ]
    assert {"stable", "fragile"} <= set(labels)


# ---------------------------------------------------------------- stability: brute force


@pytest.mark.parametrize("seed", range(12))
def test_stability_labels_match_a_brute_force_scan(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    data = random_review(random.Random(100 + seed))
    report = decide(data)
    without_analysis(monkeypatch)
    weights = dict(report.weights)
    names = [t.process for t in report.shortlist]

    def above(order: list[str], name: str) -> set[str]:
        return set(order[: order.index(name)])

    changed: dict[str, set[tuple[str, float]]] = {n: set() for n in names}
    for k in FACTOR_IDS:
        w = weights[k]
        if w == 0:
            continue
        for x in sorted({0.5 * w, 1.5 * w, *grid(0.5 * w, 1.5 * w, 0.004)}):
            order = order_with(data, {**weights, k: x})
            for name in names:
                if above(order, name) != above(names, name):
                    changed[name].add((k, x))
    for task in report.shortlist:
        assert task.stability is not None
        assert task.stability.label == ("fragile" if changed[task.process] else "stable"), (
            task.process,
            task.stability,
            sorted(changed[task.process])[:5],
        )
        if not task.stability.stable:
            k, x = task.stability.factor, task.stability.weight
            assert k is not None and x is not None
            assert x == pytest.approx(weights[k] * (0.5 if task.stability.change == "-50%" else 1.5))
            order = order_with(data, {**weights, k: x})
            moved = above(order, task.process) ^ above(names, task.process)
            assert moved == set(task.stability.crossed_by)
            assert task.stability.text.startswith(f"fragile: with {FACTORS_BY_ID[k].label} at ")


# ---------------------------------------------------------------- worked examples


def contract_report(**weights: float) -> Report:
    data = load_answers(CONTRACT_YAML_NO_DIRECTIONS, "contract.yml")
    if weights:
        data.weights = {**data.weights, **weights}
    return decide(data)


def test_the_contract_example_by_hand() -> None:
    """Blog writing 82.1 over SEO audits 78.6 with risk weighing 2: normalised values differ by
    d = (¼, −¼, ¼, −¼, −¼, ¼), so S = ¼ and moving risk alone ties them at x = 2 − ¼/¼ = 1; consequences
    (and the others with d < 0) tie them at 1 + 1 = 2, equally far, and risk comes first. At the tie SEO
    audits wins on benefits (5 over 4), so risk at exactly 1 already swaps them."""
    report = contract_report()
    (finding,) = report.sensitivity
    assert (finding.higher, finding.lower, finding.factor) == ("Blog writing", "SEO audits", "risk")
    assert (finding.now, finding.threshold, finding.direction, finding.inclusive) == (2, 1, "less", True)
    assert finding.text == "SEO audits overtakes Blog writing if risk weighs 1 or less (now 2)"
    assert [t.process for t in contract_report(risk=1).shortlist] == ["SEO audits", "Blog writing"]
    assert [t.process for t in contract_report(risk=1.001).shortlist] == ["Blog writing", "SEO audits"]


def test_strict_or_inclusive_follows_the_tie_break() -> None:
    """Alpha is ahead on risk, Beta on consequences; at an exact tie Alpha wins (same benefits, lower risk),
    so the threshold itself does not swap them: "less than", "more than"."""
    ratings = {"Alpha": {"x": rating(risk=2)}, "Beta": {"x": rating(risk=3, consequences=4)}}
    report = decide(review(ratings, risk=2))
    (finding,) = report.sensitivity
    # d = (¼ risk, −¼ consequences), S = 2·¼ − ¼ = ¼: risk ties them at 2 − 1 = 1, consequences at 1 + 1 = 2;
    # equally far, and risk comes first.
    assert [t.process for t in report.shortlist] == ["Alpha", "Beta"]
    assert (finding.factor, finding.threshold, finding.direction, finding.inclusive) == (
        "risk",
        1,
        "less",
        False,
    )
    assert finding.text == "Beta overtakes Alpha if risk weighs less than 1 (now 2)"

    ratings = {"Alpha": {"x": rating(risk=2)}, "Beta": {"x": rating(risk=3, consequences=5)}}
    (finding,) = decide(review(ratings, consequences=0.25)).sensitivity
    # d = (¼, −½), S = ¼ − ⅛ = ⅛: consequences ties them at 0.25 + ¼ = 0.5, risk at 1 − ½ = 0.5 (farther).
    assert (finding.factor, finding.threshold, finding.direction, finding.inclusive) == (
        "consequences",
        0.5,
        "more",
        False,
    )
    assert finding.text == "Beta overtakes Alpha if cost of not outsourcing weighs more than 0.5 (now 0.25)"


def test_the_example_from_the_issue() -> None:
    """'SEO audits overtakes Blog writing if risk weighs more than 2.6 (now 2)', reconstructed."""
    ratings = {
        "Blog writing": {"x": rating(risk=3, benefits=4, consequences=4), "y": rating(risk=4, benefits=4)},
        "SEO audits": {"x": rating(risk=2, benefits=3), "y": rating(risk=1, benefits=3)},
    }
    report = decide(review(ratings, risk=2, benefits=4.1, consequences=2.2))
    (finding,) = report.sensitivity
    assert [t.process for t in report.shortlist] == ["Blog writing", "SEO audits"]
    # medians: Blog writing risk 3.5, consequences 3.5, benefits 4; SEO audits 1.5, 3, 3.
    # d = (risk −½, consequences ⅛, benefits ¼); S = −1 + 0.275 + 1.025 = 0.3; risk: x = 2 + 0.3/½ = 2.6.
    # (benefits ties them at 4.1 − 1.2 = 2.9, farther; consequences would need 2.2 − 2.4 < 0.)
    assert finding.factor == "risk" and finding.direction == "more" and not finding.inclusive
    assert finding.threshold == pytest.approx(2.6)
    assert finding.text == "SEO audits overtakes Blog writing if risk weighs more than 2.6 (now 2)"


def test_no_single_weight_change_swaps_a_task_that_is_better_on_every_factor() -> None:
    ratings = {"Alpha": {"x": rating(risk=1, benefits=5)}, "Beta": {"x": rating(risk=2, benefits=4)}}
    (finding,) = decide(review(ratings)).sensitivity
    assert finding.factor is None and finding.threshold is None
    assert finding.text == "Beta stays below Alpha: no single weight change swaps them"
    # identical ratings: only the tie-break (here the name) orders them, whatever the weights
    same = {"Beta": {"x": rating()}, "Alpha": {"x": rating()}}
    (finding,) = decide(review(same)).sensitivity
    assert (finding.higher, finding.lower, finding.factor) == ("Alpha", "Beta", None)


def test_a_weight_cannot_go_below_zero() -> None:
    """Alpha is ahead on risk only; dropping risk to 0 leaves them tied, and the tie-break keeps Alpha ahead
    (lower risk), so no weight change swaps them; if the tie-break favoured Beta, risk at 0 would."""
    ratings = {"Alpha": {"x": rating(risk=2)}, "Beta": {"x": rating(risk=3)}}
    (finding,) = decide(review(ratings)).sensitivity
    assert finding.factor is None
    ratings = {"Alpha": {"x": rating(risk=2, importance=2)}, "Beta": {"x": rating(risk=3, benefits=4)}}
    report = decide(review(ratings))
    # Alpha +¼ on risk and +¼ on importance, Beta +¼ on benefits; nearest: benefits more than 2 / risk at 0
    (finding,) = report.sensitivity
    assert finding.factor == "risk" and finding.threshold == 0 and finding.inclusive
    assert finding.text == "Beta overtakes Alpha if risk weighs 0 (now 1)"


def test_thresholds_are_rounded_so_the_sentence_stays_true() -> None:
    assert sensitivity._outward(Fraction(13, 5), up=True) == "2.6"
    assert sensitivity._outward(Fraction(26033, 10000), up=True) == "2.61"
    assert sensitivity._outward(Fraction(26033, 10000), up=False) == "2.6"
    assert sensitivity._outward(Fraction(1, 3000), up=False) == "0.0003"
    assert sensitivity._outward(Fraction(7), up=False) == "7"
    # a weight typed as 2.2 is stored as the nearest binary number: 2.6 computed from it is still 2.6
    assert sensitivity._outward(Fraction(2.2) + Fraction(0.4), up=True) == "2.6"


def test_huge_and_tiny_weights_are_exact() -> None:
    ratings = {
        "Alpha": {"x": rating(risk=1, benefits=3)},
        "Beta": {"x": rating(risk=3, benefits=5)},
        "Gamma": {"x": rating(risk=5, benefits=5)},
    }
    report = decide(review(ratings, risk=1e300))
    assert [t.process for t in report.shortlist] == ["Alpha", "Beta", "Gamma"]
    # d = (risk ½, benefits −½), S = (1e300 − 1)/2: risk ties them at exactly 1 (Beta wins that tie on
    # benefits); benefits would need 1e300.
    first = report.sensitivity[0]
    assert (first.factor, first.threshold, first.inclusive) == ("risk", 1, True)
    assert first.text == "Beta overtakes Alpha if risk weighs 1 or less (now 1e+300)"
    report = decide(review(ratings, risk=5e-324, benefits=1e-300))
    assert len(report.sensitivity) == 2
    assert all(f.threshold is None or math.isfinite(f.threshold) for f in report.sensitivity)
    assert all(t.stability is not None for t in report.shortlist)


# ---------------------------------------------------------------- stability by hand


def test_stable_and_fragile_labels() -> None:
    ratings = {
        "Alpha": {"x": rating(risk=1, benefits=5)},  # far ahead
        "Beta": {"x": rating(risk=3, benefits=4)},
        "Gamma": {"x": rating(risk=2, benefits=3)},  # Beta and Gamma trade risk for benefits evenly
    }
    report = decide(review(ratings))
    labels = {t.process: t.stability for t in report.shortlist if t.stability}
    assert labels["Alpha"].label == "stable"
    assert labels["Alpha"].text == "stable: keeps its place with any one weight 50% lower or higher"
    # Beta and Gamma tie on score; Beta wins on benefits. Risk at 1.5 puts Gamma above Beta.
    assert [t.process for t in report.shortlist] == ["Alpha", "Beta", "Gamma"]
    beta, gamma = labels["Beta"], labels["Gamma"]
    assert (beta.label, beta.factor, beta.change, beta.weight, beta.crossed_by) == (
        "fragile",
        "risk",
        "+50%",
        1.5,
        ("Gamma",),
    )
    assert beta.text == "fragile: with risk at 1.5 (+50%), Gamma moves above it"
    assert gamma.text == "fragile: with risk at 1.5 (+50%), it moves above Beta"


def test_a_fragile_sentence_names_five_tasks_and_counts_the_rest() -> None:
    """In a large review one weight can move a task past dozens of others: the sentence names five and says how
    many more (`crossed_by` keeps them all), so the report grows with the number of processes, not its square."""
    from flows.report import Stability

    names = tuple(f"Task {i}" for i in range(12))
    rising = Stability(False, "risk", 1.5, "+50%", names[:7], (), "with risk at 1.5 (+50%)")
    assert (
        rising.text
        == "fragile: with risk at 1.5 (+50%), Task 0, Task 1, Task 2, Task 3, Task 4 and 2 more move above it"
    )
    both = Stability(False, "risk", 0.5, "-50%", names, names[5:], "with risk at 0.5 (-50%)")
    assert both.sentence(str.upper) == (
        "fragile: with risk at 0.5 (-50%), TASK 0, TASK 1, TASK 2, TASK 3, TASK 4 move above it "
        "and it moves above TASK 5, TASK 6, TASK 7, TASK 8, TASK 9 and 2 more"
    )
    assert len(both.crossed_by) == 12
