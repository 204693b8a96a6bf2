from io import BytesIO

import openpyxl
from django.urls import reverse

from shiliu.core.models import AuditEvent
from shiliu.people.models import mask_phone


def test_household_list_search_filter_sort(world):
    client = world.client("county_office")
    html = client.get("/households/?q=扎西").content.decode()
    assert "扎西" in html and "王小明" not in html
    html = client.get("/households/?org=993301001001").content.decode()
    assert "扎西" in html and "王小明" not in html
    html = client.get("/households/?sort=-code").content.decode()
    assert html.index("9933010010020001") < html.index("9933010010010001")
    html = client.get("/households/?sort=code").content.decode()
    assert html.index("9933010010010001") < html.index("9933010010020001")


def test_phone_masked_in_list_and_revealed_with_audit(world):
    client = world.client("county_office")
    phone = world.household_a.phone
    html = client.get("/households/").content.decode()
    assert phone not in html and mask_phone(phone) in html
    url = reverse("people:household_detail", args=[world.household_a.pk])
    assert phone not in client.get(url).content.decode()
    assert phone in client.get(url + "?reveal=1").content.decode()
    assert AuditEvent.objects.filter(action="household.view", detail__reveal=True).exists()


def test_xlsx_export_opens_and_is_audited(world):
    response = world.client("county_office").get("/households/?export=xlsx")
    wb = openpyxl.load_workbook(BytesIO(response.content))
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[0][0] == "户编号"
    assert {r[0] for r in rows[1:]} == {"9933010010010001", "9933010010020001"}
    assert AuditEvent.objects.filter(action="households.export", username="county_office").exists()


def test_pagination_out_of_range_is_404(world):
    assert world.client("county_office").get("/households/?page=99").status_code == 404


def test_org_tree_shows_scope_roots(world):
    html = world.client("county_office").get("/orgs/").content.decode()
    assert "雪岭县" in html and "云溪县" not in html
    html = world.client("county_office").get("/orgs/993301000000/children/").content.decode()
    assert "桑格乡" in html


def test_english_is_available(world):
    client = world.client("county_office")
    client.post("/i18n/setlang/", {"language": "en", "next": "/households/"})
    html = client.get("/households/").content.decode()
    assert 'lang="en"' in html


def test_admin_is_chinese(world):
    html = world.client("secadmin").get("/admin/").content.decode()
    assert "石榴" in html and "用户" in html
