"""App Home: opening the Home tab publishes the workspace's reviews and a how-to."""

from __future__ import annotations

from typing import Any

from tests.support import payloads as p
from tests.support.conversation import Slack, review_replies, shared_bot

slack = shared_bot("home")

VIEWER = "U0VIEWER"


def texts(view: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for block in view["blocks"]:
        if isinstance(block.get("text"), dict):
            found.append(block["text"]["text"])
        for element in block.get("elements", []):
            if isinstance(element, dict) and isinstance(element.get("text"), str):
                found.append(element["text"])
    return found


def open_home(slack: Slack, user: str = VIEWER, team: str = p.TEAM_ID, tab: str = "home") -> Any:
    mark = slack.fake.mark()
    reply = slack.bot.slack.event(p.app_home_opened_event(user, tab=tab), team_id=team)
    assert reply.status == 200
    return mark


def test_the_home_tab_lists_reviews_in_progress_and_finished(slack: Slack) -> None:
    going = slack.talk()
    going.start("Spring review")
    for text in ["skip", "Blog writing\nSEO audits", "done"]:
        going.answer(text)
    finished = slack.talk()
    finished.start("Winter review")
    for text in review_replies(["Newsletter"]):
        finished.answer(text)
    elsewhere = slack.talk(team="T0OTHER")
    elsewhere.start("Not this workspace")
    finished.quiet()

    mark = open_home(slack)
    call = slack.fake.wait_for("views.publish", since=mark)
    assert call["user_id"] == VIEWER
    view = call.view
    assert view is not None and view["type"] == "home"
    assert slack.fake.home_view(VIEWER) is not None
    shown = texts(view)
    joined = "\n".join(shown)

    # A how-to.
    assert "/outsource-review Q3 review" in joined
    # In progress, with channel and progress; then finished.
    progress_at = shown.index("*In progress* (1)")
    finished_at = shown.index("*Finished* (1)")
    spring = next(i for i, t in enumerate(shown) if t.startswith("*Spring review*"))
    winter = next(i for i, t in enumerate(shown) if t.startswith("*Winter review*"))
    assert progress_at < spring < finished_at < winter
    assert f"in <#{going.channel}> · Step 2 of 7" in shown[spring]
    assert f"in <#{finished.channel}> · Finished" in shown[winter]
    assert "Not this workspace" not in joined
    assert len(view["blocks"]) <= 100


def test_the_home_tab_with_no_reviews(slack: Slack) -> None:
    mark = open_home(slack, team="T0NEW")
    view = slack.fake.wait_for("views.publish", since=mark).view
    assert view is not None
    shown = texts(view)
    assert "*In progress* (0)" in shown and "*Finished* (0)" in shown
    assert "None yet." in shown


def test_the_messages_tab_publishes_nothing(slack: Slack) -> None:
    mark = open_home(slack, user="U0MSGS", tab="messages")
    # A home-tab event sent afterwards is answered; the messages-tab one before it was not.
    open_home(slack, user="U0MSGS2")
    slack.fake.wait_for("views.publish", lambda c: c["user_id"] == "U0MSGS2", since=mark)
    assert not [c for c in slack.fake.calls("views.publish") if c.seq > mark and c["user_id"] == "U0MSGS"]
