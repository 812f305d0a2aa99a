"""User-supplied text stays text when shown through Markdown."""

from __future__ import annotations

from kpi.text import escape_markdown


def test_links_images_and_html_are_escaped():
    assert escape_markdown("[Sign in](https://evil.example)") == r"\[Sign in\]\(https\://evil\.example\)"
    assert escape_markdown("![x](http://h/p.png)").startswith(r"\!\[x\]")
    assert escape_markdown("<b>bold</b>") == r"\<b\>bold\</b\>"
    assert escape_markdown("**Your session has expired.**") == r"\*\*Your session has expired\.\*\*"


def test_plain_words_pass_unchanged_and_line_breaks_become_spaces():
    assert escape_markdown("Vacant AHP FTE") == "Vacant AHP FTE"
    assert escape_markdown("two\nlines") == "two lines"
    assert escape_markdown(7.5) == r"7\.5"
