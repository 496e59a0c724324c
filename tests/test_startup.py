"""models/startup.prepare_database loads the plan files only when they are new or changed: a restart keeps what
the Ufficio di Piano set up in the app, and changed files still update the plan."""

from __future__ import annotations

import shutil

from sqlmodel import col, select

from models import plan_setup
from models.db import session_scope
from models.permissions import Actor
from models.startup import PLAN_FILES_KEY, plan_files_digest, prepare_database
from models.tables import Action, Indicator, StoredSetting
from tests.conftest import SMALL_PLAN

OFFICE = Actor(None, "uff", "ufficio_di_piano")


def first(session, model):
    return session.exec(select(model).where(col(model.retired).is_(False)).order_by(col(model.id))).first()


def test_a_restart_keeps_what_the_office_set_up_in_the_app(empty_database_url, tmp_path):
    from models.db import get_engine

    engine = get_engine(empty_database_url)
    started = prepare_database(engine, SMALL_PLAN)
    assert started.plan.inserted > 0
    with session_scope(engine) as s:
        assert s.get(StoredSetting, PLAN_FILES_KEY).value == plan_files_digest(SMALL_PLAN)
        action, indicator = first(s, Action), first(s, Indicator)
        plan_setup.edit_text("action", action.id, "Testo corretto dall'Ufficio di Piano", actor=OFFICE, session=s)
        plan_setup.set_retired("indicator", indicator.id, True, actor=OFFICE, session=s)
        added = plan_setup.add_action(action.objective_id, "Azione aggiunta nell'app", actor=OFFICE, session=s)
        ids = action.id, indicator.id, added.id

    again = prepare_database(engine, SMALL_PLAN)  # the same files: nothing is loaded
    assert not again.plan.changed
    with session_scope(engine) as s:
        assert s.get(Action, ids[0]).text == "Testo corretto dall'Ufficio di Piano"
        assert s.get(Indicator, ids[1]).retired is True
        assert s.get(Action, ids[2]).retired is False

    # Changed files update the plan (models/plan_loader.py), and their digest is kept for the next start.
    changed = tmp_path / "plan"
    shutil.copytree(SMALL_PLAN, changed)
    card = next((changed / "cards").glob("*.yaml"))
    card.write_text(card.read_text(encoding="utf-8") + "\n# una riga in più\n", encoding="utf-8")
    assert plan_files_digest(changed) != plan_files_digest(SMALL_PLAN)
    prepare_database(engine, changed)
    with session_scope(engine) as s:
        assert s.get(StoredSetting, PLAN_FILES_KEY).value == plan_files_digest(changed)


def test_the_digest_follows_every_file_the_plan_is_read_from(tmp_path):
    plan = tmp_path / "plan"
    shutil.copytree(SMALL_PLAN, plan)
    seen = {plan_files_digest(plan)}
    assert plan_files_digest(plan) in seen  # the same bytes, the same digest
    for path in (plan / "plan.yaml", plan / "history_2021_2023.yaml", *sorted((plan / "cards").glob("*.yaml"))):
        path.write_bytes(path.read_bytes() + b"\n")
        digest = plan_files_digest(plan)
        assert digest not in seen, path.name
        seen.add(digest)
    (plan / "cards" / "A.yaml").rename(plan / "cards" / "Z.yaml")  # a file renamed: read in another order
    assert plan_files_digest(plan) not in seen
