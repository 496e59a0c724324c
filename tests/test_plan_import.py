"""The plan from a spreadsheet (issue 20): empty template, import with cell-level checks, preview, one transaction,
round trip export -> import -> export, the command line, permissions, an Ambito without YAML files."""

from __future__ import annotations

import io
import subprocess

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, select

from models.db import create_db_and_tables, make_engine, session_scope
from models.errors import InputRefused
from models.permissions import Actor, PermissionDenied
from models.plan_export import export_plan_xlsx
from models.plan_import import apply_plan_import, check_plan_import
from models.plan_sheets import SHEETS
from models.plan_template import build_plan_template, plan_template_for
from models.provenance import COMMAND_LINE, TARGET
from models.startup import prepare_database
from models.tables import (
    Action,
    BudgetLine,
    BudgetLineKind,
    Card,
    Indicator,
    IndicatorTarget,
    MacroArea,
    Objective,
    Plan,
    SetByOffice,
    SubArea,
    User,
)
from models.vocab import UNIT_LABELS
from tests.cli_helpers import cli_env, run_cli
from tests.conftest import SMALL_PLAN

OFFICE = Actor(1, "uff", "ufficio_di_piano", name="Ufficio")
LEAD = Actor(2, "refa", "referente", frozenset({"A"}))
COMMITTEE = Actor(3, "com", "comitato")


@pytest.fixture
def no_yaml(tmp_path):
    """PDZ_PLAN_DIR of an Ambito without YAML files: an empty folder."""
    folder = tmp_path / "piano-vuoto"
    folder.mkdir()
    return folder


def _office_user(engine):
    """The user behind OFFICE (id 1), for the audit entry the import writes."""
    with session_scope(engine) as s:
        if s.get(User, 1) is None:
            s.add(User(id=1, username="uff", name="Ufficio", role="ufficio_di_piano", password_hash="x"))
    return engine


def _empty_engine():
    eng = make_engine("sqlite://")
    create_db_and_tables(eng)
    return _office_user(eng)


def _export(engine) -> bytes:
    with Session(engine) as s:
        return export_plan_xlsx(session=s)


def _cells(data: bytes) -> dict[str, list[list]]:
    wb = load_workbook(io.BytesIO(data))
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb}


def _records(engine) -> dict[str, list[tuple]]:
    """The plan's rows without their ids (parents named by code), in a stable order."""
    with Session(engine) as s:
        codes = {o.id: o.code for o in s.exec(select(Objective))}
        cards = {c.id: c.code for c in s.exec(select(Card))}
        letters = {a.id: a.letter for a in s.exec(select(MacroArea))}
        kinds = dict(s.exec(select(BudgetLineKind.budget_line_id, BudgetLineKind.kind)).all())
        return {
            "plan": [(p.title, p.ambito, p.first_year, p.last_year, p.source) for p in s.exec(select(Plan))],
            "objectives": sorted(
                (o.code, cards[o.card_id], letters[o.area_id], o.kind, o.text, o.position, o.line, o.retired)
                for o in s.exec(select(Objective))
            ),
            "actions": sorted(
                (codes[a.objective_id], a.text, a.position, a.line, a.retired) for a in s.exec(select(Action))
            ),
            "indicators": sorted(
                (codes[i.objective_id], i.battery, i.text, i.unit, i.higher_is_better, i.position, i.line, i.retired)
                for i in s.exec(select(Indicator))
            ),
            "budget": sorted(
                (
                    cards[b.card_id],
                    codes.get(b.objective_id or 0, ""),
                    b.item,
                    b.text,
                    b.source or "",
                    str(b.public),
                    b.amount or -1,
                    b.approximate,
                    b.to_be_completed,
                    b.year or 0,
                    b.line or 0,
                    b.origin,
                    kinds.get(b.id or 0, "preventivato"),
                )
                for b in s.exec(select(BudgetLine))
            ),
            "cards": sorted(
                (
                    c.code,
                    letters[c.area_id],
                    c.title,
                    c.position,
                    c.line,
                    c.target_group,
                    c.staff,
                    c.transversal_areas,
                    c.transversal_text,
                    str(c.service_kind),
                    repr(sorted(c.details.items())),
                )
                for c in s.exec(select(Card))
            ),
            "sub_areas": sorted((x.code, x.name, x.position, x.line or 0) for x in s.exec(select(SubArea))),
        }


def _counts(engine) -> dict[str, int]:
    with Session(engine) as s:
        return {
            m.__name__: len(s.exec(select(m)).all()) for m in (Plan, Card, Objective, Action, Indicator, BudgetLine)
        }


# --- round trip -------------------------------------------------------------------------------


def test_round_trip_of_the_real_plan_is_lossless(real_plan, no_yaml):
    first = _export(real_plan)
    target = _empty_engine()
    with Session(target) as s:
        preview = check_plan_import(first, actor=OFFICE, session=s, plan_dir=no_yaml)
    assert not preview.problems and not preview.changed and not preview.retired and not preview.skipped
    assert "obiettivo A.1" in preview.created and "piano: Piano di Zona 2025-2027" in preview.created
    assert _counts(target)["Objective"] == 0, "the preview writes nothing"
    with session_scope(target) as s:
        report = apply_plan_import(first, actor=OFFICE, session=s, plan_dir=no_yaml)
    assert report.inserted == len(preview.created) and not report.updated and not report.retired
    second = _export(target)
    assert _cells(second) == _cells(first), "export -> import -> export: the same workbook, cell by cell"
    assert _records(target) == _records(real_plan), "the same plan, record for record"
    with Session(target) as s:  # importing it again changes nothing
        assert not check_plan_import(second, actor=OFFICE, session=s, plan_dir=no_yaml).ok


def test_import_into_a_loaded_plan_changes_and_retires(small_plan, no_yaml):
    _office_user(small_plan)
    wb = load_workbook(io.BytesIO(_export(small_plan)))
    ws = wb["Obiettivi"]
    header = [c.value for c in ws[1]]
    row_a2 = next(r for r in ws.iter_rows(min_row=2) if r[header.index("Obiettivo")].value == "A.2")
    row_a2[header.index("Testo")].value = "Testo nuovo dell'obiettivo A.2"
    b1 = next(r for r in ws.iter_rows(min_row=2) if r[header.index("Obiettivo")].value == "B.1")
    ws.delete_rows(b1[0].row)
    for sheet in ("Azioni", "Indicatori", "Budget"):
        other = wb[sheet]
        column = [c.value for c in other[1]].index("Obiettivo")
        for r in reversed(list(other.iter_rows(min_row=2))):
            if r[column].value == "B.1":
                other.delete_rows(r[0].row)
    buffer = io.BytesIO()
    wb.save(buffer)
    with Session(small_plan) as s:
        preview = check_plan_import(buffer.getvalue(), actor=OFFICE, session=s, plan_dir=no_yaml)
    assert not preview.problems, [str(p) for p in preview.problems]
    assert "obiettivo A.2" in preview.changed and "obiettivo B.1" in preview.retired
    with session_scope(small_plan) as s:
        apply_plan_import(buffer.getvalue(), actor=OFFICE, session=s, plan_dir=no_yaml)
    with Session(small_plan) as s:
        b1_row = s.exec(select(Objective).where(Objective.code == "B.1")).one()
        assert b1_row.retired, "an objective that left the file is retired, never deleted"
        assert s.exec(select(Objective).where(Objective.code == "A.2")).one().text == "Testo nuovo dell'obiettivo A.2"


# --- a workbook with errors -------------------------------------------------------------------


def _broken(data: bytes) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    ind = wb["Indicatori"]
    ind.delete_cols([c.value for c in ind[1]].index("Tipo") + 1)  # missing column
    obj = wb["Obiettivi"]
    header = [c.value for c in obj[1]]
    obj.cell(row=2, column=header.index("Area") + 1, value="Z")  # unknown area (A.0: no rows depend on it)
    obj.cell(
        row=5, column=header.index("Obiettivo") + 1, value=obj.cell(row=4, column=header.index("Obiettivo") + 1).value
    )
    bud = wb["Budget"]
    bh = [c.value for c in bud[1]]
    bud.cell(row=2, column=bh.index("Importo") + 1, value="mille euro")  # bad number
    bud.cell(row=3, column=bh.index("Fonte") + 1, value="Fondo inventato")  # unknown funding source
    bud.cell(row=4, column=bh.index("Riga") + 1, value="dodici")  # bad integer
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_a_workbook_with_errors_is_refused_cell_by_cell_and_nothing_is_written(small_plan, no_yaml):
    data = _broken(_export(small_plan))
    for target in (_empty_engine(), _office_user(small_plan)):
        before = _records(target)
        counts = _counts(target)
        with Session(target) as s:
            preview = check_plan_import(data, actor=OFFICE, session=s, plan_dir=no_yaml)
        messages = [str(p) for p in preview.problems]
        assert not preview.ok and not preview.created
        expected = [
            "Indicatori!C1, Tipo: colonna «Tipo» mancante nella riga 1",
            "Obiettivi!A2, Area: area «Z» non presente nel foglio Aree",
            "Obiettivi!C5, Obiettivo: codice «A.2» ripetuto",
            "Budget!K4, Riga: atteso un numero intero, trovato «dodici»",
        ]
        for message in expected:
            assert message in messages, messages
        assert any(m.startswith("Budget!G2, Importo: ") for m in messages), messages
        assert any(m.startswith("Budget!F3, Fonte: valore «Fondo inventato» non ammesso") for m in messages), messages
        problem = next(p for p in preview.problems if p.cell == "Obiettivi!A2")
        assert (problem.sheet, problem.field) == ("Obiettivi", "Area")
        with pytest.raises(InputRefused, match="nulla è stato importato"), session_scope(target) as s:
            apply_plan_import(data, actor=OFFICE, session=s, plan_dir=no_yaml)
        assert _counts(target) == counts and _records(target) == before, "nothing written"


def test_a_file_that_is_not_a_workbook_is_refused(engine, no_yaml):
    with Session(engine) as s:
        preview = check_plan_import(b"non sono un file excel", actor=OFFICE, session=s, plan_dir=no_yaml)
    assert len(preview.problems) == 1 and "non è un file Excel" in preview.problems[0].message


# --- template ---------------------------------------------------------------------------------


def test_the_template_opens_with_the_exports_sheets_instructions_and_drop_downs():
    wb = load_workbook(io.BytesIO(build_plan_template()))
    assert wb.sheetnames == ["Istruzioni", *SHEETS, "Elenchi"]
    assert wb["Elenchi"].sheet_state == "hidden"
    for name, columns in SHEETS.items():
        assert [c.value for c in wb[name][1]] == [c.header for c in columns]
    assert "Modello del Piano di Zona" in wb["Istruzioni"]["A1"].value
    assert [r[0] for r in wb["Aree"].iter_rows(min_row=2, values_only=True)] == list("ABDEFGHIJK")

    def drop_down(sheet: str, header: str) -> list[str] | str:
        ws = wb[sheet]
        letter = chr(ord("A") + [c.value for c in ws[1]].index(header))
        dv = next(d for d in ws.data_validations.dataValidation if str(d.sqref).startswith(f"{letter}2"))
        assert dv.type == "list"
        ref = dv.formula1
        if ref.startswith("'Elenchi'!"):
            col = ref.split("$")[1]
            return [c.value for c in wb["Elenchi"][col] if c.value is not None]
        return ref

    assert drop_down("Obiettivi", "Area") == "'Aree'!$A$2:$A$2000"
    assert drop_down("Budget", "Area") == "'Aree'!$A$2:$A$2000"
    assert drop_down("Indicatori", "Tipo") == ["processo", "output", "outcome"]
    assert drop_down("Budget", "Fonte") == [
        "FNPS",
        "FSR",
        "Fondo Povertà",
        "FNA",
        "PNRR",
        "Comunale",
        "Dopo di Noi",
        "Eterofinanziati",
        "Altro",
        "non indicata",
    ]


def test_an_empty_template_is_refused_with_the_missing_plan_fields(engine, no_yaml):
    with Session(engine) as s:
        preview = check_plan_import(build_plan_template(), actor=OFFICE, session=s, plan_dir=no_yaml)
    assert [str(p) for p in preview.problems] == [
        "Piano!B2, Titolo del piano: valore mancante",
        "Piano!B3, Ambito: valore mancante",
        "Piano!B4, Primo anno: valore mancante: atteso un numero intero",
        "Piano!B5, Ultimo anno: valore mancante: atteso un numero intero",
    ]


# --- permissions and the YAML plan ------------------------------------------------------------


@pytest.mark.parametrize("actor", [LEAD, COMMITTEE])
def test_only_the_ufficio_di_piano_imports(small_plan, no_yaml, actor):
    data = _export(small_plan)
    target = _empty_engine()
    with pytest.raises(PermissionDenied, match="riservata all'Ufficio di Piano"), Session(target) as s:
        check_plan_import(data, actor=actor, session=s, plan_dir=no_yaml)
    with pytest.raises(PermissionDenied), session_scope(target) as s:
        apply_plan_import(data, actor=actor, session=s, plan_dir=no_yaml)
    with pytest.raises(PermissionDenied), Session(target) as s:
        plan_template_for(actor=actor, session=s)
    assert _counts(target)["Objective"] == 0


def test_no_import_while_the_plan_comes_from_yaml_files(small_plan):
    with pytest.raises(InputRefused, match="PDZ_PLAN_DIR"), Session(small_plan) as s:
        check_plan_import(_export(small_plan), actor=OFFICE, session=s, plan_dir=SMALL_PLAN)


def test_an_ambito_without_yaml_starts_empty_and_keeps_its_imported_plan(small_plan, no_yaml, tmp_path):
    data = _export(small_plan)
    target = make_engine(f"sqlite:///{tmp_path / 'senza-yaml.sqlite3'}")
    result = prepare_database(target, no_yaml)
    assert result.admin_password and not result.plan.changed and _counts(target)["Plan"] == 0
    _office_user(target)
    with session_scope(target) as s:
        apply_plan_import(data, actor=OFFICE, session=s, plan_dir=no_yaml)
    before = _records(target)
    again = prepare_database(target, no_yaml)  # a restart: the imported plan stays as it is
    assert not again.plan.changed and _records(target) == before
    target.dispose()


# --- command line -----------------------------------------------------------------------------


def _cli(tmp_path, plan_dir, *args: str, in_process: bool = False) -> subprocess.CompletedProcess:
    env = cli_env(PDZ_DATABASE_URL=f"sqlite:///{tmp_path / 'cli.sqlite3'}", PDZ_PLAN_DIR=str(plan_dir))
    return run_cli(env, *args, in_process=in_process)


def test_cli_template_and_import(small_plan, no_yaml, tmp_path):
    template = tmp_path / "modello.xlsx"
    made = _cli(tmp_path, no_yaml, "plan-template", "--out", str(template))
    assert made.returncode == 0, made.stderr
    assert load_workbook(template).sheetnames[0] == "Istruzioni"

    broken = tmp_path / "errato.xlsx"
    broken.write_bytes(_broken(_export(small_plan)))
    refused = _cli(tmp_path, no_yaml, "import-plan", "--file", str(broken), "--confirm", in_process=True)
    assert refused.returncode == 2
    assert "Nessun dato è stato modificato" in refused.stderr and "Obiettivi!A2, Area" in refused.stderr

    good = tmp_path / "piano.xlsx"
    good.write_bytes(_export(small_plan))
    preview = _cli(tmp_path, no_yaml, "import-plan", "--file", str(good), in_process=True)
    assert preview.returncode == 0, preview.stderr
    assert "Da creare: " in preview.stdout and "obiettivo A.1" in preview.stdout
    assert "Nulla è ancora stato scritto" in preview.stdout
    db = make_engine(f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    assert _counts(db)["Objective"] == 0
    done = _cli(tmp_path, no_yaml, "import-plan", "--file", str(good), "--confirm")
    assert done.returncode == 0, done.stderr
    assert "Piano importato:" in done.stdout
    assert _records(db)["objectives"] == _records(small_plan)["objectives"]
    db.dispose()

    usage = _cli(tmp_path, no_yaml, "import-plan", in_process=True)
    assert usage.returncode == 2 and "Uso: make import-plan FILE=" in usage.stderr
    with_yaml = _cli(tmp_path, SMALL_PLAN, "import-plan", "--file", str(good), in_process=True)
    assert with_yaml.returncode == 1 and "PDZ_PLAN_DIR" in with_yaml.stderr


# --- targets per year (sheet Target) ----------------------------------------------------------


def _with_target_rows(data: bytes, rows: list[list]) -> tuple[bytes, list]:
    """The workbook with rows added to its Target sheet; the first numeric indicator's (area, code, text)."""
    wb = load_workbook(io.BytesIO(data))
    ind = wb["Indicatori"]
    header = [c.value for c in ind[1]]
    first = next(
        r for r in ind.iter_rows(min_row=2, values_only=True) if r[header.index("Unità")] == UNIT_LABELS["numero"]
    )
    who = [first[header.index("Area")], first[header.index("Obiettivo")], first[header.index("Indicatore")]]
    for row in rows:
        wb["Target"].append([*who, *row])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue(), who


def _targets(engine) -> list[tuple]:
    with Session(engine) as s:
        names = {r.entity_id: r.name for r in s.exec(select(SetByOffice).where(SetByOffice.entity == TARGET))}
        return sorted((t.year, t.baseline, t.target, names.get(t.id)) for t in s.exec(select(IndicatorTarget)))


def test_targets_per_year_come_from_the_target_sheet_with_who_imported_them(small_plan, no_yaml):
    _office_user(small_plan)
    data, (letter, code, text) = _with_target_rows(_export(small_plan), [[2025, "10", 12.5, None], [2026, None, 15]])
    with Session(small_plan) as s:
        preview = check_plan_import(data, actor=OFFICE, session=s, plan_dir=no_yaml)
    assert not preview.problems, [str(p) for p in preview.problems]
    assert [c for c in preview.created if c.startswith("target")] == [
        f"target 2025 di {code}: {text[:70]}" if len(text) <= 70 else f"target 2025 di {code}: {text[:69]}…",
        f"target 2026 di {code}: {text[:70]}" if len(text) <= 70 else f"target 2026 di {code}: {text[:69]}…",
    ]
    assert _targets(small_plan) == [], "the preview writes nothing"
    with session_scope(small_plan) as s:
        apply_plan_import(data, actor=OFFICE, session=s, plan_dir=no_yaml)
    assert _targets(small_plan) == [(2025, 10.0, 12.5, "Ufficio"), (2026, None, 15.0, "Ufficio")]

    exported = _export(small_plan)  # the Target sheet gives them back, with who set them
    target_rows = _cells(exported)["Target"][1:]
    assert [r[:6] for r in target_rows] == [[letter, code, text, 2025, 10, 12.5], [letter, code, text, 2026, None, 15]]
    assert all(r[6].startswith("fissato dall'Ufficio di Piano (Ufficio, ") for r in target_rows)
    with Session(small_plan) as s:  # importing the export again changes nothing, not even who set them
        assert not check_plan_import(exported, actor=OFFICE, session=s, plan_dir=no_yaml).ok

    changed, _ = _with_target_rows(_export(small_plan), [])
    wb = load_workbook(io.BytesIO(changed))
    wb["Target"].cell(row=3, column=6, value=20)
    buffer = io.BytesIO()
    wb.save(buffer)
    with session_scope(small_plan) as s:
        report = apply_plan_import(buffer.getvalue(), actor=None, session=s, plan_dir=no_yaml)
    assert report.updated == 1 and report.changed_items[0].startswith(f"target 2026 di {code}")
    assert _targets(small_plan) == [(2025, 10.0, 12.5, "Ufficio"), (2026, None, 20.0, COMMAND_LINE)]


def test_bad_target_rows_are_refused_cell_by_cell(small_plan, no_yaml):
    _office_user(small_plan)
    data, (letter, code, _text) = _with_target_rows(
        _export(small_plan),
        [[2031, 1, 2], [2025, "-3", 2], [2027, 1, "molti"], [2026, 1, 2], [2026, 1, 3]],
    )
    wb = load_workbook(io.BytesIO(data))
    wb["Target"].append([letter, code, "Un indicatore che non c'è", 2025, 1, 2])
    buffer = io.BytesIO()
    wb.save(buffer)
    with Session(small_plan) as s:
        preview = check_plan_import(buffer.getvalue(), actor=OFFICE, session=s, plan_dir=no_yaml)
    messages = [str(p) for p in preview.problems]
    assert "Target!D2, Anno: anno 2031 fuori dal piano (2025-2027)" in messages, messages
    assert "Target!E3, Valore di partenza: il valore non può essere negativo (-3)." in messages, messages
    assert any(m.startswith("Target!F4, Target: ") for m in messages), messages
    assert "Target!D6, Anno: target 2026 di questo indicatore ripetuto" in messages, messages
    assert any(m.startswith("Target!C7, Indicatore: indicatore non presente") for m in messages), messages
    assert len(messages) == 5, messages
    with pytest.raises(InputRefused), session_scope(small_plan) as s:
        apply_plan_import(buffer.getvalue(), actor=OFFICE, session=s, plan_dir=no_yaml)
    assert _targets(small_plan) == []


def test_a_workbook_without_the_target_sheet_still_imports(small_plan, no_yaml):
    wb = load_workbook(io.BytesIO(_export(small_plan)))
    del wb["Target"]
    buffer = io.BytesIO()
    wb.save(buffer)
    with Session(small_plan) as s:
        preview = check_plan_import(buffer.getvalue(), actor=OFFICE, session=s, plan_dir=no_yaml)
    assert not preview.problems and not preview.ok, "a file exported before the Target sheet existed: no change"
