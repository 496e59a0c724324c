"""Open data: the approved results of a closed semester as CSV (UTF-8, `;`-separated, decimal comma, as Italian
spreadsheets expect) and as a JSON twin (plain numbers), with a data dictionary.

What goes in, and only that: semesters in state `chiuso`; objectives whose report is `approvata` (the Cruscotto's
figures with «solo report approvati», dashboard.objective_rows); numeric indicator values of approved reports
(dashboard.indicators_of_objectives). Never: drafts, sent or sent-back reports, user names, notes or any other free
text typed by users (text indicators included: no field marks a text as publishable). Plan texts (objectives,
indicators) are the public plan's. Public download (/api/v1/opendata/, no token) only while the Ufficio di Piano
has publishing on (a StoredSetting toggled on Report ed Excel); signed-in users download from that page anyway.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session

from models import dashboard, dashboard_sql
from models.audit import record_change
from models.dashboard_results import SemesterInfo
from models.errors import NotFound
from models.permissions import Actor, require_office
from models.tables import StoredSetting, utcnow
from models.vocab import ReportState, SemesterState, Unit

PUBLISH_KEY = "open_data_published"
CSV_DELIMITER = ";"


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # testo, intero, decimale
    meaning: str


RESULT_COLUMNS: tuple[Column, ...] = (
    Column("semestre", "testo", "Semestre di monitoraggio, AAAA-S (2025-1 = primo semestre 2025)"),
    Column("area", "testo", "Lettera della macro-area del piano"),
    Column("area_titolo", "testo", "Titolo della macro-area"),
    Column("obiettivo_id", "intero", "Identificativo stabile dell'obiettivo"),
    Column("obiettivo_codice", "testo", "Codice dell'obiettivo nel piano"),
    Column("obiettivo", "testo", "Testo dell'obiettivo (dal piano)"),
    Column("azioni_realizzate", "intero", "Azioni attive realizzate nel semestre"),
    Column("azioni_previste", "intero", "Azioni attive previste"),
    Column("raggiungimento_pct", "decimale", "Azioni realizzate x 100 / azioni previste (griglia regionale)"),
    Column("fascia", "testo", "Fascia della griglia: nullo, insufficiente, sufficiente, buono, ottimo"),
    Column("budget_eur", "decimale", "Budget del periodo monitorato fino al semestre (vuoto: da definire)"),
    Column("impegnato_eur", "decimale", "Spesa impegnata cumulata fino al semestre (report approvati)"),
    Column("liquidato_eur", "decimale", "Spesa liquidata cumulata fino al semestre (report approvati)"),
    Column("liquidato_su_budget_pct", "decimale", "Liquidato x 100 / budget del periodo"),
    Column("classe_spesa", "testo", "Classe della griglia sul rapporto liquidato/budget"),
)
INDICATOR_COLUMNS: tuple[Column, ...] = (
    Column("semestre", "testo", "Semestre di monitoraggio, AAAA-S"),
    Column("area", "testo", "Lettera della macro-area del piano"),
    Column("obiettivo_codice", "testo", "Codice dell'obiettivo nel piano"),
    Column("indicatore_id", "intero", "Identificativo stabile dell'indicatore"),
    Column("indicatore", "testo", "Testo dell'indicatore (dal piano)"),
    Column("batteria", "testo", "processo, output o outcome"),
    Column("unita", "testo", "numero, percentuale o si_no (1 = sì, 0 = no)"),
    Column("valore", "decimale", "Valore del semestre (report approvato)"),
    Column("target", "decimale", "Target dell'anno (vuoto se non fissato)"),
    Column("raggiungimento_pct", "decimale", "Valore rispetto al target, secondo la griglia"),
)
FILES = {"risultati.csv": RESULT_COLUMNS, "indicatori.csv": INDICATOR_COLUMNS}


# --- publishing ---------------------------------------------------------------------------------


def publishing_enabled(*, session: Session) -> bool:
    row = session.get(StoredSetting, PUBLISH_KEY)
    return row is not None and row.value == "1"


def set_publishing(*, session: Session, actor: Actor, enabled: bool) -> None:
    require_office(actor, "la pubblicazione dei dati aperti")
    row = session.get(StoredSetting, PUBLISH_KEY) or StoredSetting(key=PUBLISH_KEY)
    old = row.value == "1"
    row.value, row.updated_at, row.user_id = ("1" if enabled else "0"), utcnow(), actor.user_id
    session.add(row)
    record_change(session, actor, entity="storedsetting", entity_id=None, field=PUBLISH_KEY, old=old, new=enabled)


# --- the data -----------------------------------------------------------------------------------


def semester_key(s: SemesterInfo) -> str:
    return f"{s.year}-{s.half}"


def closed_semesters(*, session: Session) -> list[SemesterInfo]:
    return [s for s in dashboard_sql.semester_options(session=session) if s.state == SemesterState.CHIUSO]


def closed_semester(*, session: Session, key: str) -> SemesterInfo:
    """A closed semester by its key (2025-1); NotFound for an open or unknown one (open data never show it)."""
    for s in closed_semesters(session=session):
        if semester_key(s) == key:
            return s
    raise NotFound(f"Semestre {key}: non esiste o non è chiuso (i dati aperti riguardano solo semestri chiusi).")


def result_rows(*, session: Session, semester: SemesterInfo) -> tuple[list[dict], list[dict]]:
    """(objective rows, indicator rows) of the approved reports of a closed semester, in plan order."""
    if semester.state != SemesterState.CHIUSO:
        raise NotFound("I dati aperti riguardano solo semestri chiusi.")
    key = semester_key(semester)
    titles = {a.letter: a.title for a in dashboard_sql.all_areas(session)}
    rows = [
        r
        for r in dashboard.objective_rows(session=session, semester_id=semester.id, include_submitted=False)
        if r.counted and r.state == ReportState.APPROVATA
    ]
    series = dashboard.indicators_of_objectives(
        session=session, objective_ids=[r.id for r in rows], semester_id=semester.id, include_submitted=False
    )
    results, indicators = [], []
    for r in rows:
        money = r.money
        results.append(
            {
                "semestre": key,
                "area": r.area,
                "area_titolo": titles.get(r.area, ""),
                "obiettivo_id": r.id,
                "obiettivo_codice": r.code,
                "obiettivo": r.text,
                "azioni_realizzate": r.done,
                "azioni_previste": r.planned,
                "raggiungimento_pct": r.achievement,
                "fascia": r.band,
                "budget_eur": money.planned,
                "impegnato_eur": money.committed if money.valid else None,
                "liquidato_eur": money.paid if money.valid else None,
                "liquidato_su_budget_pct": money.ratio,
                "classe_spesa": money.spend_class,
            }
        )
        for s in series.get(r.id, []):
            point = s.points[-1] if s.points else None
            if point is None or point.state != ReportState.APPROVATA or point.value_num is None or s.unit == Unit.TESTO:
                continue
            indicators.append(
                {
                    "semestre": key,
                    "area": r.area,
                    "obiettivo_codice": r.code,
                    "indicatore_id": s.id,
                    "indicatore": s.text,
                    "batteria": s.battery,
                    "unita": s.unit,
                    "valore": point.value_num,
                    "target": point.target,
                    "raggiungimento_pct": s.achievement_at(point),
                }
            )
    return results, indicators


# --- the files ----------------------------------------------------------------------------------


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(round(value, 6)).replace(".", ",").removesuffix(",0")
    return str(value)


def to_csv(rows: Sequence[dict], columns: Sequence[Column]) -> bytes:
    """UTF-8 with BOM (so that Excel reads the accents), `;`, decimal comma, a header row."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow([c.name for c in columns])
    for row in rows:
        writer.writerow([_cell(row.get(c.name)) for c in columns])
    return out.getvalue().encode("utf-8-sig")


def dictionary_rows() -> list[dict]:
    return [
        {"file": name, "colonna": c.name, "tipo": c.kind, "significato": c.meaning}
        for name, columns in FILES.items()
        for c in columns
    ]


DICTIONARY_COLUMNS = (
    Column("file", "testo", "File in cui compare la colonna"),
    Column("colonna", "testo", "Nome della colonna"),
    Column("tipo", "testo", "testo, intero o decimale (virgola decimale nel CSV, punto nel JSON)"),
    Column("significato", "testo", "Che cosa contiene"),
)


def open_data_file(key: str, name: str, *, session: Session, actor: Actor | None = None, public: bool = False) -> bytes:
    """One file of a closed semester: risultati.csv, indicatori.csv, dati.json, or dizionario.csv.

    `public`: the unauthenticated URL, served only while publishing is on (NotFound otherwise)."""
    if public and not publishing_enabled(session=session):
        raise NotFound("Dati aperti non pubblicati.")
    if name == "dizionario.csv":
        return to_csv(dictionary_rows(), DICTIONARY_COLUMNS)
    results, indicators = result_rows(session=session, semester=closed_semester(session=session, key=key))
    if name == "risultati.csv":
        return to_csv(results, RESULT_COLUMNS)
    if name == "indicatori.csv":
        return to_csv(indicators, INDICATOR_COLUMNS)
    if name == "dati.json":
        body = {"semestre": key, "dizionario": dictionary_rows(), "risultati": results, "indicatori": indicators}
        return json.dumps(body, ensure_ascii=False, indent=1).encode("utf-8")
    raise NotFound(f"File {name}: inesistente (risultati.csv, indicatori.csv, dati.json, dizionario.csv).")


def catalogue(*, session: Session) -> dict:
    """The public index: closed semesters and their files (NotFound while publishing is off)."""
    if not publishing_enabled(session=session):
        raise NotFound("Dati aperti non pubblicati.")
    names = ("risultati.csv", "indicatori.csv", "dati.json")
    return {
        "dizionario": "dizionario.csv",
        "semestri": [
            {"semestre": semester_key(s), "etichetta": s.label, "file": [f"{semester_key(s)}/{n}" for n in names]}
            for s in closed_semesters(session=session)
        ],
    }
