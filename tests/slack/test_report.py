"""The kickoff message kept up to date, and a 60-process review whose report must be split."""

from __future__ import annotations

import re

from flows.method import Stage
from flows.similarity import suggest_merges
from tests.support.conversation import Slack, failed, in_channel, review_replies, shared_bot, wait_for_file

slack = shared_bot("report")

# Sixty processes no one would merge (so the questions are the same every run).
MANY = [
    "Affiliate",
    "Banner",
    "Catalogue",
    "Dashboard",
    "Editorial",
    "Forum",
    "Giveaway",
    "Hashtag",
    "Infographic",
    "Jingle",
    "Keyword",
    "Landing",
    "Mailing",
    "Newsroom",
    "Outreach",
    "Podcast",
    "Quiz",
    "Retargeting",
    "Sponsorship",
    "Testimonial",
    "Unboxing",
    "Video",
    "Webinar",
    "Xmas",
    "Yearbook",
    "Zine",
    "Analytics",
    "Billboard",
    "Coupon",
    "Directory",
    "Ebook",
    "Flyer",
    "Glossary",
    "Helpdesk",
    "Influencer",
    "Journal",
    "Kiosk",
    "Loyalty",
    "Meme",
    "Nurture",
    "Onboarding",
    "Press",
    "Referral",
    "Survey",
    "Template",
    "Usability",
    "Voucher",
    "Wiki",
    "Brochure",
    "Chatbot",
    "Demo",
    "Event",
    "Funnel",
    "Gallery",
    "Hackathon",
    "Intranet",
    "Logo",
    "Merchandise",
    "Poster",
    "Review",
]
SECTION_LIMIT = 3000
MESSAGE_BLOCKS = 50
RANKED = re.compile(r"^\*(\d+)\. (.+?)\*: score ", re.MULTILINE)


def sections(blocks: list[dict]) -> list[str]:  # type: ignore[type-arg]
    return [b["text"]["text"] for b in blocks if b.get("type") == "section" and b.get("text")]


def test_the_kickoff_message_is_updated_in_place(slack: Slack) -> None:
    talk = slack.talk()
    thread = talk.start("Kickoff")
    for text in review_replies(["Blog writing", "SEO audits"]):
        talk.answer(text)
    wait_for_file(slack.fake, talk.channel)
    talk.quiet()
    assert talk.review().state is Stage.DONE

    calls = in_channel(slack.fake.calls(), talk.channel)
    updates = [c for c in calls if c.method == "chat.update" and c["ts"] == thread]
    assert updates
    steps = [int(m) for c in updates for m in re.findall(r"Step (\d) of 7", c.text)]
    assert sorted(set(steps)) == [1, 2, 3, 4, 5, 6, 7]
    assert steps == sorted(steps), "the kickoff never goes back a step"
    assert "Finished" in updates[-1].text
    kickoff = slack.fake.message(talk.channel, thread)
    assert kickoff.edits == len(updates) and "Finished" in kickoff.all_text()
    assert "2 shortlisted" in kickoff.all_text()

    # The channel itself gets the kickoff and the shortlist; everything else is in the thread.
    top = [c for c in calls if c.method == "chat.postMessage" and not c.get("thread_ts")]
    assert top[0].text.startswith("Outsource review: Kickoff")
    assert [c.text for c in top[1:]] == ["Shortlist: Kickoff"]
    assert not failed(calls)


def test_a_60_process_report_is_split_within_block_kit_limits(slack: Slack) -> None:
    assert suggest_merges(MANY) == [] and len(set(MANY)) == 60
    talk = slack.talk()
    talk.start("Everything we do")
    for text in review_replies(MANY):
        talk.answer(text)
    wait_for_file(slack.fake, talk.channel, timeout=60)
    talk.quiet()
    assert talk.review().state is Stage.DONE
    calls = in_channel(slack.fake.calls(), talk.channel)
    assert not failed(calls), failed(calls)  # the fake refuses blocks that break Slack's limits

    report = [c for c in calls if c.method == "chat.postMessage" and c.text.startswith("Shortlist:")]
    assert len(report) > 1, "60 ranked processes do not fit in one message"
    assert all(not c.get("thread_ts") for c in report)
    assert [c.text for c in report] == [
        f"Shortlist: Everything we do ({i}/{len(report)})" for i in range(1, len(report) + 1)
    ]
    ranked: list[tuple[int, str]] = []
    for message in report:
        assert len(message.blocks) <= MESSAGE_BLOCKS
        for text in sections(message.blocks):
            assert len(text) <= SECTION_LIMIT
            ranked += [(int(rank), name) for rank, name in RANKED.findall(text)]
    assert sorted(name for _, name in ranked) == sorted(MANY), "every process exactly once"
    assert [rank for rank, _ in ranked] == list(range(1, 61))

    # The Markdown file has the whole report.
    markdown = slack.fake.file_content("everything-we-do.md").decode()
    for name in MANY:
        assert re.search(rf"\b{name}\b", markdown), name
