"""Pairing pages: from zero to full coverage in a few clicks, and every page scoped."""

from io import BytesIO

import openpyxl
import pytest
from django.urls import reverse

from shiliu.core.models import AuditEvent, Job
from shiliu.pairings.engine import run_match
from shiliu.pairings.models import MatchRun, Pairing, Scheme
from shiliu.pairings.services import pairing_create, proposals_accept


def q(pw, **extra):
    params = {"org": pw.county_a.code, "scheme": pw.scheme.pk, **extra}
    return "&".join(f"{k}={v}" for k, v in params.items())


def test_county_office_goes_from_zero_to_full_coverage(pw, django_capture_on_commit_callbacks):
    client = pw.client("county_office")
    html = client.get(f"/pairings/?{q(pw)}").content.decode()
    assert "桑格乡" in html and "开始匹配" in html and "0.0%" in html

    # 1. Start matching: the htmx answer is the progress bar; the job runs when the request commits.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/pairings/match/", {"org": pw.county_a.code, "scheme": pw.scheme.pk}, HTTP_HX_REQUEST="true"
        )
    assert response.status_code == 200 and "<progress" in response.content.decode()
    job = Job.objects.get(kind="pairings.match")
    assert job.status == "done" and job.result["proposed"] == 7
    fragment = client.get(reverse("core:job", args=[job.pk])).content.decode()
    assert "审核结对建议" in fragment and "100%" in fragment

    # 2. Review: totals per township, then the township's proposals with their reasons.
    html = client.get(f"/pairings/proposals/?{q(pw)}").content.decode()
    assert "桑格乡" in html and ">7<" in html
    html = client.get(f"/pairings/proposals/?{q(pw, township=pw.township_a.code)}").content.decode()
    assert "卓嘎" in html and "次仁" in html and "藏语" in html and "家庭未登记语言" in html

    # 3. Accept all: a confirmation first, nothing changes until it is confirmed.
    form = {"org": pw.county_a.code, "scheme": pw.scheme.pk, "all": "1"}
    html = client.post("/pairings/proposals/accept/", form).content.decode()
    assert "确认接受" in html and "7 条" in html
    assert not Pairing.objects.filter(status="active").exists()
    response = client.post("/pairings/proposals/accept/", {**form, "confirmed": "1"})
    assert response.status_code == 302
    assert Pairing.objects.filter(status="active").count() == 7

    html = client.get(f"/pairings/?{q(pw)}").content.decode()
    assert "100.0%" in html


def test_accept_selected(pw):
    run = run_match(actor=pw.user("county_office"), scheme=pw.scheme, org=pw.county_a)
    chosen = list(Pairing.objects.filter(match_run=run).order_by("pk").values_list("pk", flat=True)[:2])
    client = pw.client("county_office")
    form = {"org": pw.county_a.code, "scheme": pw.scheme.pk, "township": pw.township_a.code, "ids": chosen}
    assert "2 条" in client.post("/pairings/proposals/accept/", form).content.decode()
    client.post("/pairings/proposals/accept/", {**form, "confirmed": "1"})
    assert set(Pairing.objects.filter(status="active").values_list("pk", flat=True)) == set(chosen)


def test_coverage_export(pw):
    pairing_create(actor=pw.user("county_office"), scheme=pw.scheme, official=pw.off_t1, household=pw.household_a)
    response = pw.client("county_office").get(f"/pairings/?{q(pw, export='xlsx')}")
    rows = list(openpyxl.load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("代码", "名称", "家庭户数")
    township = next(r for r in rows if r[1] == "桑格乡")
    # 8 households, 7 consenting, 1 paired; 2 township officials, one of them paired.
    assert township[2:] == (8, 7, 1, 14.3, 0, 2, 1, 0)
    assert rows[-1][1] == "雪岭县" and rows[-1][7] == 3  # with the county agency's official
    assert AuditEvent.objects.filter(action="pairings.coverage_export").exists()


def test_other_county_is_404_everywhere(pw):
    run = run_match(actor=pw.user("county_office"), scheme=pw.scheme, org=pw.county_a)
    pairing = Pairing.objects.filter(match_run=run).first()
    client = pw.client("county_office_b")
    assert client.get(f"/pairings/?{q(pw)}").status_code == 404
    assert client.get(f"/pairings/proposals/?{q(pw)}").status_code == 404
    assert client.post("/pairings/match/", {"org": pw.county_a.code, "scheme": pw.scheme.pk}).status_code == 404
    form = {"org": pw.county_a.code, "scheme": pw.scheme.pk, "all": "1", "confirmed": "1"}
    assert client.post("/pairings/proposals/accept/", form).status_code == 404
    assert client.get(f"/pairings/officials/{pw.official_a.pk}/").status_code == 404
    assert client.post(f"/pairings/officials/{pw.official_a.pk}/deactivate/", {"confirm": "1"}).status_code == 404
    assert client.post(f"/pairings/households/{pw.household_a.pk}/withdraw-consent/").status_code == 404
    assert "扎西" not in client.get("/pairings/search/?q=扎西").content.decode()
    assert Pairing.objects.get(pk=pairing.pk).status == "proposed"
    assert client.get("/pairings/?org=993302000000").status_code == 200


def test_non_office_roles_cannot_match(pw):
    client = pw.client("reviewer")
    html = client.get(f"/pairings/?{q(pw)}").content.decode()
    assert "开始匹配" not in html and "桑格乡" in html
    response = client.post("/pairings/match/", {"org": pw.county_a.code, "scheme": pw.scheme.pk})
    assert response.status_code == 302 and not Job.objects.exists()


def test_township_office_sees_only_its_township(pw):
    html = pw.client("township_office").get("/pairings/").content.decode()
    assert "桑格乡" in html and "达塘村" in html and "云溪县" not in html


def test_scheme_created_from_the_page(pw):
    client = pw.client("county_office")
    form = {"org": pw.county_a.code, "name": "雪岭县结对认亲", "capacity_per_official": "4"}
    form["visit_frequency"] = "monthly"
    response = client.post("/pairings/schemes/new/", form)
    scheme = Scheme.objects.get(name="雪岭县结对认亲")
    assert response.status_code == 302 and f"scheme={scheme.pk}" in response["Location"]
    bad = client.post("/pairings/schemes/new/", {**form, "capacity_per_official": "0"}, follow=True)
    assert "未能创建结对方案" in bad.content.decode()


def test_search_shows_the_households_official(pw):
    pairing_create(actor=pw.user("county_office"), scheme=pw.scheme, official=pw.official_a, household=pw.household_a)
    html = pw.client("county_office").get(f"/pairings/search/?q=扎西&org={pw.county_a.code}").content.decode()
    assert "扎西" in html and "李建国" in html
    html = pw.client("county_office").get("/pairings/search/?q=卓嘎").content.decode()
    assert "尚未结对" in html


def test_my_families_for_the_official(pw):
    mine = pairing_create(
        actor=pw.user("county_office"), scheme=pw.scheme, official=pw.official_a, household=pw.household_a
    )
    other = pairing_create(
        actor=pw.user("county_office"), scheme=pw.scheme, official=pw.off_t1, household=pw.households_a[1]
    )
    client = pw.client("official")
    assert client.get("/pairings/").status_code == 302
    html = client.get("/pairings/mine/").content.decode()
    assert "扎西" in html and "王小明" not in html and "每月一次" in html
    detail = client.get(f"/pairings/mine/{mine.pk}/").content.decode()
    assert pw.household_a.phone in detail
    assert client.get(f"/pairings/mine/{other.pk}/").status_code == 404
    assert AuditEvent.objects.filter(action="household.view", detail__via="my_families").exists()
    assert pw.client("county_office").get("/pairings/mine/").status_code == 404


def test_household_page_shows_history_and_withdrawal(pw):
    pairing = pairing_create(
        actor=pw.user("county_office"), scheme=pw.scheme, official=pw.official_a, household=pw.household_a
    )
    client = pw.client("county_office")
    url = reverse("people:household_detail", args=[pw.household_a.pk])
    html = client.get(url).content.decode()
    assert "结对记录" in html and "李建国" in html and "结对中" in html and "登记撤回同意</button>" in html
    response = client.post(reverse("pairings:household_withdraw", args=[pw.household_a.pk]), {"confirm": "1"})
    assert response.status_code == 302
    pairing.refresh_from_db()
    assert pairing.status == "ended" and pairing.end_reason == "consent_withdrawn"
    html = client.get(url).content.decode()
    assert "家庭撤回同意" in html and "登记撤回同意</button>" not in html


def test_official_page_hands_over(pw):
    office = pw.user("county_office")
    run = run_match(actor=office, scheme=pw.scheme, org=pw.county_a)
    proposals_accept(actor=office, org=pw.county_a, scheme=pw.scheme, run=run)
    client = pw.client("county_office")
    url = f"/pairings/officials/{pw.off_t2.pk}/"
    assert "登记离岗并交接" in client.get(url).content.decode()
    # Without the confirmation box nothing happens.
    client.post(f"{url}deactivate/")
    pw.off_t2.refresh_from_db()
    assert pw.off_t2.active
    response = client.post(f"{url}deactivate/", {"confirm": "1"})
    assert response.status_code == 302 and "/pairings/proposals/" in response["Location"]
    assert not Pairing.objects.filter(official=pw.off_t2, status="active").exists()
    assert Pairing.objects.filter(official=pw.off_t2, status="ended", end_reason="official_left").exists()


@pytest.mark.parametrize("width", [360])
def test_pages_are_responsive_tables(pw, width):
    html = pw.client("county_office").get(f"/pairings/?{q(pw)}").content.decode()
    assert 'class="responsive"' in html and 'data-label="结对覆盖率"' in html


def test_refusals_are_messages_or_404_never_500(pw):
    run_match(actor=pw.user("county_office"), scheme=pw.scheme, org=pw.county_a)
    form = {"org": pw.county_a.code, "scheme": pw.scheme.pk, "all": "1", "confirmed": "1"}
    response = pw.client("reviewer").post("/pairings/proposals/accept/", form, follow=True)
    assert response.status_code == 200 and "只有创建办可以管理结对" in response.content.decode()
    assert not Pairing.objects.filter(status="active").exists()
    # The official persona sees its agency in the tree but is no programme office: refused.
    official = pw.client("official")
    response = official.post("/pairings/match/", {"org": pw.agency_a.code, "scheme": pw.scheme.pk}, follow=True)
    assert response.status_code == 200 and "只有创建办可以管理结对" in response.content.decode()
    assert not MatchRun.objects.filter(org_unit=pw.agency_a).exists()
    response = pw.client("county_office").post(
        "/pairings/match/", {"org": pw.village_a.code, "scheme": pw.scheme.pk}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    empty = pw.client("county_office").post("/pairings/proposals/accept/", {**form, "all": "0"}, follow=True)
    assert "请先勾选要接受的结对建议" in empty.content.decode()


def test_prefecture_office_works_with_aggregates_only(pw):
    """The prefecture runs matching and acceptance for its counties without reading the families."""
    run_match(actor=pw.user("prefecture_office"), scheme=pw.scheme, org=pw.prefecture)
    client = pw.client("prefecture_office")
    query = f"org={pw.prefecture.code}&scheme={pw.scheme.pk}"
    totals = client.get(f"/pairings/proposals/?{query}").content.decode()
    assert "雪岭县" in totals or "桑格乡" in totals
    assert ">8<" in totals
    township = client.get(f"/pairings/proposals/?{query}&township={pw.township_a.code}").content.decode()
    assert "卓嘎" not in township and "次仁" not in township
    form = {"org": pw.prefecture.code, "scheme": pw.scheme.pk, "all": "1", "confirmed": "1"}
    assert client.post("/pairings/proposals/accept/", form).status_code == 302
    assert Pairing.objects.filter(status="active").count() == 8
    assert "卓嘎" not in client.get(f"/pairings/?{query}").content.decode()
