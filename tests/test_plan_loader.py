"""The loader: validation with file/line/key, idempotence, update without losing entered data."""

import shutil

import pytest
import yaml
from sqlmodel import Session, select

from models.db import session_scope
from models.plan_loader import load_plan
from models.plan_yaml import PlanFileError, read_plan
from models.tables import (
    Action,
    ActionStatus,
    BudgetLine,
    HistoricalOutcome,
    Indicator,
    IndicatorValue,
    MacroArea,
    Municipality,
    Objective,
    Report,
    Semester,
)
from tests.conftest import SMALL_PLAN

pytestmark = pytest.mark.both_databases  # its SQL runs on SQLite and on PostgreSQL (tests/conftest.py)


@pytest.fixture
def plan_copy(tmp_path):
    target = tmp_path / "plan"
    shutil.copytree(SMALL_PLAN, target)
    return target


def test_small_plan_loaded_with_every_record(small_plan):
    with Session(small_plan) as s:
        assert [a.letter for a in s.exec(select(MacroArea).order_by(MacroArea.position))] == ["A", "B", "D"]
        assert len(s.exec(select(Objective)).all()) == 4
        assert len(s.exec(select(Action)).all()) == 7
        assert len(s.exec(select(Indicator)).all()) == 7
        assert len(s.exec(select(Municipality)).all()) == 3
        lines = s.exec(select(BudgetLine)).all()
        assert sum(b.amount or 0 for b in lines) == 170000
        assert [b.to_be_completed for b in lines].count(True) == 1
        waiting = s.exec(select(Indicator).where(Indicator.text == "Tempi di attesa (giorni)")).one()
        assert waiting.higher_is_better is False and waiting.line == 123
        assert len(s.exec(select(HistoricalOutcome)).all()) == 1


def test_loading_twice_changes_nothing(small_plan):
    with session_scope(small_plan) as s:
        report = load_plan(s, read_plan(SMALL_PLAN))
    assert not report.changed, report


def _enter_some_data(engine):
    with session_scope(engine) as s:
        sem = Semester(year=2025, half=1)
        s.add(sem)
        s.flush()
        obj = s.exec(select(Objective).where(Objective.code == "A.1")).one()
        rep = Report(objective_id=obj.id, semester_id=sem.id)
        s.add(rep)
        s.flush()
        ind = s.exec(select(Indicator).where(Indicator.text == "N. di incontri della cabina di regia")).one()
        act = s.exec(select(Action).where(Action.text == "Formare gli operatori")).one()
        s.add(IndicatorValue(report_id=rep.id, indicator_id=ind.id, value_num=7))
        s.add(ActionStatus(report_id=rep.id, action_id=act.id, state="realizzata"))
        return ind.id, act.id


def test_changed_file_updates_plan_without_losing_entered_data(engine, plan_copy):
    with session_scope(engine) as s:
        load_plan(s, read_plan(plan_copy))
    indicator_id, action_id = _enter_some_data(engine)

    card_file = plan_copy / "cards" / "A.yaml"
    card = yaml.safe_load(card_file.read_text())
    a1 = card["objectives"][1]
    a1["indicators"][0]["text"] = "N. di incontri della Cabina di Regia (corretto)"  # a corrected indicator
    a1["actions"] = [x for x in a1["actions"] if x["text"] != "Formare gli operatori"]  # an action removed
    card["objectives"].append(
        {
            "code": "A.3",
            "kind": "specifico",
            "text": "Nuovo obiettivo",
            "line": 150,
            "actions": [{"text": "Nuova azione", "line": 151}],
            "indicators": [],
        }
    )
    card_file.write_text(yaml.safe_dump(card, allow_unicode=True))

    with session_scope(engine) as s:
        report = load_plan(s, read_plan(plan_copy))
    assert report.inserted == 2 and report.retired == 1
    with Session(engine) as s:
        ind = s.get(Indicator, indicator_id)
        assert ind.text.endswith("(corretto)") and not ind.retired
        assert s.exec(select(IndicatorValue)).one().indicator_id == indicator_id
        act = s.get(Action, action_id)
        assert act.retired, "a removed action is retired, not deleted"
        assert s.exec(select(ActionStatus)).one().action_id == action_id
        assert s.exec(select(Objective).where(Objective.code == "A.3")).one().text == "Nuovo obiettivo"


def test_objective_removed_from_file_is_retired(engine, plan_copy):
    with session_scope(engine) as s:
        load_plan(s, read_plan(plan_copy))
    (plan_copy / "cards" / "B.yaml").unlink()
    with session_scope(engine) as s:
        load_plan(s, read_plan(plan_copy))
    with Session(engine) as s:
        assert s.exec(select(Objective).where(Objective.code == "B.1")).one().retired


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda t: t.replace("battery: processo", "battery: processi"), r"A\.yaml, riga \d+, chiave 'battery'"),
        (
            lambda t: t.replace(
                "kind: specifico\n    text: \"Consolidare", "kind: specifico\n    text: \"Consolidare", 1
            ).replace("unit: numero, line: 120", "unit: numero, line: dodici"),
            r"chiave 'line'",
        ),
        (lambda t: t.replace("source: FNPS", "source: EUROPA"), r"chiave 'source'"),
        (lambda t: t.replace("amount: 100000", "amount: -5"), r"chiave 'amount'"),
        (lambda t: t.replace("objective: A.2,", "objective: Z.9,"), r"obiettivo 'Z.9'"),
        (lambda t: t.replace("indicators: []}", "indicators: []", 1), r"A\.yaml, riga \d+: YAML non valido"),
        (lambda t: t.replace("- {code: A.0", "- {code A.0"), r"chiave 'code': chiave mancante"),
    ],
)
def test_malformed_file_is_refused_naming_line_and_key(engine, plan_copy, mutate, message):
    card_file = plan_copy / "cards" / "A.yaml"
    card_file.write_text(mutate(card_file.read_text()))
    with pytest.raises(PlanFileError, match=message):
        read_plan(plan_copy)
    with Session(engine) as s:
        assert s.exec(select(Objective)).first() is None, "nothing written"


def test_unknown_area_in_card_refused(plan_copy):
    card_file = plan_copy / "cards" / "B.yaml"
    card_file.write_text(card_file.read_text().replace("area: B", "area: C"))
    with pytest.raises(PlanFileError, match="area 'C' non presente"):
        read_plan(plan_copy)


def test_reloading_reads_objectives_actions_and_indicators_in_bulk(real_plan, real_plan_data):
    """Every start reloads the plan: its objectives, actions and indicators are read in a few queries, not
    three per objective (a hundred-times plan made 16,000 queries and kept the first visitor waiting)."""
    from sqlalchemy import event

    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    with session_scope(real_plan) as s:
        objectives = len(s.exec(select(Objective)).all())
        event.listen(real_plan, "before_cursor_execute", count)
        try:
            report = load_plan(s, real_plan_data)
        finally:
            event.remove(real_plan, "before_cursor_execute", count)
    assert not report.changed, report
    per_objective = [q for q in statements if "FROM action" in q or "FROM indicator " in q or "FROM objective" in q]
    assert objectives > 50
    assert len(per_objective) < 10, len(per_objective)


def test_plan_files_are_parsed_by_libyaml_with_the_same_records_and_lines():
    """libyaml (C) parses the plan when PyYAML has it (four times faster at every start), and reads the same
    records with the same document lines as PyYAML's own parser."""
    from models import plan_yaml
    from tests.conftest import REAL_PLAN

    assert yaml.__with_libyaml__, "the locked PyYAML wheel ships libyaml"
    assert issubclass(plan_yaml.LineLoader, yaml.CSafeLoader)

    class PurePython(yaml.SafeLoader):
        pass

    PurePython.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, plan_yaml.construct_line_mapping)

    def flat(node, out):
        if isinstance(node, dict):
            out.append(("line", node.line))
            for key, value in node.items():
                out.append(("key", key))
                flat(value, out)
        elif isinstance(node, list):
            for value in node:
                flat(value, out)
        else:
            out.append((type(node).__name__, node))
        return out

    files = sorted(REAL_PLAN.rglob("*.yaml"))
    assert len(files) > 10
    for path in files:
        text = path.read_text(encoding="utf-8")
        c_read = flat(yaml.load(text, Loader=plan_yaml.LineLoader), [])
        assert c_read == flat(yaml.load(text, Loader=PurePython), []), path.name
        assert ("line", 3) in c_read or path.name != "plan.yaml"  # after two lines of comments
