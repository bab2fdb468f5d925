"""Whole reviews through Slack: typed replies in the thread, then buttons and forms."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

from flows.answers import load_answers
from flows.decision import decide
from flows.interview import review_input
from flows.render import to_json_dict
from storage.db import make_engine
from storage.repository import SqlReviewStore
from tests.support import FakeSlack
from tests.support import payloads as p
from tests.support.bots import Bot
from tests.support.conversation import (
    BOB,
    REPLIES,
    Conversation,
    blocks_json,
    ephemerals,
    last_question,
    mrkdwn_texts,
    wait_for_file,
)

ANSWERS = f"""
title: Q3 review
organisation: ecommerce
processes: [Blog writing, Writing blog posts, SEO audits, Brand strategy, Key account calls, Website relaunch,
            Paid search ads]
merges: [{{into: Blog writing, from: [Writing blog posts]}}]
candidates: [Blog writing, SEO audits, Brand strategy, Key account calls, Website relaunch]
keep_inhouse: {{Brand strategy: [competitive_advantage]}}
cannot_outsource: {{Key account calls: [face_to_face]}}
not_short_term: {{Website relaunch: [in_progress]}}
service_levels: {{SEO audits: "monthly audit, 5 working days"}}
weights: {{risk: 2}}
ratings:
  Blog writing:
    {p.USER_ID}: {{risk: 1, consequences: 3, tech_complexity: 1, importance: 3, benefits: 4, vendor_expertise: 1}}
    {BOB}: {{risk: 2, consequences: 3, tech_complexity: 1, importance: 3, benefits: 5, vendor_expertise: 1}}
  SEO audits:
    {p.USER_ID}: {{risk: 2, consequences: 4, tech_complexity: 2, importance: 3, benefits: 5, vendor_expertise: 2}}
metrics:
  SEO audits:
    - {{name: organic sessions per month, baseline: 12000, target: 15000, warn_at: 11000}}
"""


def stored_review(bot: Bot, thread_ts: str):  # type: ignore[no-untyped-def]
    store = SqlReviewStore(make_engine(bot.database_url))
    review = store.find_by_thread(p.TEAM_ID, p.CHANNEL_ID, thread_ts)
    assert review is not None
    return store, review


def test_a_whole_review_by_typed_replies(bot_either_way: Bot, fake_slack: FakeSlack, tmp_path: Path) -> None:
    bot = bot_either_way
    talk = Conversation(bot, fake_slack)
    thread = talk.start("Q3 review")
    kickoff = fake_slack.calls("chat.postMessage")[0]
    assert kickoff.get("thread_ts") is None and kickoff["channel"] == p.CHANNEL_ID

    calls = []
    replies = []
    for text, user in REPLIES:
        calls = talk.reply(text, user)
        replies.append(calls)

    # The kickoff message was updated in place whenever what it shows changed (never to the same), and ends
    # finished.
    updates = [c for c in fake_slack.calls("chat.update") if c["ts"] == thread]
    shown = [c.all_text() for c in updates]
    assert len(updates) >= 8 and all(a != b for a, b in pairwise(shown))
    assert "Finished" in updates[-1].all_text()
    # Within step 6 it stays as it is: closing Blog writing's round moves on to task 2 of 2, which the
    # question says, without an edit of the kickoff.
    closing = replies[REPLIES.index(("done", p.USER_ID), 20)]
    assert not [c for c in closing if c.method == "chat.update" and c["ts"] == thread]
    (question,) = [c for c in closing if c.method == "chat.postMessage"]
    assert "Task 2 of 2" in question.all_text() and "SEO audits" in question.all_text()

    # The shortlist went to the channel (not the thread) in one message, in words, and says where the rest is.
    posted = [c for c in calls if c.method == "chat.postMessage" and not c.get("thread_ts")]
    assert [c.text for c in posted] == ["Shortlist: Q3 review"]
    text = posted[0].all_text()
    assert "Blog writing (rank 1)" in text and "SEO audits (rank 2)" in text
    assert "Raters disagree" not in text  # 4 vs 5 is no disagreement
    assert "Brand strategy: gives a competitive advantage" in text
    assert "The full report is in the review's thread" in text  # no PUBLIC_URL: the file stands in
    # The Markdown file in the thread has the whole report: every task with its reasons, every exclusion.
    markdown = wait_for_file(fake_slack, p.CHANNEL_ID, ".md")
    assert markdown.thread_ts == thread
    report = markdown.content.decode()
    assert report.startswith("# Q3 review")
    assert "### 1. Blog writing" in report and "### 2. SEO audits" in report
    assert "Disagreement on benefits" not in report
    assert "- Brand strategy: gives a competitive advantage" in report
    assert "- Key account calls: regular face-to-face customer contact" in report
    assert "- Website relaunch: still in progress" in report
    assert "- Paid search ads: not a candidate" in report
    assert "- Writing blog posts → Blog writing" in report

    # Every answer is stored with its author; Bob's answer counts like anyone's.
    store, review = stored_review(bot, thread)
    history = store.history(review.id or "")
    assert {r.author for r in history} == {p.USER_ID, BOB}
    assert len(history) == len(REPLIES)

    # The same answers through an answers file give the same report.
    expected = to_json_dict(decide(load_answers(ANSWERS, "answers.yml")))
    got = to_json_dict(decide(review_input(review)))
    for key in ("processes", "merged", "excluded", "shortlist", "weights", "directions"):
        assert got[key] == expected[key], key


def test_a_reply_that_does_not_parse_is_corrected_privately(bot: Bot, fake_slack: FakeSlack) -> None:
    talk = Conversation(bot, fake_slack)
    talk.start()
    talk.say("skip")
    talk.say("Blog writing")
    talk.say("done")
    calls = talk.say("maybe 7")
    assert ephemerals(calls) == [
        "“maybe 7” is not an option number or name. Reply with option numbers such as `1 3`, or names separated "
        "by commas, or `all` or `none`. Also `skip`, `back`, `help`."
    ]
    assert not [c for c in calls if c.method == "chat.postMessage"]


def test_natural_replies_in_the_thread(bot: Bot, fake_slack: FakeSlack) -> None:
    talk = Conversation(bot, fake_slack)
    talk.start()
    talk.say("Online shop")  # the organisation, by its name
    calls = talk.say("Blog writing\nNewsletter\nBlog editing\nnewsletter")
    assert "Added 3 (3 so far). “Newsletter” was listed twice: kept once." in " ".join(ephemerals(calls))
    talk.say("done")
    calls = talk.say("Newsletter and blog")  # "blog" could be two of them: refused, nothing recorded
    (said,) = ephemerals(calls)
    assert "“blog” could be “Blog writing” (1) or “Blog editing” (3)" in said
    calls = talk.say("newsletter, blog writing")
    assert "Step 3 of 7" in last_question(calls).all_text()
    talk.say("None of these")
    _, review = stored_review(bot, talk.thread_ts or "")
    assert review.answers["intake.organisation"] == "ecommerce"
    assert review.answers["candidates"]["picked"] == ["Newsletter", "Blog writing"]
    assert review.answers["keep_inhouse:competitive_advantage"]["picked"] == []


def test_the_thanks_for_ratings_mentions_the_rater(bot: Bot, fake_slack: FakeSlack) -> None:
    talk = Conversation(bot, fake_slack)
    talk.start()
    for text in ["skip", "Blog writing", "done", "all", *["none"] * 12, "ok", "skip"]:
        calls = talk.say(text)
    rate = last_question(calls)
    opened = next(c for c in talk.click(rate, "Rate privately") if c.method == "views.open")
    factors = ["risk", "consequences", "tech_complexity", "importance", "benefits", "vendor_expertise"]
    answer, calls = talk.submit_form(
        opened, {f"factor:{f}": {"factor_value": p.select_value("3")} for f in factors}
    )
    # Said in the form itself, in place of its questions: at once, privately, without a Web API call.
    assert answer["response_action"] == "update"
    assert answer["view"]["blocks"][0]["text"]["text"] == f"Thanks <@{p.USER_ID}>, your ratings are in."
    assert "close" in answer["view"] and "submit" not in answer["view"]
    assert not [text for text in ephemerals(calls) if "ratings" in text]


def test_buttons_and_forms(bot_either_way: Bot, fake_slack: FakeSlack) -> None:
    talk = Conversation(bot_either_way, fake_slack)
    talk.start("Forms")
    first = last_question(fake_slack.calls())
    calls = talk.click(first, "Skip")
    question = last_question(calls)
    # Many processes at once in a form.
    calls = talk.click(question, "Add in a form")
    opened = next(c for c in calls if c.method == "views.open")
    calls = talk.submit(
        opened, {"lines": {"lines_input": p.text_value("Blog writing\nSEO audits\nNewsletter")}}
    )
    assert "Added 3" in " ".join(ephemerals(calls))
    calls = talk.click(question, "Done")
    question = last_question(calls)  # candidates
    calls = talk.choose(question, [1, 2])
    question = last_question(calls)  # step 3
    assert "Step 3 of 7" in question.all_text()
    for _ in range(12):  # none of the knock-outs hold
        calls = talk.click(last_question(fake_slack.calls()), "None of these")
        if "Step 6 of 7" in last_question(calls).all_text():
            break
    calls = talk.click(last_question(calls), "Keep them equal")
    calls = talk.click(last_question(calls), "Skip")  # service level
    rate = last_question(calls)
    calls = talk.click(rate, "Rate privately")
    opened = next(c for c in calls if c.method == "views.open")
    assert opened.view and opened.view["callback_id"] == "ratings_view"
    values = {
        f"factor:{f}": {"factor_value": p.select_value(v)}
        for f, v in zip(
            ["risk", "consequences", "tech_complexity", "importance", "benefits", "vendor_expertise"],
            ["1", "3", "1", "3", "4", "1"],
            strict=True,
        )
    }
    answer, calls = talk.submit_form(opened, values)
    assert "your ratings are in" in answer["view"]["blocks"][0]["text"]["text"]
    calls = talk.click(rate, "Close the round")
    assert "SEO audits" in last_question(calls).all_text()


def test_a_stale_button_is_answered_once(bot: Bot, fake_slack: FakeSlack) -> None:
    talk = Conversation(bot, fake_slack)
    talk.start()
    question = last_question(fake_slack.calls())
    talk.click(question, "Skip")
    calls = talk.click(question, "Skip", user=BOB)
    assert "answered already" in " ".join(ephemerals(calls))
    # Bob's click is kept in the history, under the question he answered
    store, review = stored_review(bot, talk.thread_ts or "")
    late = [(r.question, r.author) for r in store.history(review.id or "") if r.value == {"late": True}]
    assert late == [("intake.organisation", BOB)]


def test_user_text_is_escaped(bot: Bot, fake_slack: FakeSlack) -> None:
    talk = Conversation(bot, fake_slack)
    talk.start("<!channel> review")
    talk.say("skip")
    talk.say("<!channel> blast\n<@U123> duty\n<https://evil.example|click> & more")
    calls = talk.say("done")
    everything = "\n".join(t for c in fake_slack.calls() for t in mrkdwn_texts(c))
    assert (
        "<!channel>" not in everything and "<@U123>" not in everything and "<https://evil" not in everything
    )
    assert "<!" not in everything and "<http" not in everything
    assert "&lt;!channel&gt; blast" in blocks_json(last_question(calls))
