"""The priority chart reaches Slack (issue 5, item 8): uploaded as a PNG with the shortlist through the fake Web
API at SLACK_API_URL, and again on `/outsource-review export png`."""

from __future__ import annotations

import struct

from tests.support import FakeSlack
from tests.support import payloads as p
from tests.support.bots import Bot
from tests.support.conversation import REPLIES, Conversation, wait_for_file

PNG = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def test_the_chart_is_uploaded_with_the_shortlist(bot: Bot, fake_slack: FakeSlack) -> None:
    talk = Conversation(bot, fake_slack)
    talk.start("Q3 review")
    calls = []
    for text, user in REPLIES:
        calls = talk.reply(text, user)

    wait_for_file(fake_slack, p.CHANNEL_ID, ".md")  # the files follow the shortlist, after Slack's 200
    files = fake_slack.uploaded_files()
    charts = [f for f in files if f.filename.endswith(".png")]
    assert len(charts) == 1, [f.filename for f in files]
    chart = charts[0]
    assert png_size(chart.content) == (1000, 600) and len(chart.content) > 10_000
    assert chart.filename == "q3-review-priority.png"
    # in the channel, next to the shortlist (not in the thread), described for screen readers
    assert chart.channel_id == p.CHANNEL_ID and not chart.thread_ts
    assert chart.alt_txt and "1. Blog writing" in chart.alt_txt and "2. SEO audits" in chart.alt_txt
    # after the shortlist messages, before the Markdown report
    assert files.index(chart) == len(files) - 2 and files[-1].filename.endswith(".md")
    shortlist = [c for c in calls if c.method == "chat.postMessage" and not c.get("thread_ts")]
    uploads = fake_slack.calls("files.completeUploadExternal")
    assert shortlist and uploads and shortlist[-1].seq < uploads[0].seq

    # the shortlist message names the weights; the report file the chart points to says how stable the ranking
    # is and how far apart the raters were
    assert [c.text for c in shortlist] == ["Shortlist: Q3 review"]
    assert "Weights used, set by the facilitator: " in shortlist[0].all_text()
    assert "*How stable is this ranking?* in the full report" in str(chart.initial_comment)
    markdown, _, details = files[-1].content.decode().partition("## Details")
    assert "## How stable is this ranking?" in markdown
    assert "SEO audits would move above Blog writing if " in markdown and " overtakes " not in markdown
    assert "SEO audits overtakes Blog writing if " in details  # the arithmetic, after the words
    assert "(rank 1): stable" in markdown or "(rank 1): fragile" in markdown
    assert "- Spread of ratings (lowest–highest): risk 1–2" in markdown


def test_export_png_uploads_the_chart_again(bot: Bot, fake_slack: FakeSlack) -> None:
    talk = Conversation(bot, fake_slack)
    talk.start("Q3 review")
    for text, user in REPLIES:
        talk.reply(text, user)
    wait_for_file(fake_slack, p.CHANNEL_ID, ".md")
    before = len(fake_slack.uploaded_files())
    status, _, _ = talk.command("export png")
    assert status == 200
    fake_slack.wait_until(lambda: len(fake_slack.uploaded_files()) > before)
    latest = fake_slack.uploaded_files()[-1]
    assert latest.filename.endswith(".png") and png_size(latest.content) == (1000, 600)
