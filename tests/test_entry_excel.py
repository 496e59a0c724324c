"""Offline entry template (.xlsx) and its validated import: layout, round trip, every refusal, no partial writes."""

from __future__ import annotations

import io
import time
import zipfile
from datetime import date, datetime
from typing import Any

import openpyxl
import pytest
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet
from sqlmodel import Session, SQLModel, func, select

from models.dashboard import report_actions
from models.db import data_change_counter, session_scope
from models.entry_import import MAX_UPLOAD_BYTES, ImportPreview, Problem, apply_import, check_import
from models.entry_template import EDITABLE_FILL, EXTRA_SPEND_ROWS, build_template, template_file_name
from models.errors import InputRefused
from models.permissions import Actor, PermissionDenied
from models.reports import ConflictError, IndicatorInput, ReportInput, SpendInput, save_report
from models.tables import (
    Action,
    ActionStatus,
    AuditEntry,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    MacroArea,
    Objective,
    Report,
    Semester,
    Spend,
    SubArea,
    SubAreaValue,
    User,
)
from models.xlsx import put
from models.xlsx_guard import MAX_UNCOMPRESSED_BYTES, MAX_ZIP_ENTRIES, WorkbookRefused, open_workbook

pytestmark = pytest.mark.both_databases  # its SQL runs on SQLite and on PostgreSQL (tests/conftest.py)

OFFICE = Actor(1, "uff", "ufficio_di_piano")
LEAD_A = Actor(2, "refa", "referente", frozenset({"A"}), name="Referente A")
LEAD_B = Actor(3, "refb", "referente", frozenset({"B"}))
COMITATO = Actor(4, "com", "comitato")
TODAY = date(2025, 7, 1)  # before the first semester's deadline
INCONTRI = "N. di incontri della cabina di regia"
PERCENTUALE = "Percentuale di progetti personalizzati avviati"
PROTOCOLLO = "Protocollo sottoscritto"
ATTESA = "Tempi di attesa (giorni)"
CAMBIAMENTO = "Cambiamento percepito"
ACCOLTE = "N. persone accolte"
XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture
def db(small_plan):
    with session_scope(small_plan) as s:
        s.add(Semester(year=2025, half=1, deadline=date(2025, 7, 31)))
        s.add(Semester(year=2025, half=2, deadline=date(2026, 1, 31)))
        for actor in (OFFICE, LEAD_A, LEAD_B, COMITATO):
            s.add(
                User(
                    id=actor.user_id,
                    username=actor.username,
                    name=actor.username.upper(),
                    role=actor.role,
                    password_hash="x",
                    must_change_password=False,
                )
            )
    return small_plan


# --- helpers ----------------------------------------------------------------------------------


def semester(engine, half: int = 1) -> int:
    with Session(engine) as s:
        return s.exec(select(Semester.id).where(Semester.year == 2025, Semester.half == half)).one()


def objective(engine, code: str) -> int:
    with Session(engine) as s:
        return s.exec(select(Objective.id).where(Objective.code == code)).one()


def indicators(engine, code: str) -> dict[str, int]:
    with Session(engine) as s:
        rows = s.exec(select(Indicator).where(Indicator.objective_id == objective(engine, code)))
        return {i.text: i.id for i in rows}


def actions(engine, code: str) -> list[int]:
    with Session(engine) as s:
        return list(
            s.exec(select(Action.id).where(Action.objective_id == objective(engine, code)).order_by(Action.position))
        )


def template(engine, actor: Actor = LEAD_A, areas: tuple[str, ...] = ("A",), half: int = 1) -> bytes:
    with session_scope(engine) as s:
        return build_template(semester(engine, half), list(areas), actor=actor, session=s)


def book(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(content))


def saved(wb: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def check(engine, content: bytes, actor: Actor = LEAD_A, half: int = 1, today: date = TODAY) -> ImportPreview:
    with session_scope(engine) as s:
        return check_import(content, semester_id=semester(engine, half), actor=actor, session=s, today=today)


def apply(engine, preview: ImportPreview, actor: Actor = LEAD_A):
    with session_scope(engine) as s:
        return apply_import(preview, actor=actor, session=s, today=TODAY)


def headers(ws: Worksheet) -> dict[str, int]:
    return {c.value: c.column for c in ws[1]}


def row_of(ws: Worksheet, match: dict[str, Any]) -> int:
    cols = headers(ws)
    for r in range(2, ws.max_row + 1):
        if all(ws.cell(r, cols[h]).value == v for h, v in match.items()):
            return r
    raise LookupError(match)


def cell(ws: Worksheet, match: dict[str, Any], header: str) -> Cell:
    return ws.cell(row_of(ws, match), headers(ws)[header])


def first_extra_spend_row(ws: Worksheet) -> int:
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value is None)


def dump(engine) -> dict[str, list]:
    """Every row of every table: 'nothing written' means this is identical."""
    with Session(engine) as s:
        return {
            t.name: sorted((tuple(r) for r in s.execute(t.select()).all()), key=repr)
            for t in SQLModel.metadata.sorted_tables
        }


def save_in_app(engine, code: str = "A.1", actor: Actor = LEAD_A, half: int = 1, **fields) -> None:
    """A report saved through the form's path, on the version currently saved."""
    obj = objective(engine, code)
    sem = semester(engine, half)
    submit = fields.pop("submit", False)
    with session_scope(engine) as s:
        rep = s.exec(select(Report).where(Report.objective_id == obj, Report.semester_id == sem)).first()
        data = ReportInput(objective_id=obj, semester_id=sem, base_version=rep.version if rep else None)
        for key, value in fields.items():
            setattr(data, key, value)
        save_report(data, actor=actor, session=s, today=TODAY, submit=submit)


def a1_report(engine, **extra) -> None:
    """A.1 saved in the app with a bit of everything."""
    acts, inds = actions(engine, "A.1"), indicators(engine, "A.1")
    save_in_app(
        engine,
        actions={acts[0]: "in corso"},
        indicators={
            inds[INCONTRI]: IndicatorInput("10", "prima nota", {"AT1": "4", "AT2": "6"}),
            inds[PROTOCOLLO]: IndicatorInput("no"),
            inds[CAMBIAMENTO]: IndicatorInput("poco"),
        },
        spend=[SpendInput("FNPS", "100", "150", "Det. 1", "anticipo", confirmed_over=True)],
        resource_adequacy="inadeguato",
        need_answered=True,
        need_reason="In parte",
        **extra,
    )


# --- the template -----------------------------------------------------------------------------


def test_template_layout_protection_and_drop_downs(db):
    wb = book(template(db))
    assert wb.sheetnames == ["Istruzioni", "Azioni", "Indicatori", "Spesa", "Valutazione", "_meta"]
    assert wb.active.title == "Istruzioni"
    assert wb["_meta"].sheet_state == "veryHidden"
    assert all(ws.protection.sheet for ws in wb.worksheets)
    instructions = "\n".join(str(c.value) for c in wb["Istruzioni"]["A"] if c.value)
    for words in (
        "I semestre 2025",
        "Macro-aree: A",
        "formula",
        "Report ed Excel",
        "giallo",
        "0 a 100",
        "1.234,5",
        "SI oppure NO",
        "righe vuote",
    ):
        assert words in instructions, words

    actions_ws = wb["Azioni"]
    assert [c.value for c in actions_ws[1]] == [
        "id obiettivo",
        "id azione",
        "Area",
        "Obiettivo",
        "Descrizione obiettivo",
        "N.",
        "Azione",
        "Stato",
    ]
    assert actions_ws.column_dimensions["A"].hidden and actions_ws.column_dimensions["B"].hidden
    assert actions_ws["A1"].font.b and actions_ws.freeze_panes == "E2"
    state = cell(actions_ws, {"Obiettivo": "A.1", "N.": 1}, "Stato")
    assert state.value == "non avviata" and state.protection.locked is False
    assert state.fill.fgColor.rgb.endswith(EDITABLE_FILL.fgColor.rgb[-6:])
    assert cell(actions_ws, {"Obiettivo": "A.1", "N.": 1}, "Azione").protection.locked is True
    assert actions_ws.max_row == 6  # 4 actions of A.1, 1 of A.2; nothing of B
    lists = {dv.formula1: str(dv.sqref) for dv in actions_ws.data_validations.dataValidation}
    assert lists == {'"non avviata,in corso,realizzata"': "H2:H6"}

    ind = wb["Indicatori"]
    assert [c.value for c in ind[1]][-4:] == ["Valore", "Nota", "AT1", "AT2"]
    yes_no = cell(ind, {"Indicatore": PROTOCOLLO}, "Valore").coordinate
    lists = {dv.formula1: str(dv.sqref) for dv in ind.data_validations.dataValidation}
    assert lists == {'"SI,NO"': yes_no}  # only on the yes/no indicator
    assert cell(ind, {"Indicatore": INCONTRI}, "AT1").protection.locked is False
    assert cell(ind, {"Indicatore": PERCENTUALE}, "AT1").protection.locked is True  # split: numbers only

    spend = wb["Spesa"]
    fonti = [(spend.cell(r, 3).value, spend.cell(r, 4).value) for r in range(2, spend.max_row + 1)]
    assert fonti == [("A.1", "FNPS"), ("A.1", "Fondo Povertà"), ("A.2", "PNRR")] + [(None, None)] * EXTRA_SPEND_ROWS
    extra = first_extra_spend_row(spend)
    assert spend.cell(extra, 3).protection.locked is False and spend.cell(2, 3).protection.locked is True
    lists = {dv.formula1 for dv in spend.data_validations.dataValidation}
    assert '"FNPS,FSR,Fondo Povertà,FNA,PNRR,Comunale,Dopo di Noi,Eterofinanziati,Altro"' in lists

    assess = wb["Valutazione"]
    lists = {dv.formula1 for dv in assess.data_validations.dataValidation}
    assert '"Gravemente inadeguato,Inadeguato,Sufficientemente adeguato,Adeguato,Perfettamente adeguato"' in lists
    assert [r[2].value for r in assess.iter_rows(min_row=2)] == ["A.1", "A.2"]

    meta = {r[0].value: r[1].value for r in wb["_meta"].iter_rows() if r[0].value}
    assert (meta["formato"], meta["versione"], meta["anno"], meta["semestre"], meta["aree"]) == (
        "pdz-modello-inserimento",
        1,
        2025,
        1,
        "A",
    )


def test_file_name(db):
    with Session(db) as s:
        assert template_file_name(semester(db, 2), ["b", "A"], session=s) == "modello_inserimento_2025-2_A-B.xlsx"


def test_template_shows_saved_values_target_and_previous_semester(db):
    a1_report(db)
    with session_scope(db) as s:
        s.add(IndicatorTarget(indicator_id=indicators(db, "A.1")[INCONTRI], year=2025, target=12))
    ind = book(template(db, half=1))["Indicatori"]
    row = {"Indicatore": INCONTRI}
    assert [cell(ind, row, h).value for h in ("Target", "Valore", "Nota", "AT1", "AT2")] == [12, 10, "prima nota", 4, 6]
    assert cell(ind, {"Indicatore": PROTOCOLLO}, "Valore").value == "NO"
    wb = book(template(db, half=2))
    assert cell(wb["Indicatori"], row, "Valore precedente").value == 10
    assert cell(wb["Indicatori"], row, "Valore").value is None
    assert cell(wb["Indicatori"], {"Indicatore": PROTOCOLLO}, "Valore precedente").value == "NO"
    wb = book(template(db, half=1))
    spend = wb["Spesa"]
    fnps = {"Obiettivo": "A.1", "Fonte": "FNPS"}
    assert [
        cell(spend, fnps, h).value
        for h in ("Impegnato (€)", "Liquidato (€)", "Documento", "Nota", "Conferma liquidato > impegnato")
    ] == [100, 150, "Det. 1", "anticipo", "SI"]
    assess = wb["Valutazione"]
    assert cell(assess, {"Obiettivo": "A.1"}, "Adeguatezza delle risorse").value == "Inadeguato"
    assert cell(assess, {"Obiettivo": "A.1"}, "Stato del report").value == "bozza"


@pytest.mark.parametrize(
    "actor, areas, message",
    [
        (LEAD_A, ("B",), "area B non è tra le aree"),
        (LEAD_A, ("A", "B"), "area B non è tra le aree"),
        (COMITATO, ("A",), "sola lettura"),
        (LEAD_A, (), "almeno una macro-area"),
    ],
)
def test_template_refused_outside_the_actors_areas(db, actor, areas, message):
    with pytest.raises(PermissionDenied, match=message):
        template(db, actor, areas)


def test_office_template_covers_several_areas(db):
    wb = book(template(db, OFFICE, ("A", "B")))
    assert [r[2].value for r in wb["Valutazione"].iter_rows(min_row=2)] == ["A.1", "A.2", "B.1"]


def test_text_typed_in_the_app_that_looks_like_a_formula_is_written_as_text(db):
    payloads = ["=1+1", "+SUM(A1:A9)", "-2+3", "@cmd", '=HYPERLINK("http://x","y")']
    inds = indicators(db, "A.1")
    save_in_app(
        db,
        indicators={
            inds[INCONTRI]: IndicatorInput("1", payloads[0]),
            inds[ATTESA]: IndicatorInput("2", payloads[1]),
            inds[CAMBIAMENTO]: IndicatorInput(payloads[2]),
        },
        spend=[SpendInput("FNPS", "1", "1", payloads[3], payloads[4])],
        critical_issues=payloads[4],
    )
    content = template(db)
    wb = book(content)
    cells = [
        cell(wb["Indicatori"], {"Indicatore": INCONTRI}, "Nota"),
        cell(wb["Indicatori"], {"Indicatore": ATTESA}, "Nota"),
        cell(wb["Indicatori"], {"Indicatore": CAMBIAMENTO}, "Valore"),
        cell(wb["Spesa"], {"Obiettivo": "A.1", "Fonte": "FNPS"}, "Documento"),
        cell(wb["Spesa"], {"Obiettivo": "A.1", "Fonte": "FNPS"}, "Nota"),
        cell(wb["Valutazione"], {"Obiettivo": "A.1"}, "Criticità e piano di miglioramento"),
    ]
    assert [c.value for c in cells] == [*payloads[:4], payloads[4], payloads[4]]
    assert all(c.data_type == "s" for c in cells)
    preview = check(db, content)  # and they come back as the same text
    assert (preview.problems, preview.changes, preview.unchanged) == ([], [], 1)


# --- round trip -------------------------------------------------------------------------------


def fill_as_a_lead(wb: openpyxl.Workbook) -> None:
    acts, ind, spend, assess = wb["Azioni"], wb["Indicatori"], wb["Spesa"], wb["Valutazione"]
    cell(acts, {"Obiettivo": "A.1", "N.": 1}, "Stato").value = "realizzata"
    cell(acts, {"Obiettivo": "A.1", "N.": 2}, "Stato").value = "in corso"
    cell(acts, {"Obiettivo": "A.2", "N.": 1}, "Stato").value = "realizzata"
    incontri = {"Indicatore": INCONTRI}
    cell(ind, incontri, "Valore").value = 12
    cell(ind, incontri, "AT1").value = 5
    cell(ind, incontri, "AT2").value = "7"
    put(cell(ind, incontri, "Nota"), "=1+1")  # typed with a leading apostrophe: text, not a formula
    cell(ind, {"Indicatore": ATTESA}, "Valore").value = "1.234,5"
    cell(ind, {"Indicatore": PERCENTUALE}, "Valore").value = 45.5
    cell(ind, {"Indicatore": PROTOCOLLO}, "Valore").value = "SI"
    cell(ind, {"Indicatore": CAMBIAMENTO}, "Valore").value = XSS
    cell(ind, {"Indicatore": ACCOLTE}, "Valore").value = 30
    fnps = {"Obiettivo": "A.1", "Fonte": "FNPS"}
    cell(spend, fnps, "Impegnato (€)").value = 10000
    cell(spend, fnps, "Liquidato (€)").value = "8.000,50"
    cell(spend, fnps, "Documento").value = "Det. 12/2025"
    extra = first_extra_spend_row(spend)
    for header, value in (
        ("Obiettivo", "A.2"),
        ("Fonte", "Comunale"),
        ("Impegnato (€)", "5.000"),
        ("Liquidato (€)", 0),
        ("Nota", "quota comunale"),
    ):
        spend.cell(extra, headers(spend)[header]).value = value
    for header, value in (
        ("Valutazione degli utenti", "Questionario: 80% soddisfatti"),
        ("Non pertinente (SI/NO)", "NO"),
        ("Adeguatezza delle risorse", "Adeguato"),
        ("Criticità e piano di miglioramento", "Carenza di personale"),
        ("Bisogno soddisfatto (SI/NO)", "SI"),
        ("Bisogno soddisfatto – motivazione", "Rete più solida"),
        ("Da riproporre (SI/NO)", "no"),
        ("Da riproporre – motivazione", "Obiettivo raggiunto"),
    ):
        cell(assess, {"Obiettivo": "A.1"}, header).value = value


EXPECTED_CHANGES = [
    ("A.1", "Azione 1: Costituire la cabina di regia", None, "realizzata"),
    ("A.1", "Azione 2: Formare gli operatori", None, "in corso"),
    ("A.1", f"Indicatore (processo): {INCONTRI}", None, "12"),
    ("A.1", f"Indicatore (processo): {INCONTRI} – nota", None, "=1+1"),
    ("A.1", f"Indicatore (processo): {INCONTRI} – AT1", None, "5"),
    ("A.1", f"Indicatore (processo): {INCONTRI} – AT2", None, "7"),
    ("A.1", f"Indicatore (output): {PERCENTUALE}", None, "45,5"),
    ("A.1", f"Indicatore (output): {PROTOCOLLO}", None, "sì"),
    ("A.1", f"Indicatore (outcome): {ATTESA}", None, "1.234,5"),
    ("A.1", f"Indicatore (outcome): {CAMBIAMENTO}", None, XSS),
    ("A.1", "Spesa FNPS – impegnato", None, "10.000"),
    ("A.1", "Spesa FNPS – liquidato", None, "8.000,5"),
    ("A.1", "Spesa FNPS – documento", None, "Det. 12/2025"),
    ("A.1", "Valutazione degli utenti", None, "Questionario: 80% soddisfatti"),
    ("A.1", "Adeguatezza delle risorse", None, "Adeguato"),
    ("A.1", "Criticità e piano di miglioramento", None, "Carenza di personale"),
    ("A.1", "Bisogno soddisfatto", None, "SI"),
    ("A.1", "Bisogno soddisfatto – motivazione", None, "Rete più solida"),
    ("A.1", "Da riproporre", None, "NO"),
    ("A.1", "Da riproporre – motivazione", None, "Obiettivo raggiunto"),
    ("A.2", "Azione 1: Aprire il servizio di fermo posta", None, "realizzata"),
    ("A.2", f"Indicatore (output): {ACCOLTE}", None, "30"),
    ("A.2", "Spesa Comunale – impegnato", None, "5.000"),
    ("A.2", "Spesa Comunale – liquidato", None, "0"),
    ("A.2", "Spesa Comunale – nota", None, "quota comunale"),
]


def test_round_trip_fill_check_apply_then_nothing_left_to_change(db):
    wb = book(template(db))
    fill_as_a_lead(wb)
    preview = check(db, saved(wb))
    assert preview.problems == [] and preview.ok
    assert [(c.objective, c.field, c.old, c.new) for c in preview.changes] == EXPECTED_CHANGES
    assert {c.area for c in preview.changes} == {"A"}
    assert [i.base_version for i in preview.inputs] == [None, None] and preview.unchanged == 0

    result = apply(db, preview)
    assert (result.reports, result.changes) == (2, len(EXPECTED_CHANGES))
    a1, a2 = objective(db, "A.1"), objective(db, "A.2")
    inds, acts = indicators(db, "A.1"), actions(db, "A.1")
    with Session(db) as s:
        rep = s.exec(select(Report).where(Report.objective_id == a1)).one()
        assert (
            rep.users_assessment,
            rep.users_not_relevant,
            rep.resource_adequacy,
            rep.critical_issues,
            rep.need_answered,
            rep.need_reason,
            rep.proposed_again,
            rep.proposed_reason,
        ) == (
            "Questionario: 80% soddisfatti",
            False,
            "adeguato",
            "Carenza di personale",
            True,
            "Rete più solida",
            False,
            "Obiettivo raggiunto",
        )
        counts = report_actions(session=s, report_id=rep.id)
        assert (counts.planned, counts.done, rep.updated_by) == (4, 1, LEAD_A.user_id)
        states = {a.action_id: a.state for a in s.exec(select(ActionStatus).where(ActionStatus.report_id == rep.id))}
        assert states == {acts[0]: "realizzata", acts[1]: "in corso"}  # defaults never saved stay unsaved
        values = {v.indicator_id: v for v in s.exec(select(IndicatorValue).where(IndicatorValue.report_id == rep.id))}
        assert (values[inds[INCONTRI]].value_num, values[inds[INCONTRI]].note) == (12, "=1+1")
        assert values[inds[ATTESA]].value_num == 1234.5 and values[inds[PERCENTUALE]].value_num == 45.5
        assert values[inds[PROTOCOLLO]].value_num == 1 and values[inds[CAMBIAMENTO]].value_text == XSS
        split = {
            code: v
            for code, v in s.exec(
                select(SubArea.code, SubAreaValue.value)
                .join(SubArea, SubArea.id == SubAreaValue.sub_area_id)
                .where(SubAreaValue.value_id == values[inds[INCONTRI]].id)
            )
        }
        assert split == {"AT1": 5, "AT2": 7}
        spend = {
            (sp.report_id, sp.source): (sp.committed, sp.paid, sp.document_ref, sp.note) for sp in s.exec(select(Spend))
        }
        rep2 = s.exec(select(Report).where(Report.objective_id == a2)).one()
        assert spend == {
            (rep.id, "FNPS"): (10000, 8000.5, "Det. 12/2025", ""),
            (rep2.id, "COMUNALE"): (5000, 0, "", "quota comunale"),
        }  # no rows of zeros
        audit = [(e.objective_id, e.field, e.old, e.new, e.username) for e in s.exec(select(AuditEntry))]
    codes = {"A.1": a1, "A.2": a2}
    assert sorted(audit, key=repr) == sorted(
        ((codes[o], f, old, new, "refa") for o, f, old, new in EXPECTED_CHANGES), key=repr
    )

    again = check(db, template(db))
    assert (again.problems, again.changes, again.unchanged, again.ok) == ([], [], 2, False)


def test_unmodified_template_has_nothing_to_change(db):
    a1_report(db)
    save_in_app(db, "A.2", critical_issues="Nessuna")
    before = dump(db)
    preview = check(db, template(db))
    assert (preview.problems, preview.changes, preview.inputs, preview.unchanged) == ([], [], [], 2)
    assert not preview.ok
    with pytest.raises(InputRefused, match="Nessuna modifica"):
        apply(db, preview)
    assert dump(db) == before


def test_empty_template_of_a_new_semester_creates_no_empty_reports(db):
    preview = check(db, template(db, half=2), half=2)
    assert (preview.problems, preview.changes, preview.unchanged) == ([], [], 0)


def test_check_writes_nothing_even_while_dry_running_saves(db):
    a1_report(db)  # one report updated by the dry run, one created (A.2)
    wb = book(template(db))
    fill_as_a_lead(wb)
    content = saved(wb)
    before = dump(db)
    with Session(db) as s:
        audit, counter = s.exec(select(func.count()).select_from(AuditEntry)).one(), data_change_counter(s)
    preview = check(db, content)
    assert preview.ok and len(preview.inputs) == 2
    assert dump(db) == before
    with Session(db) as s:
        assert s.exec(select(func.count()).select_from(AuditEntry)).one() == audit
        assert data_change_counter(s) == counter


def test_updating_an_existing_report_lists_old_and_new(db):
    a1_report(db)
    wb = book(template(db))
    cell(wb["Indicatori"], {"Indicatore": INCONTRI}, "Valore").value = 11
    cell(wb["Indicatori"], {"Indicatore": INCONTRI}, "AT2").value = 7
    preview = check(db, saved(wb))
    assert [(c.field, c.old, c.new) for c in preview.changes] == [
        (f"Indicatore (processo): {INCONTRI}", "10", "11"),
        (f"Indicatore (processo): {INCONTRI} – AT2", "6", "7"),
    ]
    assert preview.inputs[0].base_version == 1
    apply(db, preview)
    with Session(db) as s:
        assert s.exec(select(Report)).one().version == 2


def test_percentage_typed_with_percent_sign_in_excel(db):
    wb = book(template(db))
    c = cell(wb["Indicatori"], {"Indicatore": PERCENTUALE}, "Valore")
    c.value, c.number_format = 0.455, "0.0%"  # what Excel stores when "45,5%" is typed
    preview = check(db, saved(wb))
    assert [(ch.field, ch.new) for ch in preview.changes] == [(f"Indicatore (output): {PERCENTUALE}", "45,5")]


def test_paid_over_committed_accepted_with_confirmation_and_note(db):
    wb = book(template(db))
    spend = wb["Spesa"]
    row = {"Obiettivo": "A.1", "Fonte": "FNPS"}
    for header, value in (
        ("Impegnato (€)", 100),
        ("Liquidato (€)", 200),
        ("Nota", "anticipo su fattura 2024"),
        ("Conferma liquidato > impegnato", "SI"),
    ):
        cell(spend, row, header).value = value
    preview = check(db, saved(wb))
    assert preview.ok
    apply(db, preview)
    with Session(db) as s:
        assert s.exec(select(Spend.paid)).one() == 200


# --- cell refusals ----------------------------------------------------------------------------

A1_FNPS = {"Obiettivo": "A.1", "Fonte": "FNPS"}


@pytest.mark.parametrize(
    "sheet, match, header, value, message",
    [
        ("Indicatori", {"Indicatore": INCONTRI}, "Valore", -3, "non può essere negativo"),
        ("Indicatori", {"Indicatore": INCONTRI}, "Valore", "-3", "non può essere negativo"),
        ("Indicatori", {"Indicatore": PERCENTUALE}, "Valore", 101, "da 0 a 100"),
        ("Indicatori", {"Indicatore": INCONTRI}, "Valore", "abc", "non è un numero"),
        ("Indicatori", {"Indicatore": INCONTRI}, "Valore", datetime(2025, 2, 1), "data non ammessa: atteso un numero"),
        ("Indicatori", {"Indicatore": INCONTRI}, "Valore", "=1+1", "la cella contiene una formula: scrivere il valore"),
        ("Indicatori", {"Indicatore": INCONTRI}, "AT1", "=B2", "la cella contiene una formula"),
        ("Indicatori", {"Indicatore": INCONTRI}, "Nota", "=A1", "la cella contiene una formula"),
        ("Indicatori", {"Indicatore": PROTOCOLLO}, "Valore", "forse", "atteso sì o no"),
        ("Indicatori", {"Indicatore": INCONTRI}, "Nota", "x" * 1001, "testo troppo lungo"),
        ("Azioni", {"Obiettivo": "A.1", "N.": 2}, "Stato", "finita", "stato «finita» non ammesso"),
        ("Azioni", {"Obiettivo": "A.1", "N.": 2}, "Stato", None, "non ammesso"),
        ("Spesa", A1_FNPS, "Impegnato (€)", -1, "non può essere negativo"),
        ("Spesa", A1_FNPS, "Liquidato (€)", "=SUM(1,2)", "la cella contiene una formula"),
        ("Spesa", A1_FNPS, "Documento", "x" * 201, "testo troppo lungo"),
        ("Spesa", A1_FNPS, "Conferma liquidato > impegnato", "boh", "atteso sì o no"),
        ("Valutazione", {"Obiettivo": "A.1"}, "Adeguatezza delle risorse", "ottimo", "livello «ottimo» non ammesso"),
        ("Valutazione", {"Obiettivo": "A.1"}, "Bisogno soddisfatto (SI/NO)", "forse", "atteso sì o no"),
        ("Valutazione", {"Obiettivo": "A.1"}, "Criticità e piano di miglioramento", "x" * 4001, "testo troppo lungo"),
    ],
)
def test_bad_cell_refused_naming_sheet_cell_and_field(db, sheet, match, header, value, message):
    wb = book(template(db))
    target = cell(wb[sheet], match, header)
    target.value = value  # openpyxl, like Excel, makes "=..." a formula
    preview = check(db, saved(wb))
    assert [(p.sheet, p.cell) for p in preview.problems] == [(sheet, target.coordinate)], preview.problems
    assert preview.problems[0].message.startswith(header) and message in preview.problems[0].message
    assert not preview.ok and preview.inputs == [] and preview.changes == []


def test_split_not_adding_up_is_refused_on_the_split(db):
    wb = book(template(db))
    ind = wb["Indicatori"]
    row = {"Indicatore": INCONTRI}
    cell(ind, row, "Valore").value, cell(ind, row, "AT1").value, cell(ind, row, "AT2").value = 10, 4, 5
    preview = check(db, saved(wb))
    assert preview.problems == [
        Problem(
            "Indicatori",
            cell(ind, row, "AT1").coordinate,
            "Ripartizione per sub-ambito: la somma per sub-ambito (9) non corrisponde al totale (10).",
        )
    ]


def test_split_of_a_percentage_refused(db):
    wb = book(template(db))
    ind = wb["Indicatori"]
    cell(ind, {"Indicatore": PERCENTUALE}, "Valore").value = 50
    cell(ind, {"Indicatore": PERCENTUALE}, "AT2").value = 50  # a locked cell: the user removed the protection
    preview = check(db, saved(wb))
    assert [(p.sheet, p.cell) for p in preview.problems] == [
        ("Indicatori", cell(ind, {"Indicatore": PERCENTUALE}, "AT2").coordinate)
    ]
    assert "solo per indicatori numerici" in preview.problems[0].message


def test_paid_over_committed_without_confirmation_refused_on_paid(db):
    wb = book(template(db))
    spend = wb["Spesa"]
    cell(spend, A1_FNPS, "Impegnato (€)").value = 100
    cell(spend, A1_FNPS, "Liquidato (€)").value = 200
    cell(spend, A1_FNPS, "Conferma liquidato > impegnato").value = "SI"  # confirmed, but no note
    preview = check(db, saved(wb))
    paid = cell(spend, A1_FNPS, "Liquidato (€)").coordinate
    assert [(p.sheet, p.cell) for p in preview.problems] == [("Spesa", paid)]
    assert preview.problems[0].message.startswith("Spesa FNPS – liquidato: il liquidato (200 €) supera l'impegnato")


@pytest.mark.parametrize(
    "code, source, where, message",
    [
        ("A.1", "FNPS", "Fonte", "ripetuta per l'obiettivo A.1"),
        ("A.1", "Regione", "Fonte", "«Regione» non ammessa"),
        ("A.1", None, "Fonte", "da scegliere"),
        ("Z.9", "FNPS", "Obiettivo", "«Z.9» non è tra questi: A.1, A.2"),
        ("B.1", "FNPS", "Obiettivo", "«B.1» non è tra questi"),
        (None, "FNPS", "Obiettivo", "indicare il codice"),
    ],
)
def test_extra_spend_row_refusals(db, code, source, where, message):
    wb = book(template(db))
    spend = wb["Spesa"]
    extra = first_extra_spend_row(spend)
    cols = headers(spend)
    spend.cell(extra, cols["Obiettivo"]).value = code
    spend.cell(extra, cols["Fonte"]).value = source
    spend.cell(extra, cols["Impegnato (€)"]).value = 10
    preview = check(db, saved(wb))
    assert [(p.sheet, p.cell) for p in preview.problems] == [("Spesa", spend.cell(extra, cols[where]).coordinate)]
    assert message in preview.problems[0].message


def test_one_bad_cell_blocks_the_whole_file(db):
    wb = book(template(db))
    fill_as_a_lead(wb)  # A.1 and A.2 both fine ...
    cell(wb["Indicatori"], {"Indicatore": ACCOLTE}, "Valore").value = -1  # ... until one cell of A.2 is not
    before = dump(db)
    preview = check(db, saved(wb))
    assert len(preview.problems) == 1 and not preview.ok
    assert preview.inputs == [] and preview.changes == []
    with pytest.raises(InputRefused, match="contiene errori"):
        apply(db, preview)
    assert dump(db) == before


@pytest.mark.parametrize(
    "sheet, match, header, value, message",
    [
        ("Azioni", {"Obiettivo": "A.1", "N.": 1}, "id azione", "B.1 action", "non è un'azione dell'obiettivo A.1"),
        ("Azioni", {"Obiettivo": "A.1", "N.": 1}, "id obiettivo", "B.1", "l'obiettivo B.1 (area B) non è tra quelli"),
        (
            "Indicatori",
            {"Indicatore": INCONTRI},
            "id indicatore",
            "A.2 indicator",
            "non è un indicatore dell'obiettivo A.1",
        ),
        ("Valutazione", {"Obiettivo": "A.1"}, "id obiettivo", "A.0", "l'obiettivo A.0 (area A) non è tra quelli"),
        ("Valutazione", {"Obiettivo": "A.1"}, "id obiettivo", "abc", "riferimento «abc» non valido"),
    ],
)
def test_hidden_ids_pointing_elsewhere_refused_on_that_cell(db, sheet, match, header, value, message):
    ids = {
        "B.1 action": actions(db, "B.1")[0],
        "B.1": objective(db, "B.1"),
        "A.0": objective(db, "A.0"),
        "A.2 indicator": indicators(db, "A.2")[ACCOLTE],
        "abc": "abc",
    }
    wb = book(template(db))
    target = cell(wb[sheet], match, header)
    target.value = ids[value]
    preview = check(db, saved(wb))
    assert [(p.sheet, p.cell) for p in preview.problems] == [(sheet, target.coordinate)]
    assert message in preview.problems[0].message


def test_added_row_without_reference_refused(db):
    wb = book(template(db))
    ws = wb["Azioni"]
    ws.cell(ws.max_row + 1, headers(ws)["Stato"]).value = "realizzata"
    preview = check(db, saved(wb))
    assert [(p.sheet, p.cell) for p in preview.problems] == [("Azioni", f"A{ws.max_row}")]
    assert "non aggiungere righe" in preview.problems[0].message


# --- structure and identity refusals ----------------------------------------------------------


def test_renamed_and_missing_columns_refused_naming_the_expected_header(db):
    wb = book(template(db))
    wb["Indicatori"]["J1"] = "Valore del semestre"
    wb["Valutazione"].delete_cols(8)  # Adeguatezza delle risorse
    preview = check(db, saved(wb))
    found = {(p.sheet, p.cell): p.message for p in preview.problems}
    assert "al posto di «Valore»" in found[("Indicatori", "J1")]
    assert (
        "«Criticità e piano di miglioramento» al posto di «Adeguatezza delle risorse»" in found[("Valutazione", "H1")]
    )
    assert not preview.ok


def test_added_column_refused(db):
    wb = book(template(db))
    wb["Azioni"]["I1"] = "Commento"
    preview = check(db, saved(wb))
    assert [(p.sheet, p.cell) for p in preview.problems] == [("Azioni", "I1")]
    assert "non prevista" in preview.problems[0].message


def test_missing_sheet_refused(db):
    wb = book(template(db))
    del wb["Spesa"]
    preview = check(db, saved(wb))
    assert preview.problems == [
        Problem("Spesa", "", "Foglio «Spesa» mancante: non eliminare né rinominare i fogli del modello.")
    ]


def test_workbook_that_is_not_a_template_refused(db):
    wb = openpyxl.Workbook()
    wb.active["A1"] = "dati"
    preview = check(db, saved(wb))
    assert [(p.sheet, p.cell) for p in preview.problems] == [("", "")]
    assert "non è un modello di inserimento" in preview.problems[0].message


def test_other_format_version_refused(db):
    wb = book(template(db))
    wb["_meta"]["B2"] = 99
    preview = check(db, saved(wb))
    assert len(preview.problems) == 1 and "versione 99, attesa 1" in preview.problems[0].message


def test_template_of_another_semester_refused_naming_both(db):
    preview = check(db, template(db, half=1), half=2)
    assert [(p.sheet, p.cell) for p in preview.problems] == [("", "")]
    assert "I semestre 2025" in preview.problems[0].message and "II semestre 2025" in preview.problems[0].message
    assert preview.semester_label == "II semestre 2025"


@pytest.mark.parametrize(
    "maker, importer, message",
    [
        (LEAD_A, LEAD_B, "area A non è tra le aree"),
        (OFFICE, LEAD_A, "area B non è tra le aree"),  # a template of A and B
        (LEAD_A, COMITATO, "sola lettura"),
    ],
)
def test_template_of_areas_the_importer_may_not_write_refused(db, maker, importer, message):
    areas = ("A", "B") if maker is OFFICE else ("A",)
    preview = check(db, template(db, maker, areas), actor=importer)
    assert [(p.sheet, p.cell) for p in preview.problems] == [("", "")]
    assert message in preview.problems[0].message


def test_deadline_passed_refuses_the_lead_once(db):
    preview = check(db, template(db), today=date(2025, 8, 1))
    assert [p.message[:30] for p in preview.problems] == ["Scadenza per l'inserimento sup"]


def test_changes_to_a_submitted_report_refused_naming_the_objective(db):
    a1_report(db, users_not_relevant=True, proposed_again=False, proposed_reason="y", submit=True)
    content = template(db)
    preview = check(db, content)
    assert (preview.problems, preview.unchanged) == ([], 1)  # unchanged: fine even though read-only
    wb = book(content)
    cell(wb["Azioni"], {"Obiettivo": "A.1", "N.": 4}, "Stato").value = "realizzata"
    preview = check(db, saved(wb))
    anchor = cell(wb["Valutazione"], {"Obiettivo": "A.1"}, "Obiettivo").coordinate
    assert [(p.sheet, p.cell) for p in preview.problems] == [("Valutazione", anchor)]
    assert preview.problems[0].message.startswith("Obiettivo A.1: Report inviato all'Ufficio di Piano")


# --- concurrency and permissions at apply time ------------------------------------------------


def test_saved_in_the_app_after_the_check_conflicts_and_nothing_is_written(db):
    save_in_app(db, "A.2", critical_issues="prima")
    wb = book(template(db))
    fill_as_a_lead(wb)
    preview = check(db, saved(wb))
    assert preview.ok and [i.base_version for i in preview.inputs] == [None, 1]
    save_in_app(db, "A.2", critical_issues="salvato nell'app nel frattempo")  # A.2 is saved after A.1 by apply
    before = dump(db)
    with pytest.raises(ConflictError, match="Qualcun altro"):
        apply(db, preview)
    assert dump(db) == before


def test_conflict_inside_a_caller_that_commits_anyway_still_writes_nothing(db):
    save_in_app(db, "A.2", critical_issues="prima")
    wb = book(template(db))
    fill_as_a_lead(wb)
    preview = check(db, saved(wb))
    save_in_app(db, "A.2", critical_issues="dopo")
    before = dump(db)
    with session_scope(db) as s:
        with pytest.raises(ConflictError):
            apply_import(preview, actor=LEAD_A, session=s, today=TODAY)
    assert dump(db) == before


def test_apply_rechecks_permissions(db):
    wb = book(template(db))
    fill_as_a_lead(wb)
    preview = check(db, saved(wb))
    demoted = Actor(LEAD_A.user_id, LEAD_A.username, "referente", frozenset({"B"}))
    before = dump(db)
    with pytest.raises(PermissionDenied, match="area A"):
        apply(db, preview, actor=demoted)
    assert dump(db) == before


def test_report_saved_since_the_download_is_pointed_out(db):
    content = template(db)  # nothing saved yet
    save_in_app(db, "A.1", critical_issues="salvato dopo il download")
    wb = book(content)
    cell(wb["Azioni"], {"Obiettivo": "A.1", "N.": 1}, "Stato").value = "realizzata"
    preview = check(db, saved(wb))
    assert preview.ok
    assert ("A.1", "Criticità e piano di miglioramento", "salvato dopo il download", None) in [
        (c.objective, c.field, c.old, c.new) for c in preview.changes
    ]
    assert len(preview.notices) == 1 and "dopo la creazione del modello" in preview.notices[0]


# --- file refusals before openpyxl ------------------------------------------------------------


def replace_part(content: bytes, name: str, data: bytes, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(content))
    assert name in src.namelist()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(
                info.filename,
                data if info.filename == name else src.read(info.filename),
                compress_type=compression if info.filename == name else zipfile.ZIP_DEFLATED,
            )
    return out.getvalue()


def zip_of(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return out.getvalue()


def crc_broken(content: bytes) -> bytes:
    """Azioni stored uncompressed, then one byte changed: the CRC no longer matches (found while reading rows)."""
    raw = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet2.xml")
    stored = replace_part(content, "xl/worksheets/sheet2.xml", raw, zipfile.ZIP_STORED)
    assert b"non avviata" in stored
    return stored.replace(b"non avviata", b"non avviatX", 1)


def encrypted_flag(content: bytes) -> bytes:
    data = bytearray(content)
    at = data.find(b"PK\x01\x02")  # first central directory entry; its flags are at offset 8
    data[at + 8] |= 0x1
    return bytes(data)


OLE2 = bytes.fromhex("D0CF11E0A1B11AE1")
FILES = {
    "pdf renamed .xlsx": (lambda t: b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n", "non è un file Excel .xlsx"),
    "csv renamed .xlsx": (lambda t: b"Area;Valore\nA;12\n", "non è un file Excel .xlsx"),
    "empty": (lambda t: b"", "vuoto"),
    "old xls": (
        lambda t: OLE2 + bytes(500) + "Workbook".encode("utf-16-le") + bytes(100),
        "vecchio formato Excel .xls",
    ),
    "password": (
        lambda t: OLE2 + bytes(500) + "EncryptionInfo".encode("utf-16-le") + bytes(100),
        "protetto da password",
    ),
    "truncated": (lambda t: t[: len(t) // 2], "danneggiato"),
    "bad crc": (crc_broken, "danneggiato"),
    "encrypted entry": (encrypted_flag, "parti cifrate"),
    "word document": (
        lambda t: zip_of({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}),
        "non è un file Excel .xlsx",
    ),
    "too many parts": (lambda t: zip_of({f"p{i}.xml": b"" for i in range(MAX_ZIP_ENTRIES + 1)}), "troppe parti"),
    "over 10 MB": (lambda t: b"PK\x03\x04" + bytes(MAX_UPLOAD_BYTES), "troppo grande"),
}


@pytest.mark.parametrize("kind", list(FILES))
def test_file_refused_with_a_clear_message(db, kind):
    make, message = FILES[kind]
    preview = check(db, make(template(db)))
    assert len(preview.problems) == 1, preview.problems
    assert (preview.problems[0].sheet, preview.problems[0].cell) == ("", "")
    assert message in preview.problems[0].message
    assert not preview.ok


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    """200 MB of zeros declared in the directory, about 1 MB on disk (compresslevel 1 keeps the test fast)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", b"<Types/>")
        zf.writestr("xl/workbook.xml", b"<workbook/>")
        chunk = bytes(1024 * 1024)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            for _ in range(200):
                part.write(chunk)
    return out.getvalue()


def test_zip_bomb_refused_from_the_directory_without_decompressing(db, zip_bomb, monkeypatch):
    assert len(zip_bomb) < MAX_UPLOAD_BYTES
    assert sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(zip_bomb)).infolist()) > MAX_UNCOMPRESSED_BYTES

    def no_inflating(*args, **kwargs):
        raise AssertionError("an entry was decompressed")

    monkeypatch.setattr(zipfile.ZipFile, "open", no_inflating)
    monkeypatch.setattr(openpyxl, "load_workbook", no_inflating)
    with pytest.raises(WorkbookRefused, match="una volta decompresso, occuperebbe 200 MB"):
        open_workbook(zip_bomb)
    preview = check(db, zip_bomb)
    assert len(preview.problems) == 1 and "occuperebbe" in preview.problems[0].message


BILLION_LAUGHS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<!DOCTYPE lolz [\n'
    b'<!ENTITY lol "lol">\n'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'.encode() for i in range(1, 10)
    )
    + b']>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
)


@pytest.mark.parametrize("part", ["xl/worksheets/sheet2.xml", "xl/workbook.xml"])  # read late / at opening
def test_xml_bomb_refused_without_expanding(db, part):
    assert b"&lol8;" in BILLION_LAUGHS  # 10^9 "lol": gigabytes if it were ever expanded
    content = replace_part(template(db), part, BILLION_LAUGHS)
    started = time.perf_counter()
    preview = check(db, content)
    assert time.perf_counter() - started < 5
    assert len(preview.problems) == 1 and "dichiarazioni di entità" in preview.problems[0].message


def test_import_refused_when_defusedxml_is_missing(db, monkeypatch):
    import models.xlsx_guard as guard

    monkeypatch.setattr(guard, "XML_DEFUSED", False)
    preview = check(db, template(db))
    assert len(preview.problems) == 1 and "defusedxml" in preview.problems[0].message


def test_defusedxml_is_active():
    assert openpyxl.DEFUSEDXML is True


# --- the real plan ----------------------------------------------------------------------------


def test_real_plan_template_round_trips_for_the_largest_area(real_plan):
    with session_scope(real_plan) as s:
        s.add(Semester(year=2025, half=1, deadline=date(2025, 7, 31)))
        s.add(User(id=1, username="uff", name="UFF", role="ufficio_di_piano", password_hash="x"))
    with Session(real_plan) as s:
        counts = s.exec(
            select(Objective.area_id, func.count())
            .where(Objective.kind == "specifico")
            .group_by(Objective.area_id)
            .order_by(func.count().desc())
        ).first()
        letter = s.get(MacroArea, counts[0]).letter
    content = template(real_plan, OFFICE, (letter,))
    wb = book(content)
    assert wb["Valutazione"].max_row - 1 == counts[1]
    preview = check(real_plan, content, actor=OFFICE)
    assert (preview.problems, preview.changes) == ([], [])
