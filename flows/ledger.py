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


def _latest(history: Sequence[AnswerRecord], questions: tuple[str, ...]) -> AnswerRecord | None:
    found = [r for r in history if r.question in questions and not _is_late(r)]
    return found[-1] if found else None


def _merged(record: AnswerRecord) -> str | None:
    """The process a `merge A into B` record merged away."""
    return record.value.get("merge") if isinstance(record.value, dict) else None


def _is_late(record: AnswerRecord) -> bool:
    return isinstance(record.value, dict) and bool(record.value.get("late"))


def build_ledger(report: Report, history: Sequence[AnswerRecord]) -> list[LedgerEntry]:
    entries = []
    for exclusion in report.excluded:
        records = [
            r
            for r in (
                _latest(history, _questions_for(exclusion.process, reason)) for reason in exclusion.reasons
            )
            if r is not None
        ]
        entries.append(_entry(exclusion.process, "excluded", exclusion.step, exclusion.reasons, records))
    for merge in report.merged:
        for source in merge.sources:
            by_name = [r for r in history if r.question == "review.merge" and _merged(r) == source]
            record = by_name[-1] if by_name else _latest(history, (key_for(MERGE, source),))
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
