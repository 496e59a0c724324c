"""PostgreSQL for the tests: a throwaway cluster on the loopback address, and a fresh database per test.

The suite runs its domain tests on PostgreSQL too. When PDZ_TEST_DATABASE names a server
(postgresql+psycopg://user:password@host:port/db, a user allowed to CREATE DATABASE) it is used; otherwise a
throwaway cluster is started with Debian's binaries (/usr/lib/postgresql/*/bin) in a temporary folder, on a free
port of 127.0.0.1, with a random password, and removed at the end. As root, initdb and the server run as the
`postgres` user (PostgreSQL refuses to run as root). `python -m tests.pg start|stop DIR` does the same by hand.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

ENV_URL = "PDZ_TEST_DATABASE"
SERVER_USER = "postgres"  # created by Debian's postgresql package; the server never runs as root
# Durability is pointless for a throwaway cluster: without fsync the suite runs several times faster.
SERVER_OPTIONS = (
    "-F -c full_page_writes=off -c synchronous_commit=off -c max_connections=60 -c log_min_messages=warning"
)
START_TIMEOUT_S = 60


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL for the tests; the message says why (shown as the skip reason)."""


def find_bindir() -> Path | None:
    """Directory of initdb/pg_ctl: newest Debian install, else whatever is on PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Cluster:
    url: str  # superuser URL of the maintenance database `postgres`
    root: Path  # temporary folder holding data, socket, log
    bindir: Path

    def stop(self) -> None:
        _run_as_owner(
            [str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop"],
            self.root,
            check=False,
        )
        shutil.rmtree(self.root, ignore_errors=True)


def _owner_ids() -> tuple[int, int] | None:
    """(uid, gid) to run the server as when we are root; None when we are not."""
    if os.geteuid() != 0:
        return None
    try:
        pw = pwd.getpwnam(SERVER_USER)
    except KeyError:
        raise PostgresUnavailable(f"siamo root e manca l'utente '{SERVER_USER}' per avviare PostgreSQL") from None
    return pw.pw_uid, pw.pw_gid


def _run_as_owner(cmd: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    ids = _owner_ids()
    kwargs: dict = {"user": ids[0], "group": ids[1], "extra_groups": []} if ids else {}
    env = {**os.environ, "LC_ALL": "C.UTF-8"}
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=START_TIMEOUT_S, **kwargs)
    if check and result.returncode != 0:
        raise PostgresUnavailable(f"{Path(cmd[0]).name} non riuscito: {(result.stderr or result.stdout)[-600:]}")
    return result


def start_cluster(options: str = SERVER_OPTIONS) -> Cluster:
    """initdb + pg_ctl start in a new temporary folder; raises PostgresUnavailable with the reason.
    `options`: the server's command-line settings (the default trades durability for speed)."""
    bindir = find_bindir()
    if bindir is None:
        raise PostgresUnavailable("PostgreSQL non installato (make postgres lo installa: apt-get install postgresql)")
    ids = _owner_ids()
    root = Path(tempfile.mkdtemp(prefix="pdz-pg-"))
    password = secrets.token_urlsafe(24)
    try:
        (root / "pwfile").write_text(password + "\n")
        if ids:
            for path in (root, root / "pwfile"):
                os.chown(path, *ids)
        os.chmod(root / "pwfile", 0o600)
        _run_as_owner(
            [
                str(bindir / "initdb"),
                "-D",
                str(root / "data"),
                "-U",
                "postgres",
                "--pwfile",
                str(root / "pwfile"),
                "--auth=scram-sha-256",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ],
            root,
        )
        for attempt in itertools.count(1):
            port = _free_port()  # another process may take it before the server binds: retry
            started = _run_as_owner(
                [
                    str(bindir / "pg_ctl"),
                    "-D",
                    str(root / "data"),
                    "-l",
                    str(root / "log"),
                    "-w",
                    "-t",
                    str(START_TIMEOUT_S),
                    "-o",
                    f"-h 127.0.0.1 -p {port} -k {root} {options}",
                    "start",
                ],
                root,
                check=False,
            )
            if started.returncode == 0:
                break
            if attempt == 3:
                log = (root / "log").read_text(errors="replace")[-600:] if (root / "log").exists() else ""
                raise PostgresUnavailable(f"pg_ctl start non riuscito: {started.stderr[-300:]} {log}")
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    return Cluster(url=f"postgresql+psycopg://postgres:{password}@127.0.0.1:{port}/postgres", root=root, bindir=bindir)


# --- databases on a server --------------------------------------------------------------------


def libpq_url(url: str) -> str:
    """The SQLAlchemy URL as a libpq URI (what psycopg and the command-line tools take)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def with_database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def admin_execute(admin_url: str, *statements: str) -> None:
    """Run statements outside a transaction (CREATE/DROP DATABASE cannot run inside one)."""
    import psycopg

    with psycopg.connect(libpq_url(admin_url), autocommit=True, connect_timeout=10) as conn:
        for statement in statements:
            conn.execute(statement)


def server_version(admin_url: str) -> int:
    import psycopg

    with psycopg.connect(libpq_url(admin_url), connect_timeout=10) as conn:
        return conn.info.server_version


class Databases:
    """Creates uniquely named databases on one server and drops them again."""

    def __init__(self, admin_url: str):
        self.admin_url = admin_url
        self.prefix = f"pdz_t{os.getpid()}_{secrets.token_hex(3)}"
        self._count = itertools.count(1)
        # FILE_COPY clones a small template much faster than PostgreSQL 15's default WAL_LOG.
        self._strategy = " STRATEGY FILE_COPY" if server_version(admin_url) >= 150000 else ""
        self._workers = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pg-clone")
        self._ahead: dict[str, Future[str]] = {}

    def create(self, template: str = "template0") -> str:
        name = f"{self.prefix}_{next(self._count)}"
        admin_execute(self.admin_url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"{self._strategy}')
        return with_database(self.admin_url, name)

    def clone(self, template: str) -> str:
        """A new database copied from `template`. The copy (half a second: PostgreSQL copies the files) is made
        one test ahead, in a thread, while the test before runs."""
        ahead = self._ahead.pop(template, None)
        url = ahead.result() if ahead is not None else self.create(template)
        self._ahead[template] = self._workers.submit(self.create, template)
        return url

    def close(self) -> None:
        """Drop the copies made ahead and not used."""
        for ahead in self._ahead.values():
            self.drop(ahead.result())
        self._ahead.clear()
        self._workers.shutdown()

    def drop(self, url: str) -> None:
        name = make_url(url).database
        assert name and name.startswith(self.prefix), name  # never drop a database we did not create
        admin_execute(self.admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main(argv: list[str]) -> int:
    """`python -m tests.pg start` prints the URL and folder; `python -m tests.pg stop FOLDER`."""
    if argv[:1] == ["start"]:
        cluster = start_cluster()
        print(f"{ENV_URL}={cluster.url}\nfolder={cluster.root}")
        return 0
    if len(argv) == 2 and argv[0] == "stop":
        root = Path(argv[1])
        if not (root / "data" / "PG_VERSION").exists() or not root.name.startswith("pdz-pg-"):
            print(f"{root}: non è un cluster di prova", file=sys.stderr)
            return 2
        Cluster(url="", root=root, bindir=find_bindir() or Path("/usr/bin")).stop()
        return 0
    print(main.__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
