"""The shared text helpers (cgdiff.text): one number syntax, one did-you-mean."""

import re

from cgdiff import text
from cgdiff.parser import grammar_text


def test_the_grammar_reads_the_one_number_syntax():
    (pattern,) = re.findall(r"^NUMBER: /(.*)/$", grammar_text(), flags=re.M)
    assert pattern == text.NUMBER


def test_signed_numbers_as_options_take_them():
    for good in ["2", "-2", "+.5", "1e-3", "2.", "-1.5E+7"]:
        assert text.SIGNED_NUMBER.fullmatch(good)
    for bad in ["", ".", "e3", "1e", "--1", "0x10", "1_000"]:
        assert not text.SIGNED_NUMBER.fullmatch(bad)


def test_suggest_finds_typos_and_other_letter_case_on_request():
    assert text.suggest("cots", ["cost", "x"]) == "cost"
    assert text.suggest("W", ["w", "b"]) is None
    assert text.suggest("W", ["w", "b"], ignore_case=True) == "w"
    assert text.did_you_mean("qqq", ["w"]) == ""
    assert text.did_you_mean("wieght", ["weight", "x"]) == " (did you mean 'weight'?)"


def test_numbers_for_people_and_exactly():
    assert text.human_number(-4.0) == "-4"
    assert text.human_number(float("nan")) == "—"
    assert text.exact_number(0.1) == "0.1"
    assert text.exact_number(-1.0) == "-1"


def test_short_label_is_one_clipped_line():
    assert text.short_label("a  +\tb", 0, 6) == "a + b"
    assert text.short_label("x" * 1000, 0, 1000, width=10) == "x" * 9 + "…"
