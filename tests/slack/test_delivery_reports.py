"""The report's files are drawn when their rows are delivered: the chart as a PNG, the report as Markdown."""

from __future__ import annotations

from dataclasses import replace

from bot.slack.report_uploads import REPORT_CHART, REPORT_FILE
from flows.answers import load_answers
from flows.ports import THREAD, Outgoing
from tests.support import FakeSlack
from tests.support.delivery import TEAM, Outbox
from tests.support.reviews import CONTRACT_YAML

CHANNEL = "C0REPORT"


def test_the_chart_and_the_report_file_are_uploaded(fake_slack: FakeSlack, database_url: str) -> None:
    outbox = Outbox(fake_slack, database_url)
    try:
        saved = outbox.service.replay(
            load_answers(CONTRACT_YAML), "q3.yml", facilitator="U0ALICE", title="Q3"
        )
        kickoff = fake_slack.client().chat_postMessage(channel=CHANNEL, text="kickoff")
        review = outbox.service.store.save(
            replace(saved, team_id=TEAM, channel_id=CHANNEL, thread_ts=kickoff["ts"]), since=saved
        )
        rid = review.id or ""
        outbox.enqueue(
            Outgoing(REPORT_CHART, {"channel": CHANNEL}, TEAM, rid, review_id=rid),
            Outgoing(
                REPORT_FILE, {"channel": CHANNEL, "thread_ts": THREAD, "fmt": "md"}, TEAM, rid, review_id=rid
            ),
        )
        with outbox.delivering() as delivery:
            delivery.drain(timeout=60)
        chart, report = fake_slack.uploaded_files()
        assert chart.filename == "q3-priority.png" and chart.content.startswith(b"\x89PNG")
        assert chart.alt_txt and "SEO audits" in chart.alt_txt and chart.thread_ts is None
        assert report.filename == "q3.md" and report.thread_ts == kickoff["ts"]
        assert "SEO audits" in report.content.decode()
        assert [r.status for r in outbox.rows()] == ["done", "done"]
    finally:
        outbox.close()


def test_a_report_not_ready_fails_its_row(fake_slack: FakeSlack, database_url: str) -> None:
    outbox = Outbox(fake_slack, database_url)
    try:
        rid = outbox.service.start(title="Q3", facilitator="U0ALICE", team_id=TEAM).review.id or ""
        outbox.enqueue(Outgoing(REPORT_FILE, {"channel": CHANNEL, "fmt": "md"}, TEAM, rid, review_id=rid))
        with outbox.delivering() as delivery:
            delivery.drain()
        assert [p.error for p in outbox.store.problems(rid)] == ["report_not_ready"]
        assert fake_slack.uploaded_files() == []
    finally:
        outbox.close()
