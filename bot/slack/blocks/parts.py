"""What every Block Kit surface shares: a chat message, sections and context blocks made and checked by
slack_sdk once, and the packing of many blocks into messages within Slack's limits."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.slack.text import MESSAGE_TEXT_LIMIT, SECTION_LIMIT, shorten

MAX_BLOCKS = 50
MAX_HOME_BLOCKS = 100
MAX_SELECT_OPTIONS = 100
MAX_OPTION_TEXT = 75


@dataclass(frozen=True)
class Message:
    """One chat message: fallback text (shown in notifications) and its blocks, as Slack takes them."""

    text: str
    blocks: list[dict[str, Any]]

    @classmethod
    def of(cls, text: str, blocks: Iterable[Block | dict[str, Any]]) -> Message:
        return cls(text, as_dicts(blocks))

    def as_kwargs(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks}

    @property
    def chars(self) -> int:
        return chars_of(self.blocks)


def as_dicts(blocks: Iterable[Block | dict[str, Any]]) -> list[dict[str, Any]]:
    """slack_sdk blocks turned into dicts (slack_sdk checks Slack's limits as it does so), and dicts it made
    before, as they are."""
    return [b if isinstance(b, dict) else b.to_dict() for b in blocks]


def section(text: str, block_id: str | None = None) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=shorten(text, SECTION_LIMIT)), block_id=block_id)


_SECTION = section("-").to_dict()


def section_dict(text: str) -> dict[str, Any]:
    """`section(text).to_dict()` for the many a report or a question holds: slack_sdk made and checked the
    shape once, and `shorten` keeps the text within the one limit it checks there."""
    return {**_SECTION, "text": {**_SECTION["text"], "text": shorten(text, SECTION_LIMIT)}}


def context(*lines: str) -> ContextBlock:
    return ContextBlock(
        elements=[MarkdownTextObject(text=shorten(line, SECTION_LIMIT)) for line in lines[:10]]
    )


_CONTEXT = context("-").to_dict()


def context_dict(*lines: str) -> dict[str, Any]:
    """`context(*lines).to_dict()` for the lines a question changes each time (who has rated, a note) and
    a report's many: the shape made and checked by slack_sdk once, as `section_dict`."""
    element = _CONTEXT["elements"][0]
    return {
        **_CONTEXT,
        "elements": [{**element, "text": shorten(line, SECTION_LIMIT)} for line in lines[:10]],
    }


def chunk_lines(lines: Iterable[str], limit: int = SECTION_LIMIT) -> list[str]:
    """Join lines into texts of at most `limit` characters (a single longer line is cut)."""
    chunks: list[str] = []
    current = ""
    for line in lines:
        line = shorten(line, limit)
        if current and len(current) + 1 + len(line) > limit:
            chunks.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        chunks.append(current)
    return chunks


def chars_of(blocks: Sequence[dict[str, Any]]) -> int:
    """The text the blocks hold, as Slack counts it against a message's limit."""
    parts = []
    for data in blocks:
        parts.append(data.get("text", ""))
        parts += data.get("elements", ())
    # The length of each part as JSON: one encoding of them all, less the list's brackets and separators.
    return len(json.dumps(parts)) - 2 - 2 * (len(parts) - 1) if parts else 0


def pack(blocks: Sequence[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Blocks in groups of at most MAX_BLOCKS - 5 blocks and MESSAGE_TEXT_LIMIT characters. Each block is
    measured once: measuring the group again for every block made a 300-process report 3 times slower."""
    groups: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    size = 0
    for block in blocks:
        chars = chars_of([block])
        if current and (len(current) >= MAX_BLOCKS - 5 or size + chars > MESSAGE_TEXT_LIMIT):
            groups.append(current)
            current, size = [], 0
        current.append(block)
        size += chars
    if current:
        groups.append(current)
    return groups
