"""Who may act on what: every request is scoped to its workspace, and a review is answered from its channel.

- Workspace: reviews are only ever looked up with the request's team id (and compared on the enterprise id);
  a request naming another workspace's review finds nothing and is told so politely.
- Channel: a button or form must come from the review's own channel, and whoever clicks or submits it must be a
  member of that channel, as `conversations.members` lists them (someone viewing a public channel they have
  not joined sees its buttons too). A request that carries no channel at all (a form without one, a button
  outside a message) is checked the same way. Thread replies are posted in the channel, which only its
  members can do: they are not looked up.
- Facilitator-only steps (cancel, reopen, weights, closing a rating round) also accept a workspace admin or
  owner, as `users.info` says; answers are looked up once per person and kept for a few minutes.
- Slack is asked while the request waits, so the request waits at most until 0.8 s after it began
  (`bot.slack.views.checking`): a request is answered within a second. No answer in time is never a yes: a
  membership unknown refuses with CANNOT_CHECK ("try again in a moment"), an admin unknown is not an admin
  (and is asked again next time). A channel's member list is read by one background lookup per channel, which
  goes on after its request has moved on: when Slack is slow, the first requests are refused, and the list is
  there for the next ones instead of every request waiting its 0.8 s again.
- Requests missing the fields everything above relies on (team, user, channel) are refused before any
  listener runs (`CompleteRequests`), which also puts the request's workspace on the context (`workspace`):
  listeners read it there rather than each digging it out of its payload.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from slack_bolt import BoltContext, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.slack.requestlog import note, slack_error
from flows.model import Review

log = logging.getLogger("bot.slack.access")

OTHER_WORKSPACE = (
    "That review belongs to another workspace (or no longer exists), so I can't show or change it here."
)
OTHER_CHANNEL = "That review runs in another channel. Answer it in its thread there."
NOT_A_MEMBER = "Only members of the review's channel can answer it. Ask to be added to the channel first."
CANNOT_CHECK = (
    "I couldn't check that you are in the review's channel, so I did nothing. Try again in a moment."
)
MISSING = "That request came without its {what}, so I did nothing."
CANNOT_CHECK_ADMIN = (
    "Only the facilitator or a workspace admin can do that, and I couldn't check with Slack that you are an "
    "admin, so I did nothing. Try again in a moment."
)
CACHE_SECONDS = 300.0
# The context key of the workspace whose reviews a request may see (`team_of`). Not Bolt's own `team_id`:
# Bolt prefers the installing team of a modal or the event's first authorization, which names the token to
# use, not the workspace the review was started in.
WORKSPACE = "review_workspace"


def team_of(body: dict[str, Any]) -> str | None:
    """The workspace a request comes from: a command's or event's team_id, an interaction's team."""
    team = body.get("team")
    event = body.get("event") if isinstance(body.get("event"), dict) else {}
    user = body.get("user") if isinstance(body.get("user"), dict) else {}
    found = (
        (team.get("id") if isinstance(team, dict) else None)
        or body.get("team_id")
        or (event or {}).get("team")
        or (user or {}).get("team_id")
    )
    return str(found) if found else None


def workspace(context: BoltContext) -> str:
    """The request's workspace, as `CompleteRequests` put it on the context ("" when it has none)."""
    return str(context.get(WORKSPACE) or "")


def enterprise_of(body: dict[str, Any]) -> str | None:
    enterprise = body.get("enterprise")
    found = (enterprise.get("id") if isinstance(enterprise, dict) else enterprise) or body.get(
        "enterprise_id"
    )
    return str(found) if found else None


def other_enterprise(review: Review, enterprise_id: str | None) -> bool:
    """True when both sides name an Enterprise Grid org and they differ."""
    return bool(review.enterprise_id and enterprise_id and review.enterprise_id != enterprise_id)


def missing_fields(body: dict[str, Any]) -> list[str]:
    """What a request lacks that its kind must have (empty when complete)."""
    if body.get("command"):
        names = {"team": "team_id", "channel": "channel_id", "user": "user_id"}
        return [what for what, name in names.items() if not body.get(name)]
    kind = body.get("type")
    if kind in ("block_actions", "view_submission"):
        user = body.get("user") if isinstance(body.get("user"), dict) else {}
        missing = [] if (user or {}).get("id") else ["user"]
        return missing + ([] if team_of(body) else ["team"])
    if kind == "event_callback":
        return [] if team_of(body) else ["team"]
    return []


class CompleteRequests(Middleware):
    """Global middleware: a slash command missing its team, channel or user gets a clear reply; an interaction
    or event missing its user or team gets a 400. Nothing runs for either. A complete request gets its
    workspace on the context (`WORKSPACE`).

    A `Middleware` rather than a function: Bolt hands a function middleware every argument a listener could
    ask for, made anew for each request (about 0.1 ms), and this needs only the request."""

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        missing = missing_fields(req.body)
        if not missing:
            req.context[WORKSPACE] = team_of(req.body)
            return next()
        note(outcome="missing_" + "_".join(missing))
        text = MISSING.format(what=" and ".join(missing))
        if req.body.get("command"):
            return BoltResponse(status=200, body=text)
        return BoltResponse(status=400, body=text)


class Reads(Protocol):
    """The Web API reads the checks make (`bot.slack.views.checking`: short timeouts, within the request's
    time)."""

    def users_info(self, **kwargs: Any) -> Any: ...

    def time_left(self) -> float: ...

    def unhurried(self) -> MembersReader: ...


class MembersReader(Protocol):
    """What reads a channel's member list (slack_sdk's WebClient)."""

    def conversations_members(
        self, *, channel: str, cursor: str | None = None, limit: int | None = None, **kwargs: Any
    ) -> Any: ...


class Lookup:
    """A channel's member list on its way from Slack: requests wait on `done` as long as they may."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.members: frozenset[str] | None = None


def failure(exc: Exception) -> str:
    """What went wrong with a check's call, for its log line: Slack's error, or the timeout's kind."""
    return slack_error(exc) if isinstance(exc, SlackApiError) else type(exc).__name__


class Access:
    """Membership and admin checks against the Web API, each answer kept for `ttl` seconds."""

    def __init__(self, ttl: float = CACHE_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._lock = threading.Lock()
        self._admins: dict[tuple[str, str], tuple[float, bool]] = {}
        self._members: dict[tuple[str, str], tuple[float, frozenset[str]]] = {}
        self._lookups: dict[tuple[str, str], Lookup] = {}

    def problem(
        self,
        client: Reads,
        review: Review,
        user: str,
        channel: str | None,
        enterprise_id: str | None,
        *,
        posted: bool = False,
    ) -> str | None:
        """Why `user` may not act on `review` from `channel` (None: they may). `posted`: the request is a
        message `user` posted in the review's thread, which only a member of its channel can.

        The facilitator (who started the review in its channel) and the raters they named are not looked up:
        the people who answer most never wait for Slack's member list, and a slow Slack never refuses them.
        """
        if other_enterprise(review, enterprise_id):
            return OTHER_WORKSPACE
        if channel is not None and channel != review.channel_id:
            return OTHER_CHANNEL
        if posted or not review.channel_id or user == review.facilitator or user in review.raters:
            return None
        members, fresh = self.members_now(client, review.team_id, review.channel_id)
        if members is not None and user not in members and not fresh:
            # They may have joined since the list was kept: Slack is asked again (this costs a call only for
            # someone who turns out not to be a member, and they are refused).
            members = self.members(client, review.team_id, review.channel_id, ttl=0)
        if members is None:
            return CANNOT_CHECK
        return None if user in members else NOT_A_MEMBER

    def members(
        self, client: Reads, team_id: str, channel_id: str, ttl: float | None = None
    ) -> frozenset[str] | None:
        """The channel's members (None when Slack would not say, or not in time), as kept for up to `ttl`
        seconds (default: the store's)."""
        return self.members_now(client, team_id, channel_id, ttl)[0]

    def members_now(
        self, client: Reads, team_id: str, channel_id: str, ttl: float | None = None
    ) -> tuple[frozenset[str] | None, bool]:
        """`members`, and whether Slack was asked just now (rather than the list kept)."""
        key = (team_id, channel_id)
        with self._lock:
            cached = self._members.get(key)
            if cached and self.clock() - cached[0] < (self.ttl if ttl is None else ttl):
                return cached[1], False
            lookup = self._lookups.get(key)
            if lookup is None:  # one lookup a channel at a time, however many requests want it
                lookup = self._lookups[key] = Lookup()
                reader = threading.Thread(
                    target=self._look_up,
                    args=(client.unhurried(), key, lookup),
                    name=f"members-{channel_id}",
                    daemon=True,
                )
                reader.start()
        if not lookup.done.wait(client.time_left()):
            note(slack_error="conversations.members_too_slow")
        return lookup.members, True

    def _look_up(self, client: MembersReader, key: tuple[str, str], lookup: Lookup) -> None:
        """Read every page of a channel's members and keep the list (nothing is kept when Slack fails)."""
        found: set[str] = set()
        try:
            cursor = ""
            while True:
                page = client.conversations_members(channel=key[1], limit=1000, cursor=cursor or None)
                found.update(page.get("members") or [])
                cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
                if not cursor:
                    break
            lookup.members = frozenset(found)
        except (SlackApiError, SlackClientError, OSError) as exc:  # OSError: no answer in time
            log.warning("conversations.members failed error=%s", failure(exc))
        finally:
            with self._lock:
                if lookup.members is not None:
                    self._members[key] = (self.clock(), lookup.members)
                if self._lookups.get(key) is lookup:
                    del self._lookups[key]
            lookup.done.set()

    def is_admin(self, client: Reads, team_id: str, user: str) -> bool:
        """A workspace admin or owner (False when Slack would not say, or not in time: never a yes unless
        Slack said so; a no for want of an answer is not kept)."""
        return bool(self.admin(client, team_id, user))

    def admin(self, client: Reads, team_id: str, user: str) -> bool | None:
        """`is_admin`, None when Slack would not say (or not in time): the caller may say so."""
        key = (team_id, user)
        with self._lock:
            cached = self._admins.get(key)
        if cached and self.clock() - cached[0] < self.ttl:
            return cached[1]
        try:
            info = client.users_info(user=user).get("user") or {}
        except (SlackApiError, SlackClientError, OSError) as exc:  # OSError: no answer in time
            log.warning("users.info failed error=%s: not taken for an admin", failure(exc))
            note(slack_error=failure(exc))
            return None
        admin = bool(info.get("is_admin") or info.get("is_owner"))
        with self._lock:
            self._admins[key] = (self.clock(), admin)
        return admin
