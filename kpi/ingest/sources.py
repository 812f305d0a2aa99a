"""Source definitions: one TOML file per publication layout in `data/sources/` (see its README.md), read
into `SourceDefinition`s, and `recognise`, which tells from a file's headers which source it is.

Headers match whatever their case, spaces, underscores or hyphens (`header_key`); cell values match
ignoring case, punctuation, `&` written as `and` and a numeric sort prefix such as `013_` (`value_key`).
A definition that is not valid raises `DefinitionError` naming the file: imports stop rather than run on
part of the configuration.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

SOURCES_DIR = Path(__file__).resolve().parents[2] / "data" / "sources"
KINDS = ("mapped", "template")
REQUIRED_ROLES = ("month", "org")  # every mapped source has these
_ID = re.compile(r"[a-z][a-z0-9_]{0,31}")
_PREFIX = re.compile(r"^\s*\d+_")


class DefinitionError(ValueError):
    """A source definition file that cannot be used; the message names the file and what is wrong."""


def header_key(header: str) -> str:
    """A header as it is matched: 'ORG_CODE', 'Org code' and 'org-code' are all 'org code'."""
    return re.sub(r"[\s_\-]+", " ", header.replace("\ufeff", "")).strip().lower()


def value_key(value: str) -> str:
    """A cell value as it is matched: '013_Scientific, therapeutic & technical staff' and 'Scientific
    therapeutic and technical staff' are the same."""
    text = _PREFIX.sub("", str(value)).replace("&", " and ").lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


@dataclass(frozen=True)
class Layout:
    name: str
    has: tuple[str, ...]  # header keys


@dataclass(frozen=True)
class Keep:
    role: str
    values: frozenset[str]  # value keys
    reason: str


@dataclass(frozen=True)
class Figure:
    kpi: str
    value: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    profession: str | None = None
    when: tuple[tuple[str, frozenset[str]], ...] = ()

    @property
    def roles(self) -> tuple[str, ...]:
        """The roles whose numbers this figure reads."""
        return tuple(r for r in (self.value, self.numerator, self.denominator) if r)


@dataclass(frozen=True)
class SourceDefinition:
    id: str
    name: str
    kind: str
    path: Path
    publisher: str = ""
    about: str = ""
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)  # role -> headers, as written
    optional: dict[str, tuple[str, ...]] = field(default_factory=dict)
    layouts: tuple[Layout, ...] = ()
    keep: tuple[Keep, ...] = ()
    figures: tuple[Figure, ...] = ()
    # Figures kept as the publication's, beside the trusts' submissions and never over them
    # (published_figures, for kpi.ingest.reconciliation); `kpi` names the KPI they are checked against.
    published: tuple[Figure, ...] = ()
    professions: dict[str, str] = field(default_factory=dict)  # value key -> profession code

    @property
    def headers_needed(self) -> list[str]:
        """The first header of each required role, as the file should have it."""
        return [aliases[0] for aliases in self.columns.values()]

    def roles_in(self, headers: list[str]) -> dict[str, str]:
        """Each role (required or optional) the file has, and the file's header for it."""
        by_key = {header_key(h): h for h in headers}
        found = {}
        for role, aliases in {**self.optional, **self.columns}.items():
            if match := next((by_key[k] for a in aliases if (k := header_key(a)) in by_key), None):
                found[role] = match
        return found

    def missing(self, headers: list[str]) -> list[str]:
        """The required roles the file lacks, each as its first header."""
        found = self.roles_in(headers)
        return [aliases[0] for role, aliases in self.columns.items() if role not in found]

    def layout_of(self, headers: list[str]) -> str | None:
        keys = {header_key(h) for h in headers}
        return next((layout.name for layout in self.layouts if set(layout.has) <= keys), None)

    @property
    def kpis(self) -> set[str]:
        return {figure.kpi for figure in (*self.figures, *self.published)}


def load_definitions(folder: Path = SOURCES_DIR) -> list[SourceDefinition]:
    """Every definition in `folder`, in file-name order. Raises DefinitionError for the first bad one."""
    definitions = [_definition(path) for path in sorted(folder.glob("*.toml"))]
    seen: dict[str, Path] = {}
    for definition in definitions:
        if definition.id in seen:
            raise DefinitionError(
                f"{definition.path.name} and {seen[definition.id].name} both have id {definition.id!r}; "
                "give each source its own id."
            )
        seen[definition.id] = definition.path
    if not definitions:
        raise DefinitionError(f"No source definitions (*.toml) in {folder}.")
    return definitions


def _definition(path: Path) -> SourceDefinition:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DefinitionError(f"{path.name} is not valid TOML: {exc}.") from None
    try:
        return _parsed(path, raw)
    except (KeyError, TypeError, AttributeError) as exc:
        raise DefinitionError(f"{path.name}: {_what(exc)} (see data/sources/README.md).") from None


def _what(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"{exc.args[0]!r} is missing"
    return f"a value has the wrong shape ({exc})"


def _parsed(path: Path, raw: dict[str, Any]) -> SourceDefinition:
    def fail(message: str) -> DefinitionError:
        return DefinitionError(f"{path.name}: {message} (see data/sources/README.md).")

    source_id, kind = str(raw["id"]), str(raw.get("kind", "mapped"))
    if not _ID.fullmatch(source_id):
        raise fail(f"id {source_id!r} must be lower-case letters, digits and _, up to 32 characters")
    if kind not in KINDS:
        raise fail(f"kind {kind!r} must be one of {', '.join(KINDS)}")
    columns, optional = _roles(raw["columns"]), _roles(raw.get("optional_columns", {}))
    figures = tuple(_figure(f) for f in raw.get("figures", []))
    published = tuple(_figure(f) for f in raw.get("published", []))
    roles = set(columns) | set(optional)
    if kind == "mapped":
        if missing := [r for r in REQUIRED_ROLES if r not in columns]:
            raise fail(f"[columns] needs the role(s) {', '.join(missing)}")
        if not figures and not published:
            raise fail("a mapped source needs at least one [[figures]] or [[published]]")
    for figure in published:
        if not figure.value or not figure.profession:
            raise fail(f"published figure {figure.kpi} needs a value and a profession")
    for figure in (*figures, *published):
        used = [
            *figure.roles,
            *([figure.profession] if figure.profession else []),
            *(r for r, _ in figure.when),
        ]
        if unknown := sorted(set(used) - roles):
            raise fail(f"figure {figure.kpi} uses role(s) not in [columns]: {', '.join(unknown)}")
        if not (figure.value or (figure.numerator and figure.denominator)):
            raise fail(f"figure {figure.kpi} needs a value, or a numerator and a denominator")
    keep = tuple(
        Keep(str(k["column"]), frozenset(value_key(v) for v in k["values"]), str(k["reason"]))
        for k in raw.get("keep", [])
    )
    if unknown_keep := sorted({k.role for k in keep} - roles):
        raise fail(f"[[keep]] uses role(s) not in [columns]: {', '.join(unknown_keep)}")
    return SourceDefinition(
        id=source_id,
        name=str(raw["name"]),
        kind=kind,
        path=path,
        publisher=str(raw.get("publisher", "")),
        about=str(raw.get("about", "")),
        columns=columns,
        optional=optional,
        layouts=tuple(
            Layout(str(x["name"]), tuple(header_key(h) for h in x["has"])) for x in raw.get("layouts", [])
        ),
        keep=keep,
        figures=figures,
        published=published,
        professions={value_key(k): str(v).upper() for k, v in raw.get("professions", {}).items()},
    )


def _roles(table: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    return {str(role): tuple(str(a) for a in ([aliases] if isinstance(aliases, str) else aliases))
            for role, aliases in table.items()}  # fmt: skip


def _figure(raw: dict[str, Any]) -> Figure:
    when = tuple(
        (str(role), frozenset(value_key(v) for v in ([values] if isinstance(values, str) else values)))
        for role, values in raw.get("when", {}).items()
    )
    return Figure(
        kpi=str(raw["kpi"]).upper(),
        value=raw.get("value"),
        numerator=raw.get("numerator"),
        denominator=raw.get("denominator"),
        profession=raw.get("profession"),
        when=when,
    )


def definitions_table(folder: Path = SOURCES_DIR) -> pd.DataFrame:
    """The known sources, for the Import data page: name, publisher, headers needed, what it loads, file."""
    return pd.DataFrame(
        [
            {
                "Source": d.name,
                "Publisher": d.publisher,
                "Headers it needs": ", ".join(d.headers_needed),
                "What it loads": d.about,
                "Definition": f"data/sources/{d.path.name}",
            }
            for d in load_definitions(folder)
        ]
    )


@dataclass(frozen=True)
class Recognition:
    """What `recognise` decided: the source (None when none fits), its layout name, and for an
    unrecognised file the message listing the known sources."""

    source: SourceDefinition | None
    layout: str | None = None
    message: str = ""

    @property
    def described(self) -> str:
        """'NHS Sickness Absence Rates: … (layout since Aug 2022 (with ICS columns))'."""
        if self.source is None:
            return ""
        return self.source.name + (f" (layout {self.layout})" if self.layout else "")


def recognise(headers: list[str], definitions: list[SourceDefinition]) -> Recognition:
    """The source whose required headers the file has all of (the one matching most headers if several);
    else the template when the file has at least half of its headers (its own checks then name what is
    missing); else None, with a message naming every source's headers and the one this file resembles."""
    complete = [d for d in definitions if d.kind == "mapped" and not d.missing(headers)]
    if complete:
        best = max(complete, key=lambda d: len(d.roles_in(headers)))
        return Recognition(best, best.layout_of(headers))
    for template in (d for d in definitions if d.kind == "template"):
        if 2 * len(template.missing(headers)) <= len(template.columns):
            return Recognition(template, template.layout_of(headers))
    return Recognition(None, message=_unrecognised(headers, definitions))


def _resemblance(definition: SourceDefinition, headers: list[str]) -> float:
    return 1 - len(definition.missing(headers)) / max(len(definition.columns), 1)


def _unrecognised(headers: list[str], definitions: list[SourceDefinition]) -> str:
    shown = ", ".join(h for h in headers[:8] if h) + (", …" if len(headers) > 8 else "")
    known = "; ".join(f"{d.name}: {', '.join(d.headers_needed)}" for d in definitions)
    closest = max(definitions, key=lambda d: _resemblance(d, headers))
    found = closest.roles_in(headers)
    has = [found[role] for role in closest.columns if role in found]
    lacks = ", ".join(closest.missing(headers))
    resembles = (
        f" It resembles {closest.name} most: it has {', '.join(has)} but not {lacks}."
        if has
        else " It has none of the headers any known source needs."
    )
    return (
        f"The importer does not recognise this file's columns ({shown or 'none'}). The sources it knows, "
        f"and the headers each needs: {known}.{resembles}"
    )


__all__ = [
    "SOURCES_DIR",
    "DefinitionError",
    "Figure",
    "Recognition",
    "SourceDefinition",
    "definitions_table",
    "header_key",
    "load_definitions",
    "recognise",
    "value_key",
]
