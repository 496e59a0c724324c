"""The read API's OpenAPI 3.1 description (served at /api/v1/openapi.json), written by hand next to the routes:
tests/test_api_http.py checks that every route is described and every described path exists."""

from __future__ import annotations

from typing import Any

from models.api_data import DEFAULT_LIMIT, MAX_LIMIT


def _param(name: str, where: str, schema: dict, description: str, required: bool = False) -> dict:
    return {"name": name, "in": where, "required": required, "schema": schema, "description": description}


SEMESTER = _param("semester_id", "path", {"type": "integer"}, "Id del semestre (da /semesters)", required=True)
AREA = _param("area", "query", {"type": "string"}, "Lettera della macro-area (A, B, ...)")
INCLUDE_SUBMITTED = _param(
    "include_submitted",
    "query",
    {"type": "boolean", "default": False},
    "Che cosa si conta: false = solo report approvati (default), true = anche quelli inviati",
)
LIMIT = _param(
    "limit", "query", {"type": "integer", "default": DEFAULT_LIMIT, "maximum": MAX_LIMIT}, "Righe per pagina"
)
OFFSET = _param("offset", "query", {"type": "integer", "default": 0}, "Righe da saltare")
PLAN = _param("plan", "query", {"type": "integer"}, "Id del piano (da /plans); senza: il piano in corso")
OPEN_SEMESTER = _param("semester", "path", {"type": "string"}, "Semestre chiuso, AAAA-S (2025-1)", required=True)
NAME = _param("name", "path", {"type": "string"}, "Nome del file", required=True)
ERRORS = {
    str(code): {
        "description": text,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    for code, text in (
        (400, "Parametro non valido"),
        (401, "Token mancante, non valido, scaduto, revocato o utente disattivato"),
        (403, "Non consentito a questo utente"),
        (404, "Non trovato"),
        (429, "Troppe richieste da questo indirizzo (Retry-After)"),
    )
}


def _get(summary: str, parameters: list[dict], description: str = "", public: bool = False) -> dict:
    op: dict[str, Any] = {
        "summary": summary,
        "parameters": parameters,
        "responses": {"200": {"description": "OK", "content": {"application/json": {}}}, **ERRORS},
    }
    if description:
        op["description"] = description
    if public:
        op["security"] = []
    return {"get": op}


def openapi_document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Monitoraggio Piano di Zona: API di sola lettura",
            "version": "1",
            "description": (
                "Il piano, i semestri e i risultati per obiettivo con le stesse cifre del Cruscotto. "
                "Autenticazione con un token personale (Il mio account) nell'intestazione "
                "Authorization: Bearer; un token nell'indirizzo è rifiutato. Il token vede ciò che vede il suo "
                "utente. Errori: JSON {\"errore\": \"...\"}."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": {"type": "object", "properties": {"errore": {"type": "string"}}}},
        },
        "paths": {
            "/plans": _get("Piani del database (trienni successivi), con quello in corso", []),
            "/areas": _get("Macro-aree del piano", [PLAN]),
            "/plan/objectives": _get(
                "Obiettivi del piano con azioni, indicatori, target e loro origine", [PLAN, AREA, LIMIT, OFFSET]
            ),
            "/semesters": _get("Semestri di monitoraggio del piano (id, anno, semestre, stato)", [PLAN]),
            "/semesters/{semester_id}/summary": _get(
                "Riepilogo del semestre: fasce, raggiungimento, budget e spesa, anche per area",
                [SEMESTER, INCLUDE_SUBMITTED],
            ),
            "/semesters/{semester_id}/results": _get(
                "Risultati per obiettivo: stato, raggiungimento, fascia, indicatori, budget, impegnato, liquidato",
                [SEMESTER, INCLUDE_SUBMITTED, AREA, LIMIT, OFFSET],
            ),
            "/semesters/{semester_id}/reports": _get(
                "Report in ogni stato (bozze comprese) con i valori salvati",
                [SEMESTER, AREA, LIMIT, OFFSET],
                "Solo Ufficio di Piano (tutte le aree) e referenti (le proprie aree; un'altra area: 403).",
            ),
            "/opendata": _get(
                "Dati aperti: semestri chiusi pubblicati e loro file (senza token; 404 se non pubblicati)",
                [],
                public=True,
            ),
            "/opendata/{name}": _get("Dizionario dei dati: dizionario.csv (senza token)", [NAME], public=True),
            "/opendata/{semester}/{name}": _get(
                "Risultati approvati di un semestre chiuso: risultati.csv, indicatori.csv (UTF-8, «;», virgola "
                "decimale) o dati.json (senza token; 404 se non pubblicati)",
                [OPEN_SEMESTER, NAME],
                public=True,
            ),
        },
    }
