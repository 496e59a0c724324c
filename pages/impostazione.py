"""Impostazione piano (Ufficio di Piano): targets per year, actions and indicators, budgets, sub-areas,
shared projects, semesters, the plan from a spreadsheet (the only tab when no plan is loaded yet)."""

import pandas as pd
import streamlit as st

from components import auth_gate
from components.actions import attempt
from components.confirm import confirmed
from components.data import call
from components.plan_import import just_imported, plan_from_workbook
from components.safe import md_escape, plain_table
from components.selectors import objective_by_area
from models import entry_view, notice_prefs, plan_closing, plan_setup, plans, queries, semesters
from models.errors import DomainError
from models.formatting import euro_cents, number
from models.vocab import (
    CHOOSE_MANY,
    PAGE_TITLES,
    SHORT_FUNDING_LABELS,
    UNIT_LABELS,
    Battery,
    FundingSource,
    Unit,
    semester_label,
)

actor = auth_gate.signed_in().actor
st.title(PAGE_TITLES["impostazione"])
header = call(queries.plan_header)
if header is None:
    st.info(
        "Il piano non è ancora stato caricato nel database: scaricare il modello vuoto, compilarlo e "
        "importarlo qui sotto."
    )
    plan_from_workbook(actor)
    st.stop()
years = list(range(header["first_year"], header["last_year"] + 1))

SHARE_COLUMN = "Quota (€ o frazione, es. 1/3)"
TAB_KEY = "imp_tab"
TABS = ["Obiettivi, target e budget", "Semestri", "Progetti sovrazonali", "Piano da Excel"]
# Only the open tab runs (on_change="rerun"), and the tab chosen stays open across reruns: a confirmation or
# a message after a save is shown in the tab where it happened.
if just_imported():  # the outcome of the import is shown where it was confirmed
    st.session_state[TAB_KEY] = TABS[-1]
tab_obj, tab_sem, tab_proj, tab_xlsx = st.tabs(TABS, key=TAB_KEY, on_change="rerun")

if tab_obj.open:
    with tab_obj:
        objectives = call(entry_view.editable_objectives, actor=actor)
        by_id = {o["id"]: o for o in objectives}
        if not by_id:
            st.info("Il piano non ha obiettivi specifici da impostare.")
            st.stop()
        c1, c2 = st.columns([3, 1])
        with c1:  # past BY_AREA_OVER objectives (a hundred times the plan) an Area selector comes first
            objective_id = objective_by_area(
                "Obiettivo",
                list(by_id),
                key="set_obj",
                default=next(iter(by_id)),
                format_func=lambda i: f"{by_id[i]['area']} · {by_id[i]['code']} · {by_id[i]['text'][:90]}",
                area_of=lambda i: by_id[i]["area"],
            )
        year = c2.selectbox("Anno (Piano Operativo Annuale)", years, key="set_year")
        setup = call(plan_setup.objective_setup, objective_id, year)
        st.markdown(f"**{setup['code']}** · {md_escape(setup['text'])}")

        st.markdown(f"##### Baseline e target {year}")
        for ind in setup["indicators"]:
            with st.container(border=True):
                st.markdown(
                    f"*{ind['battery']}* · {md_escape(ind['text'])}" + (" — **ritirato**" if ind["retired"] else "")
                )
                if ind["unit"] == Unit.TESTO:
                    st.caption("Indicatore testuale: senza target numerico.")
                    cols = st.columns([1, 1, 1, 1])
                else:
                    cols = st.columns([1, 1, 1, 1])
                    base = cols[0].text_input(
                        "Baseline",
                        value=number(ind["baseline"], 2) if ind["baseline"] is not None else "",
                        key=f"b{ind['id']}_{year}",
                    )
                    tgt = cols[1].text_input(
                        f"Target ({UNIT_LABELS[Unit(ind['unit'])]})",
                        value=number(ind["target"], 2) if ind["target"] is not None else "",
                        key=f"t{ind['id']}_{year}",
                    )
                    if ind["target_origin"]:  # who set it, never a document line it does not come from
                        cols[2].caption(f"Target {year}: {md_escape(ind['target_origin'])}")
                    if cols[2].button("Salva target", key=f"st{ind['id']}_{year}"):
                        if attempt(
                            plan_setup.set_target, ind["id"], year, base, tgt, actor=actor, success="Target salvato."
                        ):
                            st.rerun()
                if ind["retired"]:
                    clicked = cols[3].button("Ripristina", key=f"ri{ind['id']}")
                else:
                    clicked = confirmed(
                        "Ritira",
                        key=f"ri{ind['id']}",
                        where=cols[3],
                        question="Ritirare l'indicatore? Non sarà più chiesto nei nuovi report "
                        "(i valori già inseriti restano).",
                    )
                if clicked:
                    if attempt(
                        plan_setup.set_retired,
                        "indicator",
                        ind["id"],
                        not ind["retired"],
                        actor=actor,
                        success="Indicatore aggiornato.",
                    ):
                        st.rerun()

        with st.expander("Aggiungi un indicatore"):
            a1, a2, a3 = st.columns([3, 1, 1])
            text = a1.text_input("Testo dell'indicatore", key="new_ind_text")
            battery = a2.selectbox("Tipo", [b.value for b in Battery], key="new_ind_bat")
            unit = a3.selectbox(
                "Unità", [u.value for u in Unit], format_func=lambda u: UNIT_LABELS[Unit(u)], key="new_ind_unit"
            )
            lower = st.checkbox("Un valore più basso è migliore (es. tempi di attesa)", key="new_ind_lower")
            if st.button("Aggiungi indicatore", key="new_ind"):
                if attempt(
                    plan_setup.add_indicator,
                    objective_id,
                    battery,
                    text,
                    unit,
                    actor=actor,
                    higher_is_better=not lower,
                    success="Indicatore aggiunto.",
                ):
                    st.rerun()

        st.markdown("##### Azioni programmate")
        for act in setup["actions"]:
            a1, a2 = st.columns([5, 1])
            a1.markdown(md_escape(act["text"]) + (" — **ritirata**" if act["retired"] else ""))
            if act["retired"]:
                clicked = a2.button("Ripristina", key=f"ra{act['id']}")
            else:
                clicked = confirmed(
                    "Ritira",
                    key=f"ra{act['id']}",
                    where=a2,
                    question="Ritirare l'azione? Non conterà più tra le azioni programmate "
                    "dell'obiettivo nei nuovi report.",
                )
            if clicked:
                if attempt(
                    plan_setup.set_retired,
                    "action",
                    act["id"],
                    not act["retired"],
                    actor=actor,
                    success="Azione aggiornata.",
                ):
                    st.rerun()
        new_action = st.text_input("Nuova azione", key="new_act_text")
        if st.button("Aggiungi azione", key="new_act"):
            if attempt(plan_setup.add_action, objective_id, new_action, actor=actor, success="Azione aggiunta."):
                st.rerun()

        st.markdown("##### Budget per fonte di finanziamento")
        if setup["budget"]:  # a few lines: a real table, not the scrolling grid (its code is loaded only for it)
            plain_table(
                pd.DataFrame(
                    [
                        {
                            "Anno": b["year"] or "triennio",
                            "Fonte": SHORT_FUNDING_LABELS.get(b["source"], "—") if b["source"] else "—",
                            "Voce": b["item"],
                            "Importo": euro_cents(b["amount"]),
                            "Origine": b["origin_label"],
                        }
                        for b in setup["budget"]
                    ]
                ),
                hide_index=True,
            )
        b1, b2, b3 = st.columns([1, 2, 1])
        src = b1.selectbox(
            "Fonte",
            [s.value for s in FundingSource],
            key="bud_src",
            format_func=lambda s: SHORT_FUNDING_LABELS[FundingSource(s)],
        )
        amount = b2.text_input(f"Importo {year} (€) — vuoto per togliere", key="bud_amount")
        if b3.button("Salva budget", key="bud_save"):
            if attempt(plan_setup.set_budget, objective_id, year, src, amount, actor=actor, success="Budget salvato."):
                st.rerun()

        st.markdown("##### Sub-ambiti")
        subs = [s["code"] for s in call(queries.sub_areas)]
        chosen = st.multiselect(
            "L'obiettivo è locale a questi sub-ambiti (vuoto: tutto l'Ambito)",
            subs,
            default=setup["sub_areas"],
            key=f"subs_{objective_id}",
            placeholder=CHOOSE_MANY,
        )
        if st.button("Salva sub-ambiti", key="subs_save"):
            if attempt(plan_setup.set_sub_areas, objective_id, chosen, actor=actor, success="Sub-ambiti salvati."):
                st.rerun()

        links = call(plan_closing.predecessor_choice, objective_id)
        if links.options:  # a plan before this one is in the database
            st.markdown("##### Obiettivo del piano precedente")
            NONE = 0  # "no predecessor" as an int option: a selectbox showing None reads as "nothing chosen"
            picked = objective_by_area(
                "Lo stesso obiettivo nel piano precedente (il Cruscotto ne mostra anche l'andamento)",
                [NONE, *links.options],
                key=f"pred_{objective_id}",
                default=links.current or NONE,
                format_func=lambda i: "nessuno (obiettivo nuovo)" if i == NONE else links.options[i],
                area_of=links.areas.get,  # NONE has no area: listed in every area
                area_label="Area del piano precedente",
            )
            if st.button("Salva obiettivo precedente", key="pred_save"):
                if attempt(
                    plan_closing.link_predecessor,
                    objective_id,
                    picked or None,
                    actor=actor,
                    success="Obiettivo precedente salvato.",
                ):
                    st.rerun()

if tab_sem.open:
    with tab_sem:
        sems = call(entry_view.open_semesters)
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Semestre": semester_label(s.year, s.half),
                        "Stato": s.state,
                        "Scadenza": s.deadline.strftime("%d/%m/%Y") if s.deadline else "—",
                    }
                    for s in sems
                ]
            ),
            hide_index=True,
            width="stretch",
        )
        openable = call(semesters.openable_semesters)
        if openable:
            # The default is the semester after the latest one; earlier ones stay offered for backfilling.
            following = call(semesters.semester_to_open)
            default = openable.index(following) if following in openable else 0
            st.markdown("##### Apri un semestre del piano")
            st.caption(
                "Si può aprire qualsiasi semestre del periodo del piano, anche passato, per registrare i dati "
                "dei semestri già trascorsi; ogni semestre ha la propria scadenza."
            )
            o1, o2 = st.columns(2)
            to_open = o1.selectbox(
                "Semestre da aprire",
                openable,
                index=default,
                key="new_sem_pick",
                format_func=lambda ys: semester_label(*ys),
            )
            deadline = o2.date_input(
                "Scadenza per l'inserimento dati",
                value=semesters.suggested_deadline(*to_open),
                key=f"new_sem_deadline_{to_open[0]}_{to_open[1]}",
                format="DD/MM/YYYY",
            )
            still_open = call(semesters.other_open_semesters)
            label = semester_label(*to_open)
            question = (
                f"Aprire il {label} con scadenza {deadline.strftime('%d/%m/%Y') if deadline else 'da definire'}? "
                "I referenti vi potranno inserire i dati; un semestre aperto non si cancella."
            )
            if still_open:
                question += f" È già aperto il {', '.join(still_open)}: i referenti avranno più semestri aperti."
            # The question is the confirmation the domain asks for when another semester is open.
            if confirmed(f"Apri il {label}", key="new_sem", question=question):
                if attempt(
                    semesters.open_semester, *to_open, deadline, actor=actor, confirmed=True, success="Semestre aperto."
                ):
                    st.rerun()
        else:
            st.caption("Tutti i semestri del periodo del piano sono stati aperti.")
        if sems:
            st.markdown("##### Proroga della scadenza")
            s1, s2, s3 = st.columns([2, 2, 1])
            target = s1.selectbox("Semestre", sems, key="ext_sem", format_func=lambda s: semester_label(s.year, s.half))
            new_deadline = s2.date_input("Nuova scadenza", value=target.deadline, key="ext_date", format="DD/MM/YYYY")
            if s3.button("Proroga", key="ext"):
                if attempt(
                    semesters.set_deadline, target.id, new_deadline, actor=actor, success="Scadenza aggiornata."
                ):
                    st.rerun()

        plan = call(plans.current_plan)
        if plan is not None and not plan.closed:
            st.markdown("##### Chiusura del piano")
            st.caption(
                f"A piano concluso (tutti i semestri chiusi, nessun report in attesa di revisione), i risultati "
                f"finali dell'ultimo semestre diventano la pagina storica del piano successivo, come *Piano "
                f"2021-2023* per il {plan.years}. Il piano resta consultabile; inserimento e revisione passano al "
                "piano successivo."
            )
            question = (
                f"Chiudere il piano {plan.years}? I suoi risultati finali vengono scritti una volta per tutte e "
                "il piano non si riapre."
            )
            if confirmed(f"Chiudi il piano {plan.years}", key="close_plan", question=question):
                closed = attempt(
                    plan_closing.close_plan,
                    plan.id,
                    actor=actor,
                    success=f"Piano {plan.years} chiuso: i risultati finali sono nella pagina storica del successivo.",
                )
                if closed is not None:  # the number of outcomes written, 0 included
                    st.rerun()

        st.markdown("##### Promemoria per e-mail")
        current_days = call(notice_prefs.reminder_days)
        r1, r2 = st.columns([3, 1])
        days_text = r1.text_input(
            notice_prefs.REMINDER_FIELD,
            value=notice_prefs.reminder_days_text(current_days),
            key="reminder_days",
            help="Giorni di calendario (ora italiana) prima della scadenza in cui i referenti con report non ancora "
            "inviati ricevono un promemoria, separati da virgole; vuoto: nessun promemoria.",
        )
        if r2.button("Salva promemoria", key="reminder_days_save"):
            if attempt(notice_prefs.set_reminder_days, days_text, actor=actor, success="Promemoria salvati."):
                st.rerun()

if tab_proj.open:
    with tab_proj:
        for p in call(plan_setup.shared_projects):
            st.markdown(f"**{md_escape(p['name'])}** · {euro_cents(p['total'])}")
            st.dataframe(
                pd.DataFrame([{"Partner": n, "Quota": euro_cents(v)} for n, v in p["shares"]]), hide_index=True
            )
        st.markdown("##### Nuovo progetto condiviso con altri Ambiti o partner")
        name = st.text_input("Nome del progetto", key="proj_name")
        total = st.text_input("Importo totale (€)", key="proj_total")
        shares = st.data_editor(
            pd.DataFrame({"Partner": ["", ""], SHARE_COLUMN: ["", ""]}),
            num_rows="dynamic",
            key="proj_shares",
            width="stretch",
        )
        rows = [(str(r["Partner"] or ""), r[SHARE_COLUMN]) for _, r in shares.iterrows()]
        if total and any(p for p, _ in rows):
            try:  # the amounts saving would store, remainder cents included
                st.caption("Quote risultanti: " + plan_setup.preview_shares(total, rows))
            except DomainError as exc:
                st.caption(f":orange[{md_escape(str(exc))}]")
        if st.button("Salva progetto", key="proj_save"):
            if attempt(plan_setup.save_shared_project, name, total, rows, actor=actor, success="Progetto salvato."):
                st.rerun()

if tab_xlsx.open:
    with tab_xlsx:
        plan_from_workbook(actor)
