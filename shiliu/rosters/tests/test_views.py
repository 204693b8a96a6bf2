"""The web flow: upload → background job with progress → result, error report, history; scoping."""

import io

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from shiliu.conftest import make_user
from shiliu.core.models import Job
from shiliu.people.models import Household
from shiliu.rosters.models import ImportRun
from shiliu.rosters.tests.conftest import HH, csv_bytes, household_row, xlsx_bytes


def _upload(client, content, name="名册.xlsx", action="check", kind="households", **extra):
    data = {"kind": kind, "action": action, "file": SimpleUploadedFile(name, content), **extra}
    return client.post("/rosters/upload/", data, **({"HTTP_HX_REQUEST": "true"} if extra.pop("htmx", False) else {}))


def _poll(client, job) -> str:
    response = client.get(f"/core/jobs/{job.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_index_page(world):
    response = world.client("county_office").get("/rosters/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "预检" in body and "/rosters/templates/households.xlsx" in body


def test_template_download(world):
    response = world.client("county_office").get("/rosters/templates/officials.xlsx")
    assert response.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames[0] == "公职人员名册"
    assert world.client("county_office").get("/rosters/templates/religion.xlsx").status_code == 404


def test_dry_run_then_confirm_through_the_job(world, django_capture_on_commit_callbacks):
    client = world.client("county_office")
    content = xlsx_bytes(HH, [household_row("9933010010019001"), household_row("9933010010019002")])
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, content)
    assert response.status_code == 200
    job = Job.objects.get(kind="roster_import")
    assert f'hx-get="/core/jobs/{job.pk}/"' in response.content.decode()  # the page polls the progress bar
    job.refresh_from_db()
    assert job.status == "done" and job.progress == 100
    fragment = _poll(client, job)
    assert '<td class="created">2</td>' in fragment and "确认导入" in fragment
    run = ImportRun.objects.get()
    assert (run.dry_run, run.status, run.created, run.job) == (True, "checked", 2, job)
    assert not Household.objects.filter(code="9933010010019001").exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/rosters/imports/{run.pk}/confirm/")
    assert response.status_code == 200
    real = ImportRun.objects.exclude(pk=run.pk).get()
    assert (real.dry_run, real.status, real.created, real.sha256) == (False, "imported", 2, run.sha256)
    assert Household.objects.filter(code__in=["9933010010019001", "9933010010019002"]).count() == 2
    # the upload is gone after the real import: confirming again is refused
    response = client.post(f"/rosters/imports/{run.pk}/confirm/")
    assert response.status_code == 400


def test_import_with_errors_lists_them_and_serves_a_highlighted_report(world, django_capture_on_commit_callbacks):
    client = world.client("county_office")
    rows = [
        household_row("9933010010019001"),
        household_row("9933010010019002", 联系电话=13900001111),
        household_row("9933010010019003"),
        household_row("9933010010019004", 家庭人口=99, 防返贫监测状态="不好"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, xlsx_bytes(HH, rows), action="import", htmx=True)
    assert response.status_code == 200
    assert "<html" not in response.content.decode()  # an htmx fragment
    body = _poll(client, Job.objects.get())
    assert "文件有错误，没有导入任何数据" in body
    assert "电话号码被表格软件存成了数字" in body and "应在1到30之间" in body
    assert not Household.objects.filter(code__startswith="99330100100190").exists()
    run = ImportRun.objects.get()
    assert (run.status, run.error_count, run.rows) == ("rejected", 3, 4)
    assert [e[:2] for e in run.errors] == [[3, "联系电话"], [5, "家庭人口"], [5, "防返贫监测状态"]]

    report = client.get(f"/rosters/imports/{run.pk}/report.xlsx")
    assert report.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(report.streaming_content)))
    ws = wb["家庭名册"]
    assert [c.value for c in ws[1]] == [*HH, "错误原因", "原文件行号"]
    fills = {r: {c.column_letter: c.fill.fgColor.rgb for c in ws[r]} for r in range(2, 6)}
    assert fills[2]["A"] == "00000000"  # a good row is not highlighted
    assert fills[3]["G"] == "FFFFC7CE" and fills[3]["A"] == "FFFFF2CC"  # bad cell red, rest of the row yellow
    assert fills[5]["E"] == "FFFFC7CE" and fills[5]["I"] == "FFFFC7CE"
    assert ws["M3"].value.startswith("联系电话：电话号码被表格软件存成了数字")
    assert ws["N5"].value == 5
    assert [c.value for c in wb["错误清单"][1]] == ["行号", "列", "内容", "错误原因"]
    assert wb["错误清单"].max_row == 4

    # the clerk fixes the report and uploads it again: it imports
    ws["G3"].value = "13900001111"
    ws["E5"].value = 5
    ws["I5"].value = "稳定"
    buf = io.BytesIO()
    wb.save(buf)
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, buf.getvalue(), action="import")
    assert ImportRun.objects.order_by("-pk").first().status == "imported"
    assert Household.objects.filter(code__startswith="99330100100190").count() == 4


def test_file_problems_show_a_clear_error_never_a_500(world, django_capture_on_commit_callbacks, settings):
    client = world.client("county_office")
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, b"%PDF-1.5 not a roster", name="名册.xlsx")
    assert response.status_code == 200
    assert "文件内容是 PDF" in _poll(client, Job.objects.get())
    with django_capture_on_commit_callbacks(execute=True):
        assert _upload(client, b"", name="empty.csv").status_code == 200
    assert ImportRun.objects.filter(status="failed").count() == 2
    response = _upload(client, b"x", name="roster.pdf")
    assert response.status_code == 400 and "只能导入 .xlsx 或 .csv 文件" in response.content.decode()
    settings.SHILIU_ROSTER_MAX_MB = 1
    response = _upload(client, b"a" * (1024 * 1024 + 1), name="big.csv")
    assert response.status_code == 400 and "文件太大" in response.content.decode()
    response = client.post("/rosters/upload/", {"kind": "households"})
    assert response.status_code == 400


def test_user_without_import_role_cannot_upload(world):
    response = _upload(world.client("department_clerk"), csv_bytes(HH, [household_row()]), name="a.csv")
    assert response.status_code == 403
    assert not Job.objects.exists()


def test_web_export_through_the_job(world, django_capture_on_commit_callbacks):
    client = world.client("county_office")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/rosters/export/", {"kind": "households"})
    job = Job.objects.get(kind="roster_export")
    assert job.status == "done" and job.result["rows"] == 2
    assert response.status_code == 200
    assert f"/rosters/exports/{job.pk}/" in _poll(client, job)
    download = client.get(f"/rosters/exports/{job.pk}/")
    rows = list(openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content))).active.values)
    assert {r[0] for r in rows[1:]} == {"9933010010010001", "9933010010020001"}
    assert world.client("county_office_b").get(f"/rosters/exports/{job.pk}/").status_code == 404


def test_county_b_cannot_export_county_a(world, django_capture_on_commit_callbacks):
    client = world.client("county_office_b")
    response = client.post("/rosters/export/", {"kind": "households", "org": world.county_a.code})
    assert response.status_code == 400
    assert not Job.objects.exists()


def test_history_and_scoping_of_runs(world, django_capture_on_commit_callbacks):
    client = world.client("county_office")
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, xlsx_bytes(HH, [household_row(家庭人口=0)]), action="import")
    run = ImportRun.objects.get()
    assert run.org == world.county_a and run.report
    history = client.get("/rosters/imports/").content.decode()
    assert f"/rosters/imports/{run.pk}/" in history and "county_office" in history
    detail = client.get(f"/rosters/imports/{run.pk}/").content.decode()
    assert run.sha256 in detail and "应在1到30之间" in detail
    # the runs hold the uploaded rows (personal data): the prefecture, county B and the township
    # office, none of which serves these families, do not see them
    assert world.client("prefecture_office").get(f"/rosters/imports/{run.pk}/").status_code == 404
    other = world.client("county_office_b")
    assert other.get(f"/rosters/imports/{run.pk}/").status_code == 404
    assert other.get(f"/rosters/imports/{run.pk}/report.xlsx").status_code == 404
    assert run.file_name not in other.get("/rosters/imports/").content.decode()
    assert world.client("township_office").get(f"/rosters/imports/{run.pk}/report.xlsx").status_code == 404
    assert other.get(f"/core/jobs/{run.job_id}/").status_code == 404


def test_a_50_mb_file_is_refused_with_a_clear_message(world):
    response = _upload(world.client("county_office"), b"a," * (25 * 1024 * 1024), name="big.csv")
    assert response.status_code == 400
    assert "文件太大（50.0 MB），上限为 40 MB" in response.content.decode()
    assert not Job.objects.exists()


def test_only_the_uploader_may_confirm(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _upload(world.client("county_office"), csv_bytes(HH, [household_row()]), name="a.csv")
    run = ImportRun.objects.get()
    assert run.status == "checked"
    colleague = make_user("county_office_2", "office", world.county_a)
    client = Client()
    client.force_login(colleague)
    response = client.post(f"/rosters/imports/{run.pk}/confirm/")
    assert response.status_code == 400
    assert world.client("county_office_b").post(f"/rosters/imports/{run.pk}/confirm/").status_code == 404
    assert ImportRun.objects.count() == 1


def test_prefecture_office_cannot_import_personal_rosters(world):
    """Personal rosters are written by the serving levels only; the prefecture may import org units."""
    from shiliu.rosters.schema import KINDS
    from shiliu.rosters.selectors import write_scope

    prefecture = world.user("prefecture_office")
    assert write_scope(prefecture, KINDS["households"]) == []
    assert write_scope(prefecture, KINDS["officials"]) == []
    assert write_scope(prefecture, KINDS["orgs"]) == [world.prefecture.path]
    assert write_scope(world.user("county_office"), KINDS["households"]) == [world.county_a.path]
