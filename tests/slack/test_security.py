"""Only Slack gets in (signed requests), and nothing anyone types pings the channel."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from tests.support import Reply, Signing
from tests.support import payloads as p
from tests.support.conversation import (
    Conversation,
    Slack,
    ephemerals,
    mrkdwn_texts,
    report_button,
    review_replies,
    shared_bot,
    shortlist_posts,
    wait_for_file,
)

PUBLIC_URL = "https://reports.example.org"
slack = shared_bot("security", PUBLIC_URL=PUBLIC_URL)

BAD = [Signing.FORGED, Signing.STALE, Signing.UNSIGNED, Signing.TAMPERED]
# Slack's special mentions and links, as someone might type them into a process name or a title.
NASTY = ["<!channel>", "<!here>", "<!everyone>", "<@U123>", "<https://x|y>", "<#C0SECRET>"]
PROCESSES = [
    "<!channel> blast",
    "Ping <@U123> daily",
    "<!here> & now",
    "Visit <https://x|y>",
    "Copy <!everyone>",
    "See <#C0SECRET>",
]
SPECIAL = ("<!channel", "<!here", "<!everyone", "<!subteam")


def reviews_in(slack: Slack, channel: str) -> list:  # type: ignore[type-arg]
    return [r for r in slack.talk().store.list_reviews(None, 1000) if r.channel_id == channel]


def requests(slack: Slack, channel: str, thread: str) -> dict[str, Callable[[Signing], Reply]]:
    """One request of each kind the bot serves, for `channel`, signed as asked."""
    client = slack.bot.slack
    return {
        "slash command": lambda s: client.slash_command("Forged review", channel_id=channel, signing=s),
        "thread reply": lambda s: client.event(
            p.message_event("skip", channel=channel, thread_ts=thread), signing=s
        ),
        "button": lambda s: client.block_actions(
            [p.button("reply:skip", json.dumps({"r": "x", "q": "y", "v": "skip"}))],
            channel_id=channel,
            signing=s,
        ),
        "home": lambda s: client.event(p.app_home_opened_event("U0FORGED"), signing=s),
    }


@pytest.mark.parametrize("signing", BAD, ids=[s.value for s in BAD])
def test_unverified_requests_get_401_and_change_nothing(slack: Slack, signing: Signing) -> None:
    talk = slack.talk()
    thread = talk.start()
    before = talk.review()
    fresh = slack.talk().channel
    mark = slack.fake.mark()
    for kind, send in requests(slack, talk.channel, thread).items():
        assert send(signing).status == 401, kind
        assert send(signing).status == 401, f"{kind} again"
        assert send(signing).status == 401, kind
    assert slack.bot.slack.post_form({}, signing=signing).status == 401

    # Refused before any listener ran: a properly signed request now is the only thing that acts.
    assert slack.bot.slack.event(p.app_home_opened_event("U0BARRIER")).status == 200
    barrier = slack.fake.wait_for("views.publish", since=mark)
    assert [c.method for c in slack.fake.calls() if c.seq > mark] == ["views.publish"]
    assert barrier["user_id"] == "U0BARRIER"
    after = talk.review()
    assert after.version == before.version and after.answers == before.answers
    assert reviews_in(slack, fresh) == [] and not reviews_in(slack, "C0REVIEW")


def test_url_verification_answers_the_challenge(slack: Slack) -> None:
    reply = slack.bot.slack.url_verification("challenge-accepted-42")
    assert reply.status == 200
    assert reply.json() == {"challenge": "challenge-accepted-42"}
    assert slack.bot.slack.url_verification("nope", signing=Signing.FORGED).status == 401


def escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def test_mentions_and_links_in_user_text_are_never_live(slack: Slack) -> None:
    title = "<!here> review <@U123>"
    talk = slack.talk()
    mark = slack.fake.mark()
    thread = talk.start(title)
    talk.say("skip")
    questions = talk.say("\n".join(PROCESSES))
    questions += talk.say("done")
    # A correction quoting the reply is escaped too.
    corrections = ephemerals(talk.say("<!channel> 9"))
    assert corrections and "“&lt;!channel&gt; 9”" in corrections[0], corrections
    assert "<!channel>" not in corrections[0]
    for text in review_replies(PROCESSES)[3:]:
        talk.answer(text)
    wait_for_file(slack.fake, talk.channel)
    talk.quiet()
    status = talk.command("status")[1]
    listed = talk.command("list")[1]
    home_mark = slack.fake.mark()
    assert slack.bot.slack.event(p.app_home_opened_event("U0HOME")).status == 200
    home = slack.fake.wait_for("views.publish", since=home_mark)

    seen = [c for c in slack.fake.calls() if c.seq > mark]
    everything = "\n".join([*(t for c in seen for t in mrkdwn_texts(c)), listed])
    for raw in NASTY:
        assert raw not in everything, raw

    # ...and every name was shown, escaped: in the questions, the kickoff, the shortlist, the report page and
    # App Home.
    asked = "\n".join(t for c in questions for t in mrkdwn_texts(c))
    kickoff = [c for c in seen if c.method == "chat.update" and c["ts"] == thread][-1]
    report = shortlist_posts(seen, talk.channel)
    assert len(report) == 1
    shortlist = "\n".join(mrkdwn_texts(report[0]))
    link = report_button(report[0])
    assert link is not None and link.startswith(f"{PUBLIC_URL}/report/")
    page = slack.bot.slack.get(link.removeprefix(PUBLIC_URL))
    assert page.status == 200
    for name in PROCESSES:
        assert escaped(name) in asked, name
        assert escaped(name) in page.text, name
        assert name not in page.text, name
    assert sum(escaped(name) in shortlist for name in PROCESSES) == 5  # the first five; the page has all
    assert escaped(title) in kickoff.text
    assert escaped(title) in "\n".join(mrkdwn_texts(home))
    assert escaped(title) in status and escaped(title) in listed
    assert escaped(title) in "\n".join(mrkdwn_texts(report[0]))


def test_the_bot_never_notifies_the_whole_channel(slack: Slack) -> None:
    """Over everything this module made the bot do: no special mention in any mrkdwn, no `link_names`."""
    calls = slack.fake.calls()
    assert len(calls) > 50
    for call in calls:
        for text in mrkdwn_texts(call):
            for special in SPECIAL:
                assert special not in text, (special, call)
        assert str(call.get("link_names", "")).lower() not in ("1", "true"), call


def test_slack_markup_in_a_reply_is_kept_as_plain_words(slack: Slack) -> None:
    """Typed "@here" or a link arrives as Slack markup (`<!here>`, `<https://…|…>`): it is kept as the words
    the author saw, and shown as such, never live."""
    talk = slack.talk()
    talk.start("Markup")
    talk.say("skip")
    talk.say("<!here> blast\nVisit <https://evil.example|our site>", markup=True)
    calls = talk.say("done")
    question = "\n".join(t for c in calls for t in mrkdwn_texts(c))
    assert "@here blast" in question and "Visit our site" in question
    assert "<!here" not in question and "<https" not in question
    assert listed_processes_of(talk) == ["@here blast", "Visit our site"]


def listed_processes_of(talk: Conversation) -> list[str]:
    return list(talk.review().answers["simplify.processes"])
