"""Command line: `python -m models.cli init|user|remind|export-plan|plan-template|import-plan|report|...`. Called by
the Makefile.

Over 400 lines: one small function per command, each parsing its arguments and printing its outcome in Italian."""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from pathlib import Path

from models.config import ConfigError, configure_logging, ensure_cookie_key, setting
from models.db import DatabaseError, get_engine, session_scope
from models.errors import InputRefused
from models.formatting import number
from models.plan_yaml import PlanFileError
from models.startup import admin_banner, prepare_database

log = logging.getLogger("pdz.cli")


def cmd_init(_args: argparse.Namespace) -> int:
    from models.migrate import head_revision

    ensure_cookie_key()
    result = prepare_database(get_engine())
    if result.upgraded_from:
        print(f"Schema del database aggiornato: revisione {result.upgraded_from} -> {head_revision()}.")
    if result.admin_password:
        print(admin_banner(result.admin_password), flush=True)
    elif result.plan.changed:
        print(
            f"Piano aggiornato: {result.plan.inserted} nuovi, {result.plan.updated} modificati, "
            f"{result.plan.retired} ritirati."
        )
    if result.plan.kept_items:
        print(
            f"Mantenute {len(result.plan.kept_items)} modifiche dell'Ufficio di Piano che i file del piano avrebbero "
            "annullato (testo o ritiro di azioni e indicatori, fatti in Impostazione piano):"
        )
        for item in result.plan.kept_items:
            print(f"  - {item}")
    return 0


def cmd_user(args: argparse.Namespace) -> int:
    """Create a user or reset its password (not one-time), unlock and reactivate it.

    The password comes from PDZ_PASSWORD or the prompt, never from the command line (it would stay in the
    shell history and be visible to other users in the process list).
    """
    from models.users import UserError, clean_email, provision_user, validate_password
    from models.vocab import Role

    if not args.username or not args.role:
        print(
            "Uso: make user USERNAME=nome ROLE=ufficio_di_piano|referente|comitato [AREAS=A,B] NAME=\"...\" "
            "[EMAIL=nome@comune.it]",
            file=sys.stderr,
        )
        return 2
    if args.role not in tuple(Role):
        print(f"Ruolo: valore {args.role!r} non ammesso (ammessi: {', '.join(Role)}).", file=sys.stderr)
        return 2
    password = setting("PDZ_PASSWORD")
    if not password:
        if not sys.stdin.isatty():
            print("Password: impostare PDZ_PASSWORD o eseguire da un terminale.", file=sys.stderr)
            return 2
        password = getpass.getpass("Password (almeno 10 caratteri): ")
        if getpass.getpass("Ripetere la password: ") != password:
            print("Password: le due password non coincidono.", file=sys.stderr)
            return 2
    try:
        validate_password(password)  # before touching the database
        clean_email(args.email)
    except UserError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    result = prepare_database(get_engine())
    if result.admin_password and args.username.strip().lower() != "admin":
        print(admin_banner(result.admin_password), flush=True)
    areas = [a for a in (args.areas or "").split(",") if a.strip()]
    try:
        with session_scope(get_engine()) as session:
            created = provision_user(
                session,
                username=args.username,
                name=args.name,
                role=args.role,
                areas=areas,
                password=password,
                email=args.email,
            )
    except UserError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    username = args.username.strip().lower()
    if created:
        print(f"Utente '{username}' creato.")
    else:
        print(
            f"Utente '{username}': password reimpostata, account sbloccato e attivo, token API revocati "
            "(ruolo e aree invariati: si cambiano dalla pagina Utenti)."
        )
    return 0


def cmd_remind(args: argparse.Namespace) -> int:
    """Send the notices due now (for cron: each goes out once); --dry-run prints them and sends nothing."""
    from models.mailer import send, smtp_settings
    from models.reminders import run_reminders

    settings = smtp_settings()  # a wrong setting stops here, before anything is recorded
    _prepare()
    result = run_reminders(get_engine(), settings=settings, send=send, dry_run=args.dry_run)
    print("\n".join(result.lines))
    return 1 if result.reported else 0


def cmd_export_plan(args: argparse.Namespace) -> int:
    """Write the plan as an Excel workbook, from the configured database (created and loaded when empty)."""
    from models.plan_export import export_plan_xlsx

    if not args.out:
        print("Uso: make export-plan OUT=piano.xlsx", file=sys.stderr)
        return 2
    _prepare()
    with session_scope(get_engine()) as session:
        data = export_plan_xlsx(session=session)
        out = _demo_path(Path(args.out), session)
    if not _written(out, data):
        return 1
    print(f"Piano esportato in {out} (fogli Piano, Aree, Schede, Obiettivi, Azioni, Indicatori, Budget e altri).")
    return 0


def cmd_plan_template(args: argparse.Namespace) -> int:
    """Write the empty plan workbook (no database needed)."""
    from models.plan_template import build_plan_template

    if not args.out:
        print("Uso: make plan-template OUT=modello_piano.xlsx", file=sys.stderr)
        return 2
    out = Path(args.out)
    if not _written(out, build_plan_template()):
        return 1
    print(f"Modello vuoto del piano scritto in {out}: compilarlo e importarlo con make import-plan FILE={out}")
    return 0


def _listed(title: str, items: list[str], limit: int = 30) -> None:
    print(f"{title}: {len(items)}")
    for item in items[:limit]:
        print(f"  - {item}")
    if len(items) > limit:
        print(f"  … e altri {len(items) - limit}")


def cmd_import_plan(args: argparse.Namespace) -> int:
    """Check a plan workbook and show what it would do; with --confirm, load it in one transaction."""
    from models.plan_import import apply_plan_import, check_plan_import

    if not args.file:
        print("Uso: make import-plan FILE=piano.xlsx [CONFIRM=1]", file=sys.stderr)
        return 2
    try:
        content = Path(args.file).read_bytes()
    except OSError as exc:
        print(f"ERRORE: impossibile leggere {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    _prepare()
    with session_scope(get_engine()) as session:
        preview = check_plan_import(content, actor=None, session=session)
    if preview.problems:
        more = " o più" if preview.truncated else ""
        print(
            f"Il file non è stato importato: {len(preview.problems)}{more} problemi. Nessun dato è stato modificato.",
            file=sys.stderr,
        )
        for problem in preview.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    if not preview.ok:
        print("Il file non contiene modifiche rispetto al piano nel database.")
        return 0
    if not args.confirm:
        _listed("Da creare", preview.created)
        _listed("Da modificare", preview.changed)
        _listed("Da ritirare", preview.retired)
        if preview.skipped:
            _listed("Righe non importate", preview.skipped)
        print(f"Nulla è ancora stato scritto. Per importare: make import-plan FILE={args.file} CONFIRM=1")
        return 0
    with session_scope(get_engine()) as session:
        report = apply_plan_import(content, actor=None, session=session)
    print(f"Piano importato: {report.inserted} nuovi, {report.updated} modificati, {report.retired} ritirati.")
    return 0


def _demo_path(out: Path, session) -> Path:
    """A file of generated data is named as such (DIMOSTRATIVO_ prefix) even when OUT is chosen by hand."""
    from models.demo_mark import demo_file_name

    named = out.with_name(demo_file_name(out.name, session=session))
    if named != out:
        print(f"Dati dimostrativi: il file si chiama {named.name}.")
    return named


def _prepare() -> None:
    """Schema and plan as at the app's start; an empty database's first administrator password is shown once."""
    result = prepare_database(get_engine())
    if result.admin_password:
        print(admin_banner(result.admin_password), flush=True)


def _written(out: Path, data: bytes) -> bool:
    """Write `out` whole (or not at all); False, with the reason on stderr, when it cannot be written."""
    try:
        _write_atomically(out, data)
    except OSError as exc:
        print(f"ERRORE: impossibile scrivere {out}: {exc.strerror or exc}", file=sys.stderr)
        return False
    return True


REPORT_USAGE = (
    "Uso: make report YEAR=2025 SEMESTER=1 OUT=report.xlsx (report semestrale) oppure "
    "make report YEAR=2025 OUT=report.xlsx|report.html (report annuale) [INCLUDE_SUBMITTED=1]"
)
HALVES = {"1": 1, "2": 2, "I": 1, "II": 2}


def _write_atomically(out: Path, data: bytes) -> None:
    """Write to a temporary file beside `out`, then rename: `out` appears only when complete."""
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)


def cmd_report(args: argparse.Namespace) -> int:
    """The semester report (YEAR and SEMESTER, .xlsx) or the annual report (YEAR only, .xlsx or .html)."""
    from models import report_export
    from models.dashboard_sql import semester_options

    if not args.year or not args.out:
        print(REPORT_USAGE, file=sys.stderr)
        return 2
    if not args.year.strip().isdigit():
        print(f"YEAR: {args.year!r} non è un anno (ad esempio 2025).", file=sys.stderr)
        return 2
    year, half = int(args.year), HALVES.get(args.semester.strip().upper()) if args.semester else None
    if args.semester and half is None:
        print(f"SEMESTER: {args.semester!r} non ammesso (1 o 2).", file=sys.stderr)
        return 2
    out = Path(args.out)
    ext = out.suffix.lower().lstrip(".")
    allowed = ("xlsx",) if half else report_export.FILE_EXTENSIONS
    if ext not in allowed:
        what = "il report semestrale si scrive in .xlsx" if half else "il report annuale si scrive in .xlsx o .html"
        print(f"OUT: estensione {'.' + ext if ext else 'mancante'} non ammessa: {what}.", file=sys.stderr)
        return 2
    _prepare()
    with session_scope(get_engine()) as session:
        semesters = semester_options(session=session)
        present = ", ".join(s.label for s in semesters) or "nessuno"
        if half:
            sem = next((s for s in semesters if (s.year, s.half) == (year, half)), None)
            if sem is None:
                print(
                    f"Semestre {'I' if half == 1 else 'II'} {year} non trovato. Semestri presenti: {present}.",
                    file=sys.stderr,
                )
                return 2
            data = report_export.semester_report_xlsx(
                sem.id, actor=None, session=session, include_submitted=args.include_submitted
            )
            what = f"Report semestrale del {sem.label}"
        else:
            if year not in report_export.report_years(session=session):
                print(f"Nessun semestre del {year}. Semestri presenti: {present}.", file=sys.stderr)
                return 2
            build = report_export.annual_report_html if ext == "html" else report_export.annual_report_xlsx
            data = build(year, actor=None, session=session, include_submitted=args.include_submitted)
            what = f"Report annuale {year}"
        out = _demo_path(out, session)
    if not _written(out, data):
        return 1
    counted = "report approvati e inviati" if args.include_submitted else "solo report approvati"
    print(f"{what} scritto in {out} ({counted}).")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    """Copy the configured database to a file (default: a dated file in the backups folder)."""
    from pathlib import Path

    from models.backup import backup, default_backup_path
    from models.config import database_url

    out = backup(database_url(), Path(args.out) if args.out else default_backup_path(database_url()))
    log.info("backup written to %s (%d bytes)", out, out.stat().st_size)
    size = number(out.stat().st_size)  # Italian grouping: 344.064 byte
    print(f"Backup salvato in {out} ({size} byte). Per ripristinarlo: make restore FILE={out}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Restore a backup into the configured database; an existing one is replaced only with --force."""
    from pathlib import Path

    from models.backup import restore
    from models.config import database_url

    if not args.file:
        print("Uso: make restore FILE=backup [FORCE=1]", file=sys.stderr)
        return 2
    result = restore(database_url(), Path(args.file), force=args.force)
    log.warning(
        "database restored from %s: %d rows (previous data kept in %s)",
        args.file,
        sum(result.rows.values()),
        result.safety_copy,
    )
    if result.safety_copy:
        print(f"Il contenuto precedente del database è stato salvato in {result.safety_copy}.")
    print(
        f"Ripristino completato: {sum(result.rows.values())} righe in {len(result.rows)} tabelle, di cui "
        f"{result.rows.get('report', 0)} report e {result.rows.get('auditentry', 0)} voci del registro delle "
        "modifiche. Riavviare l'applicazione se è in esecuzione."
    )
    return 0


def cmd_migration(args: argparse.Namespace) -> int:
    """For developers: write the next Alembic revision from the models (to review before committing)."""
    from models.migrate import new_revision

    if not args.message.strip():
        print('Uso: make migration MSG="cosa cambia nello schema"', file=sys.stderr)
        return 2
    path = new_revision(args.message.strip())
    print(f"Nuova revisione: {path}. Rileggerla (rinomine = tolta + aggiunta) e provarla: make test.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="models.cli")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("init", help="create the database, load the plan, create the first administrator")
    user = sub.add_parser("user", help="create a user or reset its password (PDZ_PASSWORD or prompt)")
    user.add_argument("--username", default="")
    user.add_argument("--role", default="")
    user.add_argument("--areas", default="")
    user.add_argument("--name", default="")
    user.add_argument("--email", default="", help="the user's e-mail address (for the notices)")
    remind = sub.add_parser("remind", help="send the e-mail notices due now (for cron; each goes out once)")
    remind.add_argument("--dry-run", action="store_true", help="print what would be sent; send nothing")
    export = sub.add_parser("export-plan", help="write the plan as an Excel workbook (created and loaded if empty)")
    export.add_argument("--out", default="", help="the .xlsx file to write")
    template = sub.add_parser("plan-template", help="write the empty plan workbook to fill in")
    template.add_argument("--out", default="", help="the .xlsx file to write")
    imp = sub.add_parser("import-plan", help="check a plan workbook and preview it; --confirm loads it")
    imp.add_argument("--file", default="", help="the .xlsx file to import")
    imp.add_argument("--confirm", action="store_true", help="load it (one transaction) after the check")
    report = sub.add_parser("report", help="write the semester (.xlsx) or annual (.xlsx/.html) report")
    report.add_argument("--year", default="", help="the year")
    report.add_argument("--semester", default="", help="1 or 2 for the semester report; empty for the annual one")
    report.add_argument("--out", default="", help="the file to write: .xlsx, or .html for the annual report")
    report.add_argument(
        "--include-submitted", action="store_true", help="count submitted reports too (flagged), not only approved ones"
    )
    backup = sub.add_parser("backup", help="copy the database (PDZ_DATABASE_URL) to a file")
    backup.add_argument("--out", default="", help="file to write (default: a dated file in the backups folder)")
    restore = sub.add_parser("restore", help="restore a backup into the database (PDZ_DATABASE_URL)")
    restore.add_argument("--file", default="", help="the backup to restore")
    restore.add_argument("--force", action="store_true", help="replace a database that already holds data")
    migration = sub.add_parser("migration", help="(developers) write the next Alembic revision from the models")
    migration.add_argument("--message", default="", help="what changes in the schema")
    args = parser.parse_args(argv)
    handlers = {
        "init": cmd_init,
        "user": cmd_user,
        "remind": cmd_remind,
        "export-plan": cmd_export_plan,
        "plan-template": cmd_plan_template,
        "import-plan": cmd_import_plan,
        "report": cmd_report,
        "backup": cmd_backup,
        "restore": cmd_restore,
        "migration": cmd_migration,
    }
    configure_logging()
    try:
        return handlers[args.command](args)
    except (DatabaseError, PlanFileError, ConfigError, InputRefused) as exc:
        print(f"ERRORE: {exc}", file=sys.stderr)
        if setting("PDZ_LOG_FILE"):  # on stderr the line above is the log
            log.error("%s failed: %s", args.command, exc)
        return 1


if __name__ == "__main__":
    sys.exit(main())
