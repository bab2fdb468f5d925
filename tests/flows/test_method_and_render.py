"""The method's ids as the contract lists them (section 1), and the report's renderings (section 4)."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from flows.answers import load_answers
from flows.decision import decide
from flows.method import (
    CRITERIA,
    DEFAULT_DIRECTIONS,
    FACTOR_IDS,
    FACTORS,
    INTERVIEW_PATH,
    METHOD_STAGES,
    Stage,
    criteria_for,
)
from flows.reference import VENDOR_RELATIONSHIP, peer_figures, suggest_metrics
from flows.render import render_csv, render_json, render_markdown
from flows.report import Report
from flows.similarity import suggest_merges
from tests.support.reviews import CONTRACT_YAML_NO_DIRECTIONS


def test_steps_in_the_contracts_order() -> None:
    assert [s.value for s in METHOD_STAGES] == [
        "simplify",
        "candidates",
        "keep_inhouse",
        "cannot_outsource",
        "not_short_term",
        "prioritise",
        "metrics",
    ]
    assert [s.step_number for s in METHOD_STAGES] == [1, 2, 3, 4, 5, 6, 7]
    assert INTERVIEW_PATH[0] is Stage.INTAKE and INTERVIEW_PATH[-1] is Stage.REPORT
    assert Stage.INTAKE.step_number is None and Stage.DONE.step_number is None


@pytest.mark.parametrize(
    ("stage", "ids"),
    [
        (Stage.KEEP_INHOUSE, ["competitive_advantage", "no_equal_performance", "low_benefit"]),
        (
            Stage.CANNOT_OUTSOURCE,
            ["solid_authorization", "internal_politics", "ensures_fulfillment", "face_to_face"],
        ),
        (
            Stage.NOT_SHORT_TERM,
            ["in_progress", "undecided_roadmap", "high_jeopardy", "specific_expertise", "contractual_duties"],
        ),
    ],
)
def test_criteria_ids(stage: Stage, ids: list[str]) -> None:
    assert [c.id for c in criteria_for(stage)] == ids


def test_factor_ids_and_directions() -> None:
    assert list(FACTOR_IDS) == [
        "risk",
        "consequences",
        "tech_complexity",
        "importance",
        "benefits",
        "vendor_expertise",
    ]
    assert DEFAULT_DIRECTIONS == {
        "risk": "-",
        "consequences": "+",
        "tech_complexity": "-",
        "importance": "-",
        "benefits": "+",
        "vendor_expertise": "-",
    }


@pytest.mark.parametrize("item", [*CRITERIA, *FACTORS], ids=lambda item: item.id)
def test_every_criterion_and_factor_is_explained_in_one_or_two_sentences(item: object) -> None:
    text = item.help  # type: ignore[attr-defined]
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]
    assert 1 <= len(sentences) <= 2, text
    assert text.endswith((".", "!", "?"))


# ---------------------------------------------------------------- renderings


@pytest.fixture(scope="module")
def report() -> Report:
    return decide(load_answers(CONTRACT_YAML_NO_DIRECTIONS))


def test_json_has_the_contracts_keys(report: Report) -> None:
    data = json.loads(render_json(report))
    assert {
        "review",
        "processes",
        "merged",
        "merge_suggestions",
        "excluded",
        "shortlist",
        "weights",
        "directions",
    } <= set(data)
    for task in data["shortlist"]:
        assert {"rank", "process", "score", "factors", "disagreements", "service_level", "metrics"} <= set(
            task
        )
        assert list(task["factors"]) == list(FACTOR_IDS)
    assert list(data["weights"]) == list(FACTOR_IDS)
    assert list(data["directions"]) == list(FACTOR_IDS)


def test_markdown_shows_the_ranking_the_reasons_and_the_exclusions(report: Report) -> None:
    text = render_markdown(report)
    assert text.startswith("# Q3 marketing review")
    assert "| 1 | Blog writing | 82.1 |" in text
    assert "| 2 | SEO audits | 78.6 |" in text
    assert "- Brand strategy: gives a competitive advantage" in text
    assert "- Key account calls: regular face-to-face customer contact" in text
    assert "- Website relaunch: still in progress" in text
    assert "Writing blog posts → Blog writing" in text
    assert "Service level today: monthly audit, 5 working days" in text
    assert "baseline 12000, target 15000, warn at 11000" in text


def test_markdown_escapes_every_user_typed_string(report: Report) -> None:
    text = render_markdown(report, escape=lambda s: f"[{s}]")
    assert "| 1 | [Blog writing] | 82.1 |" in text
    assert "- [Brand strategy]:" in text
    assert "Rated by: [alice]" in text


def test_csv_has_one_row_per_listed_process_with_its_fate(report: Report) -> None:
    rows = list(csv.DictReader(io.StringIO(render_csv(report))))
    fates = {
        row["process"]: (row["fate"], row["step"], row["reasons"], row["merged_into"], row["rank"])
        for row in rows
    }
    assert fates == {
        "Blog writing": ("ranked", "6", "", "", "1"),
        "SEO audits": ("ranked", "6", "", "", "2"),
        "Brand strategy": ("excluded", "3", "competitive_advantage", "", ""),
        "Key account calls": ("excluded", "4", "face_to_face", "", ""),
        "Website relaunch": ("excluded", "5", "in_progress", "", ""),
        "Writing blog posts": ("merged", "1", "", "Blog writing", ""),
    }
    assert rows[0]["score"] == "82.1" and rows[0]["risk"] == "1"


# ---------------------------------------------------------------- merge suggestions and reference data


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["Blog writing", "Writing blog posts"], [("Blog writing", "Writing blog posts")]),
        (["SEO audits", "SEO audit"], [("SEO audits", "SEO audit")]),
        (["SEO audits", "Brand strategy", "Key account calls", "Website relaunch"], []),
        (["Newsletter", "Paid search ads", "Social media posting"], []),
    ],
)
def test_merge_suggestions(names: list[str], expected: list[tuple[str, str]]) -> None:
    assert [(s.into, s.source) for s in suggest_merges(names)] == expected


def test_a_process_is_suggested_for_merging_at_most_once() -> None:
    suggestions = suggest_merges(["Blog writing", "Writing blog posts", "blog writing!"])
    sources = [s.source for s in suggestions]
    assert len(sources) == len(set(sources))
    assert all(s.into == "Blog writing" for s in suggestions)


@pytest.mark.parametrize(
    ("process", "task_type"),
    [
        ("SEO audits", "SEO"),
        ("Paid search ads", "paid search (PPC)"),
        ("Monthly newsletter", "email"),
        ("Blog writing", "content, design, video"),
        ("Key account calls", VENDOR_RELATIONSHIP.task_type),
    ],
)
def test_metric_suggestions(process: str, task_type: str) -> None:
    assert suggest_metrics(process).task_type == task_type


def test_peer_figures_carry_source_and_year() -> None:
    assert len(peer_figures(None)) > len(peer_figures("nonprofit")) >= 1
    for figure in peer_figures(None):
        cited = figure.cite(2026)
        assert figure.source in cited and figure.sample in cited
        assert (str(figure.year) if figure.year else "year not stated") in cited


def test_peer_figures_are_compact_one_short_line_each() -> None:
    cited = [figure.cite(2026) for figure in peer_figures(None)]
    assert all("\n" not in line and len(line) <= 200 for line in cited), max(cited, key=len)
    assert sum(map(len, cited)) <= 1100  # all seven read in a glance, not seven paragraphs
    assert cited[0].endswith("(Constant Contact via MediaPost, 2013, 1,305 small US firms; dated).")
