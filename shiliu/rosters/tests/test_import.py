"""Importing rosters: every kind of bad input is listed, nothing is ever half-imported."""

from datetime import date

import pytest

from shiliu.core.models import AuditEvent
from shiliu.orgs.models import OrgUnit
from shiliu.people.models import Household, Official
from shiliu.rosters.models import ImportRun
from shiliu.rosters.services import roster_import
from shiliu.rosters.tests.conftest import (
    HH,
    OFF,
    ORG,
    csv_bytes,
    household_row,
    official_row,
    org_row,
    xlsx_bytes,
)


def run(world, kind, content, *, user="county_office", name=None, dry_run=False, org=None):
    return roster_import(
        actor=world.user(user),
        kind=kind,
        source=content,
        file_name=name or ("f.csv" if not content.startswith(b"PK") else "f.xlsx"),
        dry_run=dry_run,
        org=org,
    )


def reasons(outcome) -> list[tuple]:
    return [(e.row, e.column, e.reason) for e in outcome.errors]


# -- happy paths -------------------------------------------------------------------------------


def test_households_import_creates_then_reimport_changes_nothing(world):
    rows = [
        household_row("9933010010019001", "次仁", 户主身份证号="11010519491231002X"),
        household_row(
            "9933010010019002", "拉姆", 使用语言="汉语普通话、藏语", 联系电话="", **{"所在村(社区)代码": "993301001002"}
        ),
    ]
    content = xlsx_bytes(HH, rows, sheet="家庭名册", text_columns="C")
    outcome = run(world, "households", content)
    assert outcome.errors == []
    assert outcome.summary() | {"seconds": 0} == outcome.summary() | {
        "rows": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "errors": 0,
        "status": "imported",
        "seconds": 0,
    }
    first = Household.objects.get(code="9933010010019001")
    assert (first.head_name, first.head_id_number, first.village, first.members) == (
        "次仁",
        "11010519491231002X",
        world.village_a,
        4,
    )
    assert (first.languages, first.ethnicity, first.livelihood) == ("zh-sc,bo", "藏族", "stable")
    assert (first.consent_given_on, first.consent_notice_version, first.consent_withdrawn_on) == (
        date(2026, 1, 5),
        "2026-01",
        None,
    )
    second = Household.objects.get(code="9933010010019002")
    assert (second.languages, second.phone, second.village) == ("zh,bo", "", world.village_a2)

    again = run(world, "households", content)
    assert (again.run.created, again.run.updated, again.run.unchanged) == (0, 0, 2)
    assert Household.objects.filter(code__startswith="99330100100190").count() == 2


def test_edited_file_updates_by_code_without_duplicating(world):
    run(world, "households", xlsx_bytes(HH, [household_row("9933010010019001", "次仁")]))
    edited = xlsx_bytes(HH, [household_row("9933010010019001", "次仁", 家庭人口=6), household_row("9933010010019003")])
    outcome = run(world, "households", edited)
    assert (outcome.run.created, outcome.run.updated, outcome.run.unchanged) == (1, 1, 0)
    assert Household.objects.get(code="9933010010019001").members == 6
    assert Household.objects.filter(code="9933010010019001").count() == 1


def test_existing_household_in_fixture_updates_and_languages_order_is_not_a_change(world):
    hh = world.household_a  # languages "zh-sc" from the factory
    hh.languages = "bo,zh"
    hh.save()
    row = household_row(
        hh.code, hh.head_name, 使用语言="汉语普通话、藏语", 联系电话=hh.phone, 民族="", 家庭人口=hh.members
    )
    row[HH.index("民族(自愿填报)")] = ""
    outcome = run(world, "households", xlsx_bytes(HH, [row], text_columns="G"))
    assert outcome.errors == []
    assert (outcome.run.updated, outcome.run.unchanged) == (0, 1)
    hh.refresh_from_db()
    assert hh.languages == "bo,zh"


def test_officials_import(world):
    rows = [
        official_row("G993301900", "王芳", 使用语言="汉语普通话、四川话"),
        official_row("G993301901", "周强", 可结对户数=None, 在岗="否", 手机号=""),
    ]
    outcome = run(world, "officials", csv_bytes(OFF, rows))
    assert outcome.errors == []
    assert outcome.run.created == 2
    wang = Official.objects.get(code="G993301900")
    assert (wang.unit, wang.languages, wang.capacity, wang.active, wang.phone) == (
        world.agency_a,
        "zh,zh-sc",
        4,
        True,
        "13700001111",
    )
    zhou = Official.objects.get(code="G993301901")
    assert (zhou.capacity, zhou.active, zhou.phone) == (4, False, "")


def test_blank_keep_column_keeps_the_stored_value(world):
    official = world.official_a
    official.capacity = 6
    official.save()
    row = official_row(
        official.code, official.name, 可结对户数=None, 手机号=official.phone, 使用语言="汉语普通话、藏语"
    )
    outcome = run(world, "officials", csv_bytes(OFF, [row]))
    assert outcome.errors == []
    assert outcome.run.unchanged == 1
    official.refresh_from_db()
    assert official.capacity == 6


def test_org_units_import_with_parent_defined_later_in_the_file(world):
    rows = [
        org_row("993301001003", "新村", "村(社区)", "993301002000", lat=30.2, lon=101.2),
        org_row("993301002000", "新乡", "乡(镇、街道)", "993301000000"),
        org_row("993301002000-S01", "新乡中心校", "乡(镇、街道)", "993301002000", kind="学校"),
    ]
    outcome = run(world, "orgs", xlsx_bytes(ORG, rows, text_columns="AE"))
    assert outcome.errors == []
    assert outcome.run.created == 3
    village = OrgUnit.objects.get(code="993301001003")
    township = OrgUnit.objects.get(code="993301002000")
    assert village.parent == township and township.parent == world.county_a
    assert village.path == "/990000000000/993300000000/993301000000/993301002000/993301001003/"
    assert (village.depth, village.level, village.kind, village.latitude) == (5, "village", "area", 30.2)
    assert OrgUnit.objects.get(code="993301002000-S01").kind == "school"
    again = run(world, "orgs", xlsx_bytes(ORG, rows, text_columns="AE"))
    assert (again.run.created, again.run.updated, again.run.unchanged) == (0, 0, 3)


def test_org_unit_rename_updates_but_reparenting_is_refused(world):
    rename = org_row("993301001001", "达塘新村", "村(社区)", "993301001000")
    move = org_row("993301001002", "雅松村", "村(社区)", "993301000000")
    outcome = run(world, "orgs", csv_bytes(ORG, [rename, move]))
    assert [(r, c) for r, c, _ in reasons(outcome)] == [(3, "上级代码")]
    assert OrgUnit.objects.get(code="993301001001").name == "达塘村"
    outcome = run(world, "orgs", csv_bytes(ORG, [rename]))
    assert outcome.errors == [] and outcome.run.updated == 1
    assert OrgUnit.objects.get(code="993301001001").name == "达塘新村"


def test_org_units_cycle_and_wrong_level_are_errors(world):
    rows = [
        org_row("X1", "甲", "乡(镇、街道)", "X2"),
        org_row("X2", "乙", "乡(镇、街道)", "X1"),
        org_row("993301003000", "丙乡", "村(社区)", "993301000000"),
    ]
    outcome = run(world, "orgs", csv_bytes(ORG, rows))
    found = reasons(outcome)
    assert (2, "上级代码", "上级代码形成了循环") in found or (3, "上级代码", "上级代码形成了循环") in found
    assert (4, "层级", "行政区域必须位于上一级行政区域之下") in found
    assert not OrgUnit.objects.filter(code__in=["X1", "X2", "993301003000"]).exists()


# -- bad input ---------------------------------------------------------------------------------


def test_duplicates_inside_the_file(world):
    rows = [household_row("9933010010019001"), household_row("9933010010019001", "拉姆")]
    outcome = run(world, "households", csv_bytes(HH, rows))
    assert reasons(outcome) == [(3, "户编号", "编号与第2行重复")]
    assert outcome.run.status == ImportRun.Status.REJECTED
    assert not Household.objects.filter(code="9933010010019001").exists()


def test_duplicate_id_number_inside_the_file(world):
    rows = [
        household_row("9933010010019001", 户主身份证号="11010519491231002X"),
        household_row("9933010010019002", 户主身份证号="11010519491231002x"),
    ]
    outcome = run(world, "households", csv_bytes(HH, rows))
    assert reasons(outcome) == [(3, "户主身份证号", "身份证号与第2行重复")]


def test_missing_required_column(world):
    headers = [h for h in HH if h != "所在村(社区)代码"]
    rows = [[v for h, v in zip(HH, household_row(), strict=True) if h != "所在村(社区)代码"]]
    outcome = run(world, "households", csv_bytes(headers, rows))
    assert reasons(outcome) == [(1, "所在村(社区)代码", "缺少必填列“所在村(社区)代码”")]
    assert outcome.run.rows == 0


def test_bad_enumerations(world):
    rows = [
        household_row("9933010010019001", 防返贫监测状态="一般"),
        household_row("9933010010019002", 使用语言="藏语、火星语"),
        household_row("9933010010019003", **{"民族(自愿填报)": "外星族"}),
    ]
    outcome = run(world, "households", csv_bytes(HH, rows))
    found = reasons(outcome)
    assert [(r, c) for r, c, _ in found] == [(2, "防返贫监测状态"), (3, "使用语言"), (4, "民族(自愿填报)")]
    assert found[0][2].startswith("“一般”不是有效的防返贫监测状态，可选：稳定、易返贫致贫、已帮扶")
    assert "火星语" in found[1][2]


def test_unknown_village_and_not_a_village(world):
    rows = [
        household_row("9933010010019001", **{"所在村(社区)代码": "993301009999"}),
        household_row("9933010010019002", **{"所在村(社区)代码": "993301001000"}),
    ]
    outcome = run(world, "households", csv_bytes(HH, rows))
    assert reasons(outcome) == [
        (2, "所在村(社区)代码", "找不到该代码"),
        (3, "所在村(社区)代码", "该代码不是村(社区)"),
    ]


def test_row_outside_scope_is_an_error_for_that_row(world):
    rows = [
        household_row("9933010010019001"),
        household_row("9933020010019001", **{"所在村(社区)代码": "993302001001"}),
        household_row(world.household_b.code),  # exists in county B
    ]
    outcome = run(world, "households", csv_bytes(HH, rows))
    assert reasons(outcome) == [
        (3, "所在村(社区)代码", "不在您的管理范围内"),
        (4, "户编号", "该编号已被其他单位使用或不在您的管理范围内"),
    ]
    assert not Household.objects.filter(code="9933010010019001").exists()
    assert Household.objects.get(pk=world.household_b.pk).village == world.village_b


def test_org_option_narrows_the_scope(world):
    rows = [
        household_row("9933010010019001"),
        household_row("9933010010029001", **{"所在村(社区)代码": "993301001002"}),
    ]
    outcome = run(world, "households", csv_bytes(HH, rows), org=world.village_a)
    assert reasons(outcome) == [(3, "所在村(社区)代码", "不在您的管理范围内")]


def test_user_without_import_role_is_refused(world):
    from shiliu.core.errors import DomainError

    with pytest.raises(DomainError):
        run(world, "households", csv_bytes(HH, [household_row()]), user="department_clerk")
    assert AuditEvent.objects.filter(action="roster.import", result="denied").count() == 1


def test_id_number_stored_as_a_number_is_an_error_not_a_truncation(world):
    rows = [
        household_row("9933010010019001", 户主身份证号=110105194912310020),
        household_row("9933010010019002", 户主身份证号=1.10105194912310e17),
    ]
    outcome = run(world, "households", xlsx_bytes(HH, rows))
    found = reasons(outcome)
    assert [(r, c) for r, c, _ in found] == [(2, "户主身份证号"), (3, "户主身份证号")]
    assert "存成了数字" in found[0][2]
    assert outcome.errors[0].value == "1.1010519491231E+17"


def test_scientific_notation_in_csv_is_an_error(world):
    rows = [
        household_row("9933010010019001", 户主身份证号="1.10105E+17"),
        household_row("9.93301E+15"),
        household_row("9933010010019003", 联系电话="1.39E+10"),
    ]
    outcome = run(world, "households", csv_bytes(HH, rows))
    assert [(r, c) for r, c, _ in reasons(outcome)] == [(2, "户主身份证号"), (3, "户编号"), (4, "联系电话")]


def test_phone_stored_as_a_number_is_an_error(world):
    outcome = run(world, "households", xlsx_bytes(HH, [household_row(联系电话=13900001111)]))
    assert [(r, c) for r, c, _ in reasons(outcome)] == [(2, "联系电话")]
    assert "电话号码被表格软件存成了数字" in outcome.errors[0].reason


def test_short_code_stored_as_a_number_is_accepted(world):
    outcome = run(world, "households", xlsx_bytes(HH, [household_row(**{"所在村(社区)代码": 993301001001})]))
    assert outcome.errors == []


def test_id_number_check_digit(world):
    outcome = run(world, "households", csv_bytes(HH, [household_row(户主身份证号="110105194912310021")]))
    assert reasons(outcome) == [(2, "户主身份证号", "身份证号校验位不正确，请核对是否填错")]


@pytest.mark.parametrize(
    "value",
    [
        "2026-01-05",
        "2026/1/5",
        "2026年1月5日",
        "20260105",
        "2026.01.05",
        " 2026-1-5 ",
        "2026-01-05 00:00:00",
        "2026年1月5号",
    ],
)
def test_date_formats_people_type(world, value):
    outcome = run(world, "households", csv_bytes(HH, [household_row(同意结对日期=value)]))
    assert outcome.errors == []
    assert Household.objects.get(code="9933010010019001").consent_given_on == date(2026, 1, 5)


@pytest.mark.parametrize("value", [46027, 46027.0, date(2026, 1, 5), 20260105])
def test_dates_as_a_spreadsheet_stores_them(world, value):
    outcome = run(world, "households", xlsx_bytes(HH, [household_row(同意结对日期=value)]))
    assert outcome.errors == []
    assert Household.objects.get(code="9933010010019001").consent_given_on == date(2026, 1, 5)


@pytest.mark.parametrize("value", ["2026-13-05", "5/1/2026", "明年", "2026-02-30"])
def test_bad_dates(world, value):
    outcome = run(world, "households", csv_bytes(HH, [household_row(同意结对日期=value)]))
    assert [(r, c) for r, c, _ in reasons(outcome)] == [(2, "同意结对日期")]


def test_consent_rules(world):
    rows = [
        household_row("9933010010019001", 告知书版本=""),
        household_row("9933010010019002", 同意结对日期=None, 告知书版本="", 撤回同意日期="2026-02-01"),
        household_row("9933010010019003", 撤回同意日期="2025-12-01"),
        household_row("9933010010019004", 同意结对日期="2099-01-01"),
    ]
    outcome = run(world, "households", csv_bytes(HH, rows))
    assert [(r, c) for r, c, _ in reasons(outcome)] == [
        (2, "告知书版本"),
        (3, "撤回同意日期"),
        (4, "撤回同意日期"),
        (5, "同意结对日期"),
    ]


def test_full_width_characters_and_whitespace_are_normalised(world):
    row = household_row(
        "　９９３３０１００１００１９００１ ",
        " 次仁\u3000 多吉 ",
        户主身份证号="１１０１０５１９４９１２３１００２ｘ",
        联系电话="139 0000 1111",
        家庭人口="４",
        使用语言="藏语，四川话",
        **{"所在村(社区)代码": "９９３３０１００１００１"},
    )
    headers = [h.replace("(", "（").replace(")", "）") for h in HH]
    outcome = run(world, "households", csv_bytes(headers, [row]))
    assert outcome.errors == []
    hh = Household.objects.get(code="9933010010019001")
    assert (hh.head_name, hh.head_id_number, hh.phone, hh.members, hh.languages, hh.village) == (
        "次仁 多吉",
        "11010519491231002X",
        "13900001111",
        4,
        "zh-sc,bo",
        world.village_a,
    )


def test_template_sample_row_is_refused(world):
    from shiliu.rosters.schema import HOUSEHOLDS

    outcome = run(world, "households", csv_bytes(HH, [list(HOUSEHOLDS.sample)]))
    assert (2, "户编号", "这是模板中的示例行，请删除后再导入") in reasons(outcome)


def test_gb18030_csv(world):
    outcome = run(world, "households", csv_bytes(HH, [household_row()], encoding="gb18030"))
    assert outcome.errors == []
    assert Household.objects.get(code="9933010010019001").head_name == "次仁"


# -- files that are not what they claim --------------------------------------------------------


def _file_error(outcome) -> str:
    assert outcome.run.status == ImportRun.Status.FAILED
    assert len(outcome.errors) == 1 and outcome.errors[0].row == 0
    return outcome.errors[0].reason


def test_renamed_pdf(world):
    pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
    assert "PDF" in _file_error(run(world, "households", pdf, name="roster.xlsx"))
    assert "PDF" in _file_error(run(world, "households", pdf, name="roster.csv"))


def test_zip_that_is_not_a_workbook(world):
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("hello.txt", "hi")
    assert (
        _file_error(run(world, "households", buf.getvalue(), name="roster.xlsx")) == "文件不是有效的 Excel(.xlsx) 表格"
    )


def test_truncated_xlsx(world):
    content = xlsx_bytes(HH, [household_row()])[:3000]
    assert "损坏" in _file_error(run(world, "households", content, name="roster.xlsx"))


def test_csv_content_with_xlsx_name(world):
    reason = _file_error(run(world, "households", csv_bytes(HH, [household_row()]), name="roster.xlsx"))
    assert reason == "文件扩展名是 .xlsx，但内容不是 Excel 表格"


def test_other_extension(world):
    assert _file_error(run(world, "households", b"abc", name="roster.docx")) == "只能导入 .xlsx 或 .csv 文件"


def test_empty_files(world):
    assert _file_error(run(world, "households", b"", name="empty.csv")) == "文件是空的"
    assert _file_error(run(world, "households", b"\xef\xbb\xbf\r\n \r\n", name="blank.csv")) == "文件是空的"
    assert _file_error(run(world, "households", xlsx_bytes([], []), name="empty.xlsx")) == "表格中没有数据"


def test_header_only_is_an_error(world):
    outcome = run(world, "households", xlsx_bytes(HH, []))
    assert reasons(outcome) == [(2, "", "表头下面没有数据行")]


def test_sheet_without_header(world):
    rows = [household_row("9933010010019001"), household_row("9933010010019002")]
    content = xlsx_bytes(rows[0], rows[1:])
    assert _file_error(run(world, "households", content)).startswith("找不到表头")
    assert _file_error(run(world, "households", csv_bytes(rows[0], rows[1:]))).startswith("找不到表头")


def test_header_below_a_title_row_and_offset_columns(world):
    import io

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws["B1"] = "达塘村一户一表"
    for j, h in enumerate(HH):
        ws.cell(row=3, column=j + 2, value=h)
    for j, v in enumerate(household_row(联系电话="12")):
        ws.cell(row=4, column=j + 2, value=v)
    buf = io.BytesIO()
    wb.save(buf)
    outcome = run(world, "households", buf.getvalue())
    assert reasons(outcome)[0][:2] == (4, "联系电话")


def test_too_big(world, settings):
    settings.SHILIU_ROSTER_MAX_MB = 1
    content = csv_bytes(HH, [household_row()]) + b"#" * (1024 * 1024)
    assert _file_error(run(world, "households", content)).startswith("文件太大")


def test_formulas_in_cells_are_errors(world):
    import io

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HH)
    ws.append(household_row("9933010010019001"))
    ws.append(household_row("9933010010019002"))
    ws["E3"] = "=2+2"
    ws["B2"] = '=CONCATENATE("扎","西")'
    buf = io.BytesIO()
    wb.save(buf)
    outcome = run(world, "households", buf.getvalue())
    found = reasons(outcome)
    assert [(r, c) for r, c, _ in found] == [(2, "户主姓名"), (3, "家庭人口")]
    assert "公式" in found[0][2]
    assert not Household.objects.filter(code__startswith="99330100100190").exists()


def test_formula_text_in_csv_is_refused(world):
    outcome = run(world, "households", csv_bytes(HH, [household_row(head_name='=HYPERLINK("http://x","y")')]))
    assert reasons(outcome) == [(2, "户主姓名", "内容不能以“=”开头（疑似公式）")]


# -- all or nothing ----------------------------------------------------------------------------


def test_one_bad_row_writes_nothing(world):
    rows = [household_row(f"99330100100190{i:02d}") for i in range(1, 40)]
    rows.append(household_row("9933010010019099", 家庭人口=0))
    outcome = run(world, "households", xlsx_bytes(HH, rows))
    assert reasons(outcome) == [(41, "家庭人口", "应在1到30之间")]
    assert outcome.run.rows == 40
    assert not Household.objects.filter(code__startswith="99330100100190").exists()


def test_every_bad_row_is_listed_at_once(world):
    rows = [
        household_row("9933010010019001", 家庭人口="四"),
        household_row("9933010010019002", 联系电话="12345"),
        household_row("", "拉姆"),
        household_row("9933010010019004", 户主姓名=""),
    ]
    rows[3][1] = ""
    outcome = run(world, "households", csv_bytes(HH, rows))
    assert [(r, c) for r, c, _ in reasons(outcome)] == [
        (2, "家庭人口"),
        (3, "联系电话"),
        (4, "户编号"),
        (5, "户主姓名"),
    ]
    assert outcome.run.error_count == 4


def test_dry_run_writes_nothing_and_counts(world):
    hh = world.household_a
    rows = [
        household_row("9933010010019001"),
        household_row(hh.code, hh.head_name, 家庭人口=9),
    ]
    outcome = run(world, "households", csv_bytes(HH, rows), dry_run=True)
    assert outcome.errors == []
    assert (outcome.run.status, outcome.run.created, outcome.run.updated, outcome.run.unchanged) == (
        "checked",
        1,
        1,
        0,
    )
    assert not Household.objects.filter(code="9933010010019001").exists()
    hh.refresh_from_db()
    assert hh.members == 4


def test_every_import_is_a_security_event_with_hash_and_counts(world):
    import hashlib

    content = csv_bytes(HH, [household_row()])
    run(world, "households", content, dry_run=True)
    run(world, "households", content)
    run(world, "households", b"%PDF-1.4", name="x.csv")
    events = list(AuditEvent.objects.filter(action="roster.import").order_by("seq"))
    assert [(e.detail["dry_run"], e.detail["status"], e.result) for e in events] == [
        (True, "checked", "ok"),
        (False, "imported", "ok"),
        (False, "failed", "failed"),
    ]
    assert events[1].detail["sha256"] == hashlib.sha256(content).hexdigest()
    assert (events[1].detail["created"], events[1].detail["errors"]) == (1, 0)
    assert events[1].username == "county_office"


def test_officials_unit_must_exist_and_be_in_scope(world):
    rows = [
        official_row("G993301900", **{"所在单位代码": "993302-A01"}),
        official_row("G993301901", **{"所在单位代码": "NOPE"}),
        official_row(world.official_b.code, world.official_b.name),
    ]
    outcome = run(world, "officials", csv_bytes(OFF, rows))
    assert reasons(outcome) == [
        (2, "所在单位代码", "不在您的管理范围内"),
        (3, "所在单位代码", "找不到该代码"),
        (4, "工号", "该编号已被其他单位使用或不在您的管理范围内"),
    ]


def test_township_office_cannot_create_units_outside_its_township(world):
    rows = [
        org_row("993301001009", "新村", "村(社区)", "993301001000"),
        org_row("993301009000", "外乡", "乡(镇、街道)", "993301000000"),
        org_row("993301000000", "雪岭县", "县(市、区)", "993300000000"),
    ]
    outcome = run(world, "orgs", csv_bytes(ORG, rows), user="township_office")
    assert reasons(outcome) == [
        (3, "上级代码", "上级单位不在您的管理范围内"),
        (4, "代码", "该编号已被其他单位使用或不在您的管理范围内"),
    ]
    outcome = run(world, "orgs", csv_bytes(ORG, rows[:1]), user="township_office")
    assert outcome.errors == [] and OrgUnit.objects.get(code="993301001009").parent == world.township_a


def test_a_sheet_of_only_bad_rows_reports_each(world):
    rows = [household_row(f"99330100100190{i:02d}", 家庭人口=99) for i in range(1, 21)]
    outcome = run(world, "households", xlsx_bytes(HH, rows))
    assert [r for r, _c, _m in reasons(outcome)] == list(range(2, 22))


def test_wrong_roster_kind_is_named(world):
    outcome = run(world, "orgs", csv_bytes(HH, [household_row()]))
    assert _file_error(outcome) == "这似乎是“家庭”名册，不是“组织”名册，请选择正确的名册类型"


def test_a_row_with_a_bad_cell_still_has_its_codes_checked(world):
    rows = [
        household_row("9933010010019001", 家庭人口=99, **{"所在村(社区)代码": "993399001001"}),
        household_row(world.household_b.code, 联系电话="12"),
    ]
    outcome = run(world, "households", csv_bytes(HH, rows))
    assert [(r, c) for r, c, _m in reasons(outcome)] == [
        (2, "家庭人口"),
        (2, "所在村(社区)代码"),
        (3, "联系电话"),
        (3, "户编号"),
    ]
