"""Direct messages to the bot: ratings given in private.

Ratings are private until their round closes, so they are never typed in a review's thread (a rating typed
there is not recorded, see `Reply.written_in_public`): they are given in the rating form, or sent to
the bot in a direct message, handled here. A DM with six ratings goes to the one rating question open for the
person (in the reviews of the workspace whose channel they are a member of, checked as for a button). With
several open, the bot asks which: a button per question (it carries the ratings and names its question, so a
round closing meanwhile cannot send them to another), or the ratings again with the question's number first
(`2: 2 4 2 3 5 2`). Whatever the bot says goes back in the DM and never shows anyone else's ratings; the
review's thread shows what any rating shows (who has rated, the next question when the round is complete).
"""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.models.blocks import ActionsBlock, ButtonElement

from bot.slack import ids
from bot.slack.blocks.parts import as_dicts, section
from bot.slack.blocks.question import action_value
from bot.slack.outgoing import Mail
from bot.slack.presenter import InPrivate, Presenter
from bot.slack.requestlog import note
from bot.slack.text import escape, question_ref, shorten
from bot.slack.views import checking
from flows.method import FACTORS
from flows.prompts import ReplyError, parse_private_rating
from flows.service import RatingRound

ORDER = ", ".join(f.label for f in FACTORS)
NOTHING_TO_RATE = (
    "There's nothing for you to rate right now. When a review in one of your channels asks for ratings, "
    "send me your six ratings here, like `2 4 2 3 5 2`."
)
HOW_TO_RATE = f"Send six ratings from 1 to 5 in this order: {ORDER}, like `2 4 2 3 5 2`."
MAX_BUTTONS = 25  # rating questions offered as buttons; a number typed first reaches any of them
ROW = 5  # buttons in one row (an actions block)


def is_direct_message(event: dict[str, Any]) -> bool:
    """A person writing to the bot in its DM (not an edit, a join, or a bot's own post)."""
    return (
        event.get("channel_type") == "im"
        and event.get("subtype") is None
        and not event.get("bot_id")
        and bool(event.get("user"))
        and bool(event.get("channel"))
    )


def naming(task: str | None, title: str | None) -> str:
    """A rating question as the DM names it: the task and the review (escaped mrkdwn)."""
    review = f"*{escape(title or 'the review')}*"
    return f"“{escape(task)}” in {review}" if task else f"the rating question in {review}"


def about(chosen: RatingRound) -> str:
    return naming(chosen.task, chosen.review.title)


def listed(rounds: list[RatingRound]) -> str:
    """The open rating questions, numbered, each with the channel of its review."""
    return "\n".join(f"{n}. {about(r)} (<#{r.review.channel_id}>)" for n, r in enumerate(rounds, start=1))


def rate_in_private(
    presenter: Presenter,
    client: WebClient,
    *,
    team_id: str,
    enterprise_id: str | None,
    user: str,
    channel: str,
    text: str,
    receipt: str | None,
    thread_ts: str | None = None,
) -> None:
    """A DM to the bot: recorded as `user`'s rating of their open rating question, or answered with what to
    send. A retried delivery (same `receipt`) is applied once."""
    rounds = [
        r
        for r in presenter.service.rating_rounds(team_id)
        if presenter.access.problem(checking(client), r.review, user, None, enterprise_id) is None
    ]
    blocks: list[dict[str, Any]] = []
    if not rounds:
        reply = NOTHING_TO_RATE
    else:
        try:
            choice, ratings = parse_private_rating(text)
        except ReplyError as exc:
            reply = escape(str(exc)) + ("" if "Example" in str(exc) else f" {HOW_TO_RATE}")
            if len(rounds) > 1:
                reply += f"\nPut the number of the task first, like `1: 2 4 2 3 5 2`:\n{listed(rounds)}"
        else:
            if choice is None and len(rounds) > 1:
                reply = (
                    f"You have {len(rounds)} rating questions open. Which one are these ratings for? Choose it "
                    f"below, or send them again with its number first, like `1: {ratings}`:\n{listed(rounds)}"
                )
                blocks = _choices(reply, rounds, ratings)
            elif choice is not None and not 1 <= choice <= len(rounds):
                only = "1" if len(rounds) == 1 else f"1 to {len(rounds)}"
                reply = f"There is no rating question {choice}; pick {only}:\n{listed(rounds)}"
            else:
                chosen = rounds[(choice or 1) - 1]
                presenter.apply(
                    client,
                    chosen.review,
                    user=user,
                    text=ratings,
                    token=question_ref(chosen.prompt.key, chosen.prompt.edition),
                    receipt=receipt,
                    private=InPrivate(channel, about(chosen), thread_ts),
                )
                return
    note(outcome="not_applied" if rounds else "nothing_to_rate")
    mail = Mail.for_person(team_id, user, enterprise_id)
    message: dict[str, Any] = {"text": reply}
    if blocks:
        message["blocks"] = blocks
    if thread_ts:
        message["thread_ts"] = thread_ts
    mail.post(channel, **message)
    if presenter.service.send_once(team_id, receipt, mail.rows):
        presenter.wake()


def _choices(text: str, rounds: list[RatingRound], ratings: str) -> list[dict[str, Any]]:
    """The "which one" message: its text, and a button per open rating question carrying the ratings (seen
    by the one person in the DM) and naming the question."""
    buttons = [
        ButtonElement(
            text=shorten(f"{n}. {r.task} ({r.review.title})", 75),
            action_id=f"{ids.RATE_IN_PRIVATE}:{n}",
            value=action_value(r.review.id or "", question_ref(r.prompt.key, r.prompt.edition), ratings),
        )
        for n, r in enumerate(rounds[:MAX_BUTTONS], start=1)
    ]
    rows = [ActionsBlock(elements=buttons[i : i + ROW]) for i in range(0, len(buttons), ROW)]
    return as_dicts([section(text), *rows])


def rate_chosen(
    presenter: Presenter,
    client: WebClient,
    *,
    team_id: str,
    enterprise_id: str | None,
    user: str,
    channel: str,
    review_id: str,
    token: str,
    ratings: str,
    receipt: str | None,
    asked_ts: str | None = None,
) -> None:
    """A button of the "which one" message (posted at `asked_ts`; its buttons go once one is used): the ratings it carries, for the question it names (when that
    round has closed meanwhile, they are not counted, and the person is told)."""
    try:
        choice, checked = parse_private_rating(ratings)
    except ReplyError:
        return  # not a button we made: only ratings are taken in private
    if choice is not None:
        return
    review = presenter.permit(
        client, review_id=review_id, team_id=team_id, user=user, channel=None, enterprise_id=enterprise_id
    )
    if review is None:
        return
    prompt = presenter.service.prompt(review)
    still_open = prompt is not None and question_ref(prompt.key, prompt.edition) == token
    task = prompt.subject if still_open and prompt is not None else None
    presenter.apply(
        client,
        review,
        user=user,
        text=checked,
        token=token,
        receipt=receipt,
        private=InPrivate(channel, naming(task, review.title), asked_ts=asked_ts),
    )
