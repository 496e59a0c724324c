"""models/validation.py: each rule returns the clean value or raises FieldError naming the field in Italian.

The parser of typed numbers (formatting.parse_number) and the form/import paths are in tests/test_number_input.py;
here the rules themselves, called directly."""

from __future__ import annotations

import math

import pytest

from models.errors import DomainError
from models.validation import (
    EURO,
    MAX_COUNT,
    MAX_EURO,
    MAX_NOTE,
    MAX_REF,
    FieldError,
    clean_action_state,
    clean_adequacy,
    clean_indicator_value,
    clean_number,
    clean_spend,
    clean_split,
    clean_text,
    clean_yes_no,
    input_preview,
    over_budget,
    over_budget_message,
    plausible_amount,
    refuse_control_characters,
)
from models.vocab import ActionState, ResourceAdequacy, Unit


def refusal(call, *args, **kwargs) -> FieldError:
    with pytest.raises(FieldError) as info:
        call(*args, **kwargs)
    return info.value


# --- FieldError ------------------------------------------------------------------------------------


def test_field_error_names_the_field_and_is_a_domain_error():
    error = FieldError("Impegnato", "il valore non può essere negativo (-1).")
    assert (error.field, error.message) == ("Impegnato", "il valore non può essere negativo (-1).")
    assert str(error) == "Impegnato: il valore non può essere negativo (-1)."
    assert isinstance(error, DomainError) and isinstance(error, ValueError)
    assert error.target is None  # set by the form that knows where the field is


# --- numbers -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, unit, expected",
    [
        ("1.234,56", EURO, 1234.56),
        (" 42 ", Unit.NUMERO, 42),
        ("12,5 %", Unit.PERCENTUALE, 12.5),
        (0, Unit.NUMERO, 0),
        (3.5, EURO, 3.5),
        ("100", Unit.PERCENTUALE, 100),
    ],
)
def test_clean_number_reads_the_value(raw, unit, expected):
    assert clean_number(raw, "Campo", unit=unit) == pytest.approx(expected, abs=0)


@pytest.mark.parametrize("raw", ["", "   ", None])
def test_clean_number_empty_is_none_not_zero(raw):
    assert clean_number(raw, "Campo") is None


def test_clean_number_refuses_a_negative_value_naming_the_field():
    error = refusal(clean_number, "-3", "N. di incontri")
    assert error.field == "N. di incontri"
    assert error.message == "il valore non può essere negativo (-3)."


def test_clean_number_keeps_the_field_once_when_the_parser_refuses():
    error = refusal(clean_number, "1,000", "Liquidato")
    assert error.field == "Liquidato" and not error.message.startswith("Liquidato")
    assert "«1,000» si può leggere in due modi" in error.message
    assert str(error).count("Liquidato") == 1


def test_clean_number_refuses_a_percentage_over_100():
    error = refusal(clean_number, "100,5", "Percentuale di progetti", unit=Unit.PERCENTUALE)
    assert str(error) == "Percentuale di progetti: una percentuale va da 0 a 100 (inserito 100,5)."


def test_clean_number_over_the_limit_shows_what_was_typed_and_the_limit():
    error = refusal(clean_number, "150.000.000", "Impegnato", unit=EURO)
    assert error.message == (
        "valore non plausibile (150.000.000 €): il massimo per un importo (per riga) è 100.000.000 €. "
        "Controllare i separatori (es. 1.234,56)."
    )
    error = refusal(clean_number, 2e7, "N. persone accolte")
    assert "valore non plausibile (20.000.000): il massimo per un conteggio è 10.000.000." in error.message


@pytest.mark.parametrize("value", [math.inf, math.nan])
def test_clean_number_refuses_a_non_finite_cell(value):
    assert "non valido" in refusal(clean_number, value, "Valore").message


@pytest.mark.parametrize(
    "raw, unit, ok",
    [
        ("100.000.000", "euro", True),
        ("100.000.001", "euro", False),
        ("99999999999999999999999", "euro", False),
        (1e308, "euro", False),
        (1e9, "euro", False),
        (99_999_999.99, "euro", True),
        ("10.000.000", "numero", True),
        ("10.000.001", "numero", False),
        (2e7, "numero", False),
        ("100", "percentuale", True),
        ("100,01", "percentuale", False),
        (0.0, "percentuale", True),
    ],
)
def test_plausibility_limits_per_kind(raw, unit, ok):
    if ok:
        assert clean_number(raw, "Campo", unit=unit) is not None
        return
    with pytest.raises(FieldError) as info:
        clean_number(raw, "Campo", unit=unit)
    message = str(info.value)
    if unit == "euro":
        assert "valore non plausibile" in message and "100.000.000 €" in message
    elif unit == "numero":
        assert "10.000.000" in message
    else:
        assert "da 0 a 100" in message


def test_constants_are_the_documented_limits():
    assert (MAX_EURO, MAX_COUNT) == (100_000_000, 10_000_000)


@pytest.mark.parametrize(
    "raw, unit, shown",
    [
        ("1234,5", EURO, (True, "Si salverà: 1.234,50 €")),
        (1000.0, EURO, (True, "Si salverà: 1.000,00 €")),
        ("12,5", Unit.PERCENTUALE, (True, "Si salverà: 12,5 %")),
        ("3", Unit.NUMERO, (True, "Si salverà: 3")),
        ("0,123456", Unit.NUMERO, (True, "Si salverà: 0,123456")),  # never rounded to 2 decimals
        ("", EURO, (True, "Vuoto: nessun dato")),
        ("-1", Unit.NUMERO, (False, "Valore: il valore non può essere negativo (-1).")),
    ],
)
def test_input_preview_shows_the_saved_value_or_the_refusal(raw, unit, shown):
    assert input_preview(raw, "Valore", unit=unit) == shown


@pytest.mark.parametrize(
    "value, ok",
    [(0.0, True), (MAX_EURO, True), (None, False), (-0.01, False), (MAX_EURO + 1, False), (math.inf, False)],
)
def test_plausible_amount(value, ok):
    assert plausible_amount(value) is ok


# --- yes/no, text, control characters ------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Sì", True),
        (" si ", True),
        ("X", True),
        (1, True),
        (True, True),
        ("NO", False),
        ("falso", False),
        (0, False),
        (False, False),
        ("", None),
        (None, None),
    ],
)
def test_clean_yes_no(raw, expected):
    assert clean_yes_no(raw, "Protocollo sottoscritto") is expected


@pytest.mark.parametrize("raw", ["forse", 2, "sìì"])
def test_clean_yes_no_refuses_anything_else_quoting_it(raw):
    assert str(refusal(clean_yes_no, raw, "Protocollo sottoscritto")) == (
        f"Protocollo sottoscritto: atteso sì o no, trovato «{raw}»."
    )


def test_clean_text_trims_and_normalises_line_breaks():
    assert clean_text("  prima riga\r\nseconda\rterza  ", "Criticità") == "prima riga\nseconda\nterza"
    assert clean_text(None, "Criticità") == ""
    assert clean_text(12, "Criticità") == "12"


def test_clean_text_refuses_a_text_over_its_limit():
    assert clean_text("x" * MAX_REF, "Riferimento", limit=MAX_REF) == "x" * MAX_REF
    error = refusal(clean_text, "x" * (MAX_REF + 1), "Riferimento", limit=MAX_REF)
    assert str(error) == f"Riferimento: testo troppo lungo ({MAX_REF + 1} caratteri, massimo {MAX_REF})."


def test_clean_text_keeps_line_breaks_in_notes_and_refuses_them_in_short_fields():
    assert clean_text("a\n\tb", "Nota", limit=MAX_NOTE) == "a\n\tb"
    error = refusal(clean_text, "a\nb", "Riferimento", limit=MAX_REF)
    assert error.message.startswith("a capo e tabulazioni non ammessi (U+000A, posizione 2)")


@pytest.mark.parametrize(
    "text, code, position", [("ab\x00c", "0000", 3), ("\x07suono", "0007", 1), ("ok\ud800", "D800", 3)]
)
def test_control_characters_refused_with_code_and_position(text, code, position):
    error = refusal(refuse_control_characters, text, "Nota", multiline=True)
    assert error.field == "Nota"
    assert error.message == (
        f"carattere di controllo non ammesso (U+{code}, posizione {position}): di solito arriva da un "
        "copia-incolla; riscrivere il testo senza."
    )


def test_ordinary_text_passes_the_control_character_check():
    refuse_control_characters("Città, «virgolette» e € — tutto bene", "Nota")
    refuse_control_characters("riga\nriga", "Nota", multiline=True)


# --- indicators and sub-areas -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "unit, raw, expected",
    [
        (Unit.NUMERO, "1.234", (1234, "")),
        (Unit.PERCENTUALE, "50", (50, "")),
        (Unit.SI_NO, "sì", (1.0, "")),
        (Unit.SI_NO, "no", (0.0, "")),
        (Unit.SI_NO, "", (None, "")),
        (Unit.TESTO, "  migliorato ", (None, "migliorato")),
        (Unit.NUMERO, "", (None, "")),
    ],
)
def test_clean_indicator_value_by_unit(unit, raw, expected):
    assert clean_indicator_value(unit, raw, "Indicatore") == expected


def test_clean_indicator_value_applies_the_unit_limit():
    error = refusal(clean_indicator_value, Unit.PERCENTUALE, "120", "Indicatore «Percentuale»")
    assert error.field == "Indicatore «Percentuale»" and "da 0 a 100" in error.message


def test_clean_split_sums_to_the_total():
    assert clean_split(Unit.NUMERO, 5, {"AT1": "2", "AT2": "3"}, "Valore") == {"AT1": 2, "AT2": 3}
    assert clean_split(Unit.NUMERO, None, {"AT1": "2", "AT2": ""}, "Valore") == {"AT1": 2}
    assert clean_split(Unit.PERCENTUALE, 5, {"AT1": "", "AT2": None}, "Valore") == {}


def test_clean_split_refuses_a_wrong_sum_naming_both_figures():
    error = refusal(clean_split, Unit.NUMERO, 5, {"AT1": "2", "AT2": "2"}, "Valore")
    assert str(error) == "Valore: la somma per sub-ambito (4) non corrisponde al totale (5)."


def test_clean_split_only_for_counts_and_names_the_sub_area_of_a_bad_value():
    error = refusal(clean_split, Unit.PERCENTUALE, 5, {"AT1": "5"}, "Valore")
    assert error.message == "la ripartizione per sub-ambito vale solo per indicatori numerici."
    error = refusal(clean_split, Unit.NUMERO, 5, {"AT1": "-5"}, "Valore")
    assert error.field == "Valore – AT1"


# --- actions and resources -------------------------------------------------------------------------------


@pytest.mark.parametrize("raw, expected", [(" In corso ", "in corso"), ("REALIZZATA", "realizzata")])
def test_clean_action_state(raw, expected):
    assert clean_action_state(raw, "Azione 1") == expected


@pytest.mark.parametrize("raw", ["finita", "", None])
def test_clean_action_state_refuses_an_unknown_state_listing_the_allowed_ones(raw):
    error = refusal(clean_action_state, raw, "Azione 1")
    assert error.field == "Azione 1"
    assert error.message.endswith(f"non ammesso (ammessi: {', '.join(s.value for s in ActionState)}).")


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("adeguato", ResourceAdequacy.ADEGUATO),
        ("Sufficientemente adeguato", ResourceAdequacy.SUFFICIENTEMENTE_ADEGUATO),
        ("gravemente_inadeguato", ResourceAdequacy.GRAVEMENTE_INADEGUATO),
        ("", None),
        (None, None),
    ],
)
def test_clean_adequacy_reads_code_or_label(raw, expected):
    assert clean_adequacy(raw) == expected


def test_clean_adequacy_refuses_an_unknown_level_in_italian():
    assert str(refusal(clean_adequacy, "ottimo")).startswith(
        "Adeguatezza delle risorse: livello «ottimo» non ammesso (ammessi: Gravemente inadeguato, Inadeguato, "
    )


# --- spend ---------------------------------------------------------------------------------------------


def test_clean_spend_empty_line_is_none_and_one_amount_means_the_other_is_zero():
    assert clean_spend("", None, "", confirmed=False, field="Spesa") is None
    assert clean_spend("1.000", "", "", confirmed=False, field="Spesa") == (1000, 0, "")
    with pytest.raises(FieldError, match="supera l'impegnato"):
        clean_spend("", "10", "", confirmed=False, field="Spesa")


def test_clean_spend_paid_over_committed_needs_confirmation_and_note():
    error = refusal(clean_spend, "100", "200", "", confirmed=False, field="Spesa FNPS")
    assert error.field == "Spesa FNPS – liquidato"
    assert error.message == (
        "il liquidato (200 €) supera l'impegnato (100 €): confermare e spiegare il motivo nella nota."
    )
    refusal(clean_spend, "100", "200", "", confirmed=True, field="Spesa FNPS")  # a confirmation needs a note
    refusal(clean_spend, "100", "200", "motivo", confirmed=False, field="Spesa FNPS")  # and a note a confirmation
    assert clean_spend("100", "200", " motivo ", confirmed=True, field="Spesa FNPS") == (100, 200, "motivo")


def test_clean_spend_names_the_amount_of_a_bad_value():
    assert refusal(clean_spend, "-1", "", "", confirmed=False, field="Spesa PNRR").field == "Spesa PNRR – impegnato"
    assert refusal(clean_spend, "", "abc", "", confirmed=False, field="Spesa PNRR").field == "Spesa PNRR – liquidato"
    error = refusal(clean_spend, "1", "", "a\x00", confirmed=False, field="Spesa PNRR")
    assert error.field == "Spesa PNRR – nota"


def test_clean_spend_over_budget_names_the_larger_amount():
    error = refusal(clean_spend, "1.000", "", "", confirmed=False, field="Spesa FNPS", budget=100)
    assert (error.field, error.message) == ("Spesa FNPS – impegnato", over_budget_message(1000, 100))
    error = refusal(clean_spend, "100", "1.000", "", confirmed=False, field="Spesa FNPS", budget=100)
    assert error.field == "Spesa FNPS – liquidato"  # paid > committed is asked first
    assert clean_spend("300", "300", "", confirmed=False, field="Spesa FNPS", budget=100) == (300, 300, "")
    assert clean_spend("1.000", "", "nota", confirmed=True, field="Spesa FNPS", budget=100) == (1000, 0, "nota")


@pytest.mark.parametrize(
    "amount, budget, over",
    [(301, 100, True), (300, 100, False), (10**6, None, False), (10**6, 0, False), (0, 100, False)],
)
def test_over_budget_is_more_than_three_times_a_known_budget(amount, budget, over):
    assert over_budget(amount, budget) is over


def test_over_budget_message_in_italian():
    assert over_budget_message(350_000, 100_000) == (
        "l'importo (350.000 €) supera di oltre 3 volte il budget dell'obiettivo (100.000 €): "
        "se è corretto, confermare e spiegare il motivo nella nota."
    )
