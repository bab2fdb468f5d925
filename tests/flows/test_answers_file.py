"""The answers file (docs/answers-file.md): every bad input is an AnswersError naming the place and the fix."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from flows.answers import AnswersError, load_answers, parse_answers
from flows.decision import decide
from flows.method import Stage
from flows.render import render_json
from tests.support.reviews import CONTRACT_YAML, rating


def base() -> dict[str, Any]:
    """A small valid file: four processes, one excluded at each of steps 2 and 3, two ranked."""
    return {
        "title": "Test review",
        "processes": ["Blog writing", "Writing blog posts", "SEO audits", "Brand strategy", "Events"],
        "merges": [{"into": "Blog writing", "from": ["Writing blog posts"]}],
        "candidates": ["Blog writing", "SEO audits", "Brand strategy"],
        "keep_inhouse": {"Brand strategy": ["competitive_advantage"]},
        "ratings": {
            "Blog writing": {"alice": rating(1, 3, 1, 3, 4, 1)},
            "SEO audits": {"alice": rating(2, 4, 2, 2, 5, 2), "bob": rating(3, 4, 2, 2, 4, 2)},
        },
    }


def test_the_base_file_is_valid() -> None:
    data = parse_answers(base())
    assert data.processes == ["Blog writing", "Writing blog posts", "SEO audits", "Brand strategy", "Events"]
    assert [t.process for t in decide(data).shortlist] == ["Blog writing", "SEO audits"]


def _set(path: str, value: Any) -> Callable[[dict], None]:
    def change(data: dict) -> None:
        *parents, last = path.split("/")
        target = data
        for part in parents:
            target = target[part]
        target[last] = value

    return change


def _drop(path: str) -> Callable[[dict], None]:
    def change(data: dict) -> None:
        *parents, last = path.split("/")
        target = data
        for part in parents:
            target = target[part]
        del target[last]

    return change


ALICE_SEO = "ratings/SEO audits/alice"

BAD: list[tuple[str, Callable[[dict], None], str, tuple[str, ...]]] = [
    # (id, change, place, words the message must contain)
    ("unknown top-level key", _set("proceses", ["A"]), "proceses", ("unknown key", "processes")),
    ("unknown top-level key (typo of ratings)", _set("rating", {}), "rating", ("unknown key", "ratings")),
    ("empty process list", _set("processes", []), "processes", ("empty", "list at least one process")),
    ("blank process names only", _set("processes", ["  ", ""]), "processes", ("empty",)),
    ("no process list", _drop("processes"), "processes", ("empty",)),
    ("processes not a list", _set("processes", {"a": 1}), "processes", ("list of names",)),
    (
        "unknown process in candidates",
        _set("candidates", ["Blog writing", "Podcast"]),
        "candidates",
        ("'Podcast'", "use a name from `processes`"),
    ),
    (
        "unknown process in keep_inhouse",
        _set("keep_inhouse", {"Podcast": ["low_benefit"]}),
        "keep_inhouse › Podcast",
        ("'Podcast'", "use a name"),
    ),
    (
        "unknown process in cannot_outsource",
        _set("cannot_outsource", {"Podcast": ["face_to_face"]}),
        "cannot_outsource › Podcast",
        ("'Podcast'",),
    ),
    (
        "unknown process in not_short_term",
        _set("not_short_term", {"Podcast": ["in_progress"]}),
        "not_short_term › Podcast",
        ("'Podcast'",),
    ),
    (
        "unknown process in ratings",
        _set("ratings/Podcast", {"alice": rating()}),
        "ratings › Podcast",
        ("'Podcast'",),
    ),
    (
        "unknown process in metrics",
        _set("metrics", {"Podcast": [{"name": "x"}]}),
        "metrics › Podcast",
        ("'Podcast'",),
    ),
    (
        "unknown process in service levels",
        _set("service_levels", {"Podcast": "weekly"}),
        "service_levels › Podcast",
        ("'Podcast'",),
    ),
    (
        "unknown criterion",
        _set("keep_inhouse", {"Brand strategy": ["too_cool"]}),
        "keep_inhouse › Brand strategy",
        ("'too_cool'", "competitive_advantage, no_equal_performance, low_benefit"),
    ),
    (
        "criterion of another step (4 at 3)",
        _set("keep_inhouse", {"Brand strategy": ["face_to_face"]}),
        "keep_inhouse › Brand strategy",
        ("'face_to_face'", "use one of: competitive_advantage"),
    ),
    (
        "criterion of another step (3 at 5)",
        _set("not_short_term", {"SEO audits": ["low_benefit"]}),
        "not_short_term › SEO audits",
        ("'low_benefit'", "in_progress"),
    ),
    (
        "not_candidate is not a criterion",
        _set("keep_inhouse", {"SEO audits": ["not_candidate"]}),
        "keep_inhouse › SEO audits",
        ("'not_candidate'",),
    ),
    (
        "unknown factor in ratings",
        _set(f"{ALICE_SEO}/cost", 3),
        ALICE_SEO.replace("/", " › "),
        ("'cost'", "risk"),
    ),
    ("unknown factor in weights", _set("weights", {"cost": 2}), "weights › cost", ("'cost'", "use one of")),
    (
        "unknown factor in directions",
        _set("directions", {"cost": "+"}),
        "directions › cost",
        ("'cost'", "use one of"),
    ),
    (
        "rating 0",
        _set(f"{ALICE_SEO}/risk", 0),
        "ratings › SEO audits › alice › risk",
        ("0", "whole number from 1 to 5"),
    ),
    (
        "rating 6",
        _set(f"{ALICE_SEO}/risk", 6),
        "ratings › SEO audits › alice › risk",
        ("6", "whole number from 1 to 5"),
    ),
    (
        "rating 2.5",
        _set(f"{ALICE_SEO}/benefits", 2.5),
        "ratings › SEO audits › alice › benefits",
        ("2.5", "whole number"),
    ),
    (
        "rating 3.0",
        _set(f"{ALICE_SEO}/benefits", 3.0),
        "ratings › SEO audits › alice › benefits",
        ("3.0", "whole number"),
    ),
    (
        'rating "3"',
        _set(f"{ALICE_SEO}/risk", "3"),
        "ratings › SEO audits › alice › risk",
        ("'3'", "whole number"),
    ),
    (
        "rating true",
        _set(f"{ALICE_SEO}/risk", True),
        "ratings › SEO audits › alice › risk",
        ("True", "whole number"),
    ),
    (
        "rating missing (null)",
        _set(f"{ALICE_SEO}/risk", None),
        "ratings › SEO audits › alice › risk",
        ("None", "whole number"),
    ),
    (
        "a missing factor",
        _drop(f"{ALICE_SEO}/vendor_expertise"),
        "ratings › SEO audits › alice",
        ("vendor_expertise is missing", "rate all six"),
    ),
    ("a rater without values", _set(ALICE_SEO, None), "ratings › SEO audits › alice", ("risk is missing",)),
    ("ratings not a mapping", _set("ratings/SEO audits", [1, 2, 3]), "ratings › SEO audits", ("expected",)),
    (
        "a ranked candidate with no ratings",
        _drop("ratings/SEO audits"),
        "ratings › SEO audits",
        ("without ratings", "rate it"),
    ),
    (
        "a ranked candidate with an empty rating block",
        _set("ratings/SEO audits", {}),
        "ratings › SEO audits",
        ("without ratings",),
    ),
    ("no ratings at all", _drop("ratings"), "ratings › Blog writing", ("without ratings",)),
    (
        "merge into an unlisted name",
        _set("merges", [{"into": "Blogging", "from": ["Blog writing"]}]),
        "merges › item 1",
        ("'Blogging'", "not listed", "add it to `processes`"),
    ),
    (
        "merge from an unlisted name",
        _set("merges", [{"into": "Blog writing", "from": ["Vlog"]}]),
        "merges › item 1",
        ("'Vlog'",),
    ),
    (
        "merge without into",
        _set("merges", [{"from": ["Blog writing"]}]),
        "merges › item 1",
        ("`into` and `from`",),
    ),
    ("merges not a list", _set("merges", {"into": "Blog writing"}), "merges", ("expected a list",)),
    (
        "merging twice",
        _set(
            "merges",
            [{"into": "Blog writing", "from": ["Events"]}, {"into": "SEO audits", "from": ["Events"]}],
        ),
        "merges › item 2",
        ("'Events' is merged twice", "merge each process into one other only"),
    ),
    (
        "merging a target away",
        _set(
            "merges",
            [{"into": "Blog writing", "from": ["Events"]}, {"into": "SEO audits", "from": ["Blog writing"]}],
        ),
        "merges",
        ("merged away and merged into",),
    ),
    ("negative weight", _set("weights", {"risk": -1}), "weights › risk", ("-1", "0 or more")),
    (
        "all weights zero",
        _set(
            "weights",
            dict.fromkeys(
                ["risk", "consequences", "tech_complexity", "importance", "benefits", "vendor_expertise"], 0
            ),
        ),
        "weights",
        ("all weights are zero", "above 0"),
    ),
    (
        "weight not a number",
        _set("weights", {"risk": "heavy"}),
        "weights › risk",
        ("'heavy' is not a number", "use a number"),
    ),
    ("weight as a quoted number", _set("weights", {"risk": "2"}), "weights › risk", ("not a number",)),
    ("weight true", _set("weights", {"risk": True}), "weights › risk", ("not a number",)),
    ("weight NaN", _set("weights", {"risk": float("nan")}), "weights › risk", ("not a number",)),
    (
        "weight infinite",
        _set("weights", {"risk": float("inf")}),
        "weights › risk",
        ("inf", "use a number of 0 or more"),
    ),
    ("weights not a mapping", _set("weights", [1, 2]), "weights", ("expected",)),
    ("direction up", _set("directions", {"risk": "up"}), "directions › risk", ("'up'", '"+" or "-"')),
    ("direction ++", _set("directions", {"risk": "++"}), "directions › risk", ("'++'",)),
    ("direction 1", _set("directions", {"risk": 1}), "directions › risk", ("1",)),
    ("direction empty", _set("directions", {"risk": ""}), "directions › risk", ("not allowed",)),
    (
        "metric without a name",
        _set("metrics", {"SEO audits": [{"baseline": 1}]}),
        "metrics › SEO audits › item 1",
        ("needs a `name`",),
    ),
    (
        "metric without a target",
        _set("metrics", {"SEO audits": [{"name": "x", "baseline": 1}]}),
        "metrics › SEO audits › item 1",
        ("a metric needs a baseline and a target", "warn_at is optional"),
    ),
    (
        "metric with an unknown key",
        _set("metrics", {"SEO audits": [{"name": "x", "goal": 1}]}),
        "metrics › SEO audits › item 1",
        ("'goal'",),
    ),
    (
        "metric baseline not a number",
        _set("metrics", {"SEO audits": [{"name": "x", "baseline": "lots"}]}),
        "metrics › SEO audits › item 1 › baseline",
        ("not a number",),
    ),
    (
        "weight too large for a float",
        _set("weights", {"risk": 10**400}),
        "weights › risk",
        ("is not a number", "use a number of 0 or more"),
    ),
    (
        "metric baseline too large for a float",
        _set("metrics", {"SEO audits": [{"name": "x", "baseline": -(10**400)}]}),
        "metrics › SEO audits › item 1 › baseline",
        ("is not a number",),
    ),
    (
        "metric target infinite",
        _set("metrics", {"SEO audits": [{"name": "x", "target": float("inf")}]}),
        "metrics › SEO audits › item 1 › target",
        ("inf", "use a number"),
    ),
    (
        "metric warn_at NaN",
        _set("metrics", {"SEO audits": [{"name": "x", "warn_at": float("nan")}]}),
        "metrics › SEO audits › item 1 › warn_at",
        ("nan", "use a number"),
    ),
]


@pytest.mark.parametrize(
    ("change", "place", "words"), [case[1:] for case in BAD], ids=[case[0] for case in BAD]
)
def test_bad_input_names_the_place_and_the_fix(
    change: Callable[[dict], None], place: str, words: tuple[str, ...]
) -> None:
    data = copy.deepcopy(base())
    change(data)
    with pytest.raises(AnswersError) as caught:
        parse_answers(data, "review.yml")
    error = caught.value
    message = str(error)
    assert error.place == place
    assert message.startswith(f"review.yml: {place}: ")
    assert error.fix and message.endswith(error.fix)
    assert "\n" not in message
    for word in words:
        assert word in message


@pytest.mark.parametrize("top", [None, [], ["a"], "processes", 3])
def test_the_top_must_be_a_mapping(top: Any) -> None:
    with pytest.raises(AnswersError, match=r"expected a mapping at the top.*start with `processes:`"):
        parse_answers(top, "f.yml")


def test_ratings_of_an_excluded_process_are_ignored() -> None:
    data = base()
    # Brand strategy is excluded at step 3 and Events at step 2: even broken ratings of theirs do not matter.
    data["ratings"]["Brand strategy"] = {"alice": {"risk": 9, "cost": "x"}}
    data["ratings"]["events"] = {"bob": rating()}
    parsed = parse_answers(data)
    assert set(parsed.ratings) == {"Blog writing", "SEO audits"}
    report = decide(parsed)
    assert [(e.process, e.step) for e in report.excluded] == [("Events", 2), ("Brand strategy", 3)]


def test_ratings_of_an_unknown_process_are_not_ignored() -> None:
    data = base()
    data["ratings"]["Podcast"] = {"alice": {"risk": 9}}
    with pytest.raises(AnswersError, match="unknown process 'Podcast'"):
        parse_answers(data)


# ---------------------------------------------------------------- YAML and JSON


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("processes:\n  - A\n - B\n", 3, 2),
        ("processes: [A, B\nratings: {}\n", 2, 8),
        ('title: "unterminated\nprocesses: [A]\n', 3, 1),
        ("processes:\n\t- A\n", 2, 1),
    ],
)
def test_invalid_yaml_says_line_and_column(text: str, line: int, column: int) -> None:
    with pytest.raises(AnswersError) as caught:
        load_answers(text, "bad.yml")
    assert caught.value.place == f"line {line}, column {column}"
    assert str(caught.value).startswith(f"bad.yml: line {line}, column {column}: ")
    assert "check the quoting and indentation" in str(caught.value)


def test_json_input_works_like_yaml() -> None:
    as_yaml = load_answers(CONTRACT_YAML)
    as_json = load_answers(json.dumps(yaml.safe_load(CONTRACT_YAML)))
    assert as_json == as_yaml
    assert render_json(decide(as_json)) == render_json(decide(as_yaml))


@pytest.mark.parametrize("indent", [None, 2, "\t"])
def test_json_in_any_valid_layout(indent: int | str | None) -> None:
    text = json.dumps(yaml.safe_load(CONTRACT_YAML), indent=indent)
    assert decide(load_answers(text)).shortlist[0].process == "Blog writing"


def test_json_exponent_numbers_are_numbers() -> None:
    # JSON writes 1000.0 as 1e3 only when asked, but any JSON writer may emit exponents.
    text = json.dumps(base()).replace('"title": "Test review"', '"weights": {"risk": 1e3, "benefits": 2E-1}')
    assert load_answers(text).weights == {"risk": 1000.0, "benefits": 0.2}


def test_invalid_json_is_reported_with_a_place() -> None:
    with pytest.raises(AnswersError) as caught:
        load_answers('{"processes": ["A",]\n', "bad.json")
    assert re.fullmatch(r"line \d+, column \d+", caught.value.place)


# ---------------------------------------------------------------- names


def test_names_match_ignoring_case_and_surrounding_space() -> None:
    data = base()
    data["candidates"] = ["  blog WRITING ", "seo audits", "BRAND STRATEGY"]
    data["keep_inhouse"] = {" brand strategy": ["competitive_advantage"]}
    data["service_levels"] = {"SEO AUDITS  ": "monthly"}
    data["ratings"] = {
        "blog writing": {"alice": rating()},
        "  Seo Audits": {"alice": rating()},
    }
    data["metrics"] = {"seo audits": [{"name": "clicks", "baseline": 1, "target": 2}]}
    parsed = parse_answers(data)
    assert parsed.candidates == ["Blog writing", "SEO audits", "Brand strategy"]
    assert parsed.knockouts[Stage.KEEP_INHOUSE] == {"Brand strategy": ["competitive_advantage"]}
    assert parsed.service_levels == {"SEO audits": "monthly"}
    assert set(parsed.ratings) == {"Blog writing", "SEO audits"}
    assert list(parsed.metrics) == ["SEO audits"]
    report = decide(parsed)
    assert [t.process for t in report.shortlist] == ["Blog writing", "SEO audits"]
    assert report.shortlist[1].service_level == "monthly"


def test_a_merged_away_name_stands_for_its_target() -> None:
    data = base()
    data["candidates"] = ["Writing blog posts", "SEO audits", "Brand strategy"]
    data["service_levels"] = {"writing blog posts": "weekly"}
    data["ratings"] = {
        "Writing Blog Posts": {"alice": rating(benefits=5)},
        "SEO audits": {"alice": rating()},
    }
    data["metrics"] = {"Writing blog posts": [{"name": "posts a month", "baseline": 2, "target": 4}]}
    parsed = parse_answers(data)
    assert parsed.candidates == ["Blog writing", "SEO audits", "Brand strategy"]
    assert set(parsed.ratings) == {"Blog writing", "SEO audits"}
    report = decide(parsed)
    blog = report.shortlist[0]
    assert (blog.process, blog.service_level, blog.metrics[0].name) == (
        "Blog writing",
        "weekly",
        "posts a month",
    )
    assert report.fate_of("Writing blog posts") == "merged into Blog writing"
    assert "Writing blog posts" not in report.processes


def test_a_knockout_by_a_merged_away_name_excludes_the_target() -> None:
    data = base()
    data["cannot_outsource"] = {"writing blog posts": ["internal_politics"]}
    del data["ratings"]["Blog writing"]
    report = decide(parse_answers(data))
    assert [(e.process, e.step, e.reasons) for e in report.excluded][-1] == (
        "Blog writing",
        4,
        ("internal_politics",),
    )


def test_candidates_default_to_all_and_optional_keys_may_be_left_out() -> None:
    parsed = parse_answers({"processes": ["A", "B"], "ratings": {"A": {"x": rating()}, "B": {"y": rating()}}})
    assert parsed.candidates is None
    assert parsed.title == "" and parsed.organisation is None
    assert parsed.weights == {} and parsed.directions == {} and parsed.weights_source == "default"
    assert [t.process for t in decide(parsed).shortlist] == ["A", "B"]


def test_the_unicode_minus_is_a_direction_and_criteria_are_not_repeated() -> None:
    data = base()
    data["directions"] = {"importance": "+", "risk": "−", "benefits": " - "}
    data["keep_inhouse"] = {"Brand strategy": ["low_benefit", "low_benefit"]}
    parsed = parse_answers(data)
    assert parsed.directions == {"importance": "+", "risk": "-", "benefits": "-"}
    assert parsed.knockouts[Stage.KEEP_INHOUSE] == {"Brand strategy": ["low_benefit"]}


def test_zero_weights_are_allowed_while_one_is_above_zero() -> None:
    data = base()
    data["weights"] = {"risk": 0, "importance": 0, "benefits": 2.5}
    parsed = parse_answers(data)
    assert parsed.weights == {"risk": 0.0, "importance": 0.0, "benefits": 2.5}
    assert parsed.weights_source == "answers file"
