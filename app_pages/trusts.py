"""Trusts, the lead's view: chosen trusts against their collaborative and the system, by profession,
and a ranking of trusts for one KPI and month."""

import dataclasses

import pandas as pd
import streamlit as st

from kpi import charts, ui
from kpi.exports import tables as export
from kpi.figures import provisional, queries, scopes
from kpi.reading import chart_text, scorecard
from kpi.ui import drill
from kpi.words.formats import format_value, month_key, month_label
from kpi.words.months import month_of_key

db = ui.db()
sel = ui.selection()
kpis = ui.kpis(db)
names = ui.scope_names(db)
stream_names = ui.workstream_names(db)
trust_collabs = ui.trust_collaboratives(db)
profession_names = ui.profession_names(db)
flt = sel.to_kpi_filter()

st.title("Trusts", anchor=False)
st.caption(
    "Choose trusts in the sidebar to see each KPI for them against their collaborative and the system, "
    "their figures by profession, and where each trust ranks."
)

ui.shown_line(sel)
# Always a container here, empty once a trust is chosen: the page's elements keep their places, so picking
# a trust updates the charts where they are instead of drawing each again in the place of the one before.
notice = st.container()
if not sel.trusts:
    notice.info(
        "No trust chosen: pick one or more under **Trusts** in the sidebar. Until then the charts show the "
        "collaboratives and the system, and the profession breakdown covers all member trusts.",
        icon=":material/arrow_back:",
    )

SECTIONS = {
    "kpis": "KPIs against collaborative and system",
    "professions": "By profession",
    "ranking": "Ranking of trusts",
}
section = ui.page_choice(
    "Section",
    list(SECTIONS),
    key="trust_section",
    url_name="section",
    format_func=SECTIONS.__getitem__,
    widget="segmented",
)

if section == "kpis":
    code = ui.workstream_filter("trust_ws")
    st.subheader(stream_names[code], anchor=False)
    stream_flt = flt.but(workstreams=(code,))
    their_collabs = scopes.comparison_collaboratives(
        sel.trusts, trust_collabs, sel.collaborative, ui.collaborative_codes(db)
    )
    frames = [ui.series(db, stream_flt, "system")]
    frames.append(ui.series(db, stream_flt.but(collaboratives=tuple(their_collabs)), "collaborative"))
    if sel.trusts:
        frames.append(ui.series(db, stream_flt, "trust"))
    data = pd.concat(frames, ignore_index=True)
    order = [*sel.trusts, *their_collabs, queries.SYSTEM_CODE]
    view, spc_scope = ui.chart_controls("trust", order, names)
    stream_kpis = [k for k in kpis.values() if k.workstream_code == code]
    for kpi in drill.only_kpi(stream_kpis, "trust_drilled", stream_names[code]):
        with st.container(border=True, key=f"trust_card_{kpi.code}"):
            ui.kpi_intro(kpi)
            rows = data[data["kpi_code"] == kpi.code]
            ui.kpi_panel(
                kpi,
                rows,
                view=view,
                sel=sel,
                names=names,
                scope_order=order,
                spc_scope=spc_scope,
                key=f"trust_{kpi.code}",
            )

if section == "professions":
    profession_kpis = [k for k in kpis.values() if k.by_profession]
    kpi_code = ui.page_choice(
        "KPI",
        [k.code for k in profession_kpis],
        key="trust_prof_kpi",
        url_name="prof_kpi",
        default="VACANCY_RATE",
        format_func=lambda c: kpis[c].name,
    )
    view = ui.page_choice(
        "Show as",
        ["bars", "heatmap"],
        key="trust_prof_view",
        url_name="prof_view",
        format_func=lambda v: {"bars": "Bars (latest month)", "heatmap": "Heatmap (every month)"}[v],
        widget="segmented",
    )
    kpi = kpis[kpi_code]
    breakdown = ui.profession_breakdown(db, flt.but(kpis=(kpi_code,)))
    scope = (
        ", ".join(names.get(t, t) for t in sel.trusts)
        if sel.trusts
        else (sel.collaborative or scopes.SYSTEM_LABEL)
    )
    if breakdown.empty:
        ui.explain_empty(f"No {kpi.name_in_sentence} data by profession for {scope} in this period.")
    else:
        last = breakdown["period"].max()
        shown = breakdown[breakdown["period"] == last] if view == "bars" else breakdown
        words = ui.filter_words(sel)
        title = words.titled(
            f"{kpi.title_with_unit} by profession, {month_label(last)}: {scope}"
            if view == "bars"
            else f"{kpi.title_with_unit} by profession and month: {scope}"
        )
        # The target in force for the scope the breakdown covers (each chosen trust's reading, or the
        # collaborative's or the system's); none drawn when the chosen trusts' targets differ.
        scope_codes = sel.trusts or (sel.collaborative or queries.SYSTEM_CODE,)
        in_force = {
            ui.readings(db, flt, c, sel.include_provisional)[kpi_code].target.value for c in scope_codes
        }
        target = in_force.pop() if len(in_force) == 1 else None
        if len(in_force) > 0:
            st.caption("The trusts chosen have different targets in force, so none is drawn.")
        figure = (
            charts.profession_bars(shown, kpi, profession_names, title=title, target=target)
            if view == "bars"
            else charts.profession_heatmap(shown, kpi, profession_names, title=title)
        )
        synthetic = bool(shown["synthetic"].any())
        what = "by-profession" if view == "bars" else "by-profession-and-month"
        sentence = (
            chart_text.profession_sentence(shown, kpi, profession_names, scope, target)
            if view == "bars"
            else chart_text.heatmap_sentence(shown, kpi, profession_names, scope, target)
        )
        chart_words = chart_text.ChartWords(
            heading=title,
            sentences=(sentence,),
            table=chart_text.profession_table(shown, kpi, profession_names),
            kind="Bar chart" if view == "bars" else "Heatmap",
        )
        ui.show_chart(
            figure,
            export.profession_table(shown, kpi, profession_names, scope),
            words=chart_words,
            # On a phone the heatmap's cells would be a few pixels wide: a line per profession instead.
            on_a_phone=(lambda: ui.named_lines(chart_text.heatmap_lines(shown, kpi, profession_names)))
            if view == "heatmap"
            else None,
            stem=charts.file_stem(
                kpi_code,
                what,
                "system" if not (sel.trusts or sel.collaborative) else None,
                *words.stem_parts(),
            ),
            synthetic=synthetic,
            key=f"prof_{view}",
            title=title,
            caption=ui.image_caption(title, scope, sel=sel, source=kpi.source, synthetic=synthetic),
            provenance=ui.provenance(sel, scope=scope, source=kpi.source, synthetic=synthetic),
        )

if section == "ranking":
    kpi_code = ui.page_choice(
        "KPI to rank by",
        list(kpis),
        key="rank_kpi",
        url_name="rank_kpi",
        default="VACANCY_RATE",
        format_func=lambda c: kpis[c].name,
    )
    kpi = kpis[kpi_code]
    first, last = sel.period_from, sel.period_to
    months = [month_key(m) for m in ui.filter_choices(db).months if (first or m) <= m <= (last or m)]
    month = ui.page_choice(
        "Month",
        months[::-1],
        key="rank_month",
        url_name="rank_month",
        format_func=month_label,
    )
    if kpi.grain == "system":
        ui.explain_empty(f"{kpi.name} is recorded for the system as a whole, not by trust.")
    elif month is None:
        ui.explain_empty("No months in the chosen period.")
    else:
        day = month_of_key(month)
        month_flt = flt.but(
            kpis=(kpi_code,), period_from=day, period_to=day, trusts=None, default_period=False
        )
        trust_rows = ui.series(db, month_flt, "trust")
        system_rows = ui.series(db, month_flt, "system")
        system_value = float(system_rows["value"].iloc[0]) if not system_rows.empty else None
        system_note = provisional.line(system_rows[provisional.flags(system_rows)], included=True)
        ranking = scorecard.rank_trusts(trust_rows, system_value, kpi, names, trust_collabs)
        if ranking.empty:
            ui.explain_empty(f"No trust has {kpi.name_in_sentence} data for {month_label(day)}.")
        else:
            better = {"up": "highest first", "down": "lowest first", "neither": "largest first"}
            # The ranking covers every trust (the chosen ones are marked) in the collaborative chosen,
            # for the professions chosen, in one month.
            ranked = dataclasses.replace(sel, trusts=(), period_from=day, period_to=day)
            words = ui.filter_words(ranked)
            within = f" in {sel.collaborative}" if sel.collaborative else ""
            st.caption(
                f"{words.titled(kpi.name)}, {month_label(day)}: {len(ranking)} trusts{within}, best first "
                f"({better[kpi.improvement]}). System: {format_value(system_value, kpi.unit, kpi.decimals)}"
                + (f" ({system_note})." if system_note else ".")
            )
            highlight = set(sel.trusts)
            st.dataframe(
                ranking.drop(columns=["value"]).assign(
                    trust=[
                        f"{t} ◀ chosen" if c in highlight else t
                        for t, c in zip(ranking["trust"], ranking["ods_code"], strict=True)
                    ]
                ),
                hide_index=True,
                column_config={
                    "rank": st.column_config.NumberColumn("Rank", format="%d"),
                    "trust": st.column_config.TextColumn("Trust", width="medium"),
                    "ods_code": st.column_config.TextColumn("ODS code"),
                    "collaboratives": st.column_config.TextColumn("Collaboratives"),
                    "shown": st.column_config.TextColumn(kpi.name),
                    "numerator": st.column_config.NumberColumn("Numerator", format="%.1f"),
                    "denominator": st.column_config.NumberColumn("Denominator", format="%.1f"),
                    "against_system": st.column_config.TextColumn("Against the system", width="medium"),
                },
                alt=f"Trusts ranked by {kpi.name}, {month_label(day)}",
                key="ranking_table",
                height=ui.table_height(len(ranking)),
            )
            synthetic = bool(trust_rows["synthetic"].any())
            ui.csv_download(
                "Download ranking (CSV)",
                export.ranking_table(ranking, kpi, system_value, month),
                f"{charts.file_stem(kpi_code, 'ranking', *words.stem_parts())}.csv",
                title=words.titled(f"Trusts ranked by {kpi.name}, {month_label(day)}"),
                provenance=ui.provenance(
                    ranked, scope="Trusts" + within, source=kpi.source, synthetic=synthetic
                ),
            )
