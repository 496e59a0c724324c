"""One size-100 figure in a process of its own, for `make bench`: its time and the process's peak memory.

`python -m tests.bench.heavy KINDS URL REPS` (KINDS: report | html | import | startup | reload, or several
separated by commas, in turn, each with the peak so far: the lighter first) measures the
semester report .xlsx, the annual report .html, the import of the entry template (check + save), the app's start
or its start after the plan files changed, as tests.bench.extra does, then prints one JSON line: the figure's
name, its samples in milliseconds and the peak resident memory of the process (VmHWM: everything the process held
at its worst, Python and the libraries included). A process of its own, so that the peak is that of the work
measured and not of the benchmark's other figures.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.bench import extra

FIGURES = {
    "report": lambda url, reps: extra.semester_report(url, reps),
    "html": lambda url, reps: extra.annual_report(url, reps),
    "import": lambda url, reps: extra.import_template(url, rows=5000, reps=reps),
    "startup": lambda url, reps: extra.startup(url, reps),
    "reload": lambda url, reps: extra.startup(url, reps, plan_changed=True),
}


def main(kinds: str, url: str, reps: int) -> int:
    """Each kind of `kinds` (comma-separated) in turn: one JSON line each, with the process's peak so far."""
    for kind in kinds.split(","):
        fig = FIGURES[kind](url, reps)
        # VmHWM, not getrusage's ru_maxrss: Linux keeps ru_maxrss across exec, so a process started by the
        # benchmark would report the benchmark's own peak (349 MB for every kind, while each took 188-248 MB)
        status = Path("/proc/self/status").read_text()
        peak_mb = int(next(line for line in status.splitlines() if line.startswith("VmHWM")).split()[1]) / 1024
        print(json.dumps({"name": fig.name, "samples": fig.samples, "peak_mb": peak_mb}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
