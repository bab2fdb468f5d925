"""Reports as JSON (the contract's keys), Markdown and CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from flows.advice import (
    KEPT_SHOWN,
    TOP,
    TaskAdvice,
    advise,
    discuss_words,
    factor_counts,
    kept_words,
    reasons,
    reasons_text,
    stability_words,
    swap_words,
)
from flows.method import FACTOR_IDS, FACTORS_BY_ID, REASON_LABELS, STEPS
from flows.model import Metric
from flows.report import Disagreement, RankedTask, Report


def plain_number(value: float | None) -> float | int | None:
    """2.0 -> 2, 2.5 -> 2.5: whole numbers print as whole numbers."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def shown_score(task: RankedTask) -> float:
    return round(task.score, 1)


def to_json_dict(report: Report) -> dict[str, Any]:
    return {
        "review": report.review,
        "processes": list(report.processes),
        "merged": [{"into": m.into, "from": list(m.sources)} for m in report.merged],
        "merge_suggestions": [
            {"into": s.into, "from": [s.source], "similarity": s.similarity} for s in report.merge_suggestions
        ],
        "excluded": [
            {"process": e.process, "step": e.step, "reasons": list(e.reasons)} for e in report.excluded
        ],
        "shortlist": [
            {
                "rank": t.rank,
                "process": t.process,
                "score": shown_score(t),
                "factors": {f: plain_number(t.factors[f]) for f in FACTOR_IDS},
                "disagreements": [
                    {
                        "factor": d.factor,
                        "low": d.low,
                        "high": d.high,
                        "low_raters": list(d.low_raters),
                        "high_raters": list(d.high_raters),
                    }
                    for d in t.disagreements
                ],
                "service_level": t.service_level,
                "metrics": [
                    {k: plain_number(v) if k != "name" else v for k, v in m.as_dict().items()}
                    for m in t.metrics
                ],
                "ratings": t.ratings,
                "contributions": {f: round(t.contributions[f], 4) for f in FACTOR_IDS},
                "spread": {f: list(t.spread[f]) for f in FACTOR_IDS if f in t.spread},
                "discuss": t.needs_discussion,
                "stability": stability_json(t),
            }
            for t in report.shortlist
        ],
        "sensitivity": [
            {
                "higher": p.higher,
                "lower": p.lower,
                "factor": p.factor,
                "now": plain_number(p.now),
                "threshold": None if p.threshold is None else plain_number(round(p.threshold, 6)),
                "direction": p.direction,
                "inclusive": p.inclusive,
                "text": p.text,
            }
            for p in report.sensitivity
        ],
        "weights": {f: plain_number(w) for f, w in report.weights.items()},
        "directions": dict(report.directions),
        "weights_source": report.weights_source,
        "organisation": report.organisation,
        "ledger": [
            {
                "process": e.process,
                "fate": e.fate,
                "step": e.step,
                "reasons": list(e.reasons),
                "by": list(e.by),
                "at": e.at.isoformat() if e.at else None,
                "comments": list(e.comments),
            }
            for e in report.ledger
        ],
        "checkins": [{"process": r.process, **r.as_dict()} for r in report.checkins],
        "early_warnings": [
            {
                "level": str(w.level),
                "process": w.process,
                "metric": w.metric,
                "period": w.period,
                "text": w.text,
            }
            for w in report.warnings
        ],
        "reconsidered": [
            {
                "process": r.process,
                "by": r.by,
                "at": r.at.isoformat(),
                "was_step": r.was_step,
                "was_reasons": list(r.was_reasons),
                "now": r.now,
            }
            for r in report.reconsidered
        ],
    }


def stability_json(task: RankedTask) -> dict[str, Any] | None:
    st = task.stability
    if st is None:
        return None
    return {
        "label": st.label,
        "factor": st.factor,
        "weight": plain_number(st.weight),
        "change": st.change,
        "crossed_by": list(st.crossed_by),
        "text": st.text,
    }


def render_json(report: Report) -> str:
    return json.dumps(to_json_dict(report), indent=2, ensure_ascii=False) + "\n"


def step_title(step: int) -> str:
    for stage, info in STEPS.items():
        if stage.step_number == step:
            return info.title
    return f"Step {step}"


def reason_text(reasons: tuple[str, ...] | list[str]) -> str:
    return ", ".join(REASON_LABELS.get(r, r) for r in reasons)


def factor_line(task: RankedTask, report: Report, gives: str = "=") -> str:
    """The score's arithmetic: median, direction and weight per factor, and what it adds (`gives`: `=`, or
    Slack's `→`)."""
    medians, adds = task.factors, task.contributions
    return "; ".join(
        [
            f"{label} {plain_number(medians[f])} ({how} {gives} {adds[f]:.2f})"
            for f, label, how in _factor_columns(
                tuple(report.weights.items()), tuple(report.directions.items())
            )
        ]
    )


@lru_cache(maxsize=32)
def _factor_columns(
    weights: tuple[tuple[str, float], ...], directions: tuple[tuple[str, str], ...]
) -> tuple[tuple[str, str, str], ...]:
    """(factor, label, 'direction, ×weight') per factor: the same for every task of a report."""
    weight, direction = dict(weights), dict(directions)
    return tuple(
        (f, FACTORS_BY_ID[f].label, f"{direction[f]}, ×{plain_number(weight[f])}") for f in FACTOR_IDS
    )


WEIGHTS_HOW = {
    "default": "the default (all equal)",
    "answers file": "from the answers file",
    "set by the facilitator": "set by the facilitator",
    "ranked factors (rank-order centroid)": "from the facilitator's ranking of the factors (rank-order centroid)",
}


def weights_how(source: str) -> str:
    """How the weights were set, in words."""
    return WEIGHTS_HOW.get(source, source)


def weights_used(report: Report) -> str:
    """The weights the report used: 'risk ×2, cost of not outsourcing ×1, ...'."""
    return ", ".join(f"{FACTORS_BY_ID[f].label} ×{plain_number(report.weights[f])}" for f in FACTOR_IDS)


def spread_text(task: RankedTask) -> str:
    """Per factor, the lowest and highest rating given; factors the raters disagree on are marked."""
    spread = task.spread
    disagreeing = {d.factor for d in task.disagreements}
    return "; ".join(
        [
            f"{FACTORS_BY_ID[f].label} {spread[f][0]}–{spread[f][1]}{' (disagreement)' if f in disagreeing else ''}"
            for f in FACTOR_IDS
            if f in spread
        ]
    )


def sentence_case(text: str) -> str:
    """The first letter upper case, the rest as it is (names keep their case)."""
    return text[:1].upper() + text[1:]


def disagreement_text(d: Disagreement, names: Callable[[Iterable[str]], str]) -> str:
    """'Disagreement on risk: alice said 1, bob said 4': `names` shows the raters (escaped, or mentions)."""
    label = FACTORS_BY_ID[d.factor].label
    return (
        f"Disagreement on {label}: {names(d.low_raters)} said {d.low}, {names(d.high_raters)} said {d.high}"
    )


# ---------------------------------------------------------------- Markdown


NOTHING_RANKED = "Nothing made the shortlist this time."
NOTHING_CLEAR = "Nothing is clear yet: talk the tasks below through first."
SWAP_NOTHING = "Only one task is ranked, so nothing can swap."
PLACES_INTRO = "Each task's place when any one factor counts half as much or half again as much:"


def advice_why(task: TaskAdvice, name: Any, names: Callable[[Iterable[str]], str]) -> str:
    """An advised task's reasons, and for one to discuss first, why: 'big benefits, low risk.' (the task's
    name and rank go before it, as each report shows them)."""
    why = f"{reasons_text(task.reasons)}."
    return f"{why} {sentence_case(discuss_words(task, name, names))}." if task.discuss else why


def more_ranked_text(more: int) -> str:
    return f"{more} more {'task is' if more == 1 else 'tasks are'} ranked below these: see the shortlist."


def more_kept_text(more: int) -> str:
    return f"And {more} more: see Excluded below."


def metric_text(metric: Metric, esc: Any) -> str:
    """'organic sessions: baseline 12000, target 15000, warn at 11000'."""
    return (
        f"{esc(metric.name)}: baseline {plain_number(metric.baseline)}, "
        f"target {plain_number(metric.target)}, warn at {plain_number(metric.warn_at)}"
    )


def advice_lines(
    report: Report, esc: Any, names: Callable[[Iterable[str]], str], top: int = TOP
) -> list[str]:
    """The report's opening: outsource first, discuss first, kept in-house; in words."""
    advice = advise(report, top)
    lines = ["## Advice", ""]
    if not report.shortlist:
        lines += [NOTHING_RANKED, ""]
    else:
        lines += ["**Outsource first**", ""]
        if advice.outsource:
            lines += [
                f"- {esc(t.process)} (rank {t.rank}): {advice_why(t, esc, names)}" for t in advice.outsource
            ]
        else:
            lines.append(f"- {NOTHING_CLEAR}")
        lines.append("")
        if advice.discuss:
            lines += ["**Discuss first**", ""]
            lines += [
                f"- {esc(t.process)} (rank {t.rank}): {advice_why(t, esc, names)}" for t in advice.discuss
            ]
            lines.append("")
        if advice.more_ranked:
            lines += [more_ranked_text(advice.more_ranked), ""]
    if advice.kept:
        lines += ["**Kept in-house**", ""]
        lines += [f"- {esc(e.process)}: {kept_words(e)}." for e in advice.kept[:KEPT_SHOWN]]
        if len(advice.kept) > KEPT_SHOWN:
            lines.append(f"- {more_kept_text(len(advice.kept) - KEPT_SHOWN)}")
        lines.append("")
    return lines


def stability_lines(report: Report, esc: Any) -> list[str]:
    """The "How stable is this ranking?" section, in words."""
    if not report.shortlist:
        return []
    lines = ["## How stable is this ranking?", ""]
    if report.sensitivity:
        lines += [f"- {swap_words(p, esc)}." for p in report.sensitivity]
    else:
        lines.append(SWAP_NOTHING)
    lines += ["", PLACES_INTRO, ""]
    for t in report.shortlist:
        if t.stability is not None:
            lines.append(
                f"- {esc(t.process)} (rank {t.rank}): {t.stability.label}, {stability_words(t.stability, esc)}"
            )
    lines.append("")
    return lines


SCORES_INTRO = (
    "Each score, factor by factor: the median rating (+ or -, ×weight = what it adds before the average)."
)
STABILITY_INTRO = (
    "Each line is the smallest change to one weight, the others kept as they are, that would swap two "
    "neighbours on the shortlist (worked out exactly, not by trying values)."
)
STABILITY_RULE = "Stable: a task keeps its place when any one weight is 50% lower or higher."
SCORE_RULE = (
    "Each factor's median rating is scaled to 0-1 so that 1 always means 'outsource sooner' "
    "(+ factors count for outsourcing: (m-1)/4; - factors count against it: (5-m)/4), weighted, and averaged: "
    "score = 100 × Σ w·v / Σ w. Ties go to higher benefits, then lower risk, then the name."
)


def details_lines(report: Report, esc: Any) -> list[str]:
    """The arithmetic behind the advice: weights and directions, each score factor by factor, and the exact
    weight at which neighbours swap."""
    lines = ["## Details: how the scores were worked out", "", SCORE_RULE, ""]
    lines += [f"Weights used, {weights_how(report.weights_source)}:", ""]
    lines += [f"- {line}." for line in factor_counts(report)]
    lines.append("")
    if not report.shortlist:
        return lines
    lines += [SCORES_INTRO, ""]
    lines += [f"- {esc(t.process)} ({shown_score(t)}): {factor_line(t, report)}" for t in report.shortlist]
    lines.append("")
    if report.sensitivity:
        lines += [STABILITY_INTRO, ""]
        lines += [f"- {p.sentence(esc)}." for p in report.sensitivity]
        lines.append("")
    lines += [STABILITY_RULE, ""]
    for t in report.shortlist:
        if t.stability is not None:
            lines.append(f"- {esc(t.process)} (rank {t.rank}): {t.stability.sentence(esc)}")
    lines.append("")
    return lines


def render_markdown(report: Report, escape: Any = None, name: Callable[[str], str] | None = None) -> str:
    """Markdown for files and terminals: the advice, the shortlist in words, what was left off, then the
    details; `escape` is applied to every user-typed string. `name` shows a person (a rater, whoever excluded
    or checked in): by default their id, escaped; a transport whose ids are not names passes `flows.people.person`
    and renders the references (`flows.people.render_people`)."""
    esc = escape or (lambda s: s)
    who = name or esc

    def names(people: Iterable[str]) -> str:
        return ", ".join(map(who, people))

    lines = [f"# {esc(report.review) or 'Outsource review'}", ""]
    lines += advice_lines(report, esc, names)
    if report.shortlist:
        lines += ["## Shortlist, best candidate first", ""]
        lines += ["| rank | process | score | discuss | rank stability |", "|---:|---|---:|---|---|"]
        for t in report.shortlist:
            flag = "discuss" if t.needs_discussion else ""
            stable = t.stability.label if t.stability else ""
            lines.append(f"| {t.rank} | {esc(t.process)} | {shown_score(t)} | {flag} | {stable} |")
        lines.append("")
        for t in report.shortlist:
            lines.append(f"### {t.rank}. {esc(t.process)}: {shown_score(t)}")
            lines.append(f"- Why: {reasons_text(reasons(t, report))}")
            lines.append(f"- Rated by: {names(t.ratings)}")
            if t.spread:
                lines.append(f"- Spread of ratings (lowest–highest): {spread_text(t)}")
            for d in t.disagreements:
                lines.append(f"- {disagreement_text(d, names)}. Talk it through.")
            if t.service_level:
                lines.append(f"- Service level today: {esc(t.service_level)}")
            for m in t.metrics:
                lines.append(f"- Metric: {metric_text(m, esc)}")
            lines.append("")
        lines += stability_lines(report, esc)
    if report.excluded:
        lines += ["## Excluded", ""]
        for step in sorted({e.step for e in report.excluded}):
            lines.append(f"Step {step}, {step_title(step).lower()}:")
            for e in report.excluded:
                if e.step == step:
                    lines.append(f"- {esc(e.process)}: {reason_text(e.reasons)}")
            lines.append("")
    if report.merged:
        lines += ["## Merged in step 1", ""]
        for merge in report.merged:
            lines.append(f"- {', '.join(esc(s) for s in merge.sources)} → {esc(merge.into)}")
        lines.append("")
    lines += _ledger_lines(report, esc, who)
    lines += _checkin_lines(report, esc, who)
    if report.merge_suggestions:
        lines += ["## Possible duplicates to check", ""]
        for s in report.merge_suggestions:
            lines.append(f"- {esc(s.source)} looks like {esc(s.into)} ({s.similarity:.0f}% similar)")
        lines.append("")
    lines += details_lines(report, esc)
    return "\n".join(lines)


def _ledger_lines(report: Report, esc: Any, who: Callable[[str], str]) -> list[str]:
    """Who excluded or merged what, when and why; and what was reconsidered since."""
    lines: list[str] = []
    if report.ledger:
        lines += [
            "## Ledger: who decided what",
            "",
            "| process | step | decision | by | when | why |",
            "|---|---:|---|---|---|---|",
        ]
        for e in report.ledger:
            decision = reason_text(e.reasons) if e.fate == "excluded" else esc(e.reasons[0])
            when = f"{e.at:%Y-%m-%d %H:%M} UTC" if e.at else ""
            why = esc("; ".join(e.comments))
            lines.append(
                f"| {esc(e.process)} | {e.step} | {decision} | {', '.join(map(who, e.by))} | {when} | {why} |"
            )
        lines.append("")
    if report.reconsidered:
        lines += ["## Reconsidered", ""]
        for r in report.reconsidered:
            was = f"excluded at step {r.was_step}: {reason_text(r.was_reasons)}" if r.was_step else "excluded"
            lines.append(
                f"- {esc(r.process)} (was {was}) was reconsidered by {who(r.by)} on {r.at:%Y-%m-%d}; now {r.now}."
            )
        lines.append("")
    return lines


def _checkin_lines(report: Report, esc: Any, who: Callable[[str], str]) -> list[str]:
    """Actual metric values since the review, and the early warnings they raise."""
    if not report.checkins:
        return []
    lines = ["## Check-ins", "", "| task | metric | period | value | by |", "|---|---|---|---:|---|"]
    for r in report.checkins:
        lines.append(
            f"| {esc(r.process)} | {esc(r.metric)} | {r.period} | {plain_number(r.value)} | {who(r.author)} |"
        )
    lines.append("")
    for w in report.warnings:
        lines.append(f"- {str(w.level).upper()} early warning: {esc(w.text)}")
    if report.warnings:
        lines.append("")
    return lines


CSV_COLUMNS = [
    "process",
    "fate",
    "step",
    "reasons",
    "merged_into",
    "rank",
    "score",
    *(FACTORS_BY_ID[f].label for f in FACTOR_IDS),  # the names people read; the JSON keeps the ids
    "discuss",
    "stability",
    "weights",
    "weights_source",
]


def weights_text(report: Report) -> str:
    """`risk 2 consequences 1 ...`: also a valid `--weights` value."""
    return " ".join(f"{f} {plain_number(report.weights[f])}" for f in FACTOR_IDS)


def render_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    weights = [weights_text(report), report.weights_source]
    for t in report.shortlist:
        factors = [plain_number(t.factors[f]) for f in FACTOR_IDS]
        trust = ["yes" if t.needs_discussion else "no", t.stability.label if t.stability else ""]
        writer.writerow([t.process, "ranked", 6, "", "", t.rank, shown_score(t), *factors, *trust, *weights])
    for e in report.excluded:
        row = [e.process, "excluded", e.step, " ".join(e.reasons), "", "", "", *[""] * 6, "", ""]
        writer.writerow([*row, *weights])
    for m in report.merged:
        for src in m.sources:
            writer.writerow([src, "merged", 1, "", m.into, "", "", *[""] * 6, "", "", *weights])
    return out.getvalue()


RENDERERS = {"md": render_markdown, "json": render_json, "csv": render_csv}
