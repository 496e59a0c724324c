"""Read and validate the plan's YAML files (data/plan, schema in data/SCHEMA.md) into plain records (PlanData).

The whole file set is validated before anything is written; an error names the file, the line and the key.
Writing the records into the database is models.plan_loader's job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, overload

import yaml

from models.budget_rules import BudgetKind
from models.config import plan_dir as configured_plan_dir
from models.errors import DomainError
from models.vocab import Battery, FundingSource, ObjectiveKind, ResourceAdequacy, Unit

DEFAULT_SOURCE = "003_4be68b8e0ea9bbb6.txt"  # the document the YAML files transcribe (shared/seeds)
BANDS = ("nullo", "insufficiente", "sufficiente", "buono", "ottimo")
SPEND_CLASSES = ("sotto_100", "ottimo", "sottostimato")
SERVICE_KINDS = ("nuovo", "rivisto", "esistente")
FLAG_KEYS = (
    "asst_analysis",
    "asst_delivery",
    "other_ambiti",
    "continuity",
    "new_service",
    "premiale",
    "co_programmed",
    "co_designed",
    "other_actors",
    "digitalisation",
)


class PlanFileError(DomainError, ValueError):
    """A malformed plan file; the message names file, line and key."""


class _LineDict(dict):
    line: int = 0


# libyaml's parser when PyYAML was built with it (the PyPI wheels are): the same documents, nodes and line marks
# as the pure-Python one, about four times faster (a hundred-times plan: 23 s → 5.7 s at every start).
_SafeBase: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LineLoader(_SafeBase):
    """A safe loader whose mappings carry the document line they start on (`.line`)."""


def construct_line_mapping(loader: LineLoader, node: yaml.MappingNode) -> _LineDict:
    mapping = _LineDict(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    return mapping


LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_line_mapping)


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=LineLoader)  # a safe loader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", riga {mark.line + 1}" if mark else ""
        raise PlanFileError(f"{path.name}{where}: YAML non valido ({getattr(exc, 'problem', exc)})") from exc
    except OSError as exc:
        raise PlanFileError(f"{path.name}: file non leggibile ({exc})") from exc


@dataclass
class _Check:
    """Collects the file name for messages while validating one file."""

    file: str

    def fail(self, node: Any, key: str, problem: str) -> PlanFileError:
        line = getattr(node, "line", 0)
        return PlanFileError(f"{self.file}, riga {line}, chiave '{key}': {problem}")

    def mapping(self, node: Any, key: str) -> dict:
        if not isinstance(node, dict):
            raise self.fail(node, key, "attesa una mappa di chiavi")
        return node

    def seq(self, node: dict, key: str, required: bool = True) -> list:
        value = node.get(key)
        if value is None and not required:
            return []
        if not isinstance(value, list):
            raise self.fail(node, key, "attesa una lista" if key in node else "chiave mancante")
        return value

    def text(self, node: dict, key: str, required: bool = True) -> str:
        value = node.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            raise self.fail(node, key, "atteso un testo non vuoto" if key in node else "chiave mancante")
        return value.strip()

    @overload
    def integer(self, node: dict, key: str, required: Literal[True] = True) -> int: ...
    @overload
    def integer(self, node: dict, key: str, required: bool) -> int | None: ...
    def integer(self, node: dict, key: str, required: bool = True) -> int | None:
        value = node.get(key)
        if value is None and not required:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(node, key, f"atteso un numero intero, trovato {value!r}")
        return value

    def choice(self, node: dict, key: str, allowed: tuple[str, ...], required: bool = True) -> str | None:
        value = node.get(key)
        if value is None and not required:
            return None
        if value not in allowed:
            raise self.fail(node, key, f"valore {value!r} non ammesso (ammessi: {', '.join(allowed)})")
        return value

    def boolean(self, node: dict, key: str) -> bool | None:
        value = node.get(key)
        if value is not None and not isinstance(value, bool):
            raise self.fail(node, key, f"atteso true, false o null, trovato {value!r}")
        return value

    def amount(self, node: dict, key: str) -> float | None:
        value = node.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise self.fail(node, key, f"atteso un importo in euro non negativo, trovato {value!r}")
        return float(value)


# --- validated, plain records -----------------------------------------------------------------


@dataclass
class PlanData:
    """The plan as plain records: what models.plan_loader writes, from the YAML files or from a workbook
    (models/plan_workbook.py builds the same records). `header` may carry `source`, the plan document's name;
    `history` None leaves the 2021-2023 outcomes in the database as they are."""

    header: dict
    sub_areas: list[dict] = field(default_factory=list)
    areas: list[dict] = field(default_factory=list)
    cards: list[dict] = field(default_factory=list)
    history: list[dict] | None = field(default_factory=list)


def _parse_plan_file(path: Path) -> tuple[dict, list[dict], list[dict]]:
    c = _Check(path.name)
    root = c.mapping(_read_yaml(path), "(radice)")
    head = c.mapping(root.get("plan"), "plan")
    first_year, last_year = c.integer(head, "first_year"), c.integer(head, "last_year")
    header = {
        "title": c.text(head, "title"),
        "ambito": c.text(head, "ambito"),
        "first_year": first_year,
        "last_year": last_year,
    }
    if last_year < first_year:
        raise c.fail(head, "last_year", "l'ultimo anno precede il primo")
    subs: list[dict[str, Any]] = []
    for node in c.seq(root, "sub_areas"):
        c.mapping(node, "sub_areas")
        munis = c.seq(node, "municipalities")
        if not all(isinstance(m, str) and m.strip() for m in munis):
            raise c.fail(node, "municipalities", "attesa una lista di nomi di comuni")
        subs.append(
            {
                "code": c.text(node, "code"),
                "name": c.text(node, "name", required=False),
                "line": c.integer(node, "line", False),
                "municipalities": [m.strip() for m in munis],
            }
        )
    areas: list[dict[str, Any]] = []
    for node in c.seq(root, "macro_areas"):
        c.mapping(node, "macro_areas")
        points = []
        for p in c.seq(node, "key_points", required=False):
            c.mapping(p, "key_points")
            points.append({"text": c.text(p, "text"), "line": c.integer(p, "line", False)})
        areas.append(
            {
                "letter": c.text(node, "letter"),
                "title": c.text(node, "title"),
                "line": c.integer(node, "line", False),
                "key_points": points,
            }
        )
    _unique(c, root, "macro_areas", [a["letter"] for a in areas])
    _unique(c, root, "sub_areas", [s["code"] for s in subs])
    return header, subs, areas


def _unique(c: _Check, node: Any, key: str, values: list[str]) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise c.fail(node, key, f"codice ripetuto {value!r}")
        seen.add(value)


def _parse_card_file(path: Path, letters: set[str]) -> dict:
    c = _Check(path.name)
    root = c.mapping(_read_yaml(path), "(radice)")
    head = c.mapping(root.get("card"), "card")
    area = c.text(head, "area")
    if area not in letters:
        raise c.fail(head, "area", f"area {area!r} non presente nel catalogo delle macro-aree")

    def field_text(key: str) -> dict:
        node = head.get(key) or {}
        c.mapping(node, key)
        return {"text": c.text(node, "text", required=False), "line": c.integer(node, "line", False)}

    transversal = c.mapping(head.get("transversal") or {}, "transversal")
    t_areas = transversal.get("areas") or []
    if not isinstance(t_areas, list) or any(a not in letters for a in t_areas):
        raise c.fail(transversal, "transversal.areas", f"lettere di area non valide: {t_areas!r}")
    kind_node = c.mapping(head.get("service_kind") or {}, "service_kind")
    flags_node = c.mapping(head.get("flags") or {}, "flags")
    flags = {}
    for key in FLAG_KEYS:
        node = c.mapping(flags_node.get(key) or {}, f"flags.{key}")
        flags[key] = {
            "value": c.boolean(node, "value"),
            "text": c.text(node, "text", required=False),
            "line": c.integer(node, "line", False),
        }
    card: dict[str, Any] = {  # a plain record, as read from the YAML file
        "code": c.text(head, "code"),
        "area": area,
        "title": c.text(head, "title", required=False),
        "line": c.integer(head, "line", False),
        "target_group": field_text("target_group"),
        "staff": field_text("staff"),
        "transversal": {
            "areas": list(t_areas),
            "text": c.text(transversal, "text", required=False),
            "line": c.integer(transversal, "line", False),
        },
        "service_kind": {
            "value": c.choice(kind_node, "value", SERVICE_KINDS, required=False),
            "text": c.text(kind_node, "text", required=False),
            "line": c.integer(kind_node, "line", False),
        },
        "flags": flags,
        "objectives": [],
        "budget": [],
    }
    for node in c.seq(root, "objectives"):
        c.mapping(node, "objectives")
        obj: dict[str, Any] = {
            "code": c.text(node, "code"),
            "kind": c.choice(node, "kind", tuple(ObjectiveKind)),
            "text": c.text(node, "text"),
            "line": c.integer(node, "line", False),
            "actions": [],
            "indicators": [],
        }
        for a in c.seq(node, "actions", required=False):
            c.mapping(a, "actions")
            obj["actions"].append({"text": c.text(a, "text"), "line": c.integer(a, "line", False)})
        for i in c.seq(node, "indicators", required=False):
            c.mapping(i, "indicators")
            hib = i.get("higher_is_better", True)
            if not isinstance(hib, bool):
                raise c.fail(i, "higher_is_better", "atteso true o false")
            obj["indicators"].append(
                {
                    "battery": c.choice(i, "battery", tuple(Battery)),
                    "text": c.text(i, "text"),
                    "unit": c.choice(i, "unit", tuple(Unit)),
                    "higher_is_better": hib,
                    "line": c.integer(i, "line", False),
                }
            )
        card["objectives"].append(obj)
    _unique(c, root, "objectives", [o["code"] for o in card["objectives"]])
    codes = {o["code"] for o in card["objectives"]}
    for node in c.seq(root, "budget", required=False):
        c.mapping(node, "budget")
        objective = node.get("objective")
        if objective is not None and objective not in codes:
            raise c.fail(node, "objective", f"obiettivo {objective!r} non presente nella scheda")
        amount = c.amount(node, "amount")
        tbc = bool(c.boolean(node, "to_be_completed"))
        if tbc and amount is not None:
            raise c.fail(node, "amount", "una voce 'da completare' non può avere un importo")
        card["budget"].append(
            {
                "objective": objective,
                "item": c.text(node, "item", required=False),
                "source": c.choice(node, "source", tuple(FundingSource), required=False),
                "public": c.boolean(node, "public"),
                "amount": amount,
                "approximate": bool(c.boolean(node, "approximate")),
                "to_be_completed": tbc,
                "year": c.integer(node, "year", False),
                "text": c.text(node, "text", required=False),
                "line": c.integer(node, "line", False),
                "kind": c.choice(node, "kind", tuple(BudgetKind), required=False) or BudgetKind.PREVENTIVATO,
            }
        )
    return card


def _parse_history_file(path: Path, letters: set[str]) -> list[dict]:
    c = _Check(path.name)
    root = c.mapping(_read_yaml(path), "(radice)")
    out = []
    for node in c.seq(root, "outcomes"):
        c.mapping(node, "outcomes")
        area = node.get("area")
        if area is not None and area not in letters:
            raise c.fail(node, "area", f"area {area!r} non presente nel catalogo")
        out.append(
            {
                "area_letter": area,
                "area_title": c.text(node, "area_title", required=False),
                "objective": c.text(node, "objective"),
                "output": c.text(node, "output", required=False),
                "achievement_range": c.text(node, "achievement_range", required=False),
                "band": c.choice(node, "band", BANDS, required=False),
                "users_assessment": c.text(node, "users_assessment", required=False),
                "resource_adequacy": c.choice(node, "resource_adequacy", tuple(ResourceAdequacy), required=False),
                "resource_note": c.text(node, "resource_note", required=False),
                "spend_class": c.choice(node, "spend_class", SPEND_CLASSES, required=False),
                "critical_issues": c.text(node, "critical_issues", required=False),
                "need_answered": c.boolean(node, "need_answered"),
                "need_reason": c.text(node, "need_reason", required=False),
                "continuity_previous": c.boolean(node, "continuity_previous"),
                "proposed_again": c.boolean(node, "proposed_again"),
                "proposed_reason": c.text(node, "proposed_reason", required=False),
                "line": c.integer(node, "line", False),
            }
        )
    return out


def has_plan_files(plan_dir: Path | None = None) -> bool:
    """Whether the plan folder holds the plan's YAML files. An existing folder without any .yaml file means the
    plan comes only from a workbook import (page Impostazione piano, `make import-plan`): starting the app then
    leaves the database's plan alone. A folder that does not exist is an error (a typo in PDZ_PLAN_DIR)."""
    folder = plan_dir or configured_plan_dir()
    if not folder.is_dir():
        raise PlanFileError(f"{folder}: cartella del piano inesistente (PDZ_PLAN_DIR)")
    return any(folder.glob("*.yaml")) or any(folder.glob("cards/*.yaml"))


def plan_years(plan_dir: Path | None = None) -> tuple[int, int]:
    """First and last year of the plan in the folder's plan.yaml (only its header is read)."""
    plan_file = (plan_dir or configured_plan_dir()) / "plan.yaml"
    if not plan_file.exists():
        raise PlanFileError(f"{plan_file}: file del piano mancante")
    header, _subs, _areas = _parse_plan_file(plan_file)
    return header["first_year"], header["last_year"]


def read_plan(plan_dir: Path | None = None) -> PlanData:
    """Parse and validate every plan file; raise PlanFileError on the first problem."""
    plan_dir = plan_dir or configured_plan_dir()
    plan_file = plan_dir / "plan.yaml"
    if not plan_file.exists():
        raise PlanFileError(f"{plan_file}: file del piano mancante")
    header, subs, areas = _parse_plan_file(plan_file)
    letters = {a["letter"] for a in areas}
    cards = [_parse_card_file(p, letters) for p in sorted((plan_dir / "cards").glob("*.yaml"))]
    order = {a["letter"]: i for i, a in enumerate(areas)}
    cards.sort(key=lambda card: (order[card["area"]], card["code"]))
    all_codes = [o["code"] for card in cards for o in card["objectives"]]
    duplicates = {code for code in all_codes if all_codes.count(code) > 1}
    if duplicates:
        raise PlanFileError(f"codici obiettivo ripetuti in più schede: {', '.join(sorted(duplicates))}")
    history_file = plan_dir / "history_2021_2023.yaml"
    history = _parse_history_file(history_file, letters) if history_file.exists() else []
    return PlanData(header=header, sub_areas=subs, areas=areas, cards=cards, history=history)
