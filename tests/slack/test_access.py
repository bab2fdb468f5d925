"""The access checks' reads against the fake Web API: a channel's members over several pages, and a slow
Slack costing no more than the checks' time."""

from __future__ import annotations

from typing import Any

from bot.slack.access import Access
from bot.slack.views import checking
from tests.support import FakeSlack
from tests.support.fake_slack import Call


def paged(members: list[str], size: int) -> Any:
    def answer(call: Call) -> dict[str, Any]:
        start = int(str(call.args.get("cursor") or "0"))
        more = start + size < len(members)
        return {
            "members": members[start : start + size],
            "response_metadata": {"next_cursor": str(start + size) if more else ""},
        }

    return answer


def test_every_page_of_a_big_channels_members_is_read(fake_slack: FakeSlack) -> None:
    members = [f"U0M{n:05d}" for n in range(2500)]
    fake_slack.on("conversations.members", paged(members, 1000))
    found = Access().members(checking(fake_slack.client()), "T0TEST", "C0BIG")
    assert found == frozenset(members)
    assert len(fake_slack.calls("conversations.members")) == 3


def test_a_members_list_slack_is_too_slow_to_give_is_unknown_then_kept_when_it_comes(
    fake_slack: FakeSlack,
) -> None:
    """A slow Slack costs the requests that come while its answer is on the way, not every request after."""
    access = Access()
    fake_slack.latency.methods["conversations.members"] = 2.5  # two checks' time (0.7 s each) and more
    client = checking(fake_slack.client())
    assert access.members(client, "T0TEST", "C0SLOW") is None  # no answer within the check's time
    assert access.members(client, "T0TEST", "C0SLOW") is None  # still on its way: not asked again
    fake_slack.wait_until(lambda: access.members(client, "T0TEST", "C0SLOW") is not None, 5)
    assert len(fake_slack.calls("conversations.members")) == 1


def test_a_members_list_slack_refuses_is_not_kept(fake_slack: FakeSlack) -> None:
    access = Access()
    fake_slack.fail("conversations.members", "ratelimited")
    client = checking(fake_slack.client())
    assert access.members(client, "T0TEST", "C0FAIL") is None
    fake_slack.wait_until(lambda: access.members(client, "T0TEST", "C0FAIL") is not None, 5)
    assert len(fake_slack.calls("conversations.members")) == 2
