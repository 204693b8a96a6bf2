"""Pairing fixtures on top of the shared two-county ``world``.

County A (雪岭县, 30.0/101.0) gets a township government (based at 桑格乡, 30.1/101.1) with two
officials, next to the county agency's 李建国 (zh,bo, based at the county seat). Its villages
达塘村 (30.12/101.12) and 雅松村 (30.15/101.05) hold seven consenting households and one that
has not consented. County B keeps its one official and one household.
"""

from dataclasses import dataclass

import pytest

from shiliu.conftest import HouseholdFactory, OfficialFactory, World, make_unit
from shiliu.orgs.models import Kind, Level
from shiliu.pairings.models import Scheme
from shiliu.people.models import Household, Official


@dataclass
class PairingWorld:
    world: World
    scheme: Scheme
    gov_a: object
    off_t1: Official
    off_t2: Official
    households_a: list[Household]
    no_consent: Household

    def __getattr__(self, name):
        return getattr(self.world, name)


@pytest.fixture
def pw(world) -> PairingWorld:
    gov_a = make_unit("993301001-A01", "桑格乡人民政府", Level.TOWNSHIP, world.township_a, kind=Kind.AGENCY)
    off_t1 = OfficialFactory(unit=gov_a, code="G993301101", name="王芳", languages="zh,zh-sc", capacity=4)
    off_t2 = OfficialFactory(unit=gov_a, code="G993301102", name="次仁", languages="zh,bo", capacity=4)
    extra = [
        HouseholdFactory(village=world.village_a, code="9933010010010002", head_name="卓嘎", languages="bo"),
        HouseholdFactory(village=world.village_a, code="9933010010010003", head_name="格桑", languages="bo"),
        HouseholdFactory(village=world.village_a, code="9933010010010004", head_name="刘强", languages="zh-sc"),
        HouseholdFactory(village=world.village_a2, code="9933010010020002", head_name="拉姆", languages="bo,zh-sc"),
        HouseholdFactory(village=world.village_a2, code="9933010010020003", head_name="陈静", languages=""),
    ]
    no_consent = HouseholdFactory(
        village=world.village_a,
        code="9933010010010099",
        head_name="未同意",
        consent_given_on=None,
        consent_notice_version="",
    )
    households_a = [
        world.household_a,
        Household.objects.get(code="9933010010020001"),
        *extra,
    ]
    scheme = Scheme.objects.create(name="石榴州结对认亲", org_unit=world.prefecture, capacity_per_official=3)
    return PairingWorld(world, scheme, gov_a, off_t1, off_t2, households_a, no_consent)
