"""The command line (`python -m models.cli`, what the Makefile's targets run), run for a test.

In a new process, as `make` runs it; or, for the many refusal cases of a command, in this process (`in_process`):
the same `main`, environment, arguments, standard input (empty, not a terminal) and exit code, without the 2-4 s
a new Python process takes on a busy machine. Each command keeps its tests through the real process.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from unittest import mock

from tests.conftest import ROOT


def cli_env(**settings: str | None) -> dict[str, str]:
    """This process's environment with the given settings (None removes one) and cheap password hashing."""
    env = {**os.environ, "PDZ_BCRYPT_ROUNDS": "4"}
    for name, value in settings.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def run_cli(env: dict[str, str], *argv: str, in_process: bool = False, timeout: float = 120):
    """`python -m models.cli *argv` with `env`: its exit code, standard output and standard error."""
    if not in_process:
        return subprocess.run(
            [sys.executable, "-m", "models.cli", *argv],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    from models import cli

    out, err = io.StringIO(), io.StringIO()
    # No log handler is added here: it would keep this test's captured stream after the test.
    with (
        mock.patch.dict(os.environ, env, clear=True),
        mock.patch.object(cli, "configure_logging"),
        mock.patch("sys.stdin", io.StringIO()),
        redirect_stdout(out),
        redirect_stderr(err),
    ):
        try:
            code = cli.main(list(argv))
        except SystemExit as exc:  # argparse's usage errors, as the process would exit
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return subprocess.CompletedProcess(["models.cli", *argv], code, out.getvalue(), err.getvalue())
