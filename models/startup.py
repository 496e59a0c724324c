"""What happens at first start (and every start): schema, plan, first administrator."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from models.db import create_db_and_tables, session_scope
from models.plan_loader import LoadReport, load_plan
from models.plan_yaml import read_plan
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
    data = read_plan(plan_dir)  # validated before any write
    with session_scope(engine) as session:
        report = load_plan(session, data)
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
