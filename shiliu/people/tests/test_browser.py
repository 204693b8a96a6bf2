"""Browser tests: Debian's chromium driven by Playwright against the live server.

Skipped when /usr/bin/chromium (or $SHILIU_CHROMIUM) is missing, unless SHILIU_REQUIRE_BROWSER=1
(CI), which fails instead. Playwright is never asked to download a browser. Screenshots go to
$SHILIU_SCREENSHOTS (default /tmp).
"""

import os
from pathlib import Path

import pytest

from shiliu.conftest import PASSWORD

CHROMIUM = Path(os.environ.get("SHILIU_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 740}
SCREENSHOTS = Path(os.environ.get("SHILIU_SCREENSHOTS", "/tmp"))

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install chromium to run the browser tests"
        if os.environ.get("SHILIU_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls of fixtures and
    # assertions stay synchronous and safe. Set only while this module runs: it must not leak
    # into other tests (``check --deploy`` refuses it).
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _log_in(page, base_url: str, username: str = "county_office") -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit].primary")
    assert "/accounts/login/" not in page.url, "login failed"


def test_log_in_search_open_and_other_county_is_404(browser, live_server, world):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    _log_in(page, live_server.url)

    page.goto(f"{live_server.url}/households/")
    table = page.locator("#household-table tbody")
    assert "扎西" in table.inner_text() and "王小明" in table.inner_text()
    assert "卓玛" not in table.inner_text(), "county B's household is out of scope"

    page.fill("input[name=q]", "扎西")
    with page.expect_navigation():
        page.click(".filters button[type=submit]")
    assert "q=" in page.url
    assert "王小明" not in table.inner_text()
    with page.expect_navigation():
        table.get_by_role("link", name="扎西").click()
    assert page.url.endswith(f"/households/{world.household_a.pk}/")
    assert "扎西" in page.locator("h1").inner_text()
    assert world.household_a.code in page.content()

    response = page.goto(f"{live_server.url}/households/{world.household_b.pk}/")
    assert response.status == 404
    assert "卓玛" not in page.content()
    context.close()


def _overflowing(page) -> list[str]:
    """Elements whose right edge is past the viewport's."""
    return page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
            .map(e => e.tagName + (e.className ? '.' + e.className : ''))"""
    )


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_pages_fit_a_360px_phone(browser, live_server, world, locale):
    """Nothing reaches past the right edge, in Chinese and in (longer) English."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale=locale)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    pages = {"login": None}
    pages["login"] = (page.evaluate("document.documentElement.scrollWidth"), _overflowing(page))
    _log_in(page, live_server.url)
    for name, path in [
        ("households", "/households/"),
        ("household", f"/households/{world.household_a.pk}/"),
        ("officials", "/officials/"),
        ("official", f"/officials/{world.official_a.pk}/"),
        ("orgs", "/orgs/"),
    ]:
        page.goto(live_server.url + path)
        if name == "orgs":
            page.locator("#org-tree button.toggle").first.click()
            page.get_by_text("桑格乡").wait_for()
        if name == "households":
            assert "扎西" in page.locator("#household-table").inner_text()
        page.screenshot(path=str(SCREENSHOTS / f"shiliu-{name}-360-{locale}.png"), full_page=True)
        pages[name] = (page.evaluate("document.documentElement.scrollWidth"), _overflowing(page))
    too_wide = {name: found for name, found in pages.items() if found[0] > PHONE["width"] or found[1]}
    assert not too_wide, f"wider than a {PHONE['width']}px phone (scrollWidth, elements): {too_wide}"
    context.close()


def test_org_tree_unfolds_and_folds(browser, live_server, world):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    _log_in(page, live_server.url)
    page.goto(f"{live_server.url}/orgs/")
    toggle = page.locator("#org-tree button.toggle").first
    assert toggle.get_attribute("aria-expanded") == "false"
    toggle.click()
    township = page.get_by_text("桑格乡")
    township.wait_for()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert "云溪县" not in page.content(), "the other county is out of scope"
    toggle.click()
    assert not township.is_visible()
    toggle.click()
    assert township.is_visible()
    assert page.locator("#org-tree strong", has_text="桑格乡").count() == 1, "children are loaded once"
    context.close()
