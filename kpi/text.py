"""Text from outside the code (reference data, URL values, file names, cells) shown as text: one
helper makes it inert in Streamlit's Markdown, so a link, an image or HTML in it stays words."""

from __future__ import annotations

import re

# Every ASCII punctuation character may be backslash-escaped in CommonMark; escaping all of them is
# simpler and safer than choosing the ones that matter in each position.
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&\"'=^])")


def escape_markdown(text: object) -> str:
    """`text` as literal Markdown: every punctuation mark escaped, line breaks kept as spaces."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", " ".join(str(text).split()))
