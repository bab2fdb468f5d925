"""The decision: merges, knock-outs and the step 6 score (the README, "The method")."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import compress

from flows.method import (
    DEFAULT_DIRECTIONS,
    DEFAULT_WEIGHTS,
    FACTOR_IDS,
    KNOCKOUT_STAGES,
    NOT_CANDIDATE,
    STEP_NUMBERS,
    Stage,
)
from flows.model import ReviewInput
from flows.report import Disagreement, Exclusion, RankedTask, Report
from flows.similarity import name_key, suggest_merges

DISAGREEMENT_GAP = 2


def effective_weights(weights: Mapping[str, float]) -> dict[str, float]:
    return {f: float(weights.get(f, DEFAULT_WEIGHTS[f])) for f in FACTOR_IDS}


def effective_directions(directions: Mapping[str, str]) -> dict[str, str]:
    return {f: directions.get(f, DEFAULT_DIRECTIONS[f]) for f in FACTOR_IDS}


def factor_medians(ratings: Mapping[str, Mapping[str, int]]) -> dict[str, float]:
    """Per factor, the median of the raters' values (even count: mean of the two middle values)."""
    rows = list(ratings.values())
    return {f: _median(sorted([r[f] for r in rows])) for f in FACTOR_IDS}


def _median(ordered: list[int]) -> float:
    """statistics.median of a list sorted already (it sorts again; this runs for every task and factor)."""
    middle = len(ordered) // 2
    return float(ordered[middle]) if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def normalised(value: float, direction: str) -> float:
    """0..1, where 1 always means 'outsource this sooner'."""
    return (value - 1) / 4 if direction == "+" else (5 - value) / 4


def contributions(
    medians: Mapping[str, float], weights: Mapping[str, float], directions: Mapping[str, str]
) -> dict[str, float]:
    return {f: weights[f] * normalised(medians[f], directions[f]) for f in FACTOR_IDS}


def score(medians: Mapping[str, float], weights: Mapping[str, float], directions: Mapping[str, str]) -> float:
    return _scaled_score(medians, _scaled(weights), directions)


def _scaled(weights: Mapping[str, float]) -> dict[str, float]:
    """The weights divided by the largest: scores come out the same, without overflow (1e308) or underflow
    (5e-324)."""
    top = max(weights[f] for f in FACTOR_IDS)
    return {f: weights[f] / top for f in FACTOR_IDS}


def _scaled_score(
    medians: Mapping[str, float], scaled: Mapping[str, float], directions: Mapping[str, str]
) -> float:
    return 100 * sum(contributions(medians, scaled, directions).values()) / sum(scaled.values())


def disagreements(ratings: Mapping[str, Mapping[str, int]]) -> tuple[Disagreement, ...]:
    raters = sorted(ratings)  # once: each factor's lists of raters come out in this order
    rows = [ratings[rater] for rater in raters]
    found = []
    for f in FACTOR_IDS:
        values = [row[f] for row in rows]
        low, high = min(values), max(values)
        if high - low >= DISAGREEMENT_GAP:
            found.append(
                Disagreement(
                    factor=f,
                    low=low,
                    high=high,
                    low_raters=tuple(compress(raters, [v == low for v in values])),
                    high_raters=tuple(compress(raters, [v == high for v in values])),
                )
            )
    return tuple(found)


def rank_key(
    process: str, medians: Mapping[str, float], exact_score: float
) -> tuple[float, float, float, str]:
    """Score descending; ties by higher benefits, then lower risk, then name (case-insensitive)."""
    return (-exact_score, -medians["benefits"], medians["risk"], process.casefold())


def sift(data: ReviewInput) -> tuple[list[str], list[Exclusion], list[str]]:
    """Steps 1-5: (processes after merging, exclusions in step order, candidates left to rank)."""
    key_of = {p: name_key(p) for p in data.processes}
    merged_away = {name_key(src) for m in data.merges for src in m.sources}
    processes = [p for p in data.processes if key_of[p] not in merged_away]
    candidate_keys = None if data.candidates is None else {name_key(c) for c in data.candidates}

    excluded: list[Exclusion] = []
    in_play: list[str] = []
    for process in processes:
        if candidate_keys is not None and key_of[process] not in candidate_keys:
            excluded.append(Exclusion(process, STEP_NUMBERS[Stage.CANDIDATES], (NOT_CANDIDATE,)))
        else:
            in_play.append(process)
    for stage in KNOCKOUT_STAGES:
        held = {name_key(p): reasons for p, reasons in data.knockouts.get(stage, {}).items() if reasons}
        if not held:
            continue
        survivors = []
        for process in in_play:
            reasons = held.get(key_of[process])
            if reasons:
                excluded.append(Exclusion(process, STEP_NUMBERS[stage], tuple(reasons)))
            else:
                survivors.append(process)
        in_play = survivors
    return processes, excluded, in_play


Scored = tuple[tuple[float, float, float, str], str, dict[str, float], float, Mapping[str, Mapping[str, int]]]


def _scored(
    data: ReviewInput, in_play: list[str], weights: Mapping[str, float], directions: Mapping[str, str]
) -> list[Scored]:
    """(rank key, process, medians, exact score, ratings) for each candidate, best first."""
    ratings_by_key = {name_key(p): r for p, r in data.ratings.items()}
    scaled = _scaled(weights)  # once, not once a task
    scored: list[Scored] = []
    for process in in_play:
        ratings = ratings_by_key.get(name_key(process))
        if not ratings:
            raise ValueError(f"{process} has no ratings")
        medians = factor_medians(ratings)
        exact = _scaled_score(medians, scaled, directions)
        scored.append((rank_key(process, medians, exact), process, medians, exact, ratings))
    return sorted(scored, key=lambda item: item[0])


def ranking(data: ReviewInput) -> list[str]:
    """Just the shortlist's order, without building the report (step 7 walks the tasks in this order)."""
    return [process for process, _, _ in scores(data)]


def scores(data: ReviewInput) -> list[tuple[str, dict[str, float], float]]:
    """The shortlist without the report: each ranked process, best first, with its factor medians and its
    exact score."""
    _, _, in_play = sift(data)
    weights, directions = effective_weights(data.weights), effective_directions(data.directions)
    return [
        (process, medians, exact)
        for _, process, medians, exact, _ in _scored(data, in_play, weights, directions)
    ]


def decide(data: ReviewInput) -> Report:
    """Apply the seven steps to a review's answers. Names in `data` must already be canonical."""
    processes, excluded, in_play = sift(data)
    weights = effective_weights(data.weights)
    directions = effective_directions(data.directions)
    service_levels = {name_key(p): s for p, s in data.service_levels.items()}
    metrics = {name_key(p): m for p, m in data.metrics.items()}
    scored = _scored(data, in_play, weights, directions)

    shortlist = [
        RankedTask(
            rank=i,
            process=process,
            score=exact,
            factors=medians,
            contributions=contributions(medians, weights, directions),
            disagreements=disagreements(ratings),
            ratings={rater: dict(values) for rater, values in ratings.items()},
            service_level=service_levels.get(name_key(process)),
            metrics=tuple(metrics.get(name_key(process), ())),
        )
        for i, (_, process, medians, exact, ratings) in enumerate(scored, start=1)
    ]
    report = Report(
        review=data.title,
        processes=processes,
        merged=list(data.merges),
        # The listed processes' suggestions, those merged away left out: the pairs the interview found.
        merge_suggestions=suggest_merges(
            data.processes, leaving_out=set(data.processes).difference(processes)
        ),
        excluded=excluded,
        shortlist=shortlist,
        weights=weights,
        directions=directions,
        weights_source=data.weights_source,
        organisation=data.organisation,
    )
    from flows.sensitivity import analyse  # imports this module's neighbours; here to avoid a cycle

    return analyse(report)
