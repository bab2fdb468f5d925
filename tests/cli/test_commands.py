"""demo, review, list, export and db upgrade, each run as the real command."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.cli import CONTRACT_EXAMPLE, CONTRACT_REPORT, Cli, decision, saved_id, without_directions


def assert_shows(actual: Any, expected: Any, where: str = "report") -> None:
    """Every key the expected JSON shows has the same value in the actual JSON (more keys may exist)."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), where
        for key, value in expected.items():
            assert key in actual, f"{where}: missing {key!r}"
            assert_shows(actual[key], value, f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"{where}: {actual!r}"
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_shows(a, e, f"{where}[{i}]")
    else:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"


def test_demo_prints_the_report_and_saves_the_review(cli: Cli) -> None:
    demo = cli.ok("demo")
    assert demo.out.startswith("# Demo: Northwind Tea online shop, marketing review")
    assert "## Advice\n\n**Outsource first**\n\n- Product photography (rank 1): " in demo.out
    assert "## Shortlist, best candidate first" in demo.out
    assert "Disagreement on" in demo.out
    review_id = saved_id(demo.err)

    listing = cli.ok("list").out
    assert review_id[:8] in listing
    assert "Demo: Northwind Tea online shop" in listing
    assert "Finished" in listing

    report = json.loads(cli.ok("export", review_id[:8], "--format", "json").out)
    assert [e["step"] for e in report["excluded"]] == [2, 3, 3, 4, 4, 5, 5]
    assert report["merged"] == [{"into": "Email newsletter", "from": ["Newsletter emails"]}]
    assert len(report["shortlist"]) == 6
    assert any(t["disagreements"] for t in report["shortlist"])
    assert {r for t in report["shortlist"] for r in t["ratings"]} == {"maria", "tom"}
    assert any(t["service_level"] for t in report["shortlist"])
    assert any(t["metrics"] for t in report["shortlist"])

    assert cli.ok("export", review_id).out == demo.out
    rows = list(csv.reader(io.StringIO(cli.ok("export", review_id, "--format", "csv").out)))
    assert rows[0][:3] == ["process", "fate", "step"]
    assert [r[0] for r in rows if r[1] == "ranked"] == [t["process"] for t in report["shortlist"]]


def test_the_demo_answers_replay_exactly(cli: Cli) -> None:
    """The demo file gives the same report through `review --answers` as through `demo`."""
    demo = json.loads(cli.ok("export", saved_id(cli.ok("demo").err), "--format", "json").out)
    data = Path(__file__).parents[2] / "bot" / "data" / "demo.yml"
    assert decision(json.loads(cli.ok("review", "--answers", data, "--format", "json").out)) == decision(demo)


def test_contract_example_without_directions_matches_the_contract(
    cli: Cli, write: Callable[[str, str], Path]
) -> None:
    result = cli.ok("review", "--answers", without_directions(write), "--format", "json")
    report = json.loads(result.out)
    assert_shows(report, json.loads(CONTRACT_REPORT.read_text(encoding="utf-8")))
    assert [(t["rank"], t["process"], t["score"]) for t in report["shortlist"]] == [
        (1, "Blog writing", 82.1),
        (2, "SEO audits", 78.6),
    ]


def test_contract_example_applies_its_directions(cli: Cli) -> None:
    review_id = saved_id(cli.ok("review", "--answers", CONTRACT_EXAMPLE, "--format", "json").err)
    for result in (cli.ok("export", review_id, "--format", "json"),):
        report = json.loads(result.out)
        assert [(t["rank"], t["process"], t["score"]) for t in report["shortlist"]] == [
            (1, "Blog writing", 82.1),
            (2, "SEO audits", 71.4),
        ]
        assert report["directions"]["importance"] == "+"
        assert report["weights"]["risk"] == 2


def test_review_saves_and_writes_every_format(cli: Cli, tmp_path: Path) -> None:
    shown = cli.ok("review", "--answers", CONTRACT_EXAMPLE, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(shown.out)))
    assert [(r["process"], r["fate"], r["rank"], r["score"]) for r in rows if r["fate"] == "ranked"] == [
        ("Blog writing", "ranked", "1", "82.1"),
        ("SEO audits", "ranked", "2", "71.4"),
    ]
    assert {r["process"]: r["step"] for r in rows if r["fate"] == "excluded"} == {
        "Brand strategy": "3",
        "Key account calls": "4",
        "Website relaunch": "5",
    }
    assert [(r["process"], r["merged_into"]) for r in rows if r["fate"] == "merged"] == [
        ("Writing blog posts", "Blog writing")
    ]

    out = tmp_path / "report.json"
    written = cli.ok("review", "--answers", CONTRACT_EXAMPLE, "--out", out)
    assert written.out == ""
    review_id = saved_id(written.err)
    assert json.loads(out.read_text(encoding="utf-8")) == json.loads(
        cli.ok("export", review_id, "--format", "json").out
    )
    md = tmp_path / "report.txt"
    cli.ok("export", review_id, "--format", "md", "--out", md)
    assert md.read_text(encoding="utf-8").startswith("# Q3 marketing review")

    listing = cli.ok("list").out
    assert listing.count("Q3 marketing review") == 2


def test_json_answers_files_work_too(cli: Cli, write: Callable[[str, str], Path]) -> None:
    data = yaml.safe_load(CONTRACT_EXAMPLE.read_text(encoding="utf-8"))
    path = write("answers.json", json.dumps(data, indent="\t"))
    report = json.loads(cli.ok("review", "--answers", path, "--format", "json").out)
    assert [t["score"] for t in report["shortlist"]] == [82.1, 71.4]


def test_list_and_export_on_an_empty_database(cli: Cli) -> None:
    assert "No saved reviews yet" in cli.ok("list").out
    missing = cli("export", "abc123")
    assert missing.code == 2
    assert missing.err_lines == [missing.err_lines[0]] and "abc123" in missing.err


def test_db_upgrade_twice(cli: Cli) -> None:
    first = cli.ok("db", "upgrade")
    second = cli.ok("db", "upgrade")
    assert "up to date" in first.out and first.out == second.out
    assert "review" in cli.rows()
    assert "No saved reviews yet" in cli.ok("list").out


@pytest.mark.slow
def test_help_and_python_m_bot(cli: Cli) -> None:
    result = cli.process("--help")
    assert result.code == 0, result
    shown = result.out
    for command in ("demo", "chat", "review", "list", "export", "db", "serve", "socket"):
        assert command in shown


@pytest.mark.slow
def test_unexpected_errors_are_one_line_and_exit_1(cli: Cli) -> None:
    """A real `python -m bot` process: its exit status and everything it writes to stderr (with DEBUG, the
    traceback, in this process)."""
    cli.env["DATABASE_URL"] = "not a database url"
    result = cli.process("list")
    assert result.code == 1
    assert len(result.err_lines) == 1 and "Traceback" not in result.err

    cli.env["LOG_LEVEL"] = "DEBUG"
    assert "Traceback" in cli("list").err


def test_bad_settings_are_one_line_and_exit_1(cli: Cli) -> None:
    cli.env["PORT"] = "many"
    result = cli("list")
    assert result.code == 1
    assert result.err_lines == [result.err_lines[0]] and "PORT" in result.err


def test_unlike_merges_are_kept_and_a_left_out_warning_defaults(
    cli: Cli, write: Callable[[str, str], Path]
) -> None:
    """A metric needs a baseline and a target (tests/cli/test_bad_input.py); `warn_at` may be left out."""
    data = yaml.safe_load(CONTRACT_EXAMPLE.read_text(encoding="utf-8"))
    data["processes"].append("Monthly ranking report")
    data["merges"].append({"into": "SEO audits", "from": ["Monthly ranking report"]})
    data["metrics"]["SEO audits"].append({"name": "cost per audit", "baseline": 900, "target": 700})
    path = write("answers.yml", yaml.safe_dump(data))
    report = json.loads(cli.ok("review", "--answers", path, "--format", "json").out)
    assert {"into": "SEO audits", "from": ["Monthly ranking report"]} in report["merged"]
    seo = next(t for t in report["shortlist"] if t["process"] == "SEO audits")
    assert seo["metrics"][1:] == [{"name": "cost per audit", "baseline": 900, "target": 700, "warn_at": 990}]
