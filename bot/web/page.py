"""The full report as one HTML page (Jinja2, autoescaped: every name people typed is escaped).

The words come from the same helpers as the Markdown report (flows.advice, flows.render); this module only
arranges them. The page's style and its sorting script are inlined, and the Content-Security-Policy allows
exactly those two by their hashes: the page loads nothing from anywhere else and works offline.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from flows.advice import (
    KEPT_SHOWN,
    advise,
    factor_counts,
    kept_words,
    reasons,
    reasons_text,
    stability_words,
    swap_words,
)
from flows.render import (
    NOTHING_CLEAR,
    NOTHING_RANKED,
    PLACES_INTRO,
    SCORE_RULE,
    SCORES_INTRO,
    STABILITY_INTRO,
    STABILITY_RULE,
    SWAP_NOTHING,
    advice_why,
    disagreement_text,
    factor_line,
    metric_text,
    more_kept_text,
    more_ranked_text,
    reason_text,
    shown_score,
    spread_text,
    step_title,
    weights_how,
)
from flows.report import LedgerEntry, RankedTask, Report


def _same(text: str) -> str:
    """Names go into the shared sentences as they are: the template escapes the whole sentence."""
    return text


def _names(people: Iterable[str]) -> str:
    return ", ".join(people)


@dataclass(frozen=True)
class _Assets:
    css: str
    js: str
    policy: str


@cache
def _assets() -> _Assets:
    folder = resources.files("bot.web").joinpath("static")
    css = folder.joinpath("report.css").read_text(encoding="utf-8")
    js = folder.joinpath("report.js").read_text(encoding="utf-8")
    policy = "; ".join(
        [
            "default-src 'none'",
            "img-src 'self' data:",  # the chart, and the empty icon that keeps browsers from asking for one
            f"style-src '{_sha256(css)}'",
            f"script-src '{_sha256(js)}'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )
    return _Assets(css, js, policy)


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("bot.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def content_security_policy() -> str:
    return _assets().policy


def render_page(report: Report, *, chart_url: str | None, made_at: datetime) -> str:
    """The page for `report`; `chart_url` is where the priority chart is served (None: no chart)."""
    assets = _assets()
    return (
        _environment()
        .get_template("report.html")
        .render(
            report=report,
            title=report.review or "Outsource review",
            made_at=f"{made_at:%Y-%m-%d %H:%M} UTC",
            chart_url=chart_url,
            advice=_advice(report),
            tasks=[_task(t, report) for t in report.shortlist],
            swaps=[swap_words(p) for p in report.sensitivity] or ([SWAP_NOTHING] if report.shortlist else []),
            places_intro=PLACES_INTRO,
            excluded=_excluded(report),
            details=_details(report),
            css=Markup(assets.css),
            js=Markup(assets.js),
        )
    )


def _advice(report: Report) -> dict[str, Any]:
    advice = advise(report)
    return {
        "nothing_ranked": NOTHING_RANKED if not report.shortlist else None,
        "nothing_clear": NOTHING_CLEAR,
        "outsource": [(t.process, t.rank, advice_why(t, _same, _names)) for t in advice.outsource],
        "discuss": [(t.process, t.rank, advice_why(t, _same, _names)) for t in advice.discuss],
        "more_ranked": more_ranked_text(advice.more_ranked) if advice.more_ranked else None,
        "kept": [(e.process, f"{kept_words(e)}.") for e in advice.kept[:KEPT_SHOWN]],
        "more_kept": more_kept_text(len(advice.kept) - KEPT_SHOWN) if len(advice.kept) > KEPT_SHOWN else None,
    }


def _task(task: RankedTask, report: Report) -> dict[str, Any]:
    stability = task.stability
    return {
        "rank": task.rank,
        "process": task.process,
        "score": shown_score(task),
        "why": reasons_text(reasons(task, report)),
        "rated_by": _names(task.ratings),
        "spread": spread_text(task) if task.spread else None,
        "disagreements": [disagreement_text(d, _names) for d in task.disagreements],
        "discuss": task.needs_discussion,
        "stability": stability.label if stability else "",
        "stability_words": stability_words(stability) if stability else None,
        "service_level": task.service_level,
        "metrics": [metric_text(m, _same) for m in task.metrics],
        "arithmetic": factor_line(task, report),
    }


def _excluded(report: Report) -> list[dict[str, Any]]:
    """Every exclusion with its step, reasons, and who took it out when (from the ledger, when it knows)."""
    decided: dict[str, LedgerEntry] = {e.process: e for e in report.ledger if e.fate == "excluded"}
    rows = []
    for e in sorted(report.excluded, key=lambda e: e.step):
        entry = decided.get(e.process)
        rows.append(
            {
                "process": e.process,
                "step": e.step,
                "step_title": step_title(e.step),
                "reasons": reason_text(e.reasons),
                "by": ", ".join(entry.by) if entry else "",
                "at": f"{entry.at:%Y-%m-%d}" if entry and entry.at else "",
                "comments": "; ".join(entry.comments) if entry else "",
            }
        )
    return rows


def _details(report: Report) -> dict[str, Any]:
    return {
        "score_rule": SCORE_RULE,
        "weights_how": weights_how(report.weights_source),
        "scores_intro": SCORES_INTRO,
        "factor_counts": factor_counts(report),
        "stability_intro": STABILITY_INTRO,
        "pairs": [p.sentence() for p in report.sensitivity],
        "stability_rule": STABILITY_RULE,
        "places": [
            (t.process, t.rank, t.stability.sentence()) for t in report.shortlist if t.stability is not None
        ],
    }
