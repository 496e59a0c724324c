"""The plan's Excel export (models/plan_export.py) and `python -m models.cli export-plan`."""

from __future__ import annotations

import io
import subprocess
import zipfile

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, select

from models.db import session_scope
from models.plan_export import EURO_FORMAT, SHEETS, export_plan_xlsx
from models.tables import Action, BudgetLine, Indicator, IndicatorTarget, Objective
from tests.cli_helpers import cli_env, run_cli
from tests.conftest import SMALL_PLAN

HEADERS = {
    "Piano": ["Campo", "Valore"],
    "Aree": ["Area", "Titolo", "Riga"],
    "Punti chiave": ["Area", "Punto chiave", "Riga"],
    "Sotto-ambiti": ["Sotto-ambito", "Nome", "Riga"],
    "Comuni": ["Sotto-ambito", "Comune"],
    "Schede": [
        "Area",
        "Scheda",
        "Titolo",
        "Riga",
        "Destinatari",
        "Riga destinatari",
        "Personale dedicato",
        "Riga personale",
        "Aree trasversali",
        "Trasversalità",
        "Riga trasversalità",
        "Tipo di servizio",
        "Tipo di servizio (testo)",
        "Riga tipo di servizio",
    ],
    "Caratteristiche": ["Scheda", "Caratteristica", "Valore", "Testo", "Riga"],
    "Obiettivi": ["Area", "Scheda", "Obiettivo", "Tipo", "Testo", "Riga", "Obiettivo precedente"],
    "Azioni": ["Area", "Obiettivo", "Azione", "Riga", "Ritirata"],
    "Indicatori": ["Area", "Obiettivo", "Tipo", "Indicatore", "Unità", "Più alto è meglio", "Target", "Riga"],
    "Budget": [
        "Area",
        "Scheda",
        "Obiettivo",
        "Voce",
        "Testo del documento",
        "Fonte",
        "Importo",
        "Pubblico/privato",
        "Circa",
        "Da completare",
        "Riga",
        "Anno",
        "Origine",
        "Natura (solo «preventivato» è budget del piano)",
    ],
    "Target": ["Area", "Obiettivo", "Indicatore", "Anno", "Valore di partenza", "Target", "Origine"],
}
SHEET_NAMES = list(HEADERS)
FORMULA_LIKE = ["=HYPERLINK(\"http://esempio.it\",\"clic\")", "+39 0372 123456", "-1+1", "@SUM(A1:A2)"]


def _export(engine) -> bytes:
    with Session(engine) as s:
        return export_plan_xlsx(session=s)


def _rows(data: bytes, sheet: str) -> list[dict]:
    ws = load_workbook(io.BytesIO(data))[sheet]
    header = [c.value for c in ws[1]]
    return [dict(zip(header, (c.value for c in row))) for row in ws.iter_rows(min_row=2)]


def test_sheets_and_columns(small_plan):
    wb = load_workbook(io.BytesIO(_export(small_plan)))
    assert wb.sheetnames == SHEET_NAMES
    assert {name: [c.header for c in cols] for name, cols in SHEETS.items()} == HEADERS
    for name, headers in HEADERS.items():
        ws = wb[name]
        assert [c.value for c in ws[1]] == headers
        assert all(c.font.bold for c in ws[1]), "bold header row"
        assert ws.freeze_panes == "A2", "header row frozen"
        assert ws.auto_filter.ref == f"A1:{chr(ord('A') + len(headers) - 1)}{max(ws.max_row, 1)}"
        assert all(ws.column_dimensions[chr(ord("A") + i)].width >= 6 for i in range(len(headers)))


def test_rows_of_the_small_plan(small_plan):
    data = _export(small_plan)
    objectives = _rows(data, "Obiettivi")
    assert [(r["Area"], r["Obiettivo"], r["Tipo"], r["Riga"]) for r in objectives] == [
        ("A", "A.0", "generale", 101),
        ("A", "A.1", "specifico", 102),
        ("A", "A.2", "specifico", 130),
        ("B", "B.1", "specifico", 201),
    ]
    actions = _rows(data, "Azioni")
    assert len(actions) == 7 and actions[0] == {
        "Area": "A",
        "Obiettivo": "A.1",
        "Azione": "Costituire la cabina di regia",
        "Riga": 103,
        "Ritirata": "No",
    }
    indicators = _rows(data, "Indicatori")
    assert len(indicators) == 7
    assert {r["Tipo"] for r in indicators} == {"processo", "output", "outcome"}
    assert indicators[0] == {
        "Area": "A",
        "Obiettivo": "A.1",
        "Tipo": "processo",
        "Indicatore": "N. di incontri della cabina di regia",
        "Unità": "numero",
        "Più alto è meglio": "Sì",
        "Target": None,
        "Riga": 120,
    }
    budget = _rows(data, "Budget")
    assert [
        (
            r["Obiettivo"],
            r["Voce"],
            r["Fonte"],
            r["Importo"],
            r["Pubblico/privato"],
            r["Circa"],
            r["Da completare"],
            r["Riga"],
        )
        for r in budget
    ] == [
        ("A.1", "Progetto rete", "FNPS", 100000, "pubblico", "No", "No", 140),
        ("A.1", "Fondo Povertà", "Fondo Povertà", None, "pubblico", "No", "Sì", 141),
        ("A.2", "Stazione di posta", "PNRR", 50000, "pubblico", "Sì", "No", 142),
        ("B.1", "Sportello casa", "Comunale", 20000, "pubblico", "No", "No", 220),
    ]
    assert budget[3]["Anno"] == 2025 and budget[0]["Origine"] == "documento del piano"


def test_euro_format_on_amounts(small_plan):
    ws = load_workbook(io.BytesIO(_export(small_plan)))["Budget"]
    column = [c.value for c in ws[1]].index("Importo") + 1
    cells = [ws.cell(row=r, column=column) for r in range(2, ws.max_row + 1)]
    assert all(c.number_format == EURO_FORMAT == '#,##0.00 "€"' for c in cells)
    assert [c.value for c in cells if c.value is not None] == [100000, 50000, 20000]
    assert all(isinstance(c.value, (int, float)) for c in cells if c.value is not None), "amounts are numbers"


def test_targets_retired_actions_and_office_budget_lines(small_plan):
    with session_scope(small_plan) as s:
        ind = s.exec(select(Indicator).where(Indicator.text == "N. di incontri della cabina di regia")).one()
        s.add(IndicatorTarget(indicator_id=ind.id, year=2025, target=10))
        s.add(IndicatorTarget(indicator_id=ind.id, year=2026, target=12.5))
        s.exec(select(Action).where(Action.text == "Formare gli operatori")).one().retired = True
        obj = s.exec(select(Objective).where(Objective.code == "B.1")).one()
        s.add(
            BudgetLine(
                card_id=obj.card_id,
                objective_id=obj.id,
                year=2026,
                source="FSR",
                amount=1500.5,
                origin="ufficio",
                public=True,
            )
        )
    data = _export(small_plan)
    assert _rows(data, "Indicatori")[0]["Target"] == "2025: 10; 2026: 12,5 (origine non registrata)"
    retired = [r for r in _rows(data, "Azioni") if r["Azione"] == "Formare gli operatori"]
    assert retired and retired[0]["Ritirata"] == "Sì", "a retired action stays, marked"
    office = _rows(data, "Budget")[-1]
    assert (office["Obiettivo"], office["Fonte"], office["Importo"], office["Anno"], office["Origine"]) == (
        "B.1",
        "FSR",
        1500.5,
        2026,
        "fissato dall'Ufficio di Piano (autore e data non registrati)",
    )


def test_formula_like_text_stays_text(small_plan):
    with session_scope(small_plan) as s:
        actions = s.exec(select(Action).order_by(Action.id)).all()
        for action, text in zip(actions, FORMULA_LIKE):
            action.text = text
        s.exec(select(Objective).where(Objective.code == "A.0")).one().text = "=1+1"
        s.exec(select(BudgetLine).order_by(BudgetLine.id)).first().item = "=SUM(1,2)"
    data = _export(small_plan)
    wb = load_workbook(io.BytesIO(data))
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    tricky = [c for c in cells if c.value.startswith(("=", "+", "-", "@"))]
    assert sorted(c.value for c in tricky) == sorted([*FORMULA_LIKE, "=1+1", "=SUM(1,2)"])
    for cell in tricky:
        assert cell.data_type == "s", cell.value
        assert cell.quotePrefix, f"{cell.value}: Excel keeps it text when the cell is edited"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheets = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
    assert not any("<f>" in xml or "<f " in xml for xml in sheets), "no formula in the workbook"


def test_control_characters_are_dropped(small_plan):
    with session_scope(small_plan) as s:
        s.exec(select(Action).order_by(Action.id)).first().text = "Riga\x00 con\x07 controlli"
    assert _rows(_export(small_plan), "Azioni")[0]["Azione"] == "Riga con controlli"


def _cli(tmp_path, *args: str, in_process: bool = False) -> subprocess.CompletedProcess:
    env = cli_env(PDZ_DATABASE_URL=f"sqlite:///{tmp_path / 'cli.sqlite3'}", PDZ_PLAN_DIR=str(SMALL_PLAN))
    return run_cli(env, "export-plan", *args, in_process=in_process)


def test_cli_creates_loads_and_exports(tmp_path):
    out = tmp_path / "piano.xlsx"
    first = _cli(tmp_path, "--out", str(out))
    assert first.returncode == 0, first.stderr
    assert "PRIMO AVVIO" in first.stdout, "an empty database gets its administrator, shown once"
    assert f"Piano esportato in {out}" in first.stdout
    wb = load_workbook(out)
    assert wb.sheetnames == SHEET_NAMES
    assert wb["Obiettivi"].max_row == 1 + 4
    out.unlink()
    second = _cli(tmp_path, "--out", str(out))
    assert second.returncode == 0 and "PRIMO AVVIO" not in second.stdout and out.exists()


@pytest.mark.parametrize(
    "args, code, message",
    [
        ((), 2, "Uso: make export-plan OUT="),
        (("--out", ""), 2, "Uso: make export-plan OUT="),
    ],
)
def test_cli_without_out_explains_usage(tmp_path, args, code, message):
    result = _cli(tmp_path, *args, in_process=True)
    assert result.returncode == code and message in result.stderr


def test_cli_unwritable_out_is_an_error(tmp_path):
    result = _cli(tmp_path, "--out", str(tmp_path / "manca" / "piano.xlsx"), in_process=True)
    assert result.returncode == 1 and "impossibile scrivere" in result.stderr
