"""Check-ins: the actual values of a review's metrics per period, and the early warnings they raise.

Check-ins are part of the review's own record: `review.answers["checkin:<process>"]` is a list of
{"metric", "period", "value", "author", "at"}, one per metric and period (a second value for the same period
replaces the first). They do not go through the interview, so a finished review takes them too.

A metric is "higher is better" when its target is at or above its baseline, else lower is better. The latest
period raises an early warning:

- RED when it is worse than the metric's own warning level (`warn_at`), or `RED_DRIFT` (20%) or more worse
  than the baseline;
- AMBER when each of the last two recorded periods is `AMBER_DRIFT` (10%) or more worse than the baseline.

Everything here is pure: the service loads and saves, the transports show what comes back.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flows.interview import build_report
from flows.keys import CHECKIN, key_for
from flows.keys import K_CHECKIN as K_CHECKIN  # re-exported: callers import them from here
from flows.method import Stage
from flows.model import Metric, Review
from flows.report import EarlyWarning, Level, Reading, Report
from flows.similarity import clean_name, name_key

# ---------------------------------------------------------------- the defaults, in one place

AMBER_DRIFT = 0.10  # worse than the baseline by this share ...
AMBER_PERIODS = 2  # ... in each of this many latest periods
RED_DRIFT = 0.20  # worse than the baseline by this share in the latest period
REMINDER_HOUR_UTC = 9  # the monthly reminder goes out on the first weekday of the month at this hour
EARLIEST_YEAR = 2000
_EPSILON = 1e-9  # 9,600 against 12,000 is exactly 20%, whatever the floating point says

_PERIOD = re.compile(r"^(\d{4})\s*[-/.]\s*(\d{1,2})$")


class CheckinError(ValueError):
    """Bad check-in input; `str()` is one friendly sentence saying what to do."""


@dataclass(frozen=True)
class Tracked:
    """One metric of one shortlisted task."""

    process: str
    metric: Metric

    @property
    def label(self) -> str:
        """'SEO audits: organic sessions per month (baseline 12,000, target 15,000)'."""
        facts = []
        if self.metric.baseline is not None:
            facts.append(f"baseline {number_text(self.metric.baseline)}")
        if self.metric.target is not None:
            facts.append(f"target {number_text(self.metric.target)}")
        suffix = f" ({', '.join(facts)})" if facts else ""
        return f"{self.process}: {self.metric.name}{suffix}"

    @property
    def higher_is_better(self) -> bool:
        return higher_is_better(self.metric)


@dataclass
class CheckinResult:
    """What one check-in did: the values recorded, the warnings they raised and each metric's series."""

    review: Review
    period: str
    readings: list[Reading]
    warnings: list[EarlyWarning]
    series: dict[tuple[str, str], list[Reading]] = field(default_factory=dict)  # (process, metric) -> values


# ---------------------------------------------------------------- numbers, periods and names


def number_text(value: float) -> str:
    """9500.0 -> '9,500'; 14.5 -> '14.5'; 0.125 -> '0.125'."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.6f}".rstrip("0").rstrip(".")


def parse_value(raw: object) -> float:
    """A number as people type it: '9500', '9,500', '2.5%', '€14.50'."""
    if isinstance(raw, bool):
        raise CheckinError(f"“{raw}” is not a number; write it in digits, like `9500` or `2.5`.")
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        text = str(raw).strip()
        cleaned = re.sub(r"[\s,_%$€£\u00a0\u202f]", "", text)
        try:
            value = float(cleaned)
        except ValueError:
            shown = text[:20] or "(empty)"
            raise CheckinError(
                f"“{shown}” is not a number; write it in digits, like `9500` or `2.5`."
            ) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise CheckinError("The value must be a finite number, like `9500` or `2.5`.")
    return value


def month_of(moment: date) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


def parse_period(raw: str | None, today: date) -> str:
    """'2026-11' (also '2026-1', '2026/11'); blank means the month of `today`. Not later than that month."""
    if raw is None or not raw.strip():
        return month_of(today)
    match = _PERIOD.match(raw.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise CheckinError(
            f"“{raw.strip()[:20]}” is not a month; write it as YYYY-MM, like `{month_of(today)}`."
        )
    period = f"{int(match.group(1)):04d}-{int(match.group(2)):02d}"
    if period > month_of(today):
        raise CheckinError(
            f"{period} has not started yet; check in for {month_of(today)} or an earlier month."
        )
    if int(match.group(1)) < EARLIEST_YEAR:
        raise CheckinError(f"{period} is too far back; write the month as YYYY-MM, like `{month_of(today)}`.")
    return period


def higher_is_better(metric: Metric) -> bool:
    """Target at or above the baseline: more is better. Without a baseline the warning level decides."""
    if metric.target is not None and metric.baseline is not None:
        return metric.target >= metric.baseline
    if metric.target is not None and metric.warn_at is not None:
        return metric.target >= metric.warn_at
    return True


# ---------------------------------------------------------------- what a review tracks


def tracked_metrics(review: Review) -> list[Tracked]:
    """Every metric of every shortlisted task, in shortlist order; [] before the shortlist is ready."""
    try:
        report = build_report(review)
    except (ValueError, KeyError):
        return []
    return tracked_in(report)


def tracked_in(report: Report) -> list[Tracked]:
    """Every metric of every task on `report`'s shortlist, in shortlist order."""
    return [Tracked(task.process, metric) for task in report.shortlist for metric in task.metrics]


def checkable(review: Review) -> list[Tracked]:
    """The metrics a check-in can record, or a CheckinError saying why there are none."""
    if review.state is Stage.CANCELLED:
        raise CheckinError("This review was cancelled; reopen it before checking in.")
    tracked = tracked_metrics(review)
    if not tracked:
        raise CheckinError(
            "This review has no metrics to check in yet: step 7 gives each shortlisted task its metrics."
        )
    return tracked


def find_tracked(tracked: Sequence[Tracked], process: str | None, metric: str) -> Tracked:
    """The metric named `metric` (of `process`; it may be left out when only one task has that metric)."""
    candidates = list(tracked)
    if process is not None and process.strip():
        processes = list(dict.fromkeys(t.process for t in tracked))
        match = [p for p in processes if name_key(p) == name_key(process)]
        if not match:
            raise CheckinError(
                f"“{clean_name(process)[:60]}” is not a shortlisted task with metrics; "
                f"choose one of: {', '.join(processes)}."
            )
        candidates = [t for t in tracked if t.process == match[0]]
    found = [t for t in candidates if name_key(t.metric.name) == name_key(metric)]
    if len(found) == 1:
        return found[0]
    if not found:
        names = ", ".join(dict.fromkeys(t.metric.name for t in candidates))
        where = f" for {candidates[0].process}" if process and process.strip() else ""
        raise CheckinError(f"“{clean_name(metric)[:60]}” is not a metric{where}; choose one of: {names}.")
    tasks = ", ".join(t.process for t in found)
    raise CheckinError(f"“{found[0].metric.name}” is a metric of {tasks}; say which task with --process.")


# ---------------------------------------------------------------- the series


def _key(process: str) -> str:
    return key_for(CHECKIN, process)


def series(review: Review, process: str, metric: str) -> list[Reading]:
    """The values of one metric, oldest period first."""
    stored = review.answers.get(_key(process)) or []
    readings = [
        Reading(
            process, str(r["metric"]), str(r["period"]), float(r["value"]), str(r["author"]), str(r["at"])
        )
        for r in stored
        if name_key(str(r.get("metric", ""))) == name_key(metric)
    ]
    return sorted(readings, key=lambda r: r.period)


def record(review: Review, reading: Reading) -> None:
    """Put one value in the review's record, replacing any value of the same metric and period."""
    key = _key(reading.process)
    kept = [
        r
        for r in review.answers.get(key) or []
        if not (
            name_key(str(r.get("metric", ""))) == name_key(reading.metric)
            and r.get("period") == reading.period
        )
    ]
    review.answers = {**review.answers, key: [*kept, reading.as_dict()]}


def record_checkins(
    review: Review,
    author: str,
    entries: Iterable[tuple[str | None, str, object]],
    period: str | None,
    now: datetime,
) -> CheckinResult:
    """Record (process, metric, value) entries for one period; everything is checked before anything changes.

    Returns the readings, the warnings they raised and each metric's series; `review.answers` is reassigned.
    """
    tracked = checkable(review)
    month = parse_period(period, now.astimezone(UTC).date())
    at = now.astimezone(UTC).isoformat()
    chosen: dict[tuple[str, str], tuple[Tracked, float]] = {}
    for process, metric, value in entries:
        found = find_tracked(tracked, process, metric)
        chosen[(found.process, found.metric.name)] = (found, parse_value(value))
    if not chosen:
        raise CheckinError("There is nothing to record: give at least one value.")
    readings = []
    for found, value in chosen.values():
        reading = Reading(found.process, found.metric.name, month, value, author, at)
        record(review, reading)
        readings.append(reading)
    result = CheckinResult(review=review, period=month, readings=readings, warnings=[])
    for found, _ in chosen.values():
        values = series(review, found.process, found.metric.name)
        result.series[(found.process, found.metric.name)] = values
        warning = evaluate(found, values)
        if warning is not None and month in warning.periods:
            result.warnings.append(warning)
    return result


# ---------------------------------------------------------------- early warnings


def drift(value: float, baseline: float | None, higher: bool) -> float | None:
    """How much worse than the baseline, as a share of it (negative when better); None without a baseline."""
    if baseline is None or baseline == 0:
        return None
    worse_by = baseline - value if higher else value - baseline
    return worse_by / abs(baseline)


def _at_least(share: float | None, threshold: float) -> bool:
    return share is not None and share >= threshold - _EPSILON


def _percent(share: float) -> str:
    return f"{int(share * 100 + _EPSILON)}%"


def evaluate(tracked: Tracked, values: Sequence[Reading]) -> EarlyWarning | None:
    """The early warning of a metric at its latest period, or None."""
    if not values:
        return None
    metric, higher = tracked.metric, tracked.higher_is_better
    latest = values[-1]
    now_drift = drift(latest.value, metric.baseline, higher)
    level: Level | None = None
    reason = ""
    periods: tuple[str, ...] = (latest.period,)
    named_warn_level = False
    if metric.warn_at is not None and (
        latest.value < metric.warn_at if higher else latest.value > metric.warn_at
    ):
        level, named_warn_level = Level.RED, True
        reason = f"{'below' if higher else 'above'} the warning level of {number_text(metric.warn_at)}"
    elif _at_least(now_drift, RED_DRIFT) and now_drift is not None:
        level = Level.RED
        reason = f"{_percent(now_drift)} worse than the baseline"
    else:
        recent = values[-AMBER_PERIODS:]
        drifts = [drift(r.value, metric.baseline, higher) for r in recent]
        if len(recent) == AMBER_PERIODS and all(_at_least(d, AMBER_DRIFT) for d in drifts):
            level = Level.AMBER
            periods = tuple(r.period for r in recent)
            earlier = ", ".join(f"{number_text(r.value)} in {r.period}" for r in recent[:-1])
            reason = (
                f"{_percent(now_drift or 0)} worse than the baseline for the second period in a row, "
                f"after {earlier}"
            )
    if level is None:
        return None
    facts = []
    if metric.baseline is not None:
        facts.append(f"baseline {number_text(metric.baseline)}")
    if metric.target is not None:
        facts.append(f"target {number_text(metric.target)}")
    if metric.warn_at is not None and not named_warn_level:
        facts.append(f"warning level {number_text(metric.warn_at)}")
    context = f" ({', '.join(facts)})" if facts else ""
    name = metric.name[:1].upper() + metric.name[1:]
    text = (
        f"{name} for {tracked.process} is {number_text(latest.value)} in {latest.period}: {reason}{context}."
    )
    return EarlyWarning(level, tracked.process, metric.name, latest.period, latest.value, text, periods)


def early_warnings(review: Review, tracked: Sequence[Tracked] | None = None) -> list[EarlyWarning]:
    """The warnings standing now, one at most per metric, in shortlist order (of `tracked`, the review's
    tracked metrics, when the caller has them already)."""
    found = []
    for metric in tracked_metrics(review) if tracked is None else tracked:
        warning = evaluate(metric, series(review, metric.process, metric.metric.name))
        if warning is not None:
            found.append(warning)
    return found


# ---------------------------------------------------------------- the monthly reminder


def next_reminder(now: datetime) -> datetime:
    """The first weekday (Monday to Friday) of the month after `now`'s, at 09:00 UTC."""
    moment = now.astimezone(UTC) if now.tzinfo else now.replace(tzinfo=UTC)
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    day = date(year, month, 1)
    while day.weekday() >= calendar.SATURDAY:
        day += timedelta(days=1)
    return datetime.combine(day, time(REMINDER_HOUR_UTC), tzinfo=UTC)


def reminder_text(review: Review) -> str:
    """Plain text; the Slack side escapes it."""
    return f"Time for the monthly check-in on {review.title or 'this review'}: `/outsource-review checkin`"
