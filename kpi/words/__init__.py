"""Words and numbers for people, the bottom layer: one month parser (`months.parse_month`), one
locale-free month and date formatter and the value and change formats (`formats`), and text cleaning and
escaping, one escape per output kind (`text`: Markdown, XML, secrets in URLs); DataFrame rows typed as the
str-keyed dicts they are (`frames`).

Imports nothing from kpi. The sentence builders are not here: each lives with what it describes
(kpi.reading.chart_text, kpi.spc.words, kpi.plan.words), because a sentence needs its subject's types and
putting them here would make the bottom layer import the top.
"""
