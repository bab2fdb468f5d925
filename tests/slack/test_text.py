"""Text for Slack: file names made from what people typed (report files, metric charts), and messages from flows."""

from bot.slack.text import slack_text, slug
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
