"""Fictional demo data: an org tree, officials, households and one persona per role and level.

Place names are made up; people's names come from Faker's zh_CN lists (plus common Tibetan
and Yi given names), drawn from one seeded generator so a seed always gives the same data.
``prefecture`` scale matches Ganzi's published figures; ``small`` is for demos and tests.
"""

from __future__ import annotations

import random
import secrets
import string
from bisect import bisect
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from faker.providers.person.zh_CN import Provider as ZhNames

from shiliu.accounts.models import Role, RoleCode, User
from shiliu.core.audit import audit
from shiliu.core.bulk import bulk_load, deferred_indexes, reset_sequences
from shiliu.core.errors import DomainError
from shiliu.orgs.models import Kind, Level, OrgUnit
from shiliu.people.models import Household, Official


@dataclass(frozen=True)
class Scale:
    counties: int
    townships: int
    villages: int
    officials: int
    households: int
    work_centres: int
    studios: int
    teams: int


SCALES = {
    "small": Scale(
        counties=2, townships=8, villages=48, officials=760, households=3000, work_centres=6, studios=40, teams=48
    ),
    "prefecture": Scale(
        counties=18,
        townships=325,
        villages=2700,
        officials=65_457,
        households=264_974,
        work_centres=300,
        studios=2242,
        teams=2737,
    ),
}

SYLLABLES = "雪岭云石榴河溪桑格达曲拉巴塘雅松泉木青金玉白鹰林措卡炉定丹理乡城稻孜霍德炉甘泸康瓦龙普"
TIBETAN_GIVEN = [
    "扎西",
    "卓玛",
    "次仁",
    "拉姆",
    "格桑",
    "央金",
    "多吉",
    "德吉",
    "尼玛",
    "曲珍",
    "洛绒",
    "泽仁",
    "降措",
    "益西",
    "斯朗",
    "仁青",
    "登珠",
    "措姆",
]
PHONE_SECOND = "3456789"
OTHER_ETHNICITIES = ["羌族", "回族", "纳西族"]
YI_GIVEN = ["阿呷", "木呷", "吉克", "沙马", "阿说", "日火", "拉且", "尔古"]
COUNTY_DEPARTMENTS = [
    "教育局",
    "卫生健康局",
    "人力资源和社会保障局",
    "住房和城乡建设局",
    "农业农村局",
    "民政局",
    "司法局",
    "医疗保障局",
]
NOTICE_VERSION = "2026-01"


@dataclass
class Persona:
    username: str
    role: str
    org_code: str
    password: str = ""
    full_name: str = ""
    official_id: int | None = None


def _split(total: int, parts: int, rng: random.Random, spread: float = 0.5) -> list[int]:
    """Split ``total`` into ``parts`` positive integers that vary around the mean and sum exactly."""
    weights = [1 + rng.uniform(-spread, spread) for _ in range(parts)]
    s = sum(weights)
    raw = [total * w / s for w in weights]
    out = [max(1, int(r)) for r in raw]
    diff = total - sum(out)
    order = sorted(range(parts), key=lambda i: raw[i] - int(raw[i]), reverse=True)
    i = 0
    while diff != 0:
        j = order[i % parts]
        if diff > 0:
            out[j] += 1
            diff -= 1
        elif out[j] > 1:
            out[j] -= 1
            diff += 1
        i += 1
    return out


def _place(rng: random.Random, suffix: str) -> str:
    return rng.choice(SYLLABLES) + rng.choice(SYLLABLES) + suffix


def generate_password() -> str:
    """A password that passes the policy: 16 characters from all four classes."""
    alphabet = string.ascii_letters + string.digits + "!@#%^*-_"
    while True:
        pw = "".join(secrets.choice(alphabet) for _ in range(16))
        if (
            any(c.isupper() for c in pw)
            and any(c.islower() for c in pw)
            and any(c.isdigit() for c in pw)
            and any(not c.isalnum() for c in pw)
        ):
            return pw


class DemoBuilder:
    """Builds the whole demo in one transaction; tables must be empty."""

    def __init__(self, scale: str, seed: int, password: str | None = None, progress=None):
        if scale not in SCALES:
            raise DomainError(f"未知规模：{scale}")
        self.scale_name = scale
        self.scale = SCALES[scale]
        self.rng = random.Random(seed)
        self.password = password
        self.progress = progress or (lambda msg: None)
        self.last_names = list(ZhNames.last_names.keys())
        self.last_cum = list(accumulate(ZhNames.last_names.values()))
        self.first_names = list(ZhNames.first_names)
        self.unit_rows: list[tuple] = []
        self.next_unit_id = 1

    # -- names -------------------------------------------------------------------------------
    # Hundreds of thousands of rows: draw with ``random()`` and index directly; ``choice`` and
    # ``randint`` cost several Python calls per draw and dominated the prefecture build.
    def person_name(self, language: str) -> str:
        random = self.rng.random
        if language == "bo" and random() < 0.8:
            name = TIBETAN_GIVEN[int(random() * len(TIBETAN_GIVEN))]
            return name + TIBETAN_GIVEN[int(random() * len(TIBETAN_GIVEN))] if random() < 0.3 else name
        first = self.first_names
        if language == "ii" and random() < 0.6:
            return YI_GIVEN[int(random() * len(YI_GIVEN))] + first[int(random() * len(first))]
        last = self.last_names[bisect(self.last_cum, random() * self.last_cum[-1])]
        given = first[int(random() * len(first))]
        return last + given + first[int(random() * len(first))] if random() < 0.6 else last + given

    def phone(self) -> str:
        random = self.rng.random
        return f"1{PHONE_SECOND[int(random() * len(PHONE_SECOND))]}{int(random() * 1_000_000_000):09d}"

    # -- org tree ----------------------------------------------------------------------------
    def unit(self, code, name, level, kind, parent, lat=None, lon=None) -> tuple:
        uid = self.next_unit_id
        self.next_unit_id += 1
        path = (parent[6] if parent else "/") + f"{code}/"
        row = (uid, code, name, level, kind, parent[0] if parent else None, path, path.count("/") - 1, lat, lon, True)
        self.unit_rows.append(row)
        return row

    def build_tree(self):
        rng, sc = self.rng, self.scale
        province = self.unit("990000000000", "云岭省", Level.PROVINCE, Kind.AREA, None, 30.0, 100.0)
        pref = self.unit("993300000000", "石榴藏族自治州", Level.PREFECTURE, Kind.AREA, province, 30.05, 101.96)
        self.unit("993300000000-A01", "州民族团结进步创建办", Level.PREFECTURE, Kind.AGENCY, pref)
        townships_per_county = _split(sc.townships, sc.counties, rng, 0.3)
        villages_per_township = _split(sc.villages, sc.townships, rng, 0.5)
        used_names: set[str] = set()
        self.counties = []
        self.townships = []
        self.villages = []
        self.official_units: list[tuple[tuple, int]] = []  # (unit row, county index)
        self.county_profile = []
        t_index = 0
        for c in range(sc.counties):
            name = _place(rng, "县")
            while name in used_names:
                name = _place(rng, "县")
            used_names.add(name)
            ccode = f"9933{c + 1:02d}000000"
            clat, clon = 28.5 + rng.uniform(0, 5), 97.5 + rng.uniform(0, 4.5)
            county = self.unit(ccode, name, Level.COUNTY, Kind.AREA, pref, round(clat, 5), round(clon, 5))
            self.counties.append(county)
            self.county_profile.append("ii" if c % 9 == 8 else "bo")
            base = ccode[:6]
            county_units = [
                self.unit(f"{base}-A01", f"{name}委统战部", Level.COUNTY, Kind.AGENCY, county),
                self.unit(f"{base}-A02", f"{name}人民政府办公室", Level.COUNTY, Kind.AGENCY, county),
            ]
            for d, dep in enumerate(COUNTY_DEPARTMENTS):
                county_units.append(
                    self.unit(f"{base}-D{d + 1:02d}", f"{name}{dep}", Level.COUNTY, Kind.DEPARTMENT, county)
                )
            county_units.append(self.unit(f"{base}-S01", f"{name}中学", Level.COUNTY, Kind.SCHOOL, county))
            county_units.append(self.unit(f"{base}-E01", f"{name}农牧产业公司", Level.COUNTY, Kind.ENTERPRISE, county))
            self.unit(f"{base}-R01", f"{name}宗教活动场所一", Level.COUNTY, Kind.RELIGIOUS_SITE, county)
            self.unit(f"{base}-B01", f"{name}消防救援大队", Level.COUNTY, Kind.BARRACKS, county)
            self.official_units += [(u, c) for u in county_units]
            for t in range(townships_per_county[c]):
                tcode = f"{base}{t + 1:03d}000"
                tname = _place(rng, rng.choice("乡镇"))
                tlat, tlon = clat + rng.uniform(-0.35, 0.35), clon + rng.uniform(-0.35, 0.35)
                township = self.unit(tcode, tname, Level.TOWNSHIP, Kind.AREA, county, round(tlat, 5), round(tlon, 5))
                self.townships.append((township, c))
                gov = self.unit(f"{tcode[:9]}-A01", f"{tname}人民政府", Level.TOWNSHIP, Kind.AGENCY, township)
                school = self.unit(f"{tcode[:9]}-S01", f"{tname}中心校", Level.TOWNSHIP, Kind.SCHOOL, township)
                self.official_units += [(gov, c), (gov, c), (school, c)]
                for v in range(villages_per_township[t_index]):
                    vcode = f"{tcode[:9]}{v + 1:03d}"
                    vlat, vlon = tlat + rng.uniform(-0.12, 0.12), tlon + rng.uniform(-0.12, 0.12)
                    village = self.unit(
                        vcode, _place(rng, "村"), Level.VILLAGE, Kind.AREA, township, round(vlat, 5), round(vlon, 5)
                    )
                    self.villages.append((village, c))
                t_index += 1
        # The 石榴籽 network: county and township work centres, village studios, teams.
        for county in self.counties[: sc.work_centres]:
            self.unit(f"{county[1][:6]}-WC", f"{county[2]}石榴籽工作中心", Level.COUNTY, Kind.WORK_CENTRE, county)
        for township, _c in self.townships[: max(0, sc.work_centres - len(self.counties))]:
            self.unit(
                f"{township[1][:9]}-WC", f"{township[2]}石榴籽工作中心", Level.TOWNSHIP, Kind.WORK_CENTRE, township
            )
        for village, _c in self.villages[: sc.studios]:
            self.unit(f"{village[1]}-ST", f"{village[2]}石榴籽工作室", Level.VILLAGE, Kind.STUDIO, village)
        for i in range(sc.teams):
            village = self.villages[i % len(self.villages)][0]
            n = i // len(self.villages) + 1
            self.unit(f"{village[1]}-T{n}", f"{village[2]}石榴籽工作队{n}", Level.VILLAGE, Kind.TEAM, village)
        self.province, self.prefecture = province, pref

    # -- people ------------------------------------------------------------------------------
    def households_per_village(self) -> list[int]:
        """Drawn once, before the officials, so officials can follow where the families live."""
        if not hasattr(self, "_per_village"):
            self._per_village = _split(self.scale.households, len(self.villages), self.rng, 0.6)
        return self._per_village

    def officials_per_county(self) -> list[int]:
        """Officials in proportion to each county's households (largest remainder), so that every
        county can reach full coverage, as Ganzi did (65,457 officials for 264,974 households)."""
        households = [0] * self.scale.counties
        for (_village, c), n in zip(self.villages, self.households_per_village(), strict=True):
            households[c] += n
        total_h, total_o = sum(households), self.scale.officials
        raw = [total_o * h / total_h for h in households]
        out = [int(r) for r in raw]
        for c in sorted(range(len(raw)), key=lambda i: raw[i] - out[i], reverse=True)[: total_o - sum(out)]:
            out[c] += 1
        return out

    def household_rows(self):
        rng = self.rng
        random, name, phone = rng.random, self.person_name, self.phone
        per_village = self.households_per_village()
        start = date(2025, 3, 1)
        consent_dates = [start + timedelta(days=d) for d in range(401)]
        hid = 0
        for (village, c), n in zip(self.villages, per_village, strict=True):
            profile = self.county_profile[c]
            native_ethnicity, bilingual = ("藏族" if profile == "bo" else "彝族"), f"{profile},zh-sc"
            village_id, village_code = village[0], village[1]
            members = rng.choices(range(1, 9), k=n)
            for k in range(n):
                hid += 1
                r = random()
                if r < 0.6:
                    eth = native_ethnicity
                    langs = bilingual if random() < 0.5 else profile
                    head = name(profile)
                elif r < 0.95:
                    eth = "汉族"
                    langs = "zh,zh-sc" if random() < 0.3 else "zh-sc"
                    head = name("zh")
                else:
                    eth = OTHER_ETHNICITIES[int(random() * len(OTHER_ETHNICITIES))]
                    langs = "zh-sc"
                    head = name("zh")
                consent = random() < 0.96
                lr = random()
                yield (
                    hid,
                    f"{village_code}{k + 1:04d}",
                    head,
                    "",
                    village_id,
                    members[k],
                    langs,
                    phone() if random() < 0.85 else "",
                    eth if random() < 0.6 else "",
                    "stable" if lr < 0.9 else ("at_risk" if lr < 0.96 else "assisted"),
                    consent_dates[int(random() * 401)] if consent else None,
                    NOTICE_VERSION if consent else "",
                    None,
                )

    def official_rows(self):
        rng = self.rng
        random, name, phone = rng.random, self.person_name, self.phone
        by_county: dict[int, list[tuple]] = {}
        for u, c in self.official_units:
            by_county.setdefault(c, []).append(u[0])
        per_county = self.officials_per_county()
        oid = 0
        for c, n in enumerate(per_county):
            units = by_county[c]
            profile = self.county_profile[c]
            prefix = f"G{self.counties[c][1][:6]}"
            # Every unit gets one official first, the rest are spread at random.
            unit_ids = units[:n] + rng.choices(units, k=max(0, n - len(units)))
            capacities = rng.choices((4, 5, 5, 6), k=n)
            for k in range(n):
                oid += 1
                speaks_native = random() < 0.45
                langs = f"zh,{profile}" if speaks_native else "zh"
                if random() < 0.5:
                    langs += ",zh-sc"
                yield (
                    oid,
                    f"{prefix}{k + 1:05d}",
                    name(profile if speaks_native else "zh"),
                    phone(),
                    unit_ids[k],
                    langs,
                    capacities[k],
                    True,
                )

    # -- personas ----------------------------------------------------------------------------
    def personas(self) -> list[Persona]:
        c1 = self.counties[0]
        t1 = next(t for t, c in self.townships if c == 0)
        code = c1[1][:6]
        people = [
            Persona("sysadmin", RoleCode.SYSTEM_ADMIN, self.province[1], full_name="系统管理员"),
            Persona("secadmin", RoleCode.SECURITY_ADMIN, self.province[1], full_name="安全管理员"),
            Persona("auditadmin", RoleCode.AUDIT_ADMIN, self.province[1], full_name="审计管理员"),
            Persona("office_pref", RoleCode.OFFICE, self.prefecture[1], full_name="州创建办"),
        ]
        people += [
            Persona(f"office_{c[1][:6]}", RoleCode.OFFICE, c[1], full_name=f"{c[2]}创建办") for c in self.counties
        ]
        people += [
            Persona("office_town", RoleCode.OFFICE, t1[1], full_name=f"{t1[2]}创建办"),
            Persona("coordinator", RoleCode.COORDINATOR, f"{code}-A01", full_name="单位联络员"),
            Persona("official", RoleCode.OFFICIAL, f"{code}-A01", full_name="公职人员", official_id=1),
            Persona("clerk", RoleCode.CLERK, f"{code}-D01", full_name="教育局办理员"),
            Persona("reviewer", RoleCode.REVIEWER, self.prefecture[1], full_name="评审员"),
            Persona("facilitator", RoleCode.FACILITATOR, f"{self.villages[0][0][1]}-ST", full_name="育籽员"),
        ]
        return people

    # -- run -------------------------------------------------------------------------------
    UNIT_COLUMNS = (
        *("id", "code", "name", "level", "kind", "parent_id"),
        *("path", "depth", "latitude", "longitude", "active"),
    )
    OFFICIAL_COLUMNS = ("id", "code", "name", "phone", "unit_id", "languages", "capacity", "active")
    HOUSEHOLD_COLUMNS = (
        *("id", "code", "head_name", "head_id_number", "village_id", "members", "languages", "phone"),
        *("ethnicity", "livelihood", "consent_given_on", "consent_notice_version", "consent_withdrawn_on"),
    )

    @transaction.atomic
    def run(self) -> tuple[dict, list[Persona]]:
        if OrgUnit.objects.exists() or Household.objects.exists() or User.objects.exists():
            raise DomainError("数据库中已有数据，演示数据只能载入空数据库")
        self.progress("组织架构")
        self.build_tree()
        personas = self.personas()
        for p in personas:
            p.password = self.password or generate_password()
        # PBKDF2 releases the GIL: the persona hashes are computed while the rows load.
        with ThreadPoolExecutor(max_workers=2) as pool:
            hashes = pool.map(lambda p: make_password(p.password), personas)
            with deferred_indexes(OrgUnit, Official, Household):
                bulk_load(OrgUnit, self.UNIT_COLUMNS, self.unit_rows)
                self.progress("公职人员")
                n_off = bulk_load(Official, self.OFFICIAL_COLUMNS, self.official_rows())
                self.progress("家庭")
                n_hh = bulk_load(Household, self.HOUSEHOLD_COLUMNS, self.household_rows())
                self.progress("索引")
            reset_sequences(OrgUnit, Official, Household)
            self.progress("演示账户")
            self.create_personas(personas, list(hashes))
        self.create_scheme()
        counts = {
            "org_units": len(self.unit_rows),
            "counties": len(self.counties),
            "townships": len(self.townships),
            "villages": len(self.villages),
            "officials": n_off,
            "households": n_hh,
            "personas": len(personas),
        }
        audit(None, "demo.seed", username="seed_demo", detail={"scale": self.scale_name, **counts})
        return counts, personas

    @staticmethod
    def tidy() -> None:
        """After loading, give PostgreSQL's planner statistics and a visibility map.

        VACUUM needs to run outside a transaction; it marks the fresh pages all-visible, so counts
        over a subtree are index-only scans from the first request. Inside a transaction (tests)
        only ANALYZE is possible.
        """
        if connection.vendor != "postgresql":
            return
        tables = ", ".join(m._meta.db_table for m in (OrgUnit, Official, Household))
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        with connection.cursor() as cursor:
            cursor.execute(f"{command} {tables}")

    def create_scheme(self) -> None:
        """The prefecture's "1+2+N" scheme (N=5, a visit a month), so matching can start at once."""
        from shiliu.pairings.services import scheme_create

        office = User.objects.get(username="office_pref")
        pref = OrgUnit.objects.get(code=self.prefecture[1])
        scheme_create(actor=office, org_unit=pref, name="民族团结一家亲结对认亲(1+2+N)", capacity_per_official=5)

    def create_personas(self, people: list[Persona], hashes: list[str]) -> None:
        units = {u.code: u for u in OrgUnit.objects.filter(code__in=[p.org_code for p in people])}
        for p, hashed in zip(people, hashes, strict=True):
            admin_like = p.role in {
                RoleCode.SYSTEM_ADMIN,
                RoleCode.SECURITY_ADMIN,
                RoleCode.AUDIT_ADMIN,
                RoleCode.OFFICE,
            }
            user = User.objects.create(
                username=p.username,
                password=hashed,
                first_name=p.full_name,
                is_staff=admin_like,
                official_id=p.official_id,
            )
            Role.objects.create(user=user, role=p.role, org_unit=units[p.org_code])
