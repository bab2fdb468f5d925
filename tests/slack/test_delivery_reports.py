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


TWO_RATERS = CONTRACT_YAML.replace("    alice: {risk: 2,", "    U0ALICE: {risk: 2,").replace(
    "    alice: {risk: 1, consequences: 3, tech_complexity: 1, importance: 3, benefits: 4, vendor_expertise: 1}",
    "    U0ALICE: {risk: 1, consequences: 3, tech_complexity: 1, importance: 3, benefits: 4, vendor_expertise: 1}\n"
    "    U0BOB: {risk: 4, consequences: 3, tech_complexity: 1, importance: 3, benefits: 4, vendor_expertise: 1}\n"
    "    guest-rater: {risk: 1, consequences: 3, tech_complexity: 1, importance: 3, benefits: 4, "
    "vendor_expertise: 1}",
)


def test_the_report_file_names_people_as_slack_shows_them(fake_slack: FakeSlack, database_url: str) -> None:
    fake_slack.set_user("U0ALICE", "alice.m", real_name="Alice Martin")
    fake_slack.set_user("U0BOB", "bob", real_name="Bob Stone")
    outbox = Outbox(fake_slack, database_url)
    try:
        saved = outbox.service.replay(load_answers(TWO_RATERS), "q3.yml", facilitator="U0ALICE", title="Q3")
        review = outbox.service.store.save(replace(saved, team_id=TEAM, channel_id=CHANNEL), since=saved)
        rid = review.id or ""
        outbox.enqueue(Outgoing(REPORT_FILE, {"channel": CHANNEL, "fmt": "md"}, TEAM, rid, review_id=rid))
        with outbox.delivering() as delivery:
            delivery.drain(timeout=60)
        (report,) = fake_slack.uploaded_files()
        text = report.content.decode()
        assert "- Rated by: alice.m, bob, guest-rater" in text  # guest-rater: Slack knows no such user
        assert "Disagreement on risk: alice.m, guest-rater said 1, bob said 4" in text
        assert "Raters disagree on risk (alice.m, guest-rater said 1, bob said 4)" in text  # the advice
        assert "| gives a competitive advantage | alice.m |" in text  # the ledger: who excluded it
        assert "U0ALICE" not in text and "U0BOB" not in text and "\x1e" not in text
        assert len(fake_slack.calls("users.info")) == 2  # one look-up per Slack user
    finally:
        outbox.close()
