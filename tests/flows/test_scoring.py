"""The method's decision (the README, "The method"): medians, normalisation, weights, ties, knock-outs, merges."""

from __future__ import annotations

import pytest

from flows.answers import load_answers, parse_answers
from flows.decision import (
    decide,
    disagreements,
    effective_directions,
    effective_weights,
    factor_medians,
    normalised,
    score,
    sift,
)
from flows.method import DEFAULT_DIRECTIONS, FACTOR_IDS, NOT_CANDIDATE, Stage
from flows.model import Merge, ReviewInput
from flows.render import to_json_dict
from flows.similarity import dedupe
from tests.support.reviews import CONTRACT_YAML, CONTRACT_YAML_NO_DIRECTIONS, rating

# ---------------------------------------------------------------- medians


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([3], 3),
        ([1, 2, 5], 2),
        ([5, 1, 5], 5),
        ([1, 2, 3, 4, 5], 3),
        ([1, 2], 1.5),
        ([1, 5], 3),
        ([4, 1, 2, 5], 3),  # unsorted: mean of the two middle values 2 and 4
        ([2, 2, 3, 5], 2.5),
        ([1, 1, 1, 2], 1),
        ([5, 4, 5, 4, 4, 5], 4.5),
    ],
)
def test_median_per_factor(values: list[int], expected: float) -> None:
    ratings = {f"r{i}": rating(risk=v) for i, v in enumerate(values)}
    medians = factor_medians(ratings)
    assert medians["risk"] == expected
    assert all(medians[f] == 3 for f in FACTOR_IDS if f != "risk")


def test_medians_are_taken_per_factor_not_per_rater() -> None:
    ratings = {"a": rating(1, 5, 1, 5, 1, 5), "b": rating(5, 1, 5, 1, 5, 1), "c": rating(2, 2, 2, 2, 2, 2)}
    assert factor_medians(ratings) == dict.fromkeys(FACTOR_IDS, 2)


# ---------------------------------------------------------------- normalisation


@pytest.mark.parametrize(
    ("median", "direction", "expected"),
    [
        (1, "+", 0.0),
        (2, "+", 0.25),
        (2.5, "+", 0.375),
        (3, "+", 0.5),
        (5, "+", 1.0),
        (1, "-", 1.0),
        (1.5, "-", 0.875),
        (4, "-", 0.25),
        (5, "-", 0.0),
    ],
)
def test_normalised(median: float, direction: str, expected: float) -> None:
    assert normalised(median, direction) == pytest.approx(expected)


def test_default_directions_are_the_contracts() -> None:
    assert DEFAULT_DIRECTIONS == {
        "risk": "-",
        "consequences": "+",
        "tech_complexity": "-",
        "importance": "-",
        "benefits": "+",
        "vendor_expertise": "-",
    }
    assert effective_directions({}) == DEFAULT_DIRECTIONS
    assert effective_directions({"importance": "+"}) == {**DEFAULT_DIRECTIONS, "importance": "+"}


# ---------------------------------------------------------------- scores


def _score(medians: dict[str, float], weights: dict | None = None, directions: dict | None = None) -> float:
    return score(medians, effective_weights(weights or {}), effective_directions(directions or {}))


BLOG = rating(1, 3, 1, 3, 4, 1)  # the contract's Blog writing
SEO = rating(2, 4, 2, 2, 5, 2)  # the contract's SEO audits


@pytest.mark.parametrize(
    ("medians", "weights", "directions", "expected"),
    [
        # default weights: mean of the normalised values
        (rating(3, 3, 3, 3, 3, 3), None, None, 50.0),
        (rating(1, 5, 1, 1, 5, 1), None, None, 100.0),
        (rating(5, 1, 5, 5, 1, 5), None, None, 0.0),
        (BLOG, None, None, 100 * (1 + 0.5 + 1 + 0.5 + 0.75 + 1) / 6),
        (SEO, None, None, 100 * (0.75 + 0.75 + 0.75 + 0.75 + 1 + 0.75) / 6),
        # custom weights: 100 x sum(w v) / sum(w)
        (BLOG, {"risk": 2}, None, 100 * 5.75 / 7),
        (SEO, {"risk": 2}, None, 100 * 5.5 / 7),
        (SEO, {"benefits": 3, "risk": 0.5}, None, 100 * (0.5 * 0.75 + 0.75 * 4 + 3 * 1) / 7.5),
        # weights with zeros: those factors do not count at all
        (
            rating(5, 5, 5, 5, 5, 5),
            {"risk": 0, "tech_complexity": 0, "importance": 0, "vendor_expertise": 0},
            None,
            100.0,
        ),
        (rating(1, 1, 1, 1, 1, 1), {"consequences": 0, "benefits": 0}, None, 100.0),
        (BLOG, {f: 0 for f in FACTOR_IDS if f != "benefits"}, None, 75.0),
        # custom directions
        (SEO, {"risk": 2}, {"importance": "+"}, 100 * 5.0 / 7),
        (rating(5, 5, 5, 5, 5, 5), None, dict.fromkeys(FACTOR_IDS, "+"), 100.0),
        (rating(5, 5, 5, 5, 5, 5), None, dict.fromkeys(FACTOR_IDS, "-"), 0.0),
        (
            rating(2, 2, 2, 2, 2, 2),
            None,
            {"benefits": "-", "risk": "+"},
            100 * (0.25 + 0.25 + 0.75 + 0.75 + 0.75 + 0.75) / 6,
        ),
    ],
)
def test_score(medians: dict, weights: dict | None, directions: dict | None, expected: float) -> None:
    assert _score(medians, weights, directions) == pytest.approx(expected)


def test_effective_weights_default_to_one() -> None:
    assert effective_weights({}) == dict.fromkeys(FACTOR_IDS, 1.0)
    assert effective_weights({"risk": 2}) == {**dict.fromkeys(FACTOR_IDS, 1.0), "risk": 2.0}


@pytest.mark.parametrize("huge", [1e300, 1e308])
def test_huge_weights_still_give_a_score_between_0_and_100(huge: float) -> None:
    weights = {"risk": huge, "consequences": huge, "benefits": huge}
    assert _score(BLOG, weights) == pytest.approx(100 * (1 + 0.5 + 0.75) / 3)


def test_tiny_weights_are_not_lost_to_underflow() -> None:
    weights = {f: 0 for f in FACTOR_IDS} | {"benefits": 5e-324}
    assert _score(BLOG, weights) == pytest.approx(75.0)


# ---------------------------------------------------------------- the contract's example


def test_contract_example_without_directions() -> None:
    report = to_json_dict(decide(load_answers(CONTRACT_YAML_NO_DIRECTIONS)))
    assert report["review"] == "Q3 marketing review"
    assert report["processes"] == [
        "Blog writing",
        "SEO audits",
        "Brand strategy",
        "Key account calls",
        "Website relaunch",
    ]
    assert report["merged"] == [{"into": "Blog writing", "from": ["Writing blog posts"]}]
    assert report["merge_suggestions"] == []
    assert report["excluded"] == [
        {"process": "Brand strategy", "step": 3, "reasons": ["competitive_advantage"]},
        {"process": "Key account calls", "step": 4, "reasons": ["face_to_face"]},
        {"process": "Website relaunch", "step": 5, "reasons": ["in_progress"]},
    ]
    shortlist = [(t["rank"], t["process"], t["score"]) for t in report["shortlist"]]
    assert shortlist == [(1, "Blog writing", 82.1), (2, "SEO audits", 78.6)]
    blog, seo = report["shortlist"]
    assert blog["factors"] == {
        "risk": 1,
        "consequences": 3,
        "tech_complexity": 1,
        "importance": 3,
        "benefits": 4,
        "vendor_expertise": 1,
    }
    assert blog["disagreements"] == [] and blog["service_level"] is None and blog["metrics"] == []
    assert seo["service_level"] == "monthly audit, 5 working days"
    assert seo["metrics"] == [
        {"name": "organic sessions per month", "baseline": 12000, "target": 15000, "warn_at": 11000}
    ]
    assert report["weights"] == {
        "risk": 2,
        "consequences": 1,
        "tech_complexity": 1,
        "importance": 1,
        "benefits": 1,
        "vendor_expertise": 1,
    }
    assert report["directions"] == DEFAULT_DIRECTIONS


def test_contract_example_with_directions() -> None:
    report = to_json_dict(decide(load_answers(CONTRACT_YAML)))
    shortlist = [(t["rank"], t["process"], t["score"]) for t in report["shortlist"]]
    assert shortlist == [(1, "Blog writing", 82.1), (2, "SEO audits", 71.4)]
    assert report["directions"] == {**DEFAULT_DIRECTIONS, "importance": "+"}


# ---------------------------------------------------------------- ranking and ties


def _ranked(ratings: dict[str, dict[str, dict[str, int]]], **extra: object) -> list[str]:
    data = ReviewInput(processes=list(ratings), ratings=ratings, **extra)  # type: ignore[arg-type]
    return [t.process for t in decide(data).shortlist]


@pytest.mark.parametrize(
    ("ratings", "expected"),
    [
        pytest.param(
            {"Alpha": {"a": rating(benefits=2)}, "Zulu": {"a": rating(benefits=4)}},
            ["Zulu", "Alpha"],
            id="higher score first",
        ),
        pytest.param(
            # same score (benefits and consequences trade places), higher benefits wins
            {
                "Alpha": {"a": rating(benefits=2, consequences=4)},
                "Zulu": {"a": rating(benefits=4, consequences=2)},
            },
            ["Zulu", "Alpha"],
            id="tie: higher benefits",
        ),
        pytest.param(
            # even medians count too: benefits 3.5 beats 3
            {
                "Alpha": {"a": rating(benefits=3, consequences=4), "b": rating(benefits=3, consequences=3)},
                "Zulu": {"a": rating(benefits=4, consequences=3), "b": rating(benefits=3, consequences=3)},
            },
            ["Zulu", "Alpha"],
            id="tie: higher benefits median (even count)",
        ),
        pytest.param(
            # same score and benefits: risk and tech_complexity trade places, lower risk wins
            {
                "Alpha": {"a": rating(risk=4, tech_complexity=2)},
                "Zulu": {"a": rating(risk=2, tech_complexity=4)},
            },
            ["Zulu", "Alpha"],
            id="tie: lower risk",
        ),
        pytest.param(
            {"beta": {"a": rating()}, "Charlie": {"a": rating()}, "alpha": {"a": rating()}},
            ["alpha", "beta", "Charlie"],
            id="tie: name ignoring case",
        ),
        pytest.param(
            # benefits only breaks ties: a higher score with lower benefits still ranks first
            {"Alpha": {"a": rating(benefits=3, risk=1)}, "Zulu": {"a": rating(benefits=4, risk=5)}},
            ["Alpha", "Zulu"],
            id="score beats benefits",
        ),
    ],
)
def test_ranking_and_tie_breaks(ratings: dict, expected: list[str]) -> None:
    assert _ranked(ratings) == expected
    assert _ranked(dict(reversed(list(ratings.items())))) == expected


def test_ranking_uses_the_exact_score_not_the_rounded_one() -> None:
    ratings = {
        # Alpha: risk better, benefits worse; the tiny extra weight on risk puts it ahead by 0.008 points
        "Alpha": {"a": rating(risk=1, benefits=3)},
        "Zulu": {"a": rating(risk=3, benefits=5)},
    }
    report = decide(ReviewInput(processes=list(ratings), ratings=ratings, weights={"risk": 1.001}))
    alpha, zulu = report.shortlist
    assert (alpha.process, zulu.process) == ("Alpha", "Zulu")
    assert round(alpha.score, 1) == round(zulu.score, 1)
    assert alpha.score > zulu.score


def test_ranks_are_1_to_n() -> None:
    ratings = {name: {"a": rating(benefits=b)} for name, b in [("A", 1), ("B", 5), ("C", 3), ("D", 2)]}
    report = decide(ReviewInput(processes=list(ratings), ratings=ratings))
    assert [(t.rank, t.process) for t in report.shortlist] == [(1, "B"), (2, "C"), (3, "D"), (4, "A")]


def test_custom_weights_and_directions_change_the_order_and_are_reported() -> None:
    ratings = {"Risky win": {"a": rating(risk=5, benefits=5)}, "Safe bet": {"a": rating(risk=1, benefits=2)}}
    assert _ranked(ratings) == ["Safe bet", "Risky win"]
    assert _ranked(ratings, weights={"risk": 0}) == ["Risky win", "Safe bet"]
    assert _ranked(ratings, directions={"risk": "+"}) == ["Risky win", "Safe bet"]
    report = decide(ReviewInput(processes=list(ratings), ratings=ratings, weights={"risk": 0}))
    assert report.weights == {**dict.fromkeys(FACTOR_IDS, 1.0), "risk": 0.0}
    assert report.directions == DEFAULT_DIRECTIONS


# ---------------------------------------------------------------- disagreement


@pytest.mark.parametrize(
    ("values", "flagged", "low_raters", "high_raters"),
    [
        ({"ann": 2, "bob": 4}, (2, 4), ("ann",), ("bob",)),
        ({"ann": 5, "bob": 1}, (1, 5), ("bob",), ("ann",)),
        ({"ann": 2, "bob": 3}, None, (), ()),
        ({"ann": 3, "bob": 3, "cy": 4}, None, (), ()),
        ({"ann": 1, "bob": 3, "cy": 1}, (1, 3), ("ann", "cy"), ("bob",)),
        ({"cy": 1, "bob": 2, "ann": 3, "dee": 3}, (1, 3), ("cy",), ("ann", "dee")),
        ({"solo": 1}, None, (), ()),
    ],
)
def test_disagreement(
    values: dict[str, int], flagged: tuple | None, low_raters: tuple, high_raters: tuple
) -> None:
    ratings = {rater: rating(importance=v) for rater, v in values.items()}
    found = disagreements(ratings)
    if flagged is None:
        assert found == ()
        return
    (d,) = found
    assert (d.factor, d.low, d.high) == ("importance", *flagged)
    assert (d.low_raters, d.high_raters) == (low_raters, high_raters)


def test_disagreements_reach_the_report() -> None:
    ratings = {"A": {"ann": rating(risk=1, benefits=2), "bob": rating(risk=4, benefits=3)}}
    (task,) = decide(ReviewInput(processes=["A"], ratings=ratings)).shortlist
    assert [d.factor for d in task.disagreements] == ["risk"]
    assert task.needs_discussion
    assert to_json_dict(decide(ReviewInput(processes=["A"], ratings=ratings)))["shortlist"][0][
        "disagreements"
    ] == [{"factor": "risk", "low": 1, "high": 4, "low_raters": ["ann"], "high_raters": ["bob"]}]


# ---------------------------------------------------------------- exclusions (steps 2-5)


K3, K4, K5 = Stage.KEEP_INHOUSE, Stage.CANNOT_OUTSOURCE, Stage.NOT_SHORT_TERM


@pytest.mark.parametrize(
    ("knockouts", "step", "reasons"),
    [
        ({K3: ["competitive_advantage"]}, 3, ("competitive_advantage",)),
        ({K3: ["competitive_advantage", "low_benefit"]}, 3, ("competitive_advantage", "low_benefit")),
        ({K3: ["low_benefit"], K4: ["face_to_face"], K5: ["in_progress"]}, 3, ("low_benefit",)),
        (
            {K4: ["face_to_face", "internal_politics"], K5: ["in_progress"]},
            4,
            ("face_to_face", "internal_politics"),
        ),
        ({K4: ["solid_authorization"]}, 4, ("solid_authorization",)),
        (
            {K5: ["in_progress", "high_jeopardy", "contractual_duties"]},
            5,
            ("in_progress", "high_jeopardy", "contractual_duties"),
        ),
        ({K3: [], K4: [], K5: ["undecided_roadmap"]}, 5, ("undecided_roadmap",)),
    ],
)
def test_excluded_at_the_first_step_with_all_its_reasons(knockouts: dict, step: int, reasons: tuple) -> None:
    data = ReviewInput(
        processes=["Target", "Other"],
        knockouts={stage: {"Target": held} for stage, held in knockouts.items()},
        ratings={"Other": {"a": rating()}},  # Target needs no ratings once excluded
    )
    report = decide(data)
    assert [(e.process, e.step, e.reasons) for e in report.excluded] == [("Target", step, reasons)]
    assert [t.process for t in report.shortlist] == ["Other"]


def test_exclusions_are_listed_in_step_order() -> None:
    data = ReviewInput(
        processes=["Five", "Four", "Three", "Two", "Kept"],
        candidates=["Five", "Four", "Three", "Kept"],
        knockouts={
            K5: {"Five": ["in_progress"]},
            K4: {"Four": ["face_to_face"]},
            K3: {"Three": ["low_benefit"]},
        },
        ratings={"Kept": {"a": rating()}},
    )
    assert [(e.process, e.step) for e in decide(data).excluded] == [
        ("Two", 2),
        ("Three", 3),
        ("Four", 4),
        ("Five", 5),
    ]


def test_not_candidate_at_step_2_wins_over_later_knockouts() -> None:
    data = ReviewInput(
        processes=["In", "Out"],
        candidates=["in"],  # names match ignoring case
        knockouts={K3: {"Out": ["competitive_advantage"]}},
        ratings={"In": {"a": rating()}},
    )
    report = decide(data)
    assert [(e.process, e.step, e.reasons) for e in report.excluded] == [("Out", 2, (NOT_CANDIDATE,))]


def test_no_candidates_at_all_excludes_everything_at_step_2() -> None:
    report = decide(ReviewInput(processes=["A", "B"], candidates=[]))
    assert [(e.process, e.step) for e in report.excluded] == [("A", 2), ("B", 2)]
    assert report.shortlist == []


def test_a_ranked_candidate_without_ratings_is_an_error() -> None:
    with pytest.raises(ValueError, match="B"):
        decide(ReviewInput(processes=["A", "B"], ratings={"A": {"a": rating()}}))


# ---------------------------------------------------------------- merges (step 1)


def test_explicit_merge_removes_the_source_everywhere_but_merged() -> None:
    data = ReviewInput(
        processes=["Blog writing", "Writing blog posts", "SEO audits"],
        merges=[Merge("Blog writing", ("writing BLOG posts ",))],
        ratings={"Blog writing": {"a": rating()}, "SEO audits": {"a": rating()}},
    )
    report = decide(data)
    assert report.processes == ["Blog writing", "SEO audits"]
    assert [t.process for t in report.shortlist] == ["Blog writing", "SEO audits"]
    assert report.excluded == []
    assert to_json_dict(report)["merged"] == [{"into": "Blog writing", "from": ["writing BLOG posts "]}]
    assert report.fate_of("writing BLOG posts ") == "merged into Blog writing"


@pytest.mark.parametrize(
    ("listed", "expected"),
    [
        (["Blog writing", "blog writing"], ["Blog writing"]),
        (["Blog writing", "  Blog writing  "], ["Blog writing"]),
        (["  BLOG WRITING", "Blog writing", "SEO"], ["BLOG WRITING", "SEO"]),
        (["Blog  writing", "blog writing"], ["Blog writing"]),
        (["Blog writing", "Blog writings"], ["Blog writing", "Blog writings"]),
        (["A", "", "  ", "a"], ["A"]),
    ],
)
def test_exact_duplicates_merge_by_themselves(listed: list[str], expected: list[str]) -> None:
    assert dedupe(listed) == expected
    data = parse_answers({"processes": listed, "ratings": {p: {"a": rating()} for p in expected}})
    assert data.processes == expected
    report = decide(data)
    assert [t.process for t in report.shortlist] == sorted(expected, key=str.casefold)
    assert report.merged == []


def test_sift_returns_processes_exclusions_and_survivors() -> None:
    data = ReviewInput(
        processes=["A", "B", "C", "D"],
        merges=[Merge("A", ("D",))],
        candidates=["A", "B", "C"],
        knockouts={K3: {"B": ["low_benefit"]}},
    )
    processes, excluded, survivors = sift(data)
    assert processes == ["A", "B", "C"]
    assert [(e.process, e.step) for e in excluded] == [("B", 3)]
    assert survivors == ["A", "C"]
