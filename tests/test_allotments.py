"""The table of allotment types: each entry reads back what it writes."""

import pytest

import storage
from storage.errors import InvalidInput


@pytest.mark.parametrize("kind", storage.ALLOTMENTS.values(), ids=lambda k: k.name)
def test_every_metered_type_reads_its_own_example_and_writes_it_back(kind):
    if not kind.metered:
        assert kind.parse_total("") is None
        with pytest.raises(InvalidInput, match="covers unlimited cases"):
            kind.parse_total("10")
        return
    amount = kind.parse_total(kind.example)
    assert amount > 0
    assert kind.parse(kind.format(amount).replace(" ", "")) == amount


def test_words_and_charges_per_type():
    cases, time, coverage = (storage.allotment(n) for n in ("cases", "time", "coverage"))
    assert (cases.words(1), cases.words(3), time.words(90)) == ("1 case", "3 cases", "1h 30m")
    assert (cases.charge(10, 15, 30), coverage.charge(None, None, None)) == (1, 0)
    assert time.charge(10, 15, 30) == 30 and time.charge(40, 15, 30) == 45
    with pytest.raises(InvalidInput, match="give the time spent"):
        time.charge(None, 15, 30)


def test_an_unknown_type_is_refused_with_the_known_ones():
    with pytest.raises(InvalidInput, match="'credits' is not one of cases, time, coverage"):
        storage.allotment("credits")
