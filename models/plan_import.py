"""Import of a plan workbook (the empty template filled in, or an export): check, preview, then one transaction.

`check_plan_import` writes nothing: it reads the workbook (models/plan_workbook.py: every cell checked, each
problem named by sheet, cell and field) and, when it is clean, runs the loader (models/plan_loader.py, the
same core as the YAML files) inside a SAVEPOINT that is rolled back, so the preview lists exactly what the
import will create, change and retire. `apply_plan_import` reads the file again and loads it in the caller's
transaction: all of it, or nothing.

Only the Ufficio di Piano imports a plan (the command line, with no actor, is whoever holds the database).
When the plan folder (PDZ_PLAN_DIR) holds YAML files, a workbook with the YAML plan's years is refused: every
start reloads those files, which would silently undo the import and retire its objectives. A workbook with other
years is the next plan (models/plans.py): the reload never touches it, so it is imported beside the YAML one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session

from models.audit import record_change
from models.config import plan_dir as configured_plan_dir
from models.db import bump_data_change
from models.errors import InputRefused
from models.permissions import Actor, require_office
from models.plan_loader import LoadReport, load_plan
from models.plan_workbook import Problem, read_plan_workbook
from models.plan_yaml import PlanData, has_plan_files, plan_years
from models.provenance import TARGET, record_set_by_all

log = logging.getLogger("pdz.plan_import")
WHAT = "l'importazione del piano da Excel"


@dataclass
class PlanImportPreview:
    problems: list[Problem]
    truncated: bool = False
    created: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # rows of the file that are not imported, and why

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.created or self.changed or self.retired)


def require_plan_import(
    actor: Actor | None, plan_dir: Path | None = None, years: tuple[int, int] | None = None
) -> None:
    """Who may import a plan workbook, and when: the Ufficio di Piano (or the command line), and not the plan of
    the YAML files (`years`: the workbook's; None: not known yet, refused whenever there are YAML files)."""
    if actor is not None:
        require_office(actor, WHAT)
    folder = plan_dir or configured_plan_dir()
    if has_plan_files(folder) and (years is None or years == plan_years(folder)):
        raise InputRefused(
            f"Il piano di questo Ambito viene dai file YAML della cartella {folder} (PDZ_PLAN_DIR), riletti a ogni "
            "avvio: un piano importato da Excel verrebbe annullato al riavvio. Per usare il file Excel, "
            "impostare PDZ_PLAN_DIR su una cartella vuota e riavviare."
        )


def _years(data: PlanData | None) -> tuple[int, int] | None:
    return (data.header["first_year"], data.header["last_year"]) if data is not None else None


def check_plan_import(
    content: bytes, *, actor: Actor | None, session: Session, plan_dir: Path | None = None
) -> PlanImportPreview:
    """Every problem of the file, or what importing it would create, change and retire; writes nothing."""
    if actor is not None:
        require_office(actor, WHAT)
    read = read_plan_workbook(content)
    require_plan_import(actor, plan_dir, _years(read.data))
    if read.data is None:
        return PlanImportPreview(read.problems, truncated=read.truncated)
    savepoint = session.begin_nested()
    try:
        report = load_plan(session, read.data)
    except InputRefused as exc:  # what only the database can check: years, predecessors (the message names it)
        return PlanImportPreview([Problem("", "", "", str(exc))])
    finally:
        savepoint.rollback()
    return PlanImportPreview(
        [],
        created=report.created_items,
        changed=report.changed_items,
        retired=report.retired_items,
        skipped=read.skipped,
    )


def apply_plan_import(
    content: bytes, *, actor: Actor | None, session: Session, plan_dir: Path | None = None
) -> LoadReport:
    """Load the workbook's plan in the caller's transaction (one transaction: all of it or nothing)."""
    if actor is not None:
        require_office(actor, WHAT)
    read = read_plan_workbook(content)
    require_plan_import(actor, plan_dir, _years(read.data))
    if read.data is None:
        raise InputRefused(
            f"Il file contiene {len(read.problems)}{' o più' if read.truncated else ''} errori: nulla è stato "
            "importato. " + "; ".join(str(p) for p in read.problems[:5])
        )
    report = load_plan(session, read.data)
    record_set_by_all(session, actor, TARGET, report.targets_set)  # shown beside each imported target
    if report.changed:
        bump_data_change(session)
        summary = f"{report.inserted} nuovi, {report.updated} modificati, {report.retired} ritirati"
        record_change(
            session, actor, entity="plan", entity_id=None, field="importazione da Excel", old=None, new=summary
        )
        log.info("plan imported from a workbook by %s: %s", actor.username if actor else "command line", summary)
    return report
