"""Command line: `python -m models.cli init|user|export-plan|demo|report`. Called by the Makefile."""
from __future__ import annotations

import argparse
import getpass
import os
import sys

from models.config import ConfigError, ensure_cookie_key
from models.db import DatabaseError, get_engine, session_scope
from models.plan_loader import PlanFileError
from models.startup import admin_banner, prepare_database


def cmd_init(_args: argparse.Namespace) -> int:
    ensure_cookie_key()
    result = prepare_database(get_engine())
    if result.admin_password:
        print(admin_banner(result.admin_password), flush=True)
    elif result.plan.changed:
        print(f"Piano aggiornato: {result.plan.inserted} nuovi, {result.plan.updated} modificati, "
              f"{result.plan.retired} ritirati.")
    return 0


def cmd_user(args: argparse.Namespace) -> int:
    """Create a user or reset its password (not one-time), unlock and reactivate it.

    The password comes from PDZ_PASSWORD or the prompt, never from the command line (it would stay in the
    shell history and be visible to other users in the process list).
    """
    from models.users import UserError, provision_user, validate_password
    from models.vocab import Role
    if not args.username or not args.role:
        print("Uso: make user USERNAME=nome ROLE=ufficio_di_piano|referente|comitato [AREAS=A,B] NAME=\"...\"",
              file=sys.stderr)
        return 2
    if args.role not in tuple(Role):
        print(f"Ruolo: valore {args.role!r} non ammesso (ammessi: {', '.join(Role)}).", file=sys.stderr)
        return 2
    password = os.environ.get("PDZ_PASSWORD") or ""
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
    except UserError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    result = prepare_database(get_engine())
    if result.admin_password and args.username.strip().lower() != "admin":
        print(admin_banner(result.admin_password), flush=True)
    areas = [a for a in (args.areas or "").split(",") if a.strip()]
    try:
        with session_scope(get_engine()) as session:
            created = provision_user(session, username=args.username, name=args.name, role=args.role,
                                     areas=areas, password=password)
    except UserError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    username = args.username.strip().lower()
    if created:
        print(f"Utente '{username}' creato.")
    else:
        print(f"Utente '{username}': password reimpostata, account sbloccato e attivo "
              "(ruolo e aree invariati: si cambiano dalla pagina Utenti).")
    return 0


def cmd_export_plan(args: argparse.Namespace) -> int:
    """Write the plan as an Excel workbook, from the configured database (created and loaded when empty)."""
    from pathlib import Path

    from models.plan_export import export_plan_xlsx
    if not args.out:
        print("Uso: make export-plan OUT=piano.xlsx", file=sys.stderr)
        return 2
    result = prepare_database(get_engine())
    if result.admin_password:  # an empty database got its first administrator: the password is shown once
        print(admin_banner(result.admin_password), flush=True)
    with session_scope(get_engine()) as session:
        data = export_plan_xlsx(session=session)
    out = Path(args.out)
    try:
        out.write_bytes(data)
    except OSError as exc:
        print(f"ERRORE: impossibile scrivere {out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"Piano esportato in {out} (fogli Obiettivi, Azioni, Indicatori, Budget).")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    """Copy the configured database to a file (default: a dated file in the backups folder)."""
    from pathlib import Path

    from models.backup import backup, default_backup_path
    from models.config import database_url
    out = backup(database_url(), Path(args.out) if args.out else default_backup_path(database_url()))
    print(f"Backup salvato in {out} ({out.stat().st_size:,} byte). Per ripristinarlo: make restore FILE={out}")
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
    if result.safety_copy:
        print(f"Il contenuto precedente del database è stato salvato in {result.safety_copy}.")
    print(f"Ripristino completato: {sum(result.rows.values())} righe in {len(result.rows)} tabelle, di cui "
          f"{result.rows.get('report', 0)} report e {result.rows.get('auditentry', 0)} voci del registro delle "
          "modifiche. Riavviare l'applicazione se è in esecuzione.")
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
    export = sub.add_parser("export-plan", help="write the plan as an Excel workbook (created and loaded if empty)")
    export.add_argument("--out", default="", help="the .xlsx file to write")
    backup = sub.add_parser("backup", help="copy the database (PDZ_DATABASE_URL) to a file")
    backup.add_argument("--out", default="", help="file to write (default: a dated file in the backups folder)")
    restore = sub.add_parser("restore", help="restore a backup into the database (PDZ_DATABASE_URL)")
    restore.add_argument("--file", default="", help="the backup to restore")
    restore.add_argument("--force", action="store_true", help="replace a database that already holds data")
    args = parser.parse_args(argv)
    handlers = {"init": cmd_init, "user": cmd_user, "export-plan": cmd_export_plan, "backup": cmd_backup,
                "restore": cmd_restore}
    try:
        return handlers[args.command](args)
    except (DatabaseError, PlanFileError, ConfigError) as exc:
        print(f"ERRORE: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
