"""Shared projects split in equal parts (seed 000: 20.000 € in halves and in thirds): fractions accepted,
amounts derived to the cent with the remainder placed explicitly, always summing exactly to the total."""

from fractions import Fraction

import pytest
from sqlmodel import Session, select

from models.audit import audit_trail  # noqa: F401  (the save is audited: checked below through the table)
from models.plan_setup import preview_shares, save_shared_project
from models.shares import ShareError, allocate, parse_fraction, split_total
from models.tables import AuditEntry, PartnerShare, SharedProject
from models.validation import FieldError
from tests.test_plan_setup import run
from tests.test_reports import OFFICE, db  # noqa: F401

THIRD = Fraction(1, 3)


def test_equal_thirds_of_20000_sum_exactly_with_the_remainder_placed():
    split = split_total(20000, [THIRD, THIRD, THIRD])
    assert split.cents == (666667, 666667, 666666) and sum(split.cents) == 2_000_000
    assert split.remainder_to == (0, 1)
    assert split.describe(["A", "B", "C"]) == (
        "6.666,67 € + 6.666,67 € + 6.666,66 € = 20.000,00 € "
        "(resto di 2 centesimi assegnato a A, B (1 centesimo ciascuno))"
    )


@pytest.mark.parametrize("typed", [["6.666,67", "6.666,67", "6.666,67"], ["6666,67", "6666,67", "6666,66"]])
def test_three_times_6666_67_is_accepted_as_three_equal_parts(db, typed):
    """The amounts as people type them: each rounded to the cent, adding up to 20.000,01 or 20.000."""
    project = run(db, save_shared_project, "MATRICE", "20.000", list(zip("ABC", typed)), actor=OFFICE)
    with Session(db) as s:
        shares = s.exec(
            select(PartnerShare).where(PartnerShare.project_id == project.id).order_by(PartnerShare.id)
        ).all()
        assert [x.amount for x in shares] == [6666.67, 6666.67, 6666.66]
        assert round(sum(x.amount for x in shares) * 100) == 2_000_000 == round(project.total * 100)
        assert "6.666,66 €" in s.exec(select(AuditEntry.new).where(AuditEntry.entity == "sharedproject")).first()


def test_fractions_and_percentages_are_accepted(db):
    run(db, save_shared_project, "LIMES", "20.000", [("Cremonese", "1/2"), ("Casalasco", "1/2")], actor=OFFICE)
    run(db, save_shared_project, "MATRICE", "20.000", [("A", "1/3"), ("B", "1/3"), ("C", "1/3")], actor=OFFICE)
    run(db, save_shared_project, "P", "1.000", [("A", "25%"), ("B", "75 %")], actor=OFFICE)
    with Session(db) as s:
        got = {
            p.name: [
                x.amount
                for x in s.exec(select(PartnerShare).where(PartnerShare.project_id == p.id).order_by(PartnerShare.id))
            ]
            for p in s.exec(select(SharedProject))
        }
    assert got == {"LIMES": [10000, 10000], "MATRICE": [6666.67, 6666.67, 6666.66], "P": [250, 750]}
    assert preview_shares("20000", [("A", "1/3"), ("B", "1/3"), ("C", "1/3")]).startswith(
        "6.666,67 € + 6.666,67 € + 6.666,66 € = 20.000,00 €"
    )


@pytest.mark.parametrize(
    "shares, message",
    [
        ([("A", "10000"), ("B", "9000")], "somma delle quote \\(19.000,00 €\\) non corrisponde"),
        ([("A", "1/3"), ("B", "1/3")], "le frazioni sommano a 2/3, non a 1"),
        ([("A", "1/2"), ("B", "10000")], "come frazioni \\(es. 1/3\\) oppure tutte come importi"),
        ([("A", "1/0"), ("B", "1/2")], "Quota di A: .*denominatore non può essere zero"),
        ([("A", "6666,67"), ("B", "6666,67"), ("C", "6666,68")], "somma delle quote"),  # 2 cents off: not rounding
    ],
)
def test_shares_that_do_not_make_the_total_are_refused_with_the_reason(db, shares, message):
    with pytest.raises(FieldError, match=message):
        run(db, save_shared_project, "X", "20000", shares, actor=OFFICE)


@pytest.mark.parametrize(
    "total, weights",
    [
        (2_000_000, [1, 1, 1]),
        (1, [1, 1, 1]),
        (100, [1, 2, 3, 4]),
        (999_999, [7, 11, 13]),
        (5, [1] * 7),
        (2_000_000, [1, 1]),
    ],
)
def test_allocation_always_sums_exactly_and_differs_by_at_most_one_cent(total, weights):
    split = allocate(total, [Fraction(w) for w in weights])
    assert sum(split.cents) == total
    whole = sum(weights)
    for cents, w in zip(split.cents, weights):
        assert abs(cents - total * w / whole) < 1
    assert len(split.remainder_to) == total - sum(int(total * w / whole) for w in weights)


def test_parse_fraction():
    assert parse_fraction("1/3") == THIRD and parse_fraction(" 1 / 2 ") == Fraction(1, 2)
    assert parse_fraction("33,5%") == Fraction(67, 200) and parse_fraction("6.666,67") is None
    with pytest.raises(ShareError):
        parse_fraction("2/0")
