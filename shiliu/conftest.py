"""Shared fixtures: a small two-county world with one persona per role and level."""

from dataclasses import dataclass
from datetime import date

import factory
import pytest
from django.test import Client

from shiliu.accounts.models import Role, User
from shiliu.orgs.models import Kind, Level, OrgUnit
from shiliu.people.models import Household, Official

PASSWORD = "Pomegranate-Seed-2026"


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_unit(code, name, level, parent=None, kind=Kind.AREA, lat=None, lon=None) -> OrgUnit:
    from shiliu.orgs.services import org_unit_create

    return org_unit_create(
        actor=None, code=code, name=name, level=level, parent=parent, kind=kind, latitude=lat, longitude=lon
    )


class OfficialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Official

    code = factory.Sequence(lambda n: f"G{n:06d}")
    name = factory.Faker("name", locale="zh_CN")
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    languages = "zh"
    capacity = 4


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    code = factory.Sequence(lambda n: f"H{n:08d}")
    head_name = factory.Faker("name", locale="zh_CN")
    members = 4
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    languages = "zh-sc"
    consent_given_on = date(2026, 1, 5)
    consent_notice_version = "2026-01"


@dataclass
class World:
    province: OrgUnit
    prefecture: OrgUnit
    county_a: OrgUnit
    county_b: OrgUnit
    township_a: OrgUnit
    village_a: OrgUnit
    village_a2: OrgUnit
    village_b: OrgUnit
    agency_a: OrgUnit
    department_a: OrgUnit
    household_a: Household
    household_b: Household
    official_a: Official
    official_b: Official
    users: dict

    def user(self, name: str) -> User:
        return self.users[name]

    def client(self, name: str) -> Client:
        client = Client()
        client.force_login(self.users[name])
        return client


def make_user(username, role, unit, *, staff=False, official=None) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, is_staff=staff, official=official)
    Role.objects.create(user=user, role=role, org_unit=unit)
    return user


@pytest.fixture
def world(db) -> World:
    province = make_unit("990000000000", "云岭省", Level.PROVINCE)
    pref = make_unit("993300000000", "石榴州", Level.PREFECTURE, province)
    ca = make_unit("993301000000", "雪岭县", Level.COUNTY, pref, lat=30.0, lon=101.0)
    cb = make_unit("993302000000", "云溪县", Level.COUNTY, pref, lat=31.0, lon=100.0)
    ta = make_unit("993301001000", "桑格乡", Level.TOWNSHIP, ca, lat=30.1, lon=101.1)
    tb = make_unit("993302001000", "曲拉镇", Level.TOWNSHIP, cb, lat=31.1, lon=100.1)
    va = make_unit("993301001001", "达塘村", Level.VILLAGE, ta, lat=30.12, lon=101.12)
    va2 = make_unit("993301001002", "雅松村", Level.VILLAGE, ta, lat=30.15, lon=101.05)
    vb = make_unit("993302001001", "金玉村", Level.VILLAGE, tb, lat=31.12, lon=100.12)
    agency_a = make_unit("993301-A01", "雪岭县委统战部", Level.COUNTY, ca, kind=Kind.AGENCY)
    dep_a = make_unit("993301-D01", "雪岭县教育局", Level.COUNTY, ca, kind=Kind.DEPARTMENT)
    agency_b = make_unit("993302-A01", "云溪县委统战部", Level.COUNTY, cb, kind=Kind.AGENCY)
    hh_a = HouseholdFactory(village=va, code="9933010010010001", head_name="扎西")
    HouseholdFactory(village=va2, code="9933010010020001", head_name="王小明")
    hh_b = HouseholdFactory(village=vb, code="9933020010010001", head_name="卓玛")
    off_a = OfficialFactory(unit=agency_a, code="G993301001", name="李建国", languages="zh,bo")
    off_b = OfficialFactory(unit=agency_b, code="G993302001", name="张卫东")
    users = {
        "sysadmin": make_user("sysadmin", "system_admin", province, staff=True),
        "secadmin": make_user("secadmin", "security_admin", province, staff=True),
        "auditadmin": make_user("auditadmin", "audit_admin", province, staff=True),
        "prefecture_office": make_user("prefecture_office", "office", pref, staff=True),
        "county_office": make_user("county_office", "office", ca, staff=True),
        "county_office_b": make_user("county_office_b", "office", cb, staff=True),
        "township_office": make_user("township_office", "office", ta, staff=True),
        "coordinator": make_user("coordinator", "coordinator", agency_a),
        "official": make_user("official", "official", agency_a, official=off_a),
        "department_clerk": make_user("department_clerk", "clerk", dep_a),
        "reviewer": make_user("reviewer", "reviewer", pref),
    }
    return World(province, pref, ca, cb, ta, va, va2, vb, agency_a, dep_a, hh_a, hh_b, off_a, off_b, users)
