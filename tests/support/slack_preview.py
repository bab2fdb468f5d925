"""A Slack message drawn as a small HTML page, plainly: what the README's picture of the shortlist shows.

Not Slack's own rendering, and not a Block Kit Builder: each block as Slack lays it out in spirit (a header, mrkdwn
sections with *bold*, `code` and bullets, grey context lines, buttons), from the blocks the bot posts. Their text is
Slack's mrkdwn, where the bot has escaped whatever people typed (`&lt;` for `<`); the preview shows it as Slack
would (the typed `<!channel>` as text) and escapes it again for HTML. A mention `<@U…>` shows as @name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

TEMPLATES = Path(__file__).resolve().parents[1] / "web" / "templates"
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)>")
_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")
_CODE = re.compile(r"`([^`\n]+)`")


def mrkdwn_html(text: str, names: Mapping[str, str]) -> Markup:
    """Slack mrkdwn as HTML: mentions as @name, Slack's three entities read, then everything escaped for HTML
    before *bold*, `code` and line breaks are drawn."""
    parts: list[str] = []
    for i, piece in enumerate(_MENTION.split(text)):
        if i % 2:
            parts.append(f"\0@{names.get(piece, piece.lower())}\0")
        else:
            parts.append(piece.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
    html = str(escape("".join(parts)))
    html = _CODE.sub(r"<code>\1</code>", html)
    html = _BOLD.sub(r"<strong>\1</strong>", html)
    html = re.sub("\0([^\0]*)\0", r'<span class="mention">\1</span>', html)
    return Markup(html.replace("\n", "<br>"))


def render_message(
    blocks: Sequence[Mapping[str, Any]],
    *,
    app_name: str = "Outsource Review",
    posted_at: str = "10:42",
    names: Mapping[str, str] | None = None,
    url: Callable[[str], str] = str,
) -> str:
    """The HTML page of one message's `blocks`; `url` turns a button's address into the one the page links to
    (a test serves the report page on a local port)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["mrkdwn"] = lambda text: mrkdwn_html(str(text), names or {})
    env.filters["link"] = lambda address: url(str(address))
    return env.get_template("slack_message.html").render(
        blocks=blocks, app_name=app_name, posted_at=posted_at
    )
