"""Versions of a review: re-run a finished review as a new version, and say what changed between two."""

from __future__ import annotations

from flows.method import FACTOR_IDS, FACTORS_BY_ID, Stage
from flows.model import Merge, Review
from flows.render import plain_number, reason_text, shown_score
from flows.report import Exclusion, RankedTask, Report

META_PREVIOUS = "meta.previous_version"
META_VERSION = "meta.version"
META_REOPENED = "meta.reopened"  # set when a finished or cancelled review is reopened


def is_revision(review: Review) -> bool:
    """A reopened review or a new version: revising a result, which is the facilitator's to steer."""
    return bool(review.answers.get(META_REOPENED)) or previous_version_id(review) is not None


def version_of(review: Review) -> int:
    return int(review.answers.get(META_VERSION) or 1)


def previous_version_id(review: Review) -> str | None:
    value = review.answers.get(META_PREVIOUS)
    return str(value) if value else None


def next_version(review: Review, facilitator: str) -> Review:
    """A new, open review holding every answer of `review`: change what changed, then finish it."""
    version = version_of(review) + 1
    base_title = review.title.rsplit(" (v", 1)[0] if review.title.endswith(")") else review.title
    return Review(
        title=f"{base_title} (v{version})",
        facilitator=facilitator,
        team_id=review.team_id,
        channel_id=review.channel_id,
        state=Stage.REPORT,
        answers={**review.answers, META_PREVIOUS: review.id, META_VERSION: version},
        answered=list(review.answered),
        raters=list(review.raters),
    )


def _fate(report: Report, process: str) -> str:
    match report.place_of(process):
        case RankedTask() as task:
            return f"rank {task.rank} ({shown_score(task)})"
        case Exclusion() as exclusion:
            return f"excluded at step {exclusion.step}: {reason_text(exclusion.reasons)}"
        case Merge(into=into):
            return f"merged into {into}"
    return "not listed"


def compare(old: Report, new: Report) -> list[str]:
    """Plain sentences: what moved up, down, in or out of the shortlist, and why."""
    lines: list[str] = []
    before = {t.process: t for t in old.shortlist}
    after = {t.process: t for t in new.shortlist}
    for task in new.shortlist:
        prior = before.get(task.process)
        if prior is None:
            lines.append(
                f"{task.process} is new on the shortlist at rank {task.rank} (before: {_fate(old, task.process)})."
            )
            continue
        moved = _factor_changes(prior.factors, task.factors)
        why = f"; {moved}" if moved else ""
        if task.rank < prior.rank:
            lines.append(
                f"{task.process} moved up from {prior.rank} to {task.rank} "
                f"(score {shown_score(prior)} → {shown_score(task)}{why})."
            )
        elif task.rank > prior.rank:
            lines.append(
                f"{task.process} moved down from {prior.rank} to {task.rank} "
                f"(score {shown_score(prior)} → {shown_score(task)}{why})."
            )
        elif shown_score(prior) != shown_score(task):
            lines.append(
                f"{task.process} stays at rank {task.rank} (score {shown_score(prior)} → {shown_score(task)}{why})."
            )
    for task in old.shortlist:
        if task.process not in after:
            lines.append(
                f"{task.process} left the shortlist (was rank {task.rank}; now {_fate(new, task.process)})."
            )
    old_excluded = {e.process: e for e in old.excluded}
    for exclusion in new.excluded:
        prior_exclusion = old_excluded.get(exclusion.process)
        if prior_exclusion and (prior_exclusion.step, prior_exclusion.reasons) != (
            exclusion.step,
            exclusion.reasons,
        ):
            lines.append(
                f"{exclusion.process} is still excluded, now at step {exclusion.step} ({reason_text(exclusion.reasons)}) "
                f"instead of step {prior_exclusion.step} ({reason_text(prior_exclusion.reasons)})."
            )
    weights = [
        f"{FACTORS_BY_ID[f].label} {plain_number(old.weights[f])} → {plain_number(new.weights[f])}"
        for f in FACTOR_IDS
        if old.weights.get(f) != new.weights.get(f)
    ]
    if weights:
        lines.append(f"Weights changed: {', '.join(weights)}.")
    directions = [
        f"{FACTORS_BY_ID[f].label} {old.directions[f]} → {new.directions[f]}"
        for f in FACTOR_IDS
        if old.directions.get(f) != new.directions.get(f)
    ]
    if directions:
        lines.append(f"Directions changed: {', '.join(directions)}.")
    return lines or ["Nothing changed in the shortlist, the exclusions or the weights."]


def _factor_changes(old: dict[str, float], new: dict[str, float]) -> str:
    return ", ".join(
        f"{FACTORS_BY_ID[f].label} {plain_number(old[f])} → {plain_number(new[f])}"
        for f in FACTOR_IDS
        if old[f] != new[f]
    )


def render_comparison(old_title: str, new_title: str, lines: list[str]) -> str:
    return "\n".join([f"# What changed: {old_title} → {new_title}", "", *[f"- {line}" for line in lines], ""])
