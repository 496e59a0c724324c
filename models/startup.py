"""What happens at first start (and every start): schema, plan, first administrator.

The plan files are loaded when they are new or changed since the last load (their digest,
plan_files_digest, is kept in the database as a StoredSetting), not at every start: a restart keeps
what the Ufficio di Piano set up in the app (an action added, a text corrected, an indicator retired), which a
reload of the same files used to undo, and at a hundred times the real plan it takes 18 ms instead of 3.7 s
and leaves ~50 MB less in the app process. Changed files update the plan as models/plan_loader.py describes,
never undoing those changes of the office (`keep_office_edits`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from models.config import plan_dir as configured_plan_dir
from models.db import create_db_and_tables, session_scope
from models.plan_loader import LoadReport, load_plan
from models.plan_yaml import has_plan_files, read_plan
from models.semesters import ensure_current_semester
from models.tables import StoredSetting, utcnow
from models.users import bootstrap_admin

PLAN_FILES_KEY = "plan_files_digest"  # StoredSetting: the digest of the plan files last loaded
# Part of the digest: raise it when the loader starts reading something new from unchanged files, so that the
# next start loads them again.
PLAN_FORMAT = 1


@dataclass
class StartupResult:
    admin_password: str | None
    plan: LoadReport
    upgraded_from: str | None = None  # the schema revision the database had before this start's upgrade


def prepare_database(engine: Engine, plan_dir: Path | None = None) -> StartupResult:
    """Create or upgrade the schema (Alembic, under a lock), load or update the plan, create the first
    administrator. Idempotent."""
    upgraded_from = create_db_and_tables(engine)
    # No plan.yaml (PDZ_PLAN_DIR an empty folder): the plan comes only from a workbook import and is left as it
    # is here (loading nothing would retire every imported objective).
    digest = plan_files_digest(plan_dir) if has_plan_files(plan_dir) else None
    with session_scope(engine) as session:
        loaded = session.get(StoredSetting, PLAN_FILES_KEY)
        changed = digest is not None and (loaded is None or loaded.value != digest)
        data = read_plan(plan_dir) if changed else None  # validated before any write
    with session_scope(engine) as session:
        report = LoadReport()
        if data is not None:
            report = load_plan(session, data, keep_office_edits=True)
            row = session.get(StoredSetting, PLAN_FILES_KEY) or StoredSetting(key=PLAN_FILES_KEY)
            row.value, row.updated_at, row.user_id = str(digest), utcnow(), None
            session.add(row)
        password = bootstrap_admin(session)
        ensure_current_semester(session)
    return StartupResult(admin_password=password, plan=report, upgraded_from=upgraded_from)


def plan_files_digest(plan_dir: Path | None = None) -> str:
    """A fingerprint of what plan_yaml.read_plan reads in the folder (plan.yaml, cards/*.yaml, the 2021-2023
    history) and of PLAN_FORMAT: the same files, byte for byte, give the same digest."""
    folder = plan_dir or configured_plan_dir()
    files = [folder / "plan.yaml", *sorted((folder / "cards").glob("*.yaml")), folder / "history_2021_2023.yaml"]
    digest = hashlib.sha256(f"pdz-plan-files|{PLAN_FORMAT}".encode())
    for path in files:
        if path.exists():
            digest.update(f"|{path.relative_to(folder).as_posix()}|{path.stat().st_size}|".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def admin_banner(password: str) -> str:
    line = "=" * 68
    return (
        f"\n{line}\n PRIMO AVVIO - account dell'Ufficio di Piano creato\n"
        f"   Nome utente: admin\n   Password monouso: {password}\n"
        f" Al primo accesso verrà chiesto di cambiarla. Questa password non è\n"
        f" salvata da nessuna parte: annotarla ora (persa? vedi README, 'make user').\n{line}\n"
    )
