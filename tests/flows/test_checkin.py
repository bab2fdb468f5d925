"""Check-ins: recording values per period, the series, early warnings at their thresholds, the reminder date."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows import checkin as c
from flows.answers import load_answers
from flows.method import Stage
from flows.model import Metric, Review
from flows.replay import check_answers
from flows.service import ReviewService
from tests.support.memory_store import MemoryStore
from tests.support.reviews import CONTRACT_YAML

NOW = datetime(2026, 11, 15, 12, 0, tzinfo=UTC)
SESSIONS = "organic sessions per month"
COST = "cost per order (EUR)"
YAML = (
    CONTRACT_YAML
    + """  Blog writing:
    - {name: cost per order (EUR), baseline: 14.5, target: 12, warn_at: 16}
"""
)


@pytest.fixture
def review() -> Review:
    return check_answers(load_answers(YAML, "test.yml"), "test.yml", "fran", "Test")


def tracked(baseline: float | None, target: float | None, warn_at: float | None = None) -> c.Tracked:
    return c.Tracked("SEO audits", Metric("visits", baseline, target, warn_at))


def readings(*values: float, start: int = 1) -> list[c.Reading]:
    return [
        c.Reading("SEO audits", "visits", f"2026-{month:02d}", v, "fran", "")
        for month, v in enumerate(values, start=start)
    ]


def level(t: c.Tracked, *values: float) -> str | None:
    warning = c.evaluate(t, readings(*values))
    return warning.level.value if warning else None


# ---------------------------------------------------------------- thresholds, higher is better

UP = tracked(100, 150)  # no warn_at: only the drift rules apply


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ((80,), "red"),  # exactly 20% worse: red at once
        ((80.01,), None),  # 19.99% worse, one period: nothing yet
        ((79,), "red"),
        ((90,), None),  # 10% worse once is not enough for amber
        ((90, 90), "amber"),  # 10% worse in each of the last two periods
        ((90.01, 90), None),  # the earlier period was only 9.99% worse
        ((90, 90.01), None),
        ((85, 95, 90), None),  # the one before last is fine: not two in a row
        ((95, 85, 85), "amber"),
        ((90, 80), "red"),  # red wins over amber
        ((100,), None),  # at the baseline
        ((110, 120), None),  # better than the baseline
        ((50, 120), None),  # the latest is better: nothing, whatever came before
    ],
)
def test_drift_thresholds_higher_is_better(values: tuple[float, ...], expected: str | None) -> None:
    assert level(UP, *values) == expected


# ---------------------------------------------------------------- thresholds, lower is better

DOWN = tracked(100, 80)  # target below the baseline: lower is better


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ((120,), "red"),
        ((119.99,), None),
        ((110,), None),
        ((110, 110), "amber"),
        ((109.99, 110), None),
        ((90, 70), None),  # better than the baseline
        ((80,), None),  # 20% lower is 20% better here
        ((120, 100), None),
    ],
)
def test_drift_thresholds_lower_is_better(values: tuple[float, ...], expected: str | None) -> None:
    assert level(DOWN, *values) == expected


def test_a_target_equal_to_the_baseline_means_higher_is_better() -> None:
    assert tracked(100, 100).higher_is_better
    assert level(tracked(100, 100), 80) == "red"
    assert level(tracked(100, 100), 120) is None


def test_the_thresholds_are_the_reference_defaults() -> None:
    assert (c.AMBER_DRIFT, c.AMBER_PERIODS, c.RED_DRIFT) == (0.10, 2, 0.20)


def test_floating_point_does_not_move_the_thresholds() -> None:
    # 2.1 -> 1.89 is 10% and 14.5 -> 17.4 is 20%, though the float arithmetic says 0.0999... and 0.1999...
    assert level(tracked(2.1, 3), 1.89, 1.89) == "amber"
    assert level(tracked(14.5, 12), 17.4) == "red"
    assert level(tracked(12000, 15000), 9600) == "red"


def test_a_negative_baseline_drifts_away_from_the_target() -> None:
    margin = tracked(-100, -50)  # net margin: higher is better
    assert level(margin, -120) == "red"
    assert level(margin, -110, -110) == "amber"
    assert level(margin, -90) is None


def test_a_zero_or_missing_baseline_leaves_only_the_warning_level() -> None:
    assert level(tracked(0, 10), -50) is None
    assert level(tracked(0, 10, warn_at=-1), -2) == "red"
    assert level(tracked(None, 10, warn_at=5), 4) == "red"
    assert level(tracked(None, 10, warn_at=5), 6) is None
    assert level(tracked(None, 2, warn_at=5), 6) == "red"  # target under the warning level: lower is better


# ---------------------------------------------------------------- the metric's own warning level


def test_worse_than_the_warning_level_is_red_at_once() -> None:
    seo = tracked(12000, 15000, warn_at=11000)
    assert level(seo, 11000) is None  # at the level, and only 8% worse than the baseline
    assert level(seo, 10999) == "red"
    cost = tracked(14.5, 12, warn_at=16)
    assert level(cost, 16) is None
    assert level(cost, 16.01) == "red"


def test_the_warning_level_is_checked_before_the_percentages() -> None:
    seo = tracked(12000, 15000, warn_at=11500)  # a warning level closer than 10%
    assert level(seo, 11400) == "red"


def test_warning_sentences() -> None:
    seo = c.Tracked("SEO audits", Metric("organic sessions per month", 12000, 15000, 11000))
    [red] = [c.evaluate(seo, [c.Reading("SEO audits", SESSIONS, "2026-11", 9500, "fran", "")])]
    assert red is not None
    assert red.text == (
        "Organic sessions per month for SEO audits is 9,500 in 2026-11: below the warning level of 11,000 "
        "(baseline 12,000, target 15,000)."
    )
    assert (red.level, red.periods) == (c.Level.RED, ("2026-11",))
    cost = c.Tracked("Paid search ads", Metric("cost per order (EUR)", 14.5, 12, 16))
    above = c.evaluate(cost, [c.Reading("Paid search ads", COST, "2026-11", 16.5, "fran", "")])
    assert above is not None
    assert "is 16.5 in 2026-11: above the warning level of 16 (baseline 14.5, target 12)." in above.text
    drift = c.evaluate(UP, readings(79))
    assert drift is not None
    assert (
        drift.text
        == "Visits for SEO audits is 79 in 2026-01: 21% worse than the baseline (baseline 100, target 150)."
    )
    amber = c.evaluate(tracked(100, 150, warn_at=50), readings(88, 89.5))
    assert amber is not None
    assert amber.text == (
        "Visits for SEO audits is 89.5 in 2026-02: 10% worse than the baseline for the second period in a row, "
        "after 88 in 2026-01 (baseline 100, target 150, warning level 50)."
    )
    assert amber.periods == ("2026-01", "2026-02")


# ---------------------------------------------------------------- recording on a review


def test_the_review_tracks_every_metric_of_the_shortlist(review: Review) -> None:
    labels = [t.label for t in c.tracked_metrics(review)]
    assert labels == [
        "Blog writing: cost per order (EUR) (baseline 14.5, target 12)",
        "SEO audits: organic sessions per month (baseline 12,000, target 15,000)",
    ]


def test_a_check_in_works_on_a_finished_review(review: Review) -> None:
    assert review.state is Stage.DONE
    before = review.answers
    result = c.record_checkins(review, "fran", [("SEO audits", SESSIONS, "12,500")], None, NOW)
    assert result.period == "2026-11"  # the current month by default
    assert review.state is Stage.DONE
    assert before is not review.answers  # reassigned, not changed in place
    assert "checkin:SEO audits" not in before
    assert review.answers["checkin:SEO audits"] == [
        {"metric": SESSIONS, "period": "2026-11", "value": 12500.0, "author": "fran", "at": NOW.isoformat()}
    ]
    assert result.warnings == []
    assert [r.value for r in result.series[("SEO audits", SESSIONS)]] == [12500.0]


def test_names_match_ignoring_case_and_the_task_can_be_left_out(review: Review) -> None:
    result = c.record_checkins(
        review, "fran", [(None, "  Organic Sessions PER month ", 9500)], "2026-11", NOW
    )
    [reading] = result.readings
    assert (reading.process, reading.metric) == ("SEO audits", SESSIONS)
    [warning] = result.warnings
    assert warning.text.startswith("Organic sessions per month for SEO audits is 9,500 in 2026-11: below")


def test_the_series_is_ordered_by_period(review: Review) -> None:
    for period, value in (("2026-11", 1), ("2026-09", 2), ("2026-10", 3), ("2025-12", 4)):
        c.record_checkins(review, "fran", [("SEO audits", SESSIONS, value)], period, NOW)
    values = c.series(review, "SEO audits", SESSIONS)
    assert [(r.period, r.value) for r in values] == [
        ("2025-12", 4.0),
        ("2026-09", 2.0),
        ("2026-10", 3.0),
        ("2026-11", 1.0),
    ]


def test_a_second_value_for_a_period_replaces_the_first(review: Review) -> None:
    c.record_checkins(review, "fran", [("SEO audits", SESSIONS, 9000)], "2026-10", NOW)
    later = NOW + timedelta(hours=1)
    c.record_checkins(review, "ana", [("SEO audits", SESSIONS, 12100)], "2026-10", later)
    assert review.answers["checkin:SEO audits"] == [
        {"metric": SESSIONS, "period": "2026-10", "value": 12100.0, "author": "ana", "at": later.isoformat()}
    ]


def test_amber_needs_two_periods_in_a_row_on_the_review(review: Review) -> None:
    second = c.record_checkins(review, "fran", [("Blog writing", COST, 15.95)], "2026-09", NOW)
    assert second.warnings == []  # 10% worse once, inside the warning level of 16
    third = c.record_checkins(review, "fran", [("Blog writing", COST, 15.96)], "2026-10", NOW)
    [amber] = third.warnings
    assert (amber.level, amber.process, amber.periods) == (
        c.Level.AMBER,
        "Blog writing",
        ("2026-09", "2026-10"),
    )


def test_only_warnings_this_check_in_raised_are_returned(review: Review) -> None:
    red = c.record_checkins(review, "fran", [("Blog writing", COST, 20)], "2026-11", NOW)
    assert [w.level for w in red.warnings] == [c.Level.RED]
    # Filling in an earlier month does not raise November's warning again ...
    backfill = c.record_checkins(review, "fran", [("Blog writing", COST, 14)], "2026-10", NOW)
    assert backfill.warnings == []
    # ... though it stands: the review's warnings still show it.
    assert [w.period for w in c.early_warnings(review)] == ["2026-11"]


def test_several_values_in_one_check_in(review: Review) -> None:
    result = c.record_checkins(
        review, "fran", [("Blog writing", COST, "€17.40"), ("SEO audits", SESSIONS, "12 400")], "2026-11", NOW
    )
    assert [(r.process, r.value) for r in result.readings] == [
        ("Blog writing", 17.4),
        ("SEO audits", 12400.0),
    ]
    assert [w.process for w in result.warnings] == ["Blog writing"]


@pytest.mark.parametrize(
    ("entry", "period", "message"),
    [
        (("Brand strategy", SESSIONS, "1"), None, "“Brand strategy” is not a shortlisted task with metrics"),
        (("Nope", SESSIONS, "1"), None, "choose one of: Blog writing, SEO audits."),
        (("SEO audits", "bounce rate", "1"), None, "“bounce rate” is not a metric for SEO audits"),
        (
            (None, "bounce rate", "1"),
            None,
            "choose one of: cost per order (EUR), organic sessions per month.",
        ),
        (("SEO audits", SESSIONS, "lots"), None, "“lots” is not a number; write it in digits"),
        (("SEO audits", SESSIONS, ""), None, "is not a number"),
        (("SEO audits", SESSIONS, "nan"), None, "finite number"),
        (("SEO audits", SESSIONS, "1"), "November", "“November” is not a month; write it as YYYY-MM"),
        (("SEO audits", SESSIONS, "1"), "2026-13", "is not a month"),
        (("SEO audits", SESSIONS, "1"), "2026-12", "2026-12 has not started yet"),
        (("SEO audits", SESSIONS, "1"), "1999-12", "too far back"),
    ],
)
def test_bad_input_is_refused_with_a_friendly_message_and_nothing_changes(
    review: Review, entry: tuple[str | None, str, str], period: str | None, message: str
) -> None:
    c.record_checkins(review, "fran", [("SEO audits", SESSIONS, 12000)], "2026-10", NOW)
    before = copy.deepcopy(review.answers)
    good = ("Blog writing", COST, "14")
    with pytest.raises(c.CheckinError) as raised:
        c.record_checkins(review, "fran", [good, entry], period, NOW)
    assert message in str(raised.value)
    assert review.answers == before


def test_periods_accept_short_months_and_default_to_this_month() -> None:
    today = date(2026, 3, 9)
    assert c.parse_period(None, today) == "2026-03"
    assert c.parse_period("  ", today) == "2026-03"
    assert c.parse_period("2026-1", today) == "2026-01"
    assert c.parse_period("2025/12", today) == "2025-12"


def test_a_cancelled_review_or_one_without_metrics_takes_no_check_in(review: Review) -> None:
    review.state = Stage.CANCELLED
    with pytest.raises(c.CheckinError, match="cancelled"):
        c.record_checkins(review, "fran", [("SEO audits", SESSIONS, 1)], None, NOW)
    fresh = Review(title="New", facilitator="fran")
    with pytest.raises(c.CheckinError, match="no metrics to check in yet"):
        c.record_checkins(fresh, "fran", [("SEO audits", SESSIONS, 1)], None, NOW)


def test_nothing_to_record_is_refused(review: Review) -> None:
    with pytest.raises(c.CheckinError, match="nothing to record"):
        c.record_checkins(review, "fran", [], None, NOW)


# ---------------------------------------------------------------- the monthly reminder


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 11, 15, 12, tzinfo=UTC), datetime(2026, 12, 1, 9, tzinfo=UTC)),  # a Tuesday
        (datetime(2026, 12, 31, 23, 59, tzinfo=UTC), datetime(2027, 1, 1, 9, tzinfo=UTC)),  # new year, Friday
        (datetime(2026, 1, 10, tzinfo=UTC), datetime(2026, 2, 2, 9, tzinfo=UTC)),  # 1 Feb is a Sunday
        (datetime(2026, 7, 1, 8, tzinfo=UTC), datetime(2026, 8, 3, 9, tzinfo=UTC)),  # 1 Aug is a Saturday
        (datetime(2027, 12, 1, 8, tzinfo=UTC), datetime(2028, 1, 3, 9, tzinfo=UTC)),  # Saturday 1 Jan 2028
        (datetime(2026, 12, 1, 8, tzinfo=UTC), datetime(2027, 1, 1, 9, tzinfo=UTC)),  # always next month
        # 23:30 on 30 November in New York is already December in UTC
        (
            datetime(2026, 11, 30, 23, 30, tzinfo=timezone(timedelta(hours=-5))),
            datetime(2027, 1, 1, 9, tzinfo=UTC),
        ),
    ],
)
def test_the_next_reminder_is_the_first_weekday_of_next_month(now: datetime, expected: datetime) -> None:
    assert c.next_reminder(now) == expected


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)))
def test_the_reminder_is_always_ahead_on_a_weekday_within_five_weeks(now: datetime) -> None:
    at = c.next_reminder(now)
    assert at > now
    assert at.weekday() < 5 and (at.hour, at.minute, at.tzinfo) == (9, 0, UTC)
    assert at.day <= 3
    assert at - now < timedelta(days=65)
    assert (at.year * 12 + at.month) - (now.year * 12 + now.month) == 1


def test_the_reminder_text() -> None:
    review = Review(title="Q3 review", facilitator="fran")
    assert (
        c.reminder_text(review) == "Time for the monthly check-in on Q3 review: `/outsource-review checkin`"
    )


# ---------------------------------------------------------------- through the review service


def test_the_service_saves_a_check_in_with_a_record_per_value(review: Review) -> None:
    store = MemoryStore()
    service = ReviewService(store)
    saved = store.create(review)
    result = service.checkin_many(
        saved.id or "",
        "ana",
        [("SEO audits", SESSIONS, "9500"), ("Blog writing", COST, 14)],
        period="2026-10",
    )
    assert result.review.version == 2
    assert [w.process for w in result.warnings] == ["SEO audits"]
    records = store.history(saved.id or "")
    assert [(r.question, r.author, r.text) for r in records] == [
        ("checkin:SEO audits", "ana", "organic sessions per month: 9,500 in 2026-10"),
        ("checkin:Blog writing", "ana", "cost per order (EUR): 14 in 2026-10"),
    ]
    assert records[0].value["value"] == 9500.0
    one = service.checkin(saved.id or "", "ana", None, SESSIONS, 12000, period="2026-10")
    assert [r.value for r in one.series[("SEO audits", SESSIONS)]] == [12000.0]


def test_a_check_in_saved_at_the_same_moment_as_another_keeps_both(review: Review) -> None:
    store = MemoryStore()
    service = ReviewService(store)
    review_id = store.create(review).id or ""
    store.before_next_save.append(
        lambda: service.checkin(review_id, "tom", "Blog writing", COST, 15, period="2026-10")
    )
    service.checkin(review_id, "ana", "SEO audits", SESSIONS, 12000, period="2026-10")
    assert store.conflicts == 1
    stored = service.load(review_id)
    assert len(stored.answers["checkin:SEO audits"]) == 1
    assert len(stored.answers["checkin:Blog writing"]) == 1
    assert len(store.history(review_id)) == 2


def test_the_service_saves_nothing_on_bad_input(review: Review) -> None:
    store = MemoryStore()
    service = ReviewService(store)
    review_id = store.create(review).id or ""
    with pytest.raises(c.CheckinError):
        service.checkin_many(review_id, "ana", [("SEO audits", SESSIONS, 1), ("SEO audits", SESSIONS, "x")])
    assert store.saves == 0 and store.history(review_id) == []
