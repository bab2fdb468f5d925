"""Reports people can trust (issue 5, items 1-3 and 8 in the output): per factor the median, the spread and the
disagreement with who is at either end; the weights used and how they were set, in every renderer; the
sensitivity and stability; `--weights` on the command line, rank-order centroid included."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from bot.slack.blocks.report import shortlist_messages
from bot.terminal import Console, chat
from bot.web.page import render_page
from flows.advice import swap_words
from flows.decision import decide
from flows.interview import K_WEIGHTS, current_prompt
from flows.method import FACTOR_IDS, criteria_for
from flows.model import Review, ReviewInput, utcnow
from flows.prompts import STEP_LETTERS, rank_order_centroid
from flows.render import WEIGHTS_HOW, render_csv, render_json, render_markdown, to_json_dict
from flows.report import Report
from flows.service import ReviewService, knockout_questions, report_of
from tests.support.cli import Cli
from tests.support.memory_store import MemoryStore
from tests.support.reviews import CONTRACT_PLAN, FACILITATOR, Pick, rating

ROC = "ranked factors (rank-order centroid)"
SOURCES = ["default", "answers file", "set by the facilitator", ROC]


def disputed(weights_source: str = "default", **weights: float) -> Report:
    """Blog writing: alice rates risk 1, carol 2, bob 4 (a disagreement, alice and bob at the ends)."""
    return decide(
        ReviewInput(
            processes=["Blog writing", "SEO audits", "Brand strategy"],
            title="Q3 review",
            ratings={
                "Blog writing": {
                    "alice": rating(risk=1, benefits=4),
                    "bob": rating(risk=4, benefits=4),
                    "carol": rating(risk=2, benefits=5),
                },
                "SEO audits": {"alice": rating(risk=2), "bob": rating(risk=2), "carol": rating(risk=3)},
            },
            candidates=["Blog writing", "SEO audits"],
            weights=weights,
            weights_source=weights_source,
        )
    )


def slack_text(report: Report) -> str:
    """Everything the shortlist message in the channel shows."""
    review = Review(title=report.review, facilitator="U0FAC")
    return "\n".join(json.dumps(m.blocks, ensure_ascii=False) for m in shortlist_messages(review, report))


def page_text(report: Report) -> str:
    """The full report page (where Slack's shortlist message leads)."""
    return render_page(report, chart_url=None, made_at=utcnow())


# ---------------------------------------------------------------- spread and disagreement


def test_json_has_the_median_spread_and_who_is_at_either_end() -> None:
    data = to_json_dict(disputed())
    blog = next(t for t in data["shortlist"] if t["process"] == "Blog writing")
    assert blog["factors"]["risk"] == 2  # the median of 1, 2, 4
    assert blog["spread"]["risk"] == [1, 4]
    assert blog["spread"]["benefits"] == [4, 5]
    assert list(blog["spread"]) == list(FACTOR_IDS)
    assert blog["disagreements"] == [
        {"factor": "risk", "low": 1, "high": 4, "low_raters": ["alice"], "high_raters": ["bob"]}
    ]
    assert blog["discuss"] is True
    seo = next(t for t in data["shortlist"] if t["process"] == "SEO audits")
    assert seo["spread"]["risk"] == [2, 3] and seo["disagreements"] == [] and seo["discuss"] is False


def test_markdown_shows_the_spread_and_the_disagreement() -> None:
    text = render_markdown(disputed())
    assert (
        "- Spread of ratings (lowest–highest): risk 1–4 (disagreement); cost of not outsourcing 3–3" in text
    )
    assert "Disagreement on risk: alice said 1, bob said 4. Talk it through." in text
    assert "| Blog writing |" in text and "| discuss |" in text


def test_slack_sends_the_disagreement_to_be_talked_through_and_the_page_shows_the_spread() -> None:
    report = disputed()
    text = slack_text(report)
    assert "*Discuss first*\\n• Blog writing (rank 1)" in text
    assert "Raters disagree on risk (alice said 1, bob said 4)" in text
    page = page_text(report)  # where the shortlist message's button leads
    assert "Raters disagree on risk (alice said 1, bob said 4)" in page
    assert "risk 1–4 (disagreement)" in page


# ---------------------------------------------------------------- weights and how they were set


@pytest.mark.parametrize("source", SOURCES)
def test_every_renderer_states_the_weights_and_how_they_were_set(source: str) -> None:
    report = disputed(source, risk=2.5)
    how = WEIGHTS_HOW[source]
    markdown = render_markdown(report)
    assert f"Weights used, {how}:\n\n- Risk (×2.5) counts against outsourcing" in markdown
    assert "- Cost of not outsourcing (×1) counts for outsourcing" in markdown
    data = json.loads(render_json(report))
    assert data["weights_source"] == source and data["weights"]["risk"] == 2.5
    rows = list(csv.DictReader(io.StringIO(render_csv(report))))
    assert {r["weights_source"] for r in rows} == {source}
    assert {r["weights"] for r in rows} == {
        "risk 2.5 consequences 1 tech_complexity 1 importance 1 benefits 1 vendor_expertise 1"
    }
    assert f"Weights used, {how}: risk ×2.5, cost of not outsourcing ×1" in slack_text(report)


# ---------------------------------------------------------------- sensitivity and stability in the output


def test_sensitivity_and_stability_in_json_markdown_and_the_page() -> None:
    report = disputed()
    data = to_json_dict(report)
    (pair,) = data["sensitivity"]
    assert (
        pair["higher"] == data["shortlist"][0]["process"] and pair["lower"] == data["shortlist"][1]["process"]
    )
    assert pair["text"] == report.sensitivity[0].text
    assert set(pair) == {"higher", "lower", "factor", "now", "threshold", "direction", "inclusive", "text"}
    for task in data["shortlist"]:
        assert task["stability"]["label"] in ("stable", "fragile")
    text = render_markdown(report)
    assert "## How stable is this ranking?" in text
    assert f"- {report.sensitivity[0].text}." in text
    assert "| rank | process | score | discuss | rank stability |" in text
    page = page_text(report)
    assert "How stable is this ranking?" in page and swap_words(report.sensitivity[0]) in page
    slack = slack_text(report)  # the channel's message only says where the full report is
    assert report.sensitivity[0].text not in slack and swap_words(report.sensitivity[0]) not in slack


def test_the_contracts_keys_keep_their_meaning() -> None:
    data = to_json_dict(disputed(risk=2))
    contract = {
        "review",
        "processes",
        "merged",
        "merge_suggestions",
        "excluded",
        "shortlist",
        "weights",
        "directions",
    }
    assert contract <= set(data)
    for task in data["shortlist"]:
        assert isinstance(task["score"], float) and isinstance(task["rank"], int)
        assert set(task["factors"]) == set(FACTOR_IDS)
        assert {"rank", "process", "score", "factors", "disagreements", "service_level", "metrics"} <= set(
            task
        )
    assert data["weights"]["risk"] == 2 and data["directions"]["risk"] == "-"


def test_names_in_the_sentences_are_escaped_for_markdown_and_slack() -> None:
    report = decide(
        ReviewInput(
            processes=["<!channel> ads", "SEO audits"],
            ratings={
                "<!channel> ads": {"a": rating(risk=2)},
                "SEO audits": {"a": rating(risk=3, benefits=4)},
            },
        )
    )
    assert "<!channel>" in report.sensitivity[0].text
    slack = slack_text(report)
    assert "&lt;!channel&gt; ads" in slack and "<!channel>" not in slack
    assert "[<!channel> ads]" in render_markdown(report, escape=lambda s: f"[{s}]")


# ---------------------------------------------------------------- the command line


ANSWERS = """\
title: Q3 review
processes: [Blog writing, SEO audits, Brand strategy]
keep_inhouse: {Brand strategy: [competitive_advantage]}
weights: {risk: 2}
ratings:
  Blog writing:
    alice: {risk: 1, consequences: 3, tech_complexity: 1, importance: 3, benefits: 4, vendor_expertise: 1}
    bob: {risk: 4, consequences: 3, tech_complexity: 1, importance: 3, benefits: 4, vendor_expertise: 1}
  SEO audits:
    alice: {risk: 2, consequences: 4, tech_complexity: 2, importance: 2, benefits: 5, vendor_expertise: 2}
    bob: {risk: 2, consequences: 4, tech_complexity: 2, importance: 2, benefits: 5, vendor_expertise: 2}
"""


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


@pytest.fixture
def answers(tmp_path: Path) -> Path:
    path = tmp_path / "answers.yml"
    path.write_text(ANSWERS, encoding="utf-8")
    return path


def test_review_weights_rank_gives_rank_order_centroid_weights(cli: Cli, answers: Path) -> None:
    result = cli.ok("review", "--answers", answers, "--weights", "rank benefits risk", "--format", "json")
    data = json.loads(result.out)
    expected = rank_order_centroid(["benefits", "risk"])
    assert data["weights"] == expected
    assert data["weights"]["benefits"] > data["weights"]["risk"] > data["weights"]["consequences"]
    assert sum(expected.values()) == pytest.approx(len(FACTOR_IDS))
    assert data["weights_source"] == ROC
    review_id = result.err.split("Saved as review ")[1].split(".")[0]
    markdown = cli.ok("export", review_id).out  # the terminal report
    assert f"Weights used, {WEIGHTS_HOW[ROC]}:\n\n- Risk (×1.45) counts against outsourcing" in markdown
    csv_rows = list(csv.DictReader(io.StringIO(cli.ok("export", review_id, "--format", "csv").out)))
    assert {r["weights_source"] for r in csv_rows} == {ROC}


def test_review_weights_replace_the_files_weights(cli: Cli, answers: Path) -> None:
    data = json.loads(
        cli.ok("review", "--answers", answers, "--weights", "benefits 3", "--format", "json").out
    )
    assert data["weights"] == {**dict.fromkeys(FACTOR_IDS, 1), "benefits": 3}
    assert data["weights_source"] == "set by the facilitator"
    plain = json.loads(cli.ok("review", "--answers", answers, "--format", "json").out)
    assert plain["weights"]["risk"] == 2


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("risk x", "--weights 'risk x': The weight of risk “x” is not a number"),
        ("rank benefits nonsense", "--weights 'rank benefits nonsense': After rank, list factors once each"),
        ("risk -1", "--weights 'risk -1': The weight of risk must be 0 or more."),
        ("quality 2", "--weights 'quality 2': “quality” is not a factor"),
    ],
)
def test_a_bad_weights_value_exits_2_and_saves_nothing(
    cli: Cli, answers: Path, value: str, says: str
) -> None:
    for command in (["review", "--answers", answers], ["chat", "--title", "T"]):
        result = cli(*command, "--weights", value, stdin="")
        assert result.code == 2, result
        (line,) = result.err_lines
        assert line.startswith(says), line
        assert "`" not in line
    assert "No saved reviews yet" in cli.ok("list").out


def test_chat_weights_answer_the_weights_question() -> None:
    """The terminal chat with `--weights`: the weights question is answered for you, the rest is typed."""
    service = ReviewService(MemoryStore())
    review = service.start(title="Q3 marketing review", facilitator=FACILITATOR, raters=["alice"]).review
    plan = {k: v for k, v in CONTRACT_PLAN.items() if k != K_WEIGHTS}
    queues: dict[str, list[str]] = {}
    asked: list[str] = []
    shown: list[str] = []

    def read() -> str | None:
        prompt = current_prompt(service.load(review.id or ""))
        if prompt is None:
            return None
        asked.append(prompt.key)
        step = knockout_questions(prompt)
        if step:  # steps 3 to 5 are asked one screen each: each question's picks after its letter
            values = [o.value for o in prompt.options]
            order = [c.id for c in criteria_for(prompt.stage)]
            parts = [
                f"{STEP_LETTERS[order.index(c.id)]} {' '.join(str(values.index(n) + 1) for n in pick.names)}"
                for key, c in step
                for pick in [plan.get(key)]
                if isinstance(pick, Pick) and pick.names
            ]
            return "; ".join(parts) or "none"
        if prompt.key not in queues:
            steps = plan.get(prompt.key)
            steps = steps if isinstance(steps, list) else [steps] if steps is not None else []
            queue = []
            for step in steps:
                if isinstance(step, Pick):
                    values = [o.value for o in prompt.options]
                    queue.append(" ".join(str(values.index(n) + 1) for n in step.names) or "none")
                else:
                    queue.append(step[1] if isinstance(step, tuple) else step)
            queues[prompt.key] = queue
        if queues[prompt.key]:
            return queues[prompt.key].pop(0)
        return {"pick": "none", "yes_no": "no"}.get(prompt.kind, "skip")

    console = Console(read, shown.append)
    done = chat(service, review, FACILITATOR, console, weights="rank benefits risk")
    assert K_WEIGHTS not in asked  # never typed
    assert "> rank benefits risk  (from --weights)" in shown
    report = report_of(done)
    assert report.weights == rank_order_centroid(["benefits", "risk"])
    assert report.weights_source == ROC
    assert [t.process for t in report.shortlist] == ["SEO audits", "Blog writing"]


# ---------------------------------------------------------------- the demo


def test_the_demo_shows_disagreement_sensitivity_stability_and_the_chart(cli: Cli) -> None:
    out = cli.ok("demo").out
    assert "Disagreement on risk: tom said 2, maria said 4." in out
    assert "(disagreement)" in out and "| discuss |" in out
    assert "## How stable is this ranking?" in out
    assert " would move above " in out and "if technical complexity did not count at all" in out
    assert "| stable |" in out and "| fragile |" in out
    details = out[out.index("## Details") :]  # the arithmetic, after the advice and the shortlist
    assert " overtakes " in details and "(now 1)" in details
    assert "fragile: with " in details
    assert "Weights used, the default (all equal):" in details
    demo = cli.ok("demo")
    hint = demo.err.splitlines()[-1]
    assert hint.startswith("Draw its priority chart with: outsource-review export ")
    chart = cli.ok(*hint.split("outsource-review ")[1].split())
    path = cli.folder / chart.err.strip().removeprefix("Chart written to ")
    assert path.name.startswith("review-") and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
