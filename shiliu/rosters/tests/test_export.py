"""Templates and exports: one layout, drop-downs, text IDs and phones, formulas that cannot run, scope."""

import io

import openpyxl
import pytest

from shiliu.core.models import AuditEvent
from shiliu.people.models import Household
from shiliu.rosters.schema import HOUSEHOLDS, KINDS
from shiliu.rosters.services import roster_export, roster_import, roster_template
from shiliu.rosters.tests.conftest import csv_bytes, household_row, read_xlsx


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_template_has_headers_sample_dropdowns_text_columns_and_instructions(world, kind):
    spec = KINDS[kind]
    wb = openpyxl.load_workbook(io.BytesIO(roster_template(actor=world.user("county_office"), kind=kind)))
    assert wb.sheetnames == [spec.sheet, "填写说明", "选项"]
    ws = wb[spec.sheet]
    assert [c.value for c in ws[1]] == spec.headers
    assert ws.cell(row=2, column=1).value.startswith("SAMPLE-")
    validated = {}
    for dv in ws.data_validations.dataValidation:
        for ref in str(dv.sqref).split():
            validated[ref.rstrip("0123456789").split(":")[0].rstrip("0123456789")] = dv
    for i, column in enumerate(spec.columns):
        letter = openpyxl.utils.get_column_letter(i + 1)
        if column.choices:
            dv = validated[letter]
            assert dv.type == "list" and dv.formula1.startswith("'选项'!")
            options = wb["选项"]
            col = dv.formula1.split("!$")[1].split("$")[0]
            assert [c.value for c in options[col] if c.value is not None][1:] == list(column.choices)
        if column.text:
            assert ws.cell(row=2, column=i + 1).number_format == "@"
            assert ws.cell(row=3, column=i + 1).number_format == "@"
    assert wb["选项"].sheet_state == "hidden"
    notes = [c.value for c in wb["填写说明"]["A"]]
    assert all(h in notes for h in spec.headers)
    assert AuditEvent.objects.filter(action="roster.template", detail__kind=kind).exists()


def test_household_template_drop_downs(world):
    wb = openpyxl.load_workbook(io.BytesIO(roster_template(actor=None, kind="households")))
    options = {c.value for row in wb["选项"].iter_rows() for c in row if c.value}
    assert {"稳定", "易返贫致贫", "已帮扶", "藏语", "汉语普通话", "藏族", "汉族"} <= options
    assert len(wb["家庭名册"].data_validations.dataValidation) == 3


def test_filled_template_imports(world):
    """A clerk fills the downloaded template (sample row removed) and imports it."""
    wb = openpyxl.load_workbook(io.BytesIO(roster_template(actor=None, kind="households")))
    ws = wb["家庭名册"]
    ws.delete_rows(2)
    for j, value in enumerate(household_row("9933010010019001", 户主身份证号="11010519491231002X")):
        ws.cell(row=2, column=j + 1, value=value)
    buf = io.BytesIO()
    wb.save(buf)
    outcome = roster_import(
        actor=world.user("county_office"), kind="households", source=buf.getvalue(), file_name="模板.xlsx"
    )
    assert outcome.errors == []
    assert Household.objects.get(code="9933010010019001").head_id_number == "11010519491231002X"


def _export(world, kind, user="county_office", org=None) -> list[list]:
    buf = io.BytesIO()
    roster_export(actor=world.user(user), kind=kind, target=buf, org=org)
    return read_xlsx(buf.getvalue())


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_export_reimports_with_no_changes(world, kind):
    buf = io.BytesIO()
    roster_export(actor=world.user("county_office"), kind=kind, target=buf)
    outcome = roster_import(actor=world.user("county_office"), kind=kind, source=buf.getvalue(), file_name="e.xlsx")
    assert outcome.errors == []
    assert outcome.run.rows > 0
    assert (outcome.run.created, outcome.run.updated, outcome.run.unchanged) == (0, 0, outcome.run.rows)


def test_export_layout_ids_and_phones_as_text(world):
    hh = world.household_a
    hh.head_id_number = "11010519491231002X"
    hh.ethnicity = "藏族"
    hh.save()
    rows = _export(world, "households", user="township_office")
    assert rows[0] == HOUSEHOLDS.headers
    mine = next(r for r in rows if r[0] == hh.code)
    assert mine[:4] == [hh.code, "扎西", "11010519491231002X", "993301001001"]
    assert mine[6] == hh.phone and isinstance(mine[6], str)
    assert mine[7] == "藏族" and mine[8] == "稳定"
    wb = openpyxl.load_workbook(io.BytesIO(_export_bytes(world, "households", "township_office")))
    ws = wb.active
    assert ws["C2"].number_format == "@" and ws["A2"].data_type == "s"


def _export_bytes(world, kind, user):
    buf = io.BytesIO()
    roster_export(actor=world.user(user), kind=kind, target=buf)
    return buf.getvalue()


def test_personal_rosters_stay_with_the_serving_levels(world):
    """The county exports its families with the (sensitive) ethnicity column; the prefecture,
    which sees aggregates only, exports no household or official at all."""
    assert "民族(自愿填报)" in _export(world, "households", user="county_office")[0]
    assert len(_export(world, "households", user="county_office")) == 3
    prefecture_rows = _export(world, "households", user="prefecture_office")
    assert len(prefecture_rows) == 1 and "民族(自愿填报)" not in prefecture_rows[0]
    assert len(_export(world, "officials", user="prefecture_office")) == 1
    assert len(_export(world, "orgs", user="prefecture_office")) > 5


def test_export_escapes_formulas(world):
    hh = world.household_a
    hh.head_name = '=HYPERLINK("http://evil","点我")'
    hh.save()
    world.official_a.name = "@SUM(1+1)"
    world.official_a.save()
    content = _export_bytes(world, "households", "county_office")
    wb = openpyxl.load_workbook(io.BytesIO(content))
    cell = next(r[1] for r in wb.active.iter_rows(min_row=2) if r[0].value == hh.code)
    assert cell.data_type == "s" and cell.quotePrefix
    assert cell.value == '=HYPERLINK("http://evil","点我")'
    import zipfile

    sheet = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet and b"<f " not in sheet
    officials = openpyxl.load_workbook(io.BytesIO(_export_bytes(world, "officials", "county_office"))).active
    cell = next(r[1] for r in officials.iter_rows(min_row=2) if r[0].value == world.official_a.code)
    assert cell.quotePrefix and cell.value == "@SUM(1+1)"


def test_export_is_scoped_and_audited(world):
    codes = {r[0] for r in _export(world, "households", user="county_office")[1:]}
    assert world.household_a.code in codes and world.household_b.code not in codes
    codes_b = {r[0] for r in _export(world, "households", user="county_office_b")[1:]}
    assert codes_b == {world.household_b.code}
    assert _export(world, "households", user="sysadmin") == [HOUSEHOLDS.headers[:7] + HOUSEHOLDS.headers[8:]]
    narrowed = {r[0] for r in _export(world, "households", user="county_office", org=world.village_a2)[1:]}
    assert narrowed == {"9933010010020001"}
    event = AuditEvent.objects.filter(action="roster.export").order_by("-seq").first()
    assert event.detail == {"kind": "households", "org": "993301001002", "rows": 1}


def test_org_export_round_trip_keeps_parents_outside_scope(world):
    rows = _export(world, "orgs", user="county_office")
    county = next(r for r in rows if r[0] == "993301000000")
    assert county[2:5] == ["县(市、区)", "行政区域", "993300000000"]
    officials = _export(world, "officials", user="county_office")
    assert officials[1][6] in {"是", "否"}


def test_csv_round_trip_of_an_export(world):
    """An export saved as CSV by a spreadsheet (labels, text kept) also re-imports with no changes."""
    rows = _export(world, "households", user="county_office")
    outcome = roster_import(
        actor=world.user("county_office"),
        kind="households",
        source=csv_bytes(rows[0], [[v.isoformat() if hasattr(v, "isoformat") else v for v in r] for r in rows[1:]]),
        file_name="e.csv",
    )
    assert outcome.errors == []
    assert outcome.run.unchanged == len(rows) - 1
