"""The real plan multiplied, for the size-100 benchmark: every specific objective of every card copied
scale-1 times (code "A.1~2", ...) with its actions, indicators and budget lines, written as plan files.

The copies live in the plan files themselves, so the plan loader that runs at every app start keeps them
(copies added to the database only would be retired by it as "no longer in the plan").
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import yaml


def write_scaled_plan(source: Path, dest: Path, scale: int) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("plan.yaml", "history_2021_2023.yaml"):
        if (source / name).exists():
            shutil.copy(source / name, dest / name)
    (dest / "cards").mkdir(exist_ok=True)
    for card_file in sorted((source / "cards").glob("*.yaml")):
        card = yaml.safe_load(card_file.read_text(encoding="utf-8"))
        specific = [o for o in card["objectives"] if o["kind"] == "specifico"]
        budget = card.get("budget") or []
        for k in range(2, scale + 1):
            for o in specific:
                clone = copy.deepcopy(o)
                clone["code"] = f"{o['code']}~{k}"
                card["objectives"].append(clone)
                budget += [
                    {**copy.deepcopy(b), "objective": clone["code"]}
                    for b in card.get("budget") or []
                    if b.get("objective") == o["code"]
                ]
        card["budget"] = budget
        (dest / "cards" / card_file.name).write_text(
            yaml.safe_dump(card, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    return dest
