"""`prepare_file`: read any file, recognise its source from its headers (`kpi.ingest.sources`) and prepare
it as that source: the template by the template's checks, a published layout through its definition.
The preview's first notice says which source (and layout) the file was taken as."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine

from kpi.ingest.adapters.mapped import prepare_mapped
from kpi.ingest.constants import MAX_BYTES, Progress, no_progress
from kpi.ingest.preview import ImportPreview, file_sha256, prepare_table, refused_preview
from kpi.ingest.problems import Notice, Problem
from kpi.ingest.reading import read_table
from kpi.ingest.sources import SOURCES_DIR, DefinitionError, load_definitions, recognise

UNRECOGNISED_FIX = (
    "Upload the file as it was published, or, for a new layout, copy a definition in data/sources/ and "
    "change its headers (see data/sources/README.md)."
)


def prepare_file(
    engine: Engine,
    file_name: str,
    data: bytes,
    *,
    channel: str = "upload",
    sources: Path = SOURCES_DIR,
    max_bytes: int = MAX_BYTES,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> ImportPreview:
    """Read, recognise, validate and plan a file. Writes nothing. `channel` ("upload" or "cli") is the
    batch's source for a template file; a published layout's batch carries its definition's id."""
    report = progress or no_progress
    report(0.0, "Reading the file")
    sha = file_sha256(data)
    read = read_table(file_name, data, max_bytes=max_bytes)
    if read.table is None:
        return refused_preview(file_name, sha, channel, read.file_type, 0, read.log, read.notices)
    rows = len(read.table)
    try:
        definitions = load_definitions(sources)
    except DefinitionError as exc:
        problem = Problem(None, None, f"A source definition is not valid, so nothing was imported: {exc}",
                          "Correct or remove that file in data/sources/.")  # fmt: skip
        return refused_preview(file_name, sha, channel, read.file_type, rows, [problem], read.notices)
    recognition = recognise([c for c in read.table.columns if c != "row_no"], definitions)
    if recognition.source is None:
        problem = Problem(None, None, recognition.message, UNRECOGNISED_FIX)
        return refused_preview(file_name, sha, channel, read.file_type, rows, [problem], read.notices)
    if recognition.source.kind == "mapped":
        return prepare_mapped(
            engine, recognition.source, read, file_name, sha,
            layout=recognition.layout, today=today, progress=report,
        )  # fmt: skip
    return prepare_table(
        engine, file_name, sha, read.table, source=channel, file_type=read.file_type,
        read_problems=read.log,
        notices=[Notice(None, f"Taken as the {recognition.described}."), *read.notices],
        today=today, progress=report,
    )  # fmt: skip


__all__ = ["prepare_file"]
