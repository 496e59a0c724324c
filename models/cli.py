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
    from models.users import UserError, create_user, get_user, reset_password
    if not args.username or not args.role:
        print("Uso: make user USERNAME=nome ROLE=ufficio_di_piano|referente|comitato [AREAS=A,B] NAME=\"...\"",
              file=sys.stderr)
        return 2
    password = os.environ.get("PDZ_PASSWORD") or ""
    if not password:
        if not sys.stdin.isatty():
            print("Password: impostare PDZ_PASSWORD o eseguire da un terminale.", file=sys.stderr)
            return 2
        password = getpass.getpass("Password (almeno 10 caratteri): ")
        if getpass.getpass("Ripetere la password: ") != password:
            print("Le due password non coincidono.", file=sys.stderr)
            return 2
    prepare_database(get_engine())
    areas = [a for a in (args.areas or "").split(",") if a.strip()]
    try:
        with session_scope(get_engine()) as session:
            user = get_user(session, args.username)
            if user is None:
                create_user(session, actor=None, username=args.username, name=args.name or args.username,
                            role=args.role, areas=areas, password=password, one_time=False)
                print(f"Utente '{args.username.strip().lower()}' creato.")
            else:
                reset_password(session, actor=None, user_id=user.id, password=password, one_time=False)
                user.active = True
                print(f"Utente '{user.username}': password reimpostata, account sbloccato e attivo.")
    except UserError as exc:
        print(str(exc), file=sys.stderr)
        return 2
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
    args = parser.parse_args(argv)
    handlers = {"init": cmd_init, "user": cmd_user}
    try:
        return handlers[args.command](args)
    except (DatabaseError, PlanFileError, ConfigError) as exc:
        print(f"ERRORE: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
