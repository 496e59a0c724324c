"""Numbers typed by people: one parser (formatting.parse_number) and one set of limits (validation) for the form
and the Excel import. A text is read only when its reading is certain; otherwise refused naming both readings."""

from __future__ import annotations

import math

import pytest
from sqlmodel import Session, select

from models.db import session_scope
from models.formatting import parse_number
from models.reports import IndicatorInput, ReportInput, SpendInput, ValidationFailed, save_report
from models.tables import IndicatorValue, Report, Spend
from tests.test_entry_excel import (  # noqa: F401
    INCONTRI,
    LEAD_A,
    PERCENTUALE,
    TODAY,
    book,
    cell,
    check,
    db,
    indicators,
    objective,
    saved,
    semester,
    template,
)

# (typed text, value read) — certain readings
CERTAIN = [
    ("1.234,56", 1234.56),
    ("1234,56", 1234.56),
    ("1234", 1234),
    ("0,5", 0.5),
    ("1.234", 1234),
    ("12,5 %", 12.5),
    ("€ 1.234", 1234),
    ("1.234.567", 1234567),
    ("0,500", 0.5),
    ("1234,567", 1234.567),
    ("€1.234,50", 1234.5),
    ("1,5", 1.5),
    ("+4", 4),
    ("007", 7),
    ("  42  ", 42),
    ("1.234 €", 1234),
]
# (typed text, fragments of the refusal: the two readings, or what is wrong)
AMBIGUOUS = [
    ("1,234.56", ["1.234,56", "1,23456", "scrivere 1.234,56"]),
    ("1,000.00", ["1.000,00", "1,00000"]),
    ("1,000", ["1 (virgola decimale)", "1.000 (virgola come separatore delle migliaia"]),
    ("12,500", ["12,5", "12.500"]),
    ("2.5", ["2,5", "25", "usare la virgola per i decimali"]),
    ("1234.5", ["1.234,5", "12.345", "usare la virgola per i decimali"]),
    ("0.500", ["0,500", "500", "usare la virgola per i decimali"]),
    ("1.2345", ["1,2345", "12.345"]),
]
REFUSED = [
    ("1_000", "ammessi solo le cifre 0-9"),
    ("１２３", "ammessi solo le cifre 0-9"),
    ("1e5", "non è un numero"),
    ("inf", "non è un numero"),
    ("nan", "non è un numero"),
    ("Infinity", "non è un numero"),
    ("0x10", "non è un numero"),
    ("1,000,000", "in italiano si scrive 1.000.000"),
    ("12 345", "non è un numero"),
    ("5,", "incompleto"),
    ("1.23,4", "non è un numero scritto correttamente"),
    ("--5", "non è un numero"),
    ("abc", "non è un numero"),
    ("٣", "ammessi solo le cifre 0-9"),
    ("1.2.3", "non è un numero scritto"),
    ("9" * 41, "troppo lungo"),
]


def test_at_least_25_cases():
    assert len(CERTAIN) + len(AMBIGUOUS) + len(REFUSED) >= 25


@pytest.mark.parametrize("text, expected", CERTAIN)
def test_parser_certain_readings(text, expected):
    assert parse_number(text, "Campo") == pytest.approx(expected, abs=0)


@pytest.mark.parametrize("text, fragments", AMBIGUOUS)
def test_parser_ambiguous_readings_name_both(text, fragments):
    with pytest.raises(ValueError) as info:
        parse_number(text, "Impegnato")
    message = str(info.value)
    assert message.startswith("Impegnato: ") and f"«{text}»" in message and "due modi" in message
    for fragment in fragments:
        assert fragment in message, message


@pytest.mark.parametrize("text, fragment", REFUSED)
def test_parser_refusals(text, fragment):
    with pytest.raises(ValueError, match=fragment):
        parse_number(text, "Campo")


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan, 10**400])
def test_numbers_from_excel_must_be_finite(value):
    with pytest.raises(ValueError, match="non valido"):
        parse_number(value, "Campo")


# --- the same readings through the form's path and the Excel import's path ---------------------


def _form_save(engine, text: str):
    """What the entry form does with the text typed in an indicator count (save_report reads it)."""
    obj, sem = objective(engine, "A.1"), semester(engine)
    data = ReportInput(
        objective_id=obj,
        semester_id=sem,
        base_version=None,
        indicators={indicators(engine, "A.1")[INCONTRI]: IndicatorInput(text)},
    )
    with session_scope(engine) as s:
        save_report(data, actor=LEAD_A, session=s, today=TODAY)
    with Session(engine) as s:
        return s.exec(select(IndicatorValue.value_num)).one()


def _import_check(engine, text: str):
    wb = book(template(engine))
    cell(wb["Indicatori"], {"Indicatore": INCONTRI}, "Valore").value = text
    return check(engine, saved(wb))


@pytest.mark.parametrize("text, expected", CERTAIN)
def test_certain_readings_saved_by_form_and_import(db, text, expected):
    preview = _import_check(db, text)
    assert preview.ok, preview.problems
    assert preview.inputs[0].indicators[indicators(db, "A.1")[INCONTRI]].value == pytest.approx(expected, abs=0)
    assert _form_save(db, text) == pytest.approx(expected, abs=0)


@pytest.mark.parametrize("text, fragments", [*AMBIGUOUS, *((t, [f]) for t, f in REFUSED)])
def test_uncertain_and_bad_texts_refused_by_form_and_import(db, text, fragments):
    preview = _import_check(db, text)
    assert [p.sheet for p in preview.problems] == ["Indicatori"] and not preview.inputs
    with pytest.raises(ValidationFailed) as info:
        _form_save(db, text)
    for message in (preview.problems[0].message, str(info.value.errors[0])):
        assert message.startswith("Valore") or message.startswith("Indicatore «N. di incontri"), message
        for fragment in fragments:
            assert fragment in message, message
    with Session(db) as s:
        assert s.exec(select(Report)).all() == []


def test_issue_reproduction_english_amounts_refused_on_a2(db):
    """Impegnato 1,234.56 and Liquidato 1,000.00 were saved as 1,23 and 1."""
    data = ReportInput(
        objective_id=objective(db, "A.2"),
        semester_id=semester(db),
        base_version=None,
        spend=[SpendInput("PNRR", "1,234.56", "1,000.00")],
    )
    with pytest.raises(ValidationFailed) as info, session_scope(db) as s:
        save_report(data, actor=LEAD_A, session=s, today=TODAY)
    fields = [e.field for e in info.value.errors]
    assert fields == ["Spesa PNRR – impegnato"], info.value.errors
    assert "1.234,56" in str(info.value) and "1,23456" in str(info.value)


def test_issue_reproduction_in_the_import(db):
    wb = book(template(db))
    row = {"Obiettivo": "A.2", "Fonte": "PNRR"}
    cell(wb["Spesa"], row, "Impegnato (€)").value = "15,523.35"
    preview = check(db, saved(wb))
    assert len(preview.problems) == 1 and "15.523,35" in preview.problems[0].message
    assert preview.problems[0].message.startswith("Impegnato (€): ")


# --- limits (the rules themselves: tests/test_validation.py) -----------------------------------


def test_issue_huge_amount_refused_with_the_limit(db):
    data = ReportInput(
        objective_id=objective(db, "A.2"),
        semester_id=semester(db),
        base_version=None,
        spend=[SpendInput("PNRR", "99999999999999999999999", "")],
    )
    with (
        pytest.raises(
            ValidationFailed,
            match=r"99999999999999999999999 €\): il massimo per un importo .* "
            r"100\.000\.000 €",
        ),
        session_scope(db) as s,
    ):
        save_report(data, actor=LEAD_A, session=s, today=TODAY)


def test_huge_numeric_excel_cell_refused_like_typed_text(db):
    wb = book(template(db))
    cell(wb["Spesa"], {"Obiettivo": "A.1", "Fonte": "FNPS"}, "Liquidato (€)").value = 1e308
    preview = check(db, saved(wb))
    assert len(preview.problems) == 1 and "valore non plausibile" in preview.problems[0].message
    assert preview.problems[0].message.startswith("Liquidato (€): ")


# --- over the objective's budget: confirmation and note -------------------------------------------


def _spend(engine, *lines: SpendInput, code: str = "A.1"):
    data = ReportInput(
        objective_id=objective(engine, code), semester_id=semester(engine), base_version=None, spend=list(lines)
    )
    with session_scope(engine) as s:
        return save_report(data, actor=LEAD_A, session=s, today=TODAY)


def test_amount_far_above_the_budget_needs_confirmation_and_note(db):
    # A.1 has FNPS 100.000 €: 300.000 is the limit of the warning, 300.001 asks for a confirmation
    _spend(db, SpendInput("FNPS", "300.000", "300.000"))
    with pytest.raises(ValidationFailed, match="supera di oltre 3 volte il budget dell'obiettivo"):
        _spend(db, SpendInput("FNPS", "300.001", ""), code="A.1")


def test_amount_far_above_the_budget_accepted_with_confirmation_and_note(db):
    with pytest.raises(ValidationFailed, match="Spesa FNPS – impegnato"):
        _spend(db, SpendInput("FNPS", "350.000", "", note="", confirmed_over=True))
    _spend(db, SpendInput("FNPS", "350.000", "", note="Cofinanziamento regionale straordinario", confirmed_over=True))
    with Session(db) as s:
        assert s.exec(select(Spend.committed)).one() == 350_000


def test_total_far_above_the_budget_warned(db):
    # A source without budget is compared with the objective's total (100.000 €): each line alone is fine
    # against the total, their sum is not
    with pytest.raises(ValidationFailed, match="Spesa – totale impegnato"):
        _spend(db, SpendInput("FNPS", "200.000", ""), SpendInput("FSR", "200.000", ""))


# --- a bad value already stored never takes a screen down --------------------------------------


@pytest.fixture
def bad_app(tmp_path):
    """The Cruscotto's dataset plus, in the open semester, paid 1e308 twice on A.1 and infinity on A.2."""
    from models.db import bump_data_change
    from models.tables import Objective, Semester
    from tests.apptest_helpers import app_env, prepared
    from tests.test_report_export import populate

    with app_env(tmp_path / "bad.sqlite3") as engine:
        prepared(engine)
        with session_scope(engine) as s:
            for sem in s.exec(select(Semester)):
                s.delete(sem)
        populate(engine)
        with session_scope(engine) as s:
            sem = s.exec(select(Semester).where(Semester.half == 2)).one()
            reports = {
                s.get(Objective, r.objective_id).code: r
                for r in s.exec(select(Report).where(Report.semester_id == sem.id))
            }
            s.add(Spend(report_id=reports["A.1"].id, source="FSR", committed=1.0, paid=1e308))
            s.add(Spend(report_id=reports["A.1"].id, source="PNRR", committed=1.0, paid=1e308))
            s.add(Spend(report_id=reports["A.2"].id, source="FSR", committed=1.0, paid=math.inf))
            from models.tables import Indicator, IndicatorTarget

            meetings = s.exec(select(Indicator).where(Indicator.text == INCONTRI)).one()
            s.add(IndicatorTarget(indicator_id=meetings.id, year=2025, target=10))
            s.add(IndicatorValue(report_id=reports["A.1"].id, indicator_id=meetings.id, value_num=1e308))
            bump_data_change(s)
        yield engine


def test_cruscotto_shows_invalid_value_and_renders_every_tab(bad_app):
    from components.dashboard_controls import TABS
    from tests.test_dashboard import charts_of, open_cruscotto, open_tab

    at = open_cruscotto("uff")  # the office counts submitted reports too: A.2's infinity included
    html = " ".join(h.proto.body for h in at.get("html"))
    assert "valore non valido" in html
    assert charts_of(at)  # the bands chart is still drawn
    for label in TABS[:4]:
        open_tab(at, label)
        assert not at.exception, (label, at.exception)
    open_tab(at, "Obiettivi e indicatori")
    assert not at.exception


def test_revisione_renders_with_invalid_value(bad_app):
    from tests.apptest_helpers import logged_in

    at = logged_in("uff", "pages/revisione.py")
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert "valore non valido" in set(table["Classe di spesa"]) and "valore non valido" in set(table["Liquidato"])


# --- an empty spend line is "nessun dato", a line of zeros is zero spent ------------------------


def test_no_spend_data_is_not_zero_percent_in_cruscotto_and_export(db):
    import io

    from openpyxl import load_workbook

    from models import dashboard, report_export

    _spend(db, SpendInput("FNPS", "", ""), code="A.1")  # an empty line: nothing stored
    _spend(db, SpendInput("PNRR", "0", "0"), code="A.2")  # zero spent, stated
    with session_scope(db) as s:
        for report in s.exec(select(Report)):
            report.state = "inviata"
        assert s.exec(select(Spend.source)).all() == ["PNRR"]
    params = {"semester_id": semester(db), "include_submitted": True}
    with session_scope(db) as s:
        areas = {a.letter: a.money for a in dashboard.area_rows(session=s, **params)}
        objectives = {o.code: o.money for o in dashboard.area_objectives(session=s, area_letter="A", **params)}
        xlsx = report_export.semester_report_xlsx(params["semester_id"], actor=None, session=s, include_submitted=True)
    assert objectives["A.1"].ratio is None and objectives["A.1"].spend_class == "nessun dato"
    assert objectives["A.2"].ratio == 0 and objectives["A.2"].spend_class.startswith("non realizzato")
    assert areas["A"].ratio == 0  # A.2's zero counts for the area
    assert areas["B"].ratio is None and areas["B"].spend_class == "nessun dato"  # budget 20.000, no spend line
    book = load_workbook(io.BytesIO(xlsx))
    values = [c.value for row in book["Sintesi"].iter_rows() for c in row]
    assert "nessun dato" in values


# --- the form shows each number as it will be saved ------------------------------------------


def test_form_shows_the_value_as_it_will_be_saved_or_the_refusal(tmp_path):
    from tests.apptest_helpers import app_env, logged_in, prepared

    with app_env(tmp_path / "form.sqlite3") as engine:
        prepared(engine)
        at = logged_in("refa", "pages/inserimento.py")
        assert not at.exception, at.exception
        shown = lambda: [c.value.replace("\\", "") for c in at.caption]  # noqa: E731  (markdown escapes)
        assert shown().count("Vuoto: nessun dato") >= 2  # every empty amount says it stays empty
        committed = next(t for t in at.text_input if t.label.startswith("Impegnato (€) – "))
        committed.input("1.234,56").run()
        assert "Si salverà: 1.234,56 €" in shown()
        paid = next(t for t in at.text_input if t.label.startswith("Liquidato (€) – "))
        paid.input("1,000").run()
        refusal = next(c for c in shown() if "1,000" in c)
        assert refusal.startswith("⚠️ Liquidato: ") and "due modi" in refusal
        value = next(t for t in at.text_input if t.label.startswith("Valore (numero"))
        value.input("12,5").run()
        assert "Si salverà: 12,5" in shown()
        assert not at.exception


def test_import_over_budget_refused_on_its_cell_then_accepted_confirmed_and_kept(db):
    wb = book(template(db))
    row = {"Obiettivo": "A.1", "Fonte": "FNPS"}  # budget 100.000 €
    target = cell(wb["Spesa"], row, "Impegnato (€)")
    target.value = 350_000
    preview = check(db, saved(wb))
    assert [(p.sheet, p.cell) for p in preview.problems] == [("Spesa", target.coordinate)]
    assert "supera di oltre 3 volte il budget" in preview.problems[0].message
    cell(wb["Spesa"], row, "Nota").value = "Cofinanziamento straordinario"
    cell(wb["Spesa"], row, "Conferma liquidato > impegnato").value = "SI"
    preview = check(db, saved(wb))
    assert preview.ok, preview.problems
    from tests.test_entry_excel import apply

    apply(db, preview)
    again = book(template(db))  # downloaded again: the confirmation column is empty (paid <= committed)
    cell(again["Indicatori"], {"Indicatore": INCONTRI}, "Valore").value = 3
    preview = check(db, saved(again))
    assert preview.ok, preview.problems
