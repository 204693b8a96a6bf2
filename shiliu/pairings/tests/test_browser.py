"""Pairing in a real browser: a county from zero to full coverage in a few clicks, on a 360 px phone."""

import pytest

from shiliu.pairings.models import Pairing
from shiliu.pairings.services import pairing_create
from shiliu.people.tests.test_browser import PHONE, SCREENSHOTS, _log_in, _overflowing, browser  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_office_takes_a_county_to_full_coverage(browser, live_server, pw):  # noqa: F811
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    page = context.new_page()
    _log_in(page, live_server.url)
    page.goto(f"{live_server.url}/pairings/?org={pw.county_a.code}&scheme={pw.scheme.pk}")
    assert "0.0%" in page.locator("#coverage-table").inner_text()

    page.get_by_role("button", name="开始匹配").click()
    review = page.locator("#match-job").get_by_role("link", name="审核结对建议")
    review.wait_for()
    assert "100%" in page.locator("#match-job").inner_text()
    with page.expect_navigation():
        review.click()
    assert "桑格乡" in page.locator("#township-table").inner_text()

    with page.expect_navigation():
        page.locator("#township-table").get_by_role("link", name="桑格乡").click()
    rows = page.locator("#proposal-table tbody tr")
    assert rows.count() == 7
    assert "次仁" in page.locator("#proposal-table").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "shiliu-proposals-360.png"), full_page=True)

    with page.expect_navigation():
        page.get_by_role("button", name="接受本乡(镇)全部（7 条）").click()
    assert "将接受桑格乡的 7 条结对建议" in page.content()
    with page.expect_navigation():
        page.get_by_role("button", name="确认接受").click()
    assert "已接受 7 条结对建议" in page.content()
    assert Pairing.objects.filter(status="active").count() == 7

    page.goto(f"{live_server.url}/pairings/?org={pw.county_a.code}&scheme={pw.scheme.pk}")
    assert "100.0%" in page.locator("#coverage-table").inner_text()
    page.fill("input[name=q]", "扎西")
    page.get_by_role("button", name="查询").click()
    page.locator("#search-list").wait_for()
    assert "扎西" in page.locator("#search-list").inner_text()
    context.close()


def test_pairing_pages_fit_a_360px_phone(browser, live_server, pw):  # noqa: F811
    office = pw.user("county_office")
    pairing_create(actor=office, scheme=pw.scheme, official=pw.official_a, household=pw.household_a)
    from shiliu.pairings.engine import run_match

    run_match(actor=office, scheme=pw.scheme, org=pw.county_a)
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    found = {}
    for username, pages in [
        (
            "county_office",
            [
                ("pairings", f"/pairings/?org={pw.county_a.code}&scheme={pw.scheme.pk}"),
                ("proposals", f"/pairings/proposals/?org={pw.county_a.code}&scheme={pw.scheme.pk}"),
                (
                    "proposals-township",
                    f"/pairings/proposals/?org={pw.county_a.code}&scheme={pw.scheme.pk}&township={pw.township_a.code}",
                ),
                ("pairings-official", f"/pairings/officials/{pw.official_a.pk}/"),
                ("household-history", f"/households/{pw.household_a.pk}/"),
            ],
        ),
        ("official", [("mine", "/pairings/mine/")]),
    ]:
        context.clear_cookies()
        _log_in(page, live_server.url, username)
        for name, path in pages:
            page.goto(live_server.url + path)
            page.screenshot(path=str(SCREENSHOTS / f"shiliu-{name}-360.png"), full_page=True)
            found[name] = (page.evaluate("document.documentElement.scrollWidth"), _overflowing(page))
    too_wide = {name: f for name, f in found.items() if f[0] > PHONE["width"] or f[1]}
    assert not too_wide, f"wider than a {PHONE['width']}px phone (scrollWidth, elements): {too_wide}"
    context.close()
