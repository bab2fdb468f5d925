"""The kickoff message kept up to date, and a 60-process review whose report must be split."""

from __future__ import annotations

import random
import re

import pytest

from flows.method import Stage
from flows.similarity import suggest_merges
from tests.support.conversation import (
    KNOCKOUT_QUESTIONS,
    RATING,
    Slack,
    failed,
    in_channel,
    report_button,
    review_replies,
    shared_bot,
    shortlist_posts,
    wait_for_file,
)

PUBLIC_URL = "https://reports.example.org"
slack = shared_bot("report", PUBLIC_URL=PUBLIC_URL)

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
RANKED = re.compile(r"^### (\d+)\. (.+?): [\d.]+$", re.MULTILINE)  # a task's heading in the Markdown report


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


def test_a_60_process_report_is_one_message_and_the_file_has_every_task(slack: Slack) -> None:
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

    (message,) = shortlist_posts(calls, talk.channel)
    assert message.text == "Shortlist: Everything we do"
    assert len(message.blocks) <= MESSAGE_BLOCKS
    assert all(len(text) <= SECTION_LIMIT for text in sections(message.blocks))
    named = re.findall(r"• (\w+) \(rank (\d+)\)", message.all_text())
    assert [int(rank) for _, rank in named] == [1, 2, 3, 4, 5]
    assert "55 more ranked, 0 left out at steps 3–5." in message.all_text()

    # The Markdown file in the thread has the whole report: every process, ranked 1 to 60.
    markdown = slack.fake.file_content("everything-we-do.md").decode()
    ranked = [(int(rank), name) for rank, name in RANKED.findall(markdown)]
    assert sorted(name for _, name in ranked) == sorted(MANY), "every process exactly once"
    assert [rank for rank, _ in ranked] == list(range(1, 61))


def made_up_names(count: int) -> list[str]:
    """`count` made-up words no one would merge (step 1 would ask about look-alikes), the same every run."""
    rng = random.Random(19)
    syllables = [
        "ka",
        "lo",
        "mi",
        "ne",
        "su",
        "ta",
        "ri",
        "vo",
        "pe",
        "zu",
        "ga",
        "bi",
        "do",
        "fe",
        "hu",
        "ji",
    ]
    words: set[str] = set()
    while len(words) < count + count // 5:
        words.add("".join(rng.choice(syllables) for _ in range(4)).capitalize())
    close = {name for s in suggest_merges(sorted(words)) for name in (s.source, s.into)}
    return [w for w in sorted(words) if w not in close][:count]


# Three hundred processes, five of them kept in-house at step 3 (the first five offered), the rest ranked.
BIG = made_up_names(300)
KEPT = 5


def big_review_replies() -> list[str]:
    replies = ["skip", "\n".join(BIG), "done", "all", " ".join(map(str, range(1, KEPT + 1)))]
    replies += ["none"] * (KNOCKOUT_QUESTIONS - 1) + ["ok"]
    for _ in range(len(BIG) - KEPT):
        replies += ["skip", RATING, "done"]
    return replies + ["done"] * (len(BIG) - KEPT)


@pytest.mark.slow
def test_a_300_process_report_is_one_message_and_a_button_to_the_page_with_every_task(slack: Slack) -> None:
    assert len(set(BIG)) == 300 and suggest_merges(BIG) == []
    talk = slack.talk()
    talk.start("Three hundred")
    mark = slack.fake.mark()
    *replies, last = big_review_replies()
    for text in replies:
        talk.answer(text)
    # The last reply finishes the review: drawing the 295-task chart as it is delivered can take longer than a
    # reply's usual wait on a busy machine, so this one waits for the files instead.
    settle, slack.bot.slack.settle = slack.bot.slack.settle, None
    try:
        talk.answer(last)
    finally:
        slack.bot.slack.settle = settle
    wait_for_file(slack.fake, talk.channel, timeout=120)
    wait_for_file(slack.fake, talk.channel, ".png", timeout=120)
    talk.quiet()
    review = talk.review()
    assert review.state is Stage.DONE

    # At the top of the channel, since the kickoff: the one shortlist message and the chart, nothing else.
    calls = in_channel([c for c in slack.fake.calls() if c.seq > mark], talk.channel)
    assert not failed(calls), failed(calls)
    top = [c for c in calls if c.method == "chat.postMessage" and not c.get("thread_ts")]
    assert [c.text for c in top] == ["Shortlist: Three hundred"]
    assert len(top) <= 2
    uploads = [f for f in slack.fake.uploaded_files() if f.channel_id == talk.channel]
    assert sorted((f.filename, f.thread_ts) for f in uploads) == [
        ("three-hundred-priority.png", None),
        ("three-hundred.md", talk.thread_ts),
    ]
    text = top[0].all_text()
    assert "The first 5 of 295 ranked tasks:" in text
    assert "290 more ranked, 5 left out at steps 3–5." in text

    # The button opens the full report page: every ranked task, every exclusion with its step and reason.
    link = report_button(top[0])
    assert link is not None and link.startswith(f"{PUBLIC_URL}/report/")
    page = slack.bot.slack.get(link.removeprefix(PUBLIC_URL))
    assert page.status == 200 and page.headers["content-type"].startswith("text/html")
    ranked = re.findall(r'<td><a href="#task-(\d+)">([^<]+)</a></td>', page.text)
    assert [int(rank) for rank, _ in ranked] == list(range(1, 296))
    assert sorted(name for _, name in ranked) == sorted(set(BIG) - set(BIG[:KEPT]))
    excluded = re.findall(r"<tr>\n<td>([^<]+)</td>\n<td>(\d)\. [^<]+</td>\n<td>([^<]+)</td>", page.text)
    assert sorted(excluded) == sorted((name, "3", "gives a competitive advantage") for name in BIG[:KEPT])
