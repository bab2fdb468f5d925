"""`outsource-review checkin` in the terminal: ask for each metric in turn, then show what was recorded."""

from __future__ import annotations

from collections.abc import Sequence

from bot.terminal import Console
from flows.model import Review
from flows.service import CheckinError, CheckinResult, Tracked, number_text, parse_value, series

Entry = tuple[str | None, str, object]


def plain(text: str) -> str:
    """flows marks typed words with backticks, for chat apps; the terminal shows them bare."""
    return text.replace("`", "")


def ask_values(
    review: Review, tracked: Sequence[Tracked], period: str, console: Console, interactive: bool
) -> list[Entry]:
    """One question per metric; an empty line skips it, the end of input skips the rest.

    A value that is not a number is asked again at a terminal; from a pipe it stops everything (CheckinError,
    nothing saved), since the next line was meant for the next metric."""
    console.write(f"Check-in for {period} on {review.title or 'this review'}. Enter skips a metric.")
    entries: list[Entry] = []
    for item in tracked:
        previous = [r for r in series(review, item.process, item.metric.name) if r.period != period]
        last = f"; last {number_text(previous[-1].value)} in {previous[-1].period}" if previous else ""
        while True:
            console.write(f"{item.label}{last}:")
            line = console.read()
            if line is None:
                return entries
            if not line.strip():
                break
            try:
                parse_value(line)
            except CheckinError as exc:
                if not interactive:
                    raise CheckinError(f"{item.label}: {exc}") from None
                console.write(plain(str(exc)))
                continue
            entries.append((item.process, item.metric.name, line))
            break
    return entries


def result_lines(result: CheckinResult) -> list[str]:
    count = len(result.readings)
    lines = [f"Recorded {count} value{'s' if count != 1 else ''} for {result.period}."]
    for (process, metric), values in result.series.items():
        shown = ", ".join(f"{r.period} {number_text(r.value)}" for r in values[-6:])
        lines.append(f"  {process}: {metric}: {shown}")
    for warning in result.warnings:
        lines.append(f"{warning.level.value.upper()} early warning: {warning.text}")
    return lines
