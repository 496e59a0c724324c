"""The review queue: submitted reports, the longest waiting first; each opens the report; several can be
approved at once (models.review.approve_many: the same checks as one by one, a result for each report).

A long queue is shown 25 reports a page (components.pager). The selection for the bulk approval is kept in the
session across pages (a checkbox of another page is not drawn, and Streamlit forgets an undrawn widget's value):
*Approva i selezionati* approves every selected report still in the queue, on this page or not."""

from __future__ import annotations

import streamlit as st

from components import pager
from components.actions import attempt
from components.safe import md_escape
from components.selectors import choose
from models import review
from models.formatting import local_time
from models.permissions import Actor
from models.review import QueueItem
from models.vocab import plural

PAGE = "pages/revisione.py"
PARAM_SEMESTER, PARAM_OBJECTIVE = "semestre", "obiettivo"
QUEUE_ROWS_SHOWN = 7  # beyond this the queue scrolls in its box
_RESULT = "rev_bulk_result"  # the last bulk approval's outcome, shown after its rerun
_SELECTED = "rev_selected"  # {(semester_id, objective_id)}: the reports ticked, on any page of the queue
_PAGE = "rev_queue_page"


def link_params(item: QueueItem) -> dict[str, str]:
    return {PARAM_SEMESTER: str(item.semester_id), PARAM_OBJECTIVE: str(item.objective_id)}


def apply_link(semesters: list) -> None:
    """A queue link (?semestre=..&obiettivo=..) selects that report once; the parameters are then dropped so
    that the selectors stay free."""
    params = st.query_params
    if PARAM_SEMESTER not in params:
        return
    sem_id: int | None
    obj_id: int | None
    try:
        sem_id, obj_id = int(params[PARAM_SEMESTER]), int(params.get(PARAM_OBJECTIVE, ""))
    except ValueError:
        sem_id = obj_id = None
    if sem_id in {s.id for s in semesters} and obj_id is not None:
        st.session_state["rev_sem"] = sem_id
        choose("rev_obj", obj_id)
    for name in (PARAM_SEMESTER, PARAM_OBJECTIVE):
        params.pop(name, None)


def _short(text: str, limit: int = 48) -> str:
    """One line in the queue; the full text is in the report below."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _pick_key(item: QueueItem) -> str:
    return f"rev_pick_{item.semester_id}_{item.objective_id}"


def _ident(item: QueueItem) -> tuple[int, int]:
    return (item.semester_id, item.objective_id)


def _selected() -> set[tuple[int, int]]:
    return st.session_state.setdefault(_SELECTED, set())


def _ticked(item: QueueItem) -> None:
    (_selected().add if st.session_state.get(_pick_key(item)) else _selected().discard)(_ident(item))


def _select(items: list[QueueItem], on: bool) -> None:
    for item in items:
        (_selected().add if on else _selected().discard)(_ident(item))


def _clear() -> None:
    _selected().clear()


def show(queue: list[QueueItem], *, actor: Actor) -> None:
    st.markdown("### Coda di revisione")
    for ok, text in st.session_state.pop(_RESULT, []):
        (st.success if ok else st.error)(text)
    if not queue:
        st.caption("Nessun report inviato in attesa di revisione.")
        return
    st.caption(
        f"{plural(len(queue), 'report inviato', 'report inviati')} in attesa, dal più vecchio. "
        "Il collegamento apre il report; la casella lo seleziona per l'approvazione di più report."
    )
    shown = list(pager.paginate(queue, key=_PAGE, noun="Report", label="Pagina della coda di revisione"))
    selected = _selected()
    # a long queue scrolls inside its box, so that the report below stays near
    with st.container(height=380 if len(shown) > QUEUE_ROWS_SHOWN else "content", border=True):
        for item in shown:
            # The box shows the kept selection (another page of the queue, a bulk action), set only when it differs:
            # setting it on every run sent the value back to the browser and unticked a box ticked while the run
            # of another tick was still going.
            if st.session_state.get(_pick_key(item)) != (ticked := _ident(item) in selected):
                st.session_state[_pick_key(item)] = ticked
            pick, link = st.columns([0.06, 0.94], vertical_alignment="center")
            pick.checkbox(
                f"Seleziona {item.code} ({item.semester_label})",
                key=_pick_key(item),
                label_visibility="collapsed",
                on_change=_ticked,
                args=(item,),
            )
            link.page_link(
                PAGE,
                query_params=link_params(item),
                label=f"{item.code} · {item.semester_label} · inviato il {local_time(item.submitted_at)}"
                f" · {item.lead} · {_short(item.text)}",
            )
    chosen = [i for i in queue if _ident(i) in selected]
    several = len(shown) < len(queue)
    bulk, *more = st.columns([2, 1, 1], vertical_alignment="center") if several else [st.container()]
    if bulk.button(
        f"Approva i selezionati ({len(chosen)})", key="rev_bulk", type="primary", disabled=not chosen, icon="✅"
    ):
        _approve(chosen, actor)
    if more:  # more than one page: select this page, or start the selection again
        more[0].button("Seleziona questa pagina", key="rev_pick_page", on_click=_select, args=(shown, True))
        more[1].button("Annulla la selezione", key="rev_pick_none", disabled=not chosen, on_click=_clear)
        if off_page := len(chosen) - sum(_ident(i) in selected for i in shown):
            st.caption(f"Selezionati anche in altre pagine: {off_page}.")


def _approve(chosen: list[QueueItem], actor: Actor) -> None:
    outcomes = attempt(review.approve_many, [(i.objective_id, i.semester_id, i.version) for i in chosen], actor=actor)
    if not outcomes:
        return
    done = [o for o in outcomes if o.approved]
    lines = []
    if done:
        lines.append(
            (True, f"Approvati {plural(len(done), 'report', 'report')}: " + ", ".join(o.code for o in done) + ".")
        )
    lines += [(False, f"{o.code} non approvato: {md_escape(o.message)}") for o in outcomes if not o.approved]
    st.session_state[_RESULT] = lines
    _select(chosen, False)
    st.rerun()
