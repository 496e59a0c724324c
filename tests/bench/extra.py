"""Benchmark figures that use the Excel module and the app process."""

from __future__ import annotations

from tests.bench.run_bench import REPS, Figure, measure


def _office(session):
    from sqlmodel import select

    from models.permissions import Actor
    from models.tables import User

    office = session.exec(select(User).where(User.role == "ufficio_di_piano")).first()
    return Actor(office.id, office.username, office.role)


def _latest_semester(session):
    from sqlmodel import col, select

    from models.tables import Semester

    return session.exec(select(Semester).order_by(col(Semester.year).desc(), col(Semester.half).desc())).first()


def semester_report(url: str, reps: int = REPS) -> Figure:
    from models.db import get_engine, session_scope
    from models.report_export import semester_report_xlsx

    engine = get_engine(url)

    def once():
        with session_scope(engine) as s:
            semester_report_xlsx(_latest_semester(s).id, actor=_office(s), session=s, include_submitted=True)

    return measure("report semestrale .xlsx", once, reps)


def annual_report(url: str, reps: int = REPS) -> Figure:
    from models.db import get_engine, session_scope
    from models.report_export import annual_report_html

    engine = get_engine(url)

    def once():
        with session_scope(engine) as s:
            annual_report_html(_latest_semester(s).year, actor=_office(s), session=s, include_submitted=True)

    return measure("report annuale .html", once, reps)


def _template_rows(content: bytes) -> int:
    import io

    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(content), read_only=True)  # the sheets' sizes only: no cell is read
    return sum(
        max(ws.max_row - 1, 0) for ws in wb.worksheets if ws.title in ("Azioni", "Indicatori", "Spesa", "Valutazione")
    )


def _fill(content: bytes, values: list[int]) -> list[bytes]:
    """The template once per value, every numeric indicator value set to it, as a lead would type it (one load:
    openpyxl takes seconds to read a 6,000-row template)."""
    import io

    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(content))
    ws = wb["Indicatori"]
    headers = [c.value for c in ws[1]]
    unit, val = headers.index("Unità") + 1, headers.index("Valore") + 1
    splits = [i + 1 for i, h in enumerate(headers) if str(h or "").startswith("AT")]
    numeric = [row for row in range(2, ws.max_row + 1) if str(ws.cell(row, unit).value or "").startswith("numero")]
    for row in numeric:
        for col in splits:  # a saved split would no longer add up to the new total
            ws.cell(row, col).value = None
    files = []
    for value in values:
        for row in numeric:
            ws.cell(row, val).value = value
        out = io.BytesIO()
        wb.save(out)
        files.append(out.getvalue())
    return files


def import_template(url: str, rows: int, reps: int = REPS) -> Figure:
    """Check and import (one transaction) a filled template of at least `rows` rows: areas are added, in
    catalogue order, until the template is that long (the size-100 database has 100 copies per area)."""
    from sqlalchemy import update

    from models import entry_import, entry_template
    from models.db import get_engine, session_scope
    from models.entry_view import editable_objectives
    from models.tables import Report

    engine = get_engine(url)
    with session_scope(engine) as s:
        actor, sem = _office(s), _latest_semester(s)
        sem.state, sem.deadline = "aperto", None
        s.add(sem)
        # Submitted and approved reports are read-only: the benchmark imports into drafts.
        s.execute(update(Report).where(Report.semester_id == sem.id).values(state="bozza"))
        areas_all = list(dict.fromkeys(o["area"] for o in editable_objectives(actor=actor, session=s)))
    areas, content = [], b""
    for letter in areas_all:
        areas.append(letter)
        with session_scope(engine) as s:
            content = entry_template.build_template(sem.id, areas, actor=actor, session=s)
        if _template_rows(content) >= rows:
            break
    n = _template_rows(content)
    # Filled before the clock starts (openpyxl loads and saves the file: ~2 s that are no part of the import). Two
    # files with different values, taken in turn: every run changes every numeric indicator.
    files = _fill(content, [1000, 1001])
    counter = [0]

    def once():
        filled = files[counter[0] % 2]
        counter[0] += 1
        with session_scope(engine) as s:
            preview = entry_import.check_import(filled, semester_id=sem.id, actor=actor, session=s)
            if preview.problems:
                raise RuntimeError(f"{len(preview.problems)} problems, e.g. {preview.problems[0]}")
            entry_import.apply_import(preview, actor=actor, session=s)

    return measure(f"importazione di un modello di {n} righe (controllo + salvataggio)", once, reps)


def startup(url: str, reps: int = REPS, plan_changed: bool = False) -> Figure:
    """What every start of the app does before its first page can be drawn (models.startup.prepare_database, as
    components/data.py calls it): the schema checked, the plan files' digest compared with the one loaded (with
    `plan_changed`, forgotten before each run: the plan files read and loaded again, as after a change), the first
    administrator and the current semester."""
    from models.db import get_engine, session_scope
    from models.startup import PLAN_FILES_KEY, prepare_database
    from models.tables import StoredSetting

    engine = get_engine(url)

    def once() -> None:
        if plan_changed:
            with session_scope(engine) as s:
                if row := s.get(StoredSetting, PLAN_FILES_KEY):
                    s.delete(row)
        prepare_database(engine)

    what = "file del piano cambiati: piano riletto e ricaricato" if plan_changed else "stessi file del piano"
    # No warm-up run: a start is the first run of its process (a second start in the same process would find
    # SQLAlchemy's compiled statements ready, which no real start does).
    return measure(f"avvio dell'app, {what}", once, reps, warm_up=False)
