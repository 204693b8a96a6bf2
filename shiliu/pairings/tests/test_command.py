"""``manage.py match``: the same run from the command line, with a JSON summary."""

import json
from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from shiliu.pairings.models import Pairing


def match(*args) -> dict:
    out = StringIO()
    call_command("match", *args, stdout=out)
    return json.loads(out.getvalue())


def test_match_proposes_and_prints_a_summary(pw):
    summary = match("--org", pw.county_a.code)
    assert (summary["households"], summary["paired_before"], summary["proposed"], summary["uncovered"]) == (8, 0, 7, 0)
    assert summary["uncovered_by_county"] == [] and summary["total_cost"] > 0
    assert set(summary["seconds"]) >= {"load", "solve", "write", "total"}
    assert Pairing.objects.filter(status="proposed").count() == 7
    assert not Pairing.objects.filter(status="active").exists()


def test_commit_accepts_and_a_second_run_has_nothing_left(pw):
    summary = match("--org", pw.prefecture.code, "--scheme", str(pw.scheme.pk), "--commit")
    assert summary["accepted"] == 8 and summary["proposed"] == 8
    active = Pairing.objects.filter(status="active")
    assert active.count() == 8 and not Pairing.objects.filter(status="proposed").exists()
    assert all(p.started_on is not None for p in active)
    assert pw.no_consent.pk not in {p.household_id for p in active}
    loads = Counter(p.official_id for p in active)
    assert max(loads.values()) <= pw.scheme.capacity_per_official
    again = match("--org", pw.prefecture.code, "--commit")
    assert (again["paired_before"], again["candidates"], again["proposed"], again["accepted"]) == (8, 0, 0, 0)


def test_shortfall_reasons_in_the_summary(pw):
    pw.scheme.capacity_per_official = 1
    pw.scheme.save()
    summary = match("--org", pw.county_a.code)
    assert summary["uncovered"] == 4
    assert summary["uncovered_by_county"][0]["county"] == pw.county_a.code
    assert summary["uncovered_by_county"][0]["officials_needed"] == 4


def test_errors(pw):
    with pytest.raises(CommandError):
        match("--org", "nope")
    with pytest.raises(CommandError):
        match("--org", pw.county_a.code, "--scheme", "9999")
    pw.scheme.delete()
    with pytest.raises(CommandError):
        match("--org", pw.county_a.code)
