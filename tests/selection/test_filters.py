"""Reading and writing the shared filters in the URL."""

from __future__ import annotations

import datetime as dt

from kpi.figures.queries import KPIFilter
from kpi.selection.filters import FilterChoices, Selection, default_selection, parse_choice, parse_url, to_url

MONTHS = tuple(dt.date(2022 + (3 + i) // 12, (3 + i) % 12 + 1, 1) for i in range(48))  # Apr 2022 .. Mar 2026
CHOICES = FilterChoices(
    months=MONTHS,
    collaboratives=("CMAST", "MHLDC"),
    trusts=("REM", "RBS", "RW4", "RX7"),
    trusts_by_collaborative={"CMAST": ("REM", "RBS"), "MHLDC": ("RBS", "RW4")},
    professions=("OT", "PHYSIO"),
    trust_names={"REM": "Liverpool University Hospitals", "RBS": "Alder Hey", "RW4": "Mersey Care"},
    profession_names={"OT": "Occupational therapists", "PHYSIO": "Physiotherapists"},
)


def test_default_is_the_last_three_years_to_the_latest_month():
    selection = default_selection(CHOICES)
    assert (selection.period_from, selection.period_to) == (dt.date(2023, 4, 1), dt.date(2026, 3, 1))
    assert parse_url({}, CHOICES) == (selection, [])
    assert to_url(selection, CHOICES) == {}


def test_a_link_round_trips():
    params = {
        "from": ["2024-01"],
        "to": ["2025-06"],
        "collab": ["MHLDC"],
        "trust": ["RW4"],
        "profession": ["OT"],
    }
    selection, warnings = parse_url(params, CHOICES)
    assert warnings == []
    assert selection == Selection(dt.date(2024, 1, 1), dt.date(2025, 6, 1), "MHLDC", ("RW4",), ("OT",))
    assert to_url(selection, CHOICES) == params


def test_codes_are_matched_without_regard_to_case_and_professions_by_name():
    selection, warnings = parse_url(
        {"trust": ["rem", "REM"], "collab": ["cmast"], "profession": ["physiotherapists"]}, CHOICES
    )
    assert warnings == []
    assert (selection.trusts, selection.collaborative, selection.professions) == (
        ("REM",),
        "CMAST",
        ("PHYSIO",),
    )


def test_unusable_values_fall_back_with_a_warning_each():
    selection, warnings = parse_url(
        {
            "from": ["2024-13"],
            "to": ["2030-01"],
            "collab": ["NOPE"],
            "trust": ["XYZ", "RBS"],
            "profession": ["Chefs"],
        },
        CHOICES,
    )
    assert selection.period_from == dt.date(2023, 4, 1)  # default start
    assert selection.period_to == dt.date(2026, 3, 1)  # nearest month with data
    assert selection.collaborative is None and selection.trusts == ("RBS",) and selection.professions == ()
    assert len(warnings) == 5
    assert "'2024-13' is not a month like 2025-03" in warnings[0]
    assert "no data for Jan 2030" in warnings[1]
    assert "'NOPE'" in warnings[2]
    assert "'XYZ' is not a Cheshire and Merseyside trust" in warnings[3]
    assert "'Chefs'" in warnings[4]


def test_a_trust_outside_the_chosen_collaborative_is_dropped_with_a_warning():
    selection, warnings = parse_url({"collab": ["CMAST"], "trust": ["RW4"]}, CHOICES)
    assert selection.trusts == ()
    assert warnings == ["Mersey Care (RW4) is not a member of CMAST; ignored."]


def test_start_after_end_is_swapped():
    selection, warnings = parse_url({"from": ["2025-06"], "to": ["2024-01"]}, CHOICES)
    assert (selection.period_from, selection.period_to) == (dt.date(2024, 1, 1), dt.date(2025, 6, 1))
    assert "swapped" in warnings[0]


def test_empty_lists_in_the_ui_mean_all_in_the_query():
    flt = Selection(dt.date(2024, 1, 1), dt.date(2024, 6, 1)).to_kpi_filter()
    assert flt == KPIFilter(period_from=dt.date(2024, 1, 1), period_to=dt.date(2024, 6, 1))
    flt = Selection(None, None, "CMAST", ("REM",), ("OT",)).to_kpi_filter()
    assert (flt.collaboratives, flt.trusts, flt.professions) == (("CMAST",), ("REM",), ("OT",))


def test_page_choice_from_the_url():
    assert parse_choice({"workstream": ["plan"]}, "workstream", ["LEAD", "PLAN"], label="workstream") == (
        "PLAN",
        None,
    )
    value, warning = parse_choice(
        {"workstream": ["NOPE"]}, "workstream", ["LEAD", "PLAN"], label="workstream"
    )
    assert value is None and "'NOPE'" in warning
    assert parse_choice({}, "workstream", ["LEAD"], label="workstream") == (None, None)


# A link can carry anything: each payload below must reach the page as words, never as markup.
PAYLOADS = [
    "**Your session has expired.** [Sign in again](https://evil.example/login)",
    "![x](http://127.0.0.1:9/p.png)",
    "<img src=x onerror=alert(1)><a href='https://evil.example'>hi</a>",
    "see www.evil.example or mail a@evil.example :red[alarm] :material/lock: $x$",
]


def unescaped_markup(markdown: str) -> list[str]:
    """Markdown syntax left live in `markdown`: what remains after every backslash escape is removed."""
    import re

    bare = re.sub(r"\\.", "", markdown)
    return [
        token for token in ("[", "](", "![", "<", "://", "www.", "@", ":red", ":material") if token in bare
    ]


def test_every_url_value_quoted_in_a_warning_is_escaped():
    for payload in PAYLOADS:
        params = {name: [payload] for name in ("from", "to", "collab", "trust", "profession")}
        _, warnings = parse_url(params, CHOICES)
        assert len(warnings) == 5
        for name in ("workstream", "view", "scope", "spc_scope", "section", "as"):
            _, warning = parse_choice({name: [payload]}, name, ["LEAD", "PLAN"], label=name)
            warnings.append(warning)
        for warning in warnings:
            assert not unescaped_markup(warning), warning


def test_a_long_url_value_is_quoted_shortened():
    _, warning = parse_choice({"view": ["x" * 5000]}, "view", ["trend"], label="view")
    assert "x" * 59 + "…" in warning and len(warning) < 200


def test_provisional_months_are_left_out_unless_the_link_says_include():
    assert parse_url({}, CHOICES)[0].include_provisional is False
    selection, warnings = parse_url({"provisional": ["include"]}, CHOICES)
    assert (selection.include_provisional, warnings) == (True, [])
    assert to_url(selection, CHOICES) == {"provisional": ["include"]}
    assert parse_url({"provisional": [" Include "]}, CHOICES)[0].include_provisional is True
    assert to_url(default_selection(CHOICES), CHOICES) == {}


def test_a_wrong_provisional_value_warns_and_leaves_them_out():
    selection, warnings = parse_url({"provisional": ["yes"]}, CHOICES)
    assert selection.include_provisional is False
    assert warnings == [
        "The link's provisional 'yes' is not 'include'; provisional months are left out of headline figures."
    ]
