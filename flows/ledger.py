"""The exclusion ledger: for every exclusion and merge, the step, the reasons, who said so, when, and why.

Built from the report and the review's answer history (AnswerRecords), so it needs no state of its own.
"""

from __future__ import annotations

from collections.abc import Sequence

from flows.keys import CANDIDATES, MERGE, follow_up, key_for, knockout
from flows.method import CRITERIA_BY_ID, NOT_CANDIDATE
from flows.model import AnswerRecord
from flows.prompts import split_comment
from flows.report import LedgerEntry, Reconsideration, Report


def _questions_for(process: str, reason: str) -> tuple[str, ...]:
    if reason == NOT_CANDIDATE:
        return (CANDIDATES, follow_up(CANDIDATES, process))
    asked = knockout(CRITERIA_BY_ID[reason].stage, reason)
    return (asked, follow_up(asked, process))


def _last_answers(history: Sequence[AnswerRecord]) -> dict[str, tuple[int, AnswerRecord]]:
    """Each question's last answer in `history` (late ones left out), with its place in it."""
    return {r.question: (i, r) for i, r in enumerate(history) if not _is_late(r)}


def _latest(last: dict[str, tuple[int, AnswerRecord]], questions: tuple[str, ...]) -> AnswerRecord | None:
    """The last answer to any of `questions` (`last`: from `_last_answers`)."""
    found = [last[q] for q in questions if q in last]
    return max(found, key=lambda placed: placed[0])[1] if found else None


def _merged(record: AnswerRecord) -> str | None:
    """The process a `merge A into B` record merged away."""
    return record.value.get("merge") if isinstance(record.value, dict) else None


def _is_late(record: AnswerRecord) -> bool:
    return isinstance(record.value, dict) and bool(record.value.get("late"))


def build_ledger(report: Report, history: Sequence[AnswerRecord]) -> list[LedgerEntry]:
    last = _last_answers(history)  # looked up per exclusion: the history is read once, not once each
    merged_by_name = {_merged(r): r for r in history if r.question == "review.merge"}
    entries = []
    for exclusion in report.excluded:
        records = [
            r
            for r in (
                _latest(last, _questions_for(exclusion.process, reason)) for reason in exclusion.reasons
            )
            if r is not None
        ]
        entries.append(_entry(exclusion.process, "excluded", exclusion.step, exclusion.reasons, records))
    for merge in report.merged:
        for source in merge.sources:
            record = merged_by_name.get(source) or _latest(last, (key_for(MERGE, source),))
            entries.append(
                _entry(source, "merged", 1, (f"merged into {merge.into}",), [record] if record else [])
            )
    return entries


def _entry(
    process: str, fate: str, step: int, reasons: tuple[str, ...], records: list[AnswerRecord]
) -> LedgerEntry:
    comments = tuple(dict.fromkeys(c for c in (split_comment(r.text)[1] for r in records) if c))
    return LedgerEntry(
        process=process,
        fate=fate,
        step=step,
        reasons=tuple(reasons),
        by=tuple(dict.fromkeys(r.author for r in records)),
        at=max((r.at for r in records), default=None),
        comments=comments,
    )


def reconsiderations(report: Report, history: Sequence[AnswerRecord]) -> list[Reconsideration]:
    """Every `reconsider` in the history, with what the process had been and what it is now."""
    found = []
    for record in history:
        if record.question != "review.reconsider" or not isinstance(record.value, dict):
            continue
        process = str(record.value.get("process") or record.value.get("reconsider") or "")
        was = record.value.get("was") or {}
        found.append(
            Reconsideration(
                process=process,
                by=record.author,
                at=record.at,
                was_step=was.get("step"),
                was_reasons=tuple(was.get("reasons") or ()),
                now=report.fate_of(process),
            )
        )
    return found
