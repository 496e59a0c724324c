"""What happens at first start (and every start): schema, plan, first administrator."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from models.db import create_db_and_tables, session_scope
from models.plan_loader import LoadReport, load_plan
from models.plan_yaml import has_plan_files, read_plan
from models.semesters import ensure_current_semester
from models.users import bootstrap_admin


@dataclass
class StartupResult:
    admin_password: str | None
    plan: LoadReport
    upgraded_from: str | None = None  # the schema revision the database had before this start's upgrade


def prepare_database(engine: Engine, plan_dir: Path | None = None) -> StartupResult:
    """Create or upgrade the schema (Alembic, under a lock), load or update the plan, create the first
    administrator. Idempotent."""
    upgraded_from = create_db_and_tables(engine)
    # Validated before any write. No plan.yaml (PDZ_PLAN_DIR an empty folder): the plan comes only from a
    # workbook import and is left as it is here (loading nothing would retire every imported objective).
    data = read_plan(plan_dir) if has_plan_files(plan_dir) else None
    with session_scope(engine) as session:
        report = load_plan(session, data) if data is not None else LoadReport()
        password = bootstrap_admin(session)
        ensure_current_semester(session)
    return StartupResult(admin_password=password, plan=report, upgraded_from=upgraded_from)


def admin_banner(password: str) -> str:
    line = "=" * 68
    return (
        f"\n{line}\n PRIMO AVVIO - account dell'Ufficio di Piano creato\n"
        f"   Nome utente: admin\n   Password monouso: {password}\n"
        f" Al primo accesso verrà chiesto di cambiarla. Questa password non è\n"
        f" salvata da nessuna parte: annotarla ora (persa? vedi README, 'make user').\n{line}\n"
    )
