"""`outsource-review checkin` as the real command, on the finished demo review."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from flows.checkin import K_CHECKIN
from flows.method import Stage
from flows.model import Review
from storage.db import make_engine
from storage.repository import SqlReviewStore
from tests.support.cli import Cli

SESSIONS = "organic sessions per month"
# The demo's metrics, in the order the command asks for them (shortlist order).
ASKED = [
    "Product photography: product pages with 4+ photos (%) (baseline 40, target 90)",
    "SEO audits: organic sessions per month (baseline 8,400, target 10,000)",
    "SEO audits: products ranking on page one (baseline 35, target 60)",
    "Email newsletter: click rate (%) (baseline 2.1, target 3)",
    "Paid search ads: cost per order (EUR) (baseline 14.5, target 12)",
]


@pytest.fixture
def demo(cli: Cli) -> str:
    match = re.search(r"Saved as review ([0-9a-f]{32})", cli.ok("demo").err)
    assert match
    return match.group(1)


def stored(cli: Cli, review_id: str) -> tuple[Review, int]:
    engine = make_engine(f"sqlite:///{cli.db}")
    try:
        store = SqlReviewStore(engine)
        review = store.get(review_id)
        assert review is not None
        return review, len(store.history(review_id))
    finally:
        engine.dispose()


def checkins(review: Review) -> dict[str, list[dict]]:
    return {k[len(K_CHECKIN) :]: v for k, v in review.answers.items() if k.startswith(K_CHECKIN)}


def test_one_value_with_options(cli: Cli, demo: str) -> None:
    result = cli.ok(
        "checkin", demo[:8], "--process", "seo audits", "--metric", SESSIONS, "--value", "8,500",
        "--period", "2026-10", "--name", "maria",
    )  # fmt: skip
    assert result.out.splitlines() == [
        "Recorded 1 value for 2026-10.",
        "  SEO audits: organic sessions per month: 2026-10 8,500",
    ]
    review, _ = stored(cli, demo)
    assert review.state is Stage.DONE
    [entry] = checkins(review)["SEO audits"]
    assert (entry["metric"], entry["period"], entry["value"], entry["author"]) == (
        SESSIONS, "2026-10", 8500.0, "maria",
    )  # fmt: skip


def test_the_period_defaults_to_this_month(cli: Cli, demo: str) -> None:
    before = datetime.now(UTC).strftime("%Y-%m")
    result = cli.ok("checkin", demo, "--metric", "Click rate (%)", "--value", "2.4")
    after = datetime.now(UTC).strftime("%Y-%m")
    assert result.out.splitlines()[0] in (f"Recorded 1 value for {before}.", f"Recorded 1 value for {after}.")


def test_warnings_are_printed(cli: Cli, demo: str) -> None:
    red = cli.ok("checkin", demo, "--metric", SESSIONS, "--value", "7000", "--period", "2026-09")
    assert (
        "RED early warning: Organic sessions per month for SEO audits is 7,000 in 2026-09: below the warning "
        "level of 7,800 (baseline 8,400, target 10,000)." in red.out.splitlines()
    )
    first = cli.ok(
        "checkin", demo, "--metric", "cost per order (eur)", "--value", "16", "--period", "2026-09"
    )
    assert "warning" not in first.out  # 10% worse (and at the warning level), once
    second = cli.ok(
        "checkin", demo, "--metric", "cost per order (eur)", "--value", "15.95", "--period", "2026-10"
    )
    assert (
        "AMBER early warning: Cost per order (EUR) for Paid search ads is 15.95 in 2026-10: 10% worse"
        in second.out
    )
    assert "  Paid search ads: cost per order (EUR): 2026-09 16, 2026-10 15.95" in second.out


def test_piped_asks_each_metric_in_turn_and_enter_skips(cli: Cli, demo: str) -> None:
    result = cli.ok("checkin", demo, "--period", "2026-10", "--name", "tom", stdin="45\n\n30\n1.5\n")
    out = result.out.splitlines()
    assert (
        out[0]
        == "Check-in for 2026-10 on Demo: Northwind Tea online shop, marketing review. Enter skips a metric."
    )
    assert [line[:-1] for line in out if line.endswith(":") and not line.startswith(">")] == ASKED
    assert "Recorded 3 values for 2026-10." in out
    assert (
        "RED early warning: Click rate (%) for Email newsletter is 1.5 in 2026-10: below the warning level of 1.8 (baseline 2.1, target 3)."
        in out
    )
    review, _ = stored(cli, demo)
    saved = checkins(review)
    assert sorted(saved) == ["Email newsletter", "Product photography", "SEO audits"]
    assert [e["metric"] for e in saved["SEO audits"]] == ["products ranking on page one"]
    assert {e["author"] for v in saved.values() for e in v} == {"tom"}


def test_piped_end_of_input_skips_the_rest(cli: Cli, demo: str) -> None:
    assert cli.ok("checkin", demo, stdin="").out.splitlines()[-1] == "Nothing recorded."
    assert "Recorded 1 value" in cli.ok("checkin", demo, stdin="41").out


def test_a_second_check_in_for_a_period_replaces_the_value(cli: Cli, demo: str) -> None:
    _, before = stored(cli, demo)
    cli.ok("checkin", demo, "--metric", SESSIONS, "--value", "8000", "--period", "2026-10")
    again = cli.ok("checkin", demo, "--metric", SESSIONS, "--value", "8600", "--period", "2026-10")
    assert "  SEO audits: organic sessions per month: 2026-10 8,600" in again.out
    review, history = stored(cli, demo)
    assert [e["value"] for e in checkins(review)["SEO audits"]] == [8600.0]
    assert history == before + 2  # the history keeps both, with who and when


def test_every_check_in_adds_to_the_history(cli: Cli, demo: str) -> None:
    _, before = stored(cli, demo)
    cli.ok("checkin", demo, "--period", "2026-10", stdin="45\n8000\n")
    _, after = stored(cli, demo)
    assert after == before + 2


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["--metric", "bounce rate", "--value", "3"], "", "“bounce rate” is not a metric; choose one of: product pages"),
        (["--process", "Brand strategy", "--metric", SESSIONS, "--value", "3"], "", "“Brand strategy” is not a shortlisted task"),
        (["--metric", SESSIONS, "--value", "lots"], "", "“lots” is not a number; write it in digits, like 9500 or 2.5."),
        (["--metric", SESSIONS, "--value", "3", "--period", "11/2026"], "", "is not a month; write it as YYYY-MM"),
        (["--metric", SESSIONS, "--value", "3", "--period", "2999-01"], "", "2999-01 has not started yet"),
        (["--metric", SESSIONS], "", "give --metric and --value together"),
        (["--value", "3"], "", "give --metric and --value together"),
        ([], "45\n8000\nabc\n", "SEO audits: products ranking on page one (baseline 35, target 60): “abc” is not a number"),
        (["--period", "soon"], "45\n", "“soon” is not a month"),
    ],
)  # fmt: skip
def test_bad_input_exits_2_with_one_line_and_saves_nothing(
    cli: Cli, demo: str, args: list[str], stdin: str, message: str
) -> None:
    rows = cli.rows()
    result = cli("checkin", demo, *args, stdin=stdin)
    assert result.code == 2, result
    assert len(result.err_lines) == 1, result.err
    assert message in result.err
    assert cli.rows() == rows
    review, _ = stored(cli, demo)
    assert checkins(review) == {}


def test_an_unknown_review_exits_2(cli: Cli, demo: str) -> None:
    result = cli("checkin", "ffffffff", "--metric", SESSIONS, "--value", "3")
    assert result.code == 2
    assert "no saved review has that id" in result.err


def test_a_review_without_metrics_exits_2(cli: Cli, write) -> None:  # type: ignore[no-untyped-def]
    answers = write("small.yml", "processes: [SEO audits]\nratings: {SEO audits: {me: {risk: 2, consequences: 3, "
                    "tech_complexity: 2, importance: 3, benefits: 4, vendor_expertise: 2}}}\n")  # fmt: skip
    match = re.search(r"Saved as review ([0-9a-f]{32})", cli.ok("review", "--answers", answers).err)
    assert match
    result = cli("checkin", match.group(1), stdin="1\n")
    assert result.code == 2
    assert "has no metrics to check in yet" in result.err


def test_exports_carry_the_check_ins_and_warnings(cli: Cli, demo: str) -> None:
    cli.ok("checkin", demo, "--metric", SESSIONS, "--value", "6000", "--period", "2026-10", "--name", "tom")
    report = json.loads(cli.ok("export", demo, "--format", "json").out)
    assert report["checkins"] == [
        {
            "process": "SEO audits",
            "metric": SESSIONS,
            "period": "2026-10",
            "value": 6000,
            "author": "tom",
            "at": report["checkins"][0]["at"],
        }
    ]
    (warning,) = report["early_warnings"]
    assert (warning["level"], warning["process"], warning["metric"]) == ("red", "SEO audits", SESSIONS)
    markdown = cli.ok("export", demo).out
    assert (
        "## Check-ins" in markdown
        and "| SEO audits | organic sessions per month | 2026-10 | 6000 | tom |" in markdown
    )
