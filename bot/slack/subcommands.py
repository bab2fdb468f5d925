"""The words after `/outsource-review`: which first words are subcommands, and how a command's text splits.

A leaf: the command listener and the request log (which names the subcommand in its line) both read it.
"""

from __future__ import annotations

SUBCOMMANDS = (
    "help",
    "status",
    "list",
    "report",
    "export",
    "cancel",
    "reopen",
    "checkin",
    "answers",
    "rerun",
    "diff",
    "unshare",
)


def split_command(text: str) -> tuple[str, str]:
    """('status', '') for `status`; ('start', 'Q3 review') for anything that is not a subcommand.

    A title may start with a subcommand's word ("Status check", "Reopen the agency question"): only the
    bare word, or `export` with one word (its format), is taken as the subcommand.
    """
    words = text.strip().split(maxsplit=1)
    if not words or words[0].lower() not in SUBCOMMANDS:
        return "start", text.strip()
    sub, rest = words[0].lower(), words[1].strip() if len(words) > 1 else ""
    if not rest or (sub == "export" and len(rest.split()) == 1):
        return sub, rest
    return "start", text.strip()
