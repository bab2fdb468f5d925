"""The shortlist message's link to the full report page, and `/outsource-review unshare`, which withdraws it
(issue 19, item 3): signed slash commands into the app, the page fetched from the same app as `serve` runs it."""

from __future__ import annotations

import json

from flows.method import Stage
from tests.support import payloads as p
from tests.support.conversation import (
    Conversation,
    Slack,
    ephemerals,
    report_button,
    responses,
    review_replies,
    shared_bot,
    shortlist_posts,
    wait_for_file,
)

PUBLIC_URL = "https://reports.example.org"
slack = shared_bot("links", PUBLIC_URL=PUBLIC_URL)
BOB = "U0BOB"


def finished(slack: Slack, title: str = "Shared") -> tuple[Conversation, str]:
    """A finished review in a channel of its own, and the link its shortlist message's button has."""
    talk = slack.talk()
    talk.start(title)
    for text in review_replies(["Blog writing", "SEO audits"]):
        talk.answer(text)
    wait_for_file(slack.fake, talk.channel)
    assert talk.review().state is Stage.DONE
    (message,) = shortlist_posts(slack.fake.calls(), talk.channel)
    link = report_button(message)
    assert link is not None and link.startswith(f"{PUBLIC_URL}/report/")
    return talk, link


def opens(slack: Slack, link: str) -> int:
    """The status the report page answers at `link` (a GET to the app `serve` runs)."""
    return slack.bot.slack.get(link.removeprefix(PUBLIC_URL)).status


def answer(body: str, calls: list) -> str:  # type: ignore[type-arg]
    """The command's answer: its HTTP response (plain text, or JSON without `in_channel`), seen only by whoever
    typed it."""
    assert not responses(calls), calls
    try:
        data = json.loads(body)
    except ValueError:
        return body
    assert data.get("response_type", "ephemeral") == "ephemeral", data
    return str(data["text"])


def test_the_facilitator_unshares_and_the_old_link_gets_404(slack: Slack) -> None:
    talk, link = finished(slack, "Q3 <b>review</b>")
    page = slack.bot.slack.get(link.removeprefix(PUBLIC_URL))
    assert page.status == 200 and "Blog writing" in page.text and "SEO audits" in page.text

    status, body, calls = talk.command("unshare")
    assert status == 200
    assert answer(body, calls) == (
        "Done: the links to the report of *Q3 &lt;b&gt;review&lt;/b&gt;* no longer work (the report button now "
        "leads to a “not found” page). `/outsource-review report` posts the shortlist again with a new link."
    )
    assert not [c for c in calls if c.method == "chat.postMessage"]  # nothing said in the channel
    assert opens(slack, link) == 404
    assert opens(slack, link) == 404  # for good

    # `report` posts the shortlist again, with a link that works.
    _, _, calls = talk.command("report")
    (again,) = shortlist_posts(calls, talk.channel)
    fresh = report_button(again)
    assert fresh is not None and fresh != link
    assert opens(slack, fresh) == 200 and opens(slack, link) == 404


def test_only_the_facilitator_or_an_admin_may_unshare(slack: Slack) -> None:
    talk, link = finished(slack, "Not yours")
    before = talk.review().version
    _, body, calls = talk.command("unshare", user=BOB)
    assert answer(body, calls) == (
        f"Only the facilitator (<@{p.USER_ID}>) or a workspace admin can withdraw the links to this report."
    )
    assert talk.review().version == before and opens(slack, link) == 200

    slack.fake.set_user("U0LINKADMIN", is_admin=True)
    _, body, calls = talk.command("unshare", user="U0LINKADMIN")
    assert answer(body, calls).startswith("Done: the links to the report of *Not yours* no longer work")
    assert opens(slack, link) == 404


def test_unshare_reaches_the_version_a_rerun_was_made_from(slack: Slack) -> None:
    talk, link = finished(slack, "Versions")
    talk.command("rerun")
    assert any(r.is_open for r in talk.store.list_reviews(None, 1000) if r.channel_id == talk.channel)
    _, body, calls = talk.command("unshare")
    assert answer(body, calls).startswith(
        "Done: the links to the report of *Versions (v2)* and *Versions* no longer work"
    )
    assert opens(slack, link) == 404


def test_unshare_before_there_is_a_report(slack: Slack) -> None:
    talk = slack.talk()
    talk.start("Just begun")
    _, body, calls = talk.command("unshare")
    assert answer(body, calls) == "This channel's review has no report yet, so there is no link to withdraw."


def test_a_click_on_the_report_button_is_acknowledged_quietly(slack: Slack) -> None:
    talk, link = finished(slack, "Clicked")
    (message,) = shortlist_posts(slack.fake.calls(), talk.channel)
    (button,) = [e for b in message.blocks if b["type"] == "actions" for e in b["elements"]]
    assert button["url"] == link  # Slack opens it; the app is told of the click too
    mark = slack.fake.mark()
    reply = slack.bot.slack.block_actions(
        [p.button(button["action_id"], text=button["text"]["text"])],
        channel_id=talk.channel,
        message_ts=str(message.response["ts"]),
    )
    assert reply.status == 200
    calls = talk.settle(mark)
    # Not the "I don't know that button" a click no listener takes gets.
    assert not ephemerals(calls) and not [c for c in calls if c.method == "chat.postMessage"]
