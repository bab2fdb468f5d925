"""Listener middleware: the review a button or form names, loaded for the request's workspace and checked
before its listener runs.

Attached per listener (`@app.action(..., middleware=[...])`): each kind of payload names its review in its
own place (a button's value, a menu's block id, a form's metadata), said by a `Where`. A request that may not
act on the review is told why (`Presenter.permit`) and acknowledged, and no listener runs; otherwise the
listener finds the review as `context[REVIEW]`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext, BoltResponse
from slack_sdk import WebClient

from bot.slack.access import enterprise_of, workspace
from bot.slack.presenter import Presenter
from flows.model import Review

REVIEW = "review"
# A payload -> the review id it names and the channel the request comes from (None: it names none of ours).
Where = Callable[[dict[str, Any]], tuple[str, str | None] | None]


def checked_review(presenter: Presenter, where: Where) -> Callable[..., BoltResponse | None]:
    """Listener middleware that puts the review `where` finds on the context, when the request may act on it."""

    def load_and_check(
        body: dict[str, Any], client: WebClient, context: BoltContext, next: Callable[[], None]
    ) -> BoltResponse | None:
        found = where(body)
        if found is not None:
            review_id, channel = found
            review = presenter.permit(
                client,
                review_id=review_id,
                team_id=workspace(context),
                user=str(body["user"]["id"]),
                channel=channel,
                enterprise_id=enterprise_of(body),
            )
            if review is None:
                return BoltResponse(status=200, body="")  # refused, and told why: nothing else to do
            context[REVIEW] = review
        next()
        return None

    return load_and_check


def review_of(context: BoltContext) -> Review | None:
    """The review `checked_review` loaded and checked (None: the payload named none)."""
    found = context.get(REVIEW)
    return found if isinstance(found, Review) else None
