"""People in the text flows writes: a neutral reference to a person, which each transport renders.

Flows knows people by the id their transport gave them (a Slack user id such as U0ALICE, or a name typed in
the terminal) and never shows such an id itself: `person(id)` marks it, and the transport turns each mark into
what its readers know the person by (Slack: a mention, which Slack shows as the name; a file or the terminal:
the display name) with `render_people`. The mark is made of a control character that typed text never keeps
(`flows.prompts.clean_text` drops it), so what someone types cannot pose as a person.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

MARK = "\x1e"  # ASCII record separator, around the person's id


def person(who: str) -> str:
    """A reference to the person `who` (an id) in text a transport will render."""
    return f"{MARK}{who.replace(MARK, '')}{MARK}"


def people(whos: Iterable[str], none: str = "no one") -> str:
    """'A', 'A and B', 'A, B and C' as references; `none` when there is no one."""
    refs = [person(w) for w in whos]
    if not refs:
        return none
    return refs[0] if len(refs) == 1 else ", ".join(refs[:-1]) + " and " + refs[-1]


def people_in(text: str) -> list[str]:
    """The ids `text` refers to, each once, in order."""
    return list(dict.fromkeys(text.split(MARK)[1::2])) if MARK in text else []


def _same(text: str) -> str:
    return text


def render_people(text: str, name: Callable[[str], str], esc: Callable[[str], str] = _same) -> str:
    """`text` with each reference replaced by `name(id)` and the rest passed through `esc` (a transport's
    escaping; `name` escapes what it returns itself). An unpaired mark is dropped."""
    if MARK not in text:
        return esc(text)
    parts = text.split(MARK)
    if len(parts) % 2 == 0:  # an odd number of marks: the last one pairs with nothing
        parts[-2:] = [parts[-2] + parts[-1]]
    return "".join(name(part) if i % 2 else esc(part) for i, part in enumerate(parts))


def plain(text: str) -> str:
    """`text` with each person shown by their id as it is: where ids are names already (the terminal)."""
    return render_people(text, _same)
