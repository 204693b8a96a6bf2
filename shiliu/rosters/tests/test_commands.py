"""The command-line import, export and template."""

import json

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from shiliu.people.models import Household
from shiliu.rosters.models import ImportRun
from shiliu.rosters.tests.conftest import HH, csv_bytes, household_row


def test_import_roster_prints_a_json_summary(world, tmp_path, capsys):
    path = tmp_path / "hh.csv"
    path.write_bytes(csv_bytes(HH, [household_row("9933010010019001")]))
    call_command("import_roster", "--kind", "households", str(path), "--user", "county_office", "--dry-run")
    summary = json.loads(capsys.readouterr().out)
    assert (summary["created"], summary["updated"], summary["unchanged"], summary["errors"]) == (1, 0, 0, 0)
    assert summary["dry_run"] is True and not Household.objects.filter(code="9933010010019001").exists()
    call_command("import_roster", "--kind", "households", str(path), "--user", "county_office")
    summary = json.loads(capsys.readouterr().out)
    assert (summary["created"], summary["status"]) == (1, "imported")
    assert Household.objects.filter(code="9933010010019001").exists()


def test_import_roster_exits_non_zero_and_lists_every_error(world, tmp_path, capsys):
    path = tmp_path / "hh.csv"
    report = tmp_path / "report.xlsx"
    rows = [household_row("9933010010019001", 家庭人口=0), household_row("9933010010019002", 联系电话="123")]
    path.write_bytes(csv_bytes(HH, rows))
    with pytest.raises(SystemExit) as exit_info:
        call_command(
            "import_roster", "--kind", "households", str(path), "--user", "county_office", "--error-report", str(report)
        )
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "第2行 [家庭人口] “0”: 应在1到30之间" in err
    assert "第3行 [联系电话] “123”: 电话号码格式不正确" in err
    assert not Household.objects.filter(code__startswith="99330100100190").exists()
    assert openpyxl.load_workbook(report).sheetnames == ["家庭名册", "错误清单"]
    assert ImportRun.objects.get().status == "rejected"


def test_import_roster_scope_comes_from_the_user(world, tmp_path):
    path = tmp_path / "hh.csv"
    path.write_bytes(csv_bytes(HH, [household_row()]))
    with pytest.raises(CommandError, match="权限"):
        call_command("import_roster", "--kind", "households", str(path), "--user", "department_clerk", "--dry-run")
    with pytest.raises(SystemExit):
        call_command("import_roster", "--kind", "households", str(path), "--user", "county_office_b")
    assert ImportRun.objects.get().errors[0][3] == "不在您的管理范围内"
    with pytest.raises(CommandError, match="不在"):
        call_command(
            "import_roster", "--kind", "households", str(path), "--user", "county_office_b", "--org", "993301000000"
        )
    with pytest.raises(CommandError, match="用户不存在"):
        call_command("import_roster", "--kind", "households", str(path), "--user", "nobody")


def test_export_roster_and_template(world, tmp_path, capsys):
    out = tmp_path / "hh.xlsx"
    call_command("export_roster", "--kind", "households", "--out", str(out), "--user", "county_office")
    summary = json.loads(capsys.readouterr().out)
    assert summary["rows"] == 2
    rows = list(openpyxl.load_workbook(out).active.values)
    assert rows[0] == tuple(HH) and len(rows) == 3
    call_command(
        "export_roster", "--kind", "households", "--out", str(out), "--user", "county_office", "--org", "993301001001"
    )
    assert json.loads(capsys.readouterr().out)["rows"] == 1
    with pytest.raises(CommandError):
        call_command(
            "export_roster",
            "--kind",
            "households",
            "--out",
            str(out),
            "--user",
            "county_office_b",
            "--org",
            "993301000000",
        )
    template = tmp_path / "t.xlsx"
    call_command("roster_template", "--kind", "orgs", "--out", str(template))
    assert openpyxl.load_workbook(template).sheetnames == ["组织名册", "填写说明", "选项"]
    call_command("import_roster", "--kind", "households", str(out), "--user", "county_office")
    summary = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert (summary["created"], summary["updated"], summary["unchanged"]) == (0, 0, 1)
