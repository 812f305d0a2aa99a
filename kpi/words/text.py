"""Text from outside the code shown safely, with one helper for each way it can do harm:

- `escape_markdown`: reference data, URL values, file names, sheet names, cells and user names shown
  through Streamlit's Markdown stay words (a link, an image or HTML in them is not rendered).
- `redact_secrets` / `redact_url`: a database password never reaches a page, a CLI line or a log line,
  whatever shape the URL (or libpq keyword string) is in, well-formed or not.
- `printable`: terminal control sequences in a cell never reach the CLI's output.
- `stored_text`: what a person typed or imported is stored without control characters, once, when it
  is written, so every page, CSV, PDF and PowerPoint that shows it later gets clean text.
- `xml_safe`: every XML writer (the PowerPoint deck, SVG images) is fed through it, so text stored before
  `stored_text` existed, or from anywhere else, cannot stop a file from being written.
"""

from __future__ import annotations

import re
import string
from urllib.parse import quote, unquote

# Every ASCII punctuation character may be backslash-escaped in CommonMark; escaping (almost) all is
# simpler and safer than choosing the ones that matter in each position (links, images, HTML, autolinks,
# emphasis, Streamlit's :material/...: and :color[...] directives, LaTeX).
# The exceptions are '.' and '-', which are syntax only in a list marker ("1.", "-") at the start, so
# file names, dates and codes stay readable in the Markdown source too.
_MARKDOWN_PUNCTUATION = re.compile(f"([{re.escape(string.punctuation.replace('.', '').replace('-', ''))}])")
# GFM turns a bare URL, "www." name or e-mail address into a link after the Markdown is parsed, when
# backslash escapes are already gone; an invisible word joiner after "http:", "www" and "@" stops it.
WORD_JOINER = "\u2060"
_AUTOLINK = re.compile(r"(?i)\b(?:https?|ftp|mailto|xmpp):|\bwww(?=\.)|@")
_MARKDOWN_IN_CONTEXT = re.compile(r"^\d{1,9}\.(?=\s|$)|^-")

# C0 controls except tab and newline, DEL, C1 controls, and the ANSI/VT escape sequences built from them
# (CSI, OSC, DCS..., two-character ESC sequences), plus the Unicode bidi and zero-width format characters
# that can make printed text read differently from what it is.
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"  # CSI: ESC [ parameters intermediates final
    r"|\x1b[\]PX^_][^\x07\x1b\x9c\n]*(?:\x07|\x1b\\|\x9c)?"  # OSC, DCS, SOS, PM, APC ... to BEL or ST
    r"|\x1b[ -/]*[0-~]?"  # any other ESC sequence (ESC c, ESC ( B, ...) or a lone ESC
)
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
# What XML 1.0 forbids anywhere in a document (lxml refuses to write it, a parser refuses to read it): C0
# controls but tab, line feed and carriage return; lone surrogates; U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

REDACTED = "***"
# Query or keyword parameters whose value is a secret: ?password=..., libpq `password=...`, and kin.
_SECRET_PARAMETER = re.compile(
    r"""(?ix)
    (?P<key>\b[\w.-]*(?:password|passwd|pwd|passphrase|secret|token|api[_-]?key|credentials?)[\w.-]*)
    (?P<eq>\s*=\s*)
    (?P<value>'(?:[^'\\]|\\.)*'?|"(?:[^"\\]|\\.)*"?|(?:[^\s&;,:]|:(?!\s|$))*)
    """
)
# A URL-like word: a scheme, then ':' and/or slashes (a missing colon, 'postgresql//', is still a URL),
# then everything up to the next white space. Its user information is everything before the LAST '@',
# since a password may itself hold '@', ':' or '/'.
_WHOLE_URL = re.compile(r"(?P<scheme>[A-Za-z][\w+.-]*)(?P<sep>:/{0,3}|/{2,3})(?P<rest>.*@.*)", re.DOTALL)
_URL_WORD = re.compile(
    r"(?P<scheme>\b[A-Za-z][\w+.-]*)(?P<sep>:/{0,3}|/{2,3})(?P<rest>[^\s'\"<>]*@[^\s'\"<>]*)"
)


def clean_code(text: object) -> str:
    """A code as typed or read from a file (trust ODS, collaborative, profession, KPI, scope): spaces
    round it dropped, upper case; '' for None. The one cleaner of codes."""
    return "" if text is None else str(text).strip().upper()


def escape_markdown(text: object) -> str:
    """`text` as literal Markdown: every punctuation mark that can be syntax escaped, control characters
    dropped and line breaks kept as spaces. It renders as exactly the words it is."""
    flat = _AUTOLINK.sub(lambda m: f"{m.group()}{WORD_JOINER}", " ".join(printable(str(text)).split()))
    escaped = _MARKDOWN_PUNCTUATION.sub(r"\\\1", flat)
    return _MARKDOWN_IN_CONTEXT.sub(lambda m: f"{m.group()[:-1]}\\{m.group()[-1]}", escaped)


def printable(text: object) -> str:
    """`text` without terminal escape sequences or control characters (tab and newline are kept), so a
    value from a file cannot clear the screen, recolour or hide what the CLI prints."""
    return _CONTROL.sub("", _ESCAPE_SEQUENCE.sub("", str(text)))


def stored_text(text: object) -> str:
    """Text a person typed or imported, as it is stored: line breaks as "\\n" (Windows' and old Macs'
    "\\r\\n" and "\\r" too), tabs kept, and every other control character, terminal escape sequence,
    bidi or zero-width format character, lone surrogate and non-character removed. Called once, where
    the text is written (`kpi.notes.common.clean_text`, milestone notes, an import's file name)."""
    lines = str(text).replace("\r\n", "\n").replace("\r", "\n")
    return _NOT_XML.sub("", printable(lines))


def xml_safe(text: object) -> str:
    """`text` with only the characters XML 1.0 allows, for every XML writer (python-pptx, SVG): a
    control character in a text box, a table cell or alt text would otherwise stop the whole file."""
    return _NOT_XML.sub("", str(text))


def _redact_userinfo(match: re.Match[str]) -> str:
    rest = match.group("rest")
    userinfo, _, host = rest.rpartition("@")
    user, colon, _password = userinfo.partition(":")
    if not colon and (match.group("sep") == ":" or not re.fullmatch(r"[\w.%+-]*", user)):
        # 'user:password@host' (no scheme: the "scheme" is the user) or an unusual shape: hide it all
        user = REDACTED
    return f"{match.group('scheme')}{match.group('sep')}{user}{':' + REDACTED if colon else ''}@{host}"


def redact_secrets(text: object, *secrets: str | None) -> str:
    """`text` with every password taken out: the password part of anything URL-shaped (well-formed or
    not: a missing colon, spaces, a bad port, '@' or ':' inside the password, URL-encoding), `password=`
    style query and keyword parameters, and each of `secrets` (as given, URL-decoded and URL-encoded)
    wherever else it appears."""
    result = str(text)
    for secret in secrets:
        if secret and len(secret) >= 2:
            for form in {secret, unquote(secret), quote(secret, safe=""), quote(unquote(secret), safe="")}:
                result = result.replace(form, REDACTED)
    result = _URL_WORD.sub(_redact_userinfo, result)
    return _SECRET_PARAMETER.sub(lambda m: f"{m.group('key')}{m.group('eq')}{REDACTED}", result)


def url_password(url: object) -> str | None:
    """The password in a database URL or libpq keyword string, however malformed, for `redact_secrets`
    to remove wherever else it turns up (None when there is none)."""
    text = str(url).strip()
    keyword = _SECRET_PARAMETER.search(text)
    match = _WHOLE_URL.match(text)
    if match:
        userinfo = match.group("rest").rpartition("@")[0]
        if match.group("sep") == ":" and ":" not in userinfo:
            return userinfo  # 'user:password@host': what looked like the scheme is the user name
        if ":" in userinfo:
            return userinfo.partition(":")[2]
    if keyword:
        return keyword.group("value").strip("'\"")
    return None


def redact_url(url: object) -> str:
    """A database URL (or libpq keyword string) safe to show: surrounding space removed, the password
    and any secret parameter replaced by ***."""
    text = str(url).strip()
    return redact_secrets(text, url_password(text))
