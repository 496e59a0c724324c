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


def live_actions(session, objective_id: int) -> list[str]:
    rows = session.exec(select(Action).where(Action.objective_id == objective_id, col(Action.retired).is_(False))).all()
    return [a.text for a in sorted(rows, key=lambda a: a.position)]


def test_changed_plan_files_never_undo_what_the_office_did_in_the_app(empty_database_url, tmp_path):
    """The files change the card the office worked on (a new release of the plan's transcription): the file's
    own changes are written, the office's edits stay, and the start-up says which of them the files contradict."""
    from models.db import get_engine

    engine = get_engine(empty_database_url)
    prepare_database(engine, SMALL_PLAN)
    with session_scope(engine) as s:
        action, indicator = first(s, Action), first(s, Indicator)
        assert action.text == "Costituire la cabina di regia"
        plan_setup.edit_text("action", action.id, "Costituire la cabina di regia allargata", actor=OFFICE, session=s)
        plan_setup.set_retired("indicator", indicator.id, True, actor=OFFICE, session=s)
        added = plan_setup.add_action(action.objective_id, "Azione aggiunta nell'app", actor=OFFICE, session=s)
        ids, objective_id = (action.id, indicator.id, added.id), action.objective_id
    with session_scope(engine) as s:
        live_before = live_actions(s, objective_id)

    changed = tmp_path / "plan"
    shutil.copytree(SMALL_PLAN, changed)
    card = changed / "cards" / "A.yaml"
    text = card.read_text(encoding="utf-8")
    for old, new in (
        (  # the office's action, its document line too
            '"Costituire la cabina di regia", line: 103',
            '"Costituire la cabina di regia (testo rivisto)", line: 203',
        ),
        ("Attivare i tavoli tematici", "Attivare i tavoli tematici di area"),  # another action of the objective
        ('      - {text: "Sottoscrivere protocolli", line: 105}\n', ""),  # an action the office never touched
    ):
        assert old in text
        text = text.replace(old, new, 1)
    card.write_text(text, encoding="utf-8")

    result = prepare_database(engine, changed)
    assert result.plan.changed
    assert result.plan.kept_items == [  # what the files contradict: the edited text, the retired indicator
        "azione di A.1: Costituire la cabina di regia allargata",
        "indicatore di A.1: N. di incontri della cabina di regia",
    ]
    with session_scope(engine) as s:
        assert s.get(Action, ids[0]).text == "Costituire la cabina di regia allargata"
        assert s.get(Action, ids[0]).line == 203  # the document's line is the file's to say
        assert s.get(Indicator, ids[1]).retired is True
        assert s.get(Action, ids[2]).retired is False
        assert live_actions(s, objective_id) == [
            "Costituire la cabina di regia allargata",
            "Formare gli operatori",
            "Attivare i tavoli tematici di area",
            "Azione aggiunta nell'app",
        ]
        assert len(live_before) == 5  # four of the file and the one added: the file removed one, none was added

    # A workbook imported in the app (or from the command line) is the office's latest word: written as it is.
    from models.plan_loader import load_plan
    from models.plan_yaml import read_plan

    with session_scope(engine) as s:
        load_plan(s, read_plan(changed))
        assert s.get(Action, ids[0]).text == "Costituire la cabina di regia (testo rivisto)"


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
