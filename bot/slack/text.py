"""Safe text for Slack: user-typed strings are escaped before they reach mrkdwn."""

from __future__ import annotations

import hashlib
import re

from flows.people import render_people

SECTION_LIMIT = 3000
MESSAGE_TEXT_LIMIT = 12000  # Slack has refused messages with about 13k characters of block text


def escape(text: str) -> str:
    """Escape `&`, `<` and `>`: that alone defuses <!channel>, <!here>, <@U…> and links in mrkdwn."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def is_user_id(text: str) -> bool:
    """Whether `text` looks like a Slack user id (U… or W…, letters and digits)."""
    return text[:1] in ("U", "W") and text.isalnum()


def mention(user_id: str) -> str:
    """A user mention, only for ids that look like Slack user ids; anything else is shown as text."""
    if is_user_id(user_id):
        return f"<@{user_id}>"
    return escape(user_id)


_SLACK_MARKUP = re.compile(r"<([^<>]*)>")


def _typed(markup: re.Match[str]) -> str:
    inner = markup.group(1)
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        return target[1:]  # a person: by their id, as flows knows them
    if target.startswith("#"):
        return f"#{label or target[1:]}"
    if target.startswith("!"):
        return label or f"@{target[1:].split('^')[0]}"  # <!here>: the words, not a ping
    return label or target


def typed_text(text: str) -> str:
    """A message as its author typed it, from the text Slack sends: each mention becomes the person's id (as
    flows knows people), a link its label or address, and `&amp;`, `&lt;`, `&gt;` the characters again."""
    plain = _SLACK_MARKUP.sub(_typed, text) if "<" in text else text
    return plain.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def slack_text(text: str) -> str:
    """A message from flows (an outcome's message or error) as mrkdwn: escaped, each person a mention."""
    return render_people(text, mention, escape)


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def question_token(key: str) -> str:
    """A short, stable stand-in for a question key inside Slack ids and values."""
    return hashlib.sha1(key.encode()).hexdigest()[:12]


def question_ref(key: str, edition: str) -> str:
    """The token of a question as posted: its key's, and for renumbered options which numbering (a
    `Prompt.edition`), so a click on an older post of the same question is known for what it is."""
    token = question_token(key)
    return token if edition == key else f"{token}-{question_token(edition)[:8]}"


def slug(text: str, limit: int, fallback: str) -> str:
    """A file name from `text`: lower case, letters and digits kept, the rest dashes, at most `limit` long."""
    name = "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")[:limit]
    return name or fallback
