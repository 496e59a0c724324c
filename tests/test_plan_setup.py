"""Plan set-up, semesters, review table: targets per year used by scoring, retiring keeps history,
shares must add up, closed semester refuses writes, every change audited."""

from datetime import date

import pytest
from sqlmodel import Session, select

from models.audit import audit_trail
from models.db import session_scope
from models.entry_view import load_entry
from models.permissions import PermissionDenied
from models.plan_setup import (
    add_action,
    add_indicator,
    save_shared_project,
    set_budget,
    set_retired,
    set_sub_areas,
    set_target,
)
from models.reports import ReportLocked
from models.review import review_table
from models.semesters import close_semester, missing_reports, open_semester, reopen_semester
from models.tables import IndicatorValue, Semester
from models.validation import FieldError
from tests.test_reports import COMITATO, LEAD_A, OFFICE, db, form, ids, save, submitted  # noqa: F401


def run(engine, fn, *args, **kw):
    with session_scope(engine) as s:
        return fn(*args, session=s, **kw)


def test_targets_per_year_are_used_by_the_scoring(db):
    obj, acts, inds, sem = ids(db)
    ind = inds["N. di incontri della cabina di regia"]
    run(db, set_target, ind, 2025, "10", "2.000", actor=OFFICE)
    run(db, set_target, ind, 2026, "", "5.000", actor=OFFICE)
    save(db, form(db))
    view = run(db, load_entry, obj, sem, actor=OFFICE)
    row = next(i for i in view.indicators if i["id"] == ind)
    assert row["target"] == 2000 and row["value_num"] == 1234  # 2025 semester uses the 2025 target
    from models.scoring import achievement_band, indicator_achievement

    assert achievement_band(indicator_achievement(row["value_num"], row["target"])).label == "sufficiente"


def test_bad_targets_refused(db):
    _, _, inds, _ = ids(db)
    with pytest.raises(FieldError, match="Target.*da 0 a 100"):
        run(db, set_target, inds["Percentuale di progetti personalizzati avviati"], 2025, "", "120", actor=OFFICE)
    with pytest.raises(FieldError, match="Target.*1 \\(sì\\) o 0"):
        run(db, set_target, inds["Protocollo sottoscritto"], 2025, "", "3", actor=OFFICE)
    with pytest.raises(PermissionDenied):
        run(db, set_target, inds["Protocollo sottoscritto"], 2025, "", "1", actor=LEAD_A)


def test_retiring_an_indicator_keeps_its_history_and_drops_it_from_new_semesters(db):
    obj, acts, inds, sem = ids(db)
    ind = inds["N. di incontri della cabina di regia"]
    save(db, form(db))
    run(db, set_retired, "indicator", ind, True, actor=OFFICE)
    run(db, set_retired, "action", acts[3], True, actor=OFFICE)
    with Session(db) as s:
        assert s.exec(select(IndicatorValue).where(IndicatorValue.indicator_id == ind)).one().value_num == 1234
    old_view = run(db, load_entry, obj, sem, actor=OFFICE)
    assert ind in [i["id"] for i in old_view.indicators], "the semester that has a value still shows it"
    new_sem = run(db, open_semester, 2025, 2, date(2026, 1, 31), actor=OFFICE, confirmed=True)
    new_view = run(db, load_entry, obj, new_sem.id, actor=OFFICE)
    assert ind not in [i["id"] for i in new_view.indicators]
    assert acts[3] not in [a["id"] for a in new_view.actions]


def test_added_indicator_and_action_appear_and_are_audited(db):
    obj, _, _, sem = ids(db)
    new_ind = run(db, add_indicator, obj, "output", "N. famiglie raggiunte", "numero", actor=OFFICE)
    new_act = run(db, add_action, obj, "Nuova campagna informativa", actor=OFFICE)
    view = run(db, load_entry, obj, sem, actor=OFFICE)
    assert new_ind.id in [i["id"] for i in view.indicators] and new_act.id in [a["id"] for a in view.actions]
    with Session(db) as s:
        fields = [e.field for e in audit_trail(s, objective_id=obj)]
    assert "Indicatore aggiunto" in fields and "Azione aggiunta" in fields
    with pytest.raises(FieldError, match="Tipo di indicatore"):
        run(db, add_indicator, obj, "impatto", "x", "numero", actor=OFFICE)


def test_budget_per_source_and_year(db):
    obj, _, _, _ = ids(db)
    run(db, set_budget, obj, 2025, "FSR", "12.500", actor=OFFICE)
    run(db, set_budget, obj, 2025, "FSR", "15.000", actor=OFFICE)  # same triple: updated, not duplicated
    with Session(db) as s:
        entries = [e for e in audit_trail(s, objective_id=obj) if e.field == "Budget FSR 2025"]
    assert [(e.old, e.new) for e in reversed(entries)] == [(None, "12500"), ("12500", "15000")]
    with pytest.raises(FieldError, match="Importo.*negativo"):
        run(db, set_budget, obj, 2025, "FSR", "-1", actor=OFFICE)


def test_sub_area_assignment(db):
    obj, _, _, _ = ids(db)
    run(db, set_sub_areas, obj, ["AT1"], actor=OFFICE)
    with pytest.raises(FieldError, match="AT9"):
        run(db, set_sub_areas, obj, ["AT9"], actor=OFFICE)


def test_partner_shares_must_add_up(db):
    # seed 000: €20,000 per project, split 1/2 or 1/3 among partners
    run(
        db,
        save_shared_project,
        "LIMES",
        "20.000",
        [("Ambito Cremonese", "10.000"), ("Ambito Casalasco", "10.000")],
        actor=OFFICE,
    )
    run(
        db,
        save_shared_project,
        "MATRICE",
        "20000",
        [("A", "6666,67"), ("B", "6666,67"), ("C", "6666,66")],
        actor=OFFICE,
    )
    with pytest.raises(FieldError, match="somma delle quote .* non corrisponde"):
        run(db, save_shared_project, "X", "20000", [("A", "10000"), ("B", "9000")], actor=OFFICE)
    with pytest.raises(PermissionDenied):
        run(db, save_shared_project, "Y", "2", [("A", "1"), ("B", "1")], actor=LEAD_A)


def test_close_requires_reason_when_reports_missing_and_reopen_is_logged(db):
    obj, _, _, sem = ids(db)
    assert len(run(db, missing_reports, sem)) == 3
    with pytest.raises(FieldError, match="Motivazione"):
        run(db, close_semester, sem, actor=OFFICE)
    run(db, close_semester, sem, actor=OFFICE, reason="Assemblea anticipata")
    with pytest.raises(ReportLocked, match="chiuso"):
        save(db, form(db), actor=OFFICE)
    with pytest.raises(FieldError, match="obbligatoria"):
        run(db, reopen_semester, sem, actor=OFFICE, reason="")
    run(db, reopen_semester, sem, actor=OFFICE, reason="Correzione dati AT3")
    with Session(db) as s:
        assert s.get(Semester, sem).state == "aperto"
        reasons = [e.reason for e in audit_trail(s) if e.field == "Stato semestre"]
    assert any("Correzione dati AT3" in r for r in reasons) and any("mancanti: A.1" in r for r in reasons)


def test_review_table_puts_missing_and_late_first(db):
    submitted(db)
    rows = run(db, review_table, ids(db)[3], today=date(2025, 8, 15))
    assert [r["no_data"] for r in rows] == [True, True, False]
    a1 = next(r for r in rows if r["code"] == "A.1")
    assert a1["state"] == "inviata" and a1["band"] == "sufficiente" and not a1["overdue"]
    assert all(r["overdue"] for r in rows if r["no_data"])
