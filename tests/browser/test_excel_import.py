"""In Chromium on the real plan: a lead downloads the entry template, uploads a file with a bad cell (refused,
nothing written), then the corrected file: preview, confirmation, values in the database. The Comitato
downloads the three reports."""

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, select

from models.db import get_engine
from models.tables import AuditEntry, IndicatorValue, Report
from tests.browser.conftest import Server, login, open_page, screenshot, seed_users
from tests.conftest import REAL_PLAN

NOTE = "=HYPERLINK(\"http://x\")"


@pytest.fixture(scope="module")
def real_server(tmp_path_factory):
    db = tmp_path_factory.mktemp("excel") / "pdz.sqlite3"
    seed_users(f"sqlite:///{db}", (("refa", "referente", ["A"]), ("com", "comitato", [])), REAL_PLAN)
    srv = Server(db, plan_dir=REAL_PLAN)
    yield srv
    srv.stop()


def _fill(template: str, out: str, value, *, formula_note: bool = False) -> None:
    wb = load_workbook(template)
    ws = wb["Indicatori"]
    headers = [c.value for c in ws[1]]
    row = next(
        r for r in range(2, ws.max_row + 1) if str(ws.cell(r, headers.index("Unità") + 1).value).startswith("numero")
    )
    ws.cell(row, headers.index("Valore") + 1).value = value
    note = ws.cell(row, headers.index("Nota") + 1)
    note.value = NOTE
    if not formula_note:
        note.data_type = "s"  # typed as text (in Excel: with a leading apostrophe)
    wb.save(out)


def test_lead_imports_a_filled_template(page, real_server, tmp_path):
    login(page, real_server, "refa")
    open_page(page, "Report ed Excel", "/report")
    page.get_by_text("Inserimento offline con Excel").wait_for()
    with page.expect_download() as download:
        page.get_by_role("button", name="Scarica il modello Excel").click()
    template = str(tmp_path / download.value.suggested_filename)
    download.value.save_as(template)
    assert download.value.suggested_filename.endswith("_A.xlsx")

    _fill(template, str(tmp_path / "sbagliato.xlsx"), "dodici", formula_note=True)
    page.locator('input[type="file"]').set_input_files(str(tmp_path / "sbagliato.xlsx"))
    page.get_by_text("Il file non è stato importato: 2 problemi").wait_for(timeout=20000)
    page.get_by_text("non è un numero").first.scroll_into_view_if_needed()
    page.get_by_text("non è un numero").first.wait_for()
    page.get_by_text("la cella contiene una formula").first.wait_for()
    screenshot(page, "excel-problemi")
    engine = get_engine(real_server.db_url)
    with Session(engine) as s:
        assert s.exec(select(Report)).first() is None

    _fill(template, str(tmp_path / "giusto.xlsx"), "1.234")
    page.locator('input[type="file"]').set_input_files(str(tmp_path / "giusto.xlsx"))
    page.get_by_text("Anteprima: 2 modifiche in 1 report").wait_for(timeout=20000)
    screenshot(page, "excel-anteprima")
    with Session(engine) as s:
        assert s.exec(select(Report)).first() is None  # the preview writes nothing
    page.get_by_role("button", name="Conferma l'importazione").click()
    page.get_by_text("Importazione completata: 2 modifiche in 1 report").wait_for(timeout=20000)
    with Session(engine) as s:
        values = s.exec(select(IndicatorValue)).all()
        assert [v.value_num for v in values if v.value_num is not None] == [1234.0]
        assert [v.note for v in values if v.note] == [NOTE]
        assert s.exec(select(Report)).one().state == "bozza"
        assert len(s.exec(select(AuditEntry).where(AuditEntry.entity == "report")).all()) == 2


def test_comitato_downloads_the_reports(page, real_server, tmp_path):
    login(page, real_server, "com")
    open_page(page, "Report ed Excel", "/report")
    page.get_by_text("Report semestrale e annuale").wait_for()
    assert page.get_by_text("Inserimento offline con Excel").count() == 0
    files = {}
    for button in ("Report semestrale .xlsx", "Report annuale .xlsx", "Report annuale .html"):
        with page.expect_download() as download:
            page.get_by_role("button", name=button).click()
        path = tmp_path / download.value.suggested_filename
        download.value.save_as(path)
        files[button] = path
    assert load_workbook(files["Report semestrale .xlsx"]).sheetnames[:2] == ["Sintesi", "Tabella Esiti"]
    assert "Sintesi" in load_workbook(files["Report annuale .xlsx"]).sheetnames
    html = files["Report annuale .html"].read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "Report annuale" in html
