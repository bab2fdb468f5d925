"""Text for Slack: file names made from what people typed (report files, metric charts), and messages from flows."""

from bot.slack.text import slack_text, slug, typed_text
from flows.people import person


def test_a_slug_keeps_letters_and_digits_and_dashes_the_rest() -> None:
    assert slug("Q3 Review: Blog & SEO!", 40, "review") == "q3-review--blog---seo"
    assert slug("Ünïcode Tëam", 40, "review") == "ünïcode-tëam"


def test_a_slug_is_cut_to_its_limit_and_falls_back_when_nothing_is_left() -> None:
    assert slug("a" * 100, 40, "review") == "a" * 40
    assert slug("  ***  ", 40, "review") == "review"
    assert slug("", 60, "metric") == "metric"


def test_a_message_from_flows_mentions_people_and_escapes_the_rest() -> None:
    text = f"Thanks {person('U0ALICE')}, “<!channel> & co” is noted; {person('someone else')} too."
    assert slack_text(text) == ("Thanks <@U0ALICE>, “&lt;!channel&gt; &amp; co” is noted; someone else too.")
    assert slack_text(person("<!here>")) == "&lt;!here&gt;"  # only a user id becomes a mention


def test_a_typed_reply_is_read_as_its_author_typed_it() -> None:
    # What Slack sends for "R&D <b>", a mention, a link, a channel and @here typed in a message.
    assert typed_text("R&amp;D &lt;b&gt;") == "R&D <b>"
    assert typed_text("raters <@U0ANA> <@U0BEN|ben>") == "raters U0ANA U0BEN"
    assert typed_text("see <https://x.example|the site> in <#C0GEN|general>") == "see the site in #general"
    assert typed_text("<!here> and <!subteam^S0MKT|@marketing>") == "@here and @marketing"
    assert typed_text("&amp;lt;") == "&lt;"  # decoded once: what was typed, not what it might mean
