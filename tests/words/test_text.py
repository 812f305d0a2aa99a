"""User-supplied text stays text when shown through Markdown; secrets never reach a page, a CLI line or
a log line; terminal escape codes never reach the CLI's output."""

from __future__ import annotations

import pytest

from kpi.words.text import escape_markdown, printable, redact_secrets, redact_url, url_password


def test_links_images_and_html_are_escaped():
    assert (
        escape_markdown("[Sign in](https://evil.example)")
        == "\\[Sign in\\]\\(https\\:\u2060\\/\\/evil.example\\)"
    )
    assert escape_markdown("![x](http://h/p.png)").startswith(r"\!\[x\]")
    assert escape_markdown("<b>bold</b>") == r"\<b\>bold\<\/b\>"
    assert escape_markdown("**Your session has expired.**") == r"\*\*Your session has expired.\*\*"


def test_autolinks_directives_and_list_markers_are_escaped():
    # GFM links bare URLs after the escapes are resolved: an invisible word joiner breaks them up.
    assert escape_markdown("see www.evil.example") == "see www\u2060.evil.example"
    assert escape_markdown("mail a@evil.example") == "mail a\\@\u2060evil.example"
    assert escape_markdown("HTTPS://evil.example") == "HTTPS\\:\u2060\\/\\/evil.example"
    assert escape_markdown(":red[alarm] :material/lock:") == r"\:red\[alarm\] \:material\/lock\:"
    assert escape_markdown("1. first") == r"1\. first"
    assert escape_markdown("$x^2$ `code` ~~gone~~") == r"\$x\^2\$ \`code\` \~\~gone\~\~"


def test_plain_words_pass_unchanged_and_line_breaks_become_spaces():
    assert escape_markdown("Vacant AHP FTE") == "Vacant AHP FTE"
    assert escape_markdown("september.csv") == "september.csv"
    assert escape_markdown("two\nlines") == "two lines"
    assert escape_markdown(7.5) == "7.5"
    assert escape_markdown("a\x1b[31mred\x07") == "ared"


def test_printable_strips_terminal_escape_sequences_and_control_characters():
    assert printable("\x1b[2J\x1b[31mred\x1b[0m") == "red"
    assert printable("\x1b]0;new title\x07ok") == "ok"  # OSC (window title)
    assert printable("\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\") == "link"  # OSC 8 hyperlink
    assert printable("a\x00b\x08c\x7fd\x9b2Je\u202ef") == "abcd2Jef"  # NUL, BS, DEL, C1 CSI, bidi override
    assert printable("keeps\ttabs\nand lines") == "keeps\ttabs\nand lines"
    assert printable("\x1bcreset\x1b(Bcharset") == "resetcharset"


SECRET = "Secret"
# Every shape of database URL seen in the field, well-formed or not, each holding the password.
URLS = [
    "postgresql+psycopg//kpi:Secret@host/ahp",  # missing colon after the scheme
    " postgresql+psycopg//kpi:Secret@host/ahp",  # ... and a leading space
    " postgresql+psycopg://kpi:Secret@host/ahp  ",  # leading and trailing spaces
    "postgresql+psycopg://kpi:Secret@host:abc/ahp",  # non-numeric port
    "postgresql+psycopg://kpi:p@ss:Secret@127.0.0.1:9/ahp",  # '@' and ':' inside the password
    "postgresql+psycopg://kpi:Sec%40ret%3ASecret@host/ahp",  # URL-encoded password
    "postgresql+psycopg://kpi@host/ahp?password=Secret&sslmode=require",  # password as a query parameter
    "postgresql+psycopg://kpi@host/ahp?sslmode=require&sslpassword=Secret",
    "host=db.example port=5432 password=Secret dbname=ahp",  # libpq keyword string
    "host=db.example password = 'Sec ret Secret' dbname=ahp",  # quoted, with spaces
    "postgresql:kpi:Secret@host/ahp",  # one slash-less colon
    "postgresql:/kpi:Secret@host/ahp",
    "postgresql:///kpi:Secret@host/ahp",
    "kpi:Secret@host/ahp",  # no scheme at all
    "postgresql://kpi:Sec ret Secret@host/ahp",  # a space inside the password
    "postgresql://kpi:Se/cret?Secret@host/ahp?application_name=a@b",  # '/', '?' and a later '@'
]


@pytest.mark.parametrize("url", URLS)
def test_redact_url_removes_the_password_from_every_shape(url):
    shown = redact_url(url)
    assert SECRET not in shown and "Sec%40ret" not in shown and "Sec ret" not in shown, shown
    assert "***" in shown
    assert not shown.startswith(" ") and not shown.endswith(" ")


@pytest.mark.parametrize("url", URLS)
def test_redact_secrets_removes_it_from_any_message_quoting_the_url(url):
    message = f"Cannot connect to {url.strip()!r}: password authentication failed (near {url.strip()})"
    assert SECRET not in redact_secrets(message, url_password(url))


def test_known_secrets_are_removed_in_every_encoding():
    text = "failed near 'p@ss:w' and p%40ss%3Aw"
    assert redact_secrets(text, "p%40ss%3Aw") == "failed near '***' and ***"


def test_urls_without_a_password_keep_their_useful_parts():
    assert redact_url("postgresql+psycopg://nobody@127.0.0.1:9/nowhere") == (
        "postgresql+psycopg://nobody@127.0.0.1:9/nowhere"
    )
    assert redact_url("sqlite:///data/ahp_workforce.db") == "sqlite:///data/ahp_workforce.db"
    assert redact_url("postgresql://kpi:Secret@db:5432/ahp") == "postgresql://kpi:***@db:5432/ahp"
    assert url_password("postgresql://kpi@db/ahp") is None
    assert redact_secrets("x password=a:b y: done") == "x password=*** y: done"
