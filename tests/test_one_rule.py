"""One rule per figure: a plan change gives the same action counts on every screen, and each rule has one home.

The regression of issue 14 (section 2): retire one action of an objective that has a report. Before, the form
said "2 su 3, sufficiente" (it counted the retired action's state), the Cruscotto kept the stored 2/4 and a
re-save gave 1/3. Now every screen says 1 su 3 (the retired action reported apart), before and after a re-save.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pytest

from components.report_form import achievement_line, live_action_count
from models import dashboard, rules
from models.entry_view import load_entry
from models.plan_setup import add_action, set_retired
from models.report_export import semester_report_xlsx
from models.review import allowed_review_actions, review_table
from models.vocab import ReportState
from tests.test_plan_setup import run
from tests.test_reports import OFFICE, db, form, ids, save, submitted  # noqa: F401

pytestmark = pytest.mark.both_databases  # its SQL runs on SQLite and on PostgreSQL (tests/conftest.py)

ROOT = Path(__file__).resolve().parents[1]


def screens(engine) -> dict[str, tuple[int, int, str]]:
    """(done, planned, band) of objective A.1 on each screen that shows it."""
    obj, _acts, _inds, sem = ids(engine)
    view = run(engine, load_entry, obj, sem, actor=OFFICE)
    live = live_action_count(view, {a["id"]: a["state"] for a in view.actions})
    row = next(
        r
        for r in run(engine, dashboard.area_objectives, semester_id=sem, include_submitted=True, area_letter="A")
        if r.id == obj
    )
    review = next(r for r in run(engine, review_table, sem) if r["objective_id"] == obj)
    xlsx = openpyxl.load_workbook(
        io.BytesIO(run(engine, semester_report_xlsx, sem, actor=OFFICE, include_submitted=True))
    )
    esiti = {r[2]: r[3] for r in xlsx["Tabella Esiti"].iter_rows(values_only=True) if r[1] == "A.1"}
    match = re.match(r"(\d+) su (\d+)", esiti["Azioni realizzate su programmate"])
    return {
        "form": (live.done, live.planned, live.band_label),
        "cruscotto": (row.done, row.planned, row.band),
        "revisione": (*map(int, re.match(r"(\d+) su (\d+)", review["actions"]).groups()), review["band"]),
        "xlsx": (int(match[1]), int(match[2]), esiti["Fascia di raggiungimento"]),
    }


def test_retiring_an_action_changes_every_screen_at_once(db):
    obj, acts, _inds, sem = ids(db)
    submitted(db)  # acts[0] and acts[1] realizzata, acts[2] in corso, acts[3] never touched: 2 su 4
    assert set(screens(db).values()) == {(2, 4, "sufficiente")}

    run(db, set_retired, "action", acts[1], True, actor=OFFICE)  # one of the two done
    assert set(screens(db).values()) == {(1, 3, "insufficiente")}
    view = run(db, load_entry, obj, sem, actor=OFFICE)
    count = live_action_count(view, {a["id"]: a["state"] for a in view.actions})
    assert count == rules.ActionCount(done=1, planned=3, retired=1)
    assert "1 azione ritirata non conteggiata" in achievement_line(count)
    review = next(r for r in run(db, review_table, sem) if r["objective_id"] == obj)
    assert review["actions"] == "1 su 3 (1 azione ritirata non conteggiata)"

    save(db, form(db, base_version=1), actor=OFFICE)  # a re-save changes nothing
    assert set(screens(db).values()) == {(1, 3, "insufficiente")}

    run(db, add_action, obj, "Nuova azione", actor=OFFICE)
    assert set(screens(db).values()) == {(1, 4, "insufficiente")}
    run(db, set_retired, "action", acts[1], False, actor=OFFICE)  # restored: its state counts again
    assert set(screens(db).values()) == {(2, 5, "insufficiente")}


def test_plan_change_refreshes_cached_dashboards(db):
    from models.db import data_change_counter, session_scope

    obj, acts, _inds, _sem = ids(db)
    with session_scope(db) as s:
        before = data_change_counter(s)
    run(db, add_action, obj, "Nuova azione", actor=OFFICE)
    run(db, set_retired, "action", acts[0], True, actor=OFFICE)
    with session_scope(db) as s:
        assert data_change_counter(s) == before + 2


@pytest.mark.parametrize(
    "actions, states, expected",
    [
        ([], {}, rules.ActionCount(0, 0, 0)),
        ([(1, False), (2, False)], {1: "realizzata"}, rules.ActionCount(1, 2, 0)),
        ([(1, False), (2, True)], {1: "in corso", 2: "realizzata"}, rules.ActionCount(0, 1, 1)),
        ([(1, True), (2, True)], {1: "non avviata"}, rules.ActionCount(0, 0, 1)),
        (
            [(1, False), (2, False), (3, False)],
            {1: "realizzata", 2: "realizzata", 3: "realizzata"},
            rules.ActionCount(3, 3, 0),
        ),
    ],
)
def test_count_actions(actions, states, expected):
    assert rules.count_actions(actions, states) == expected


def test_action_count_text_and_band():
    assert rules.ActionCount(1, 3, 2).text == "1 su 3 (2 azioni ritirate non conteggiate)"
    assert rules.ActionCount(0, 0).band_label == "non calcolabile"
    assert rules.ActionCount(3, 3).band_label == "ottimo"


def test_still_with_the_lead_and_review_actions():
    assert [s for s in (None, *ReportState) if rules.is_with_lead(s)] == [None, "bozza", "da rivedere"]
    assert not rules.is_overdue(None, late=False) and rules.is_overdue("bozza", late=True)
    assert not rules.is_overdue("inviata", late=True)
    assert allowed_review_actions(None) == frozenset()
    assert allowed_review_actions("bozza") == {"submit"}
    assert allowed_review_actions("inviata") == {"approve", "send_back"}
    assert allowed_review_actions("approvata") == {"send_back"}


# Each rule's home, and what its copies looked like: a copy anywhere else fails here.
RULE_COPIES = {
    r"\.actions_(done|planned)\b": set(),  # the old stored counts: never read nor written
    r"Objective\.kind\s*==|kind\s*==\s*\"specifico\"": {"models/rules.py"},
    r"year \* 2 \+|\.year \* 2": {"models/rules.py"},
    r"\"SI\"|\"NO\"": {"models/vocab.py"},
    r"\{\"processo\": 0|\(\"processo\", \"output\", \"outcome\"\)": set(),
    r"in \(None, \"bozza\", \"da rivedere\"\)|\(None, ReportState\.BOZZA, ReportState\.DA_RIVEDERE\)": {
        "models/rules.py"
    },
    r"\"nessun dato\"|'nessun dato'": {"models/vocab.py"},
    r"dashboard\._|reports\._|from models\.\w+ import _": set(),
}


@pytest.mark.parametrize("pattern, homes", RULE_COPIES.items())
def test_every_rule_has_one_home(pattern, homes):
    found = set()
    for folder in ("models", "components", "pages"):
        for path in (ROOT / folder).glob("*.py"):
            if re.search(pattern, path.read_text(encoding="utf-8")):
                found.add(path.relative_to(ROOT).as_posix())
    assert found <= homes, f"{pattern!r} recomputed outside its home: {sorted(found - homes)}"
