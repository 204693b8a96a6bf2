"""Simplified Chinese by default, English on request; the committed catalogue is complete and compiled."""

import gettext
import re
from pathlib import Path

from django.conf import settings

LC_MESSAGES = Path(settings.BASE_DIR) / "shiliu" / "locale" / "en" / "LC_MESSAGES"


def test_household_list_is_chinese_by_default(world):
    html = world.client("county_office").get("/households/").content.decode()
    assert 'lang="zh-hans"' in html
    assert "<h1>联谊家庭</h1>" in html and "退出" in html and "户编号" in html
    assert "Households" not in html


def test_household_list_in_english_after_switching(world):
    client = world.client("county_office")
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/households/"})
    assert response.status_code == 302
    html = client.get("/households/").content.decode()
    assert 'lang="en"' in html
    assert "<h1>Households</h1>" in html
    assert "Log out" in html and "Household number" in html and "Export to Excel" in html
    assert "Stable" in html, "choice labels from the models are translated too"
    assert "联谊家庭" not in html and "户编号" not in html
    assert "扎西" in html, "people's names are data, never translated"


def test_browser_language_does_not_switch_away_from_chinese(world):
    """Chinese is the default whatever the browser asks for; English is a choice in the menu."""
    client = world.client("county_office")
    html = client.get("/households/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "<h1>联谊家庭</h1>" in html
    client.post("/i18n/setlang/", {"language": "en", "next": "/households/"})
    html = client.get("/households/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "<h1>Households</h1>" in html


def _po_entries(path: Path) -> dict[str, str]:
    """msgid -> msgstr of the active (not obsolete) entries, with their flags checked for fuzzy."""
    text = path.read_text(encoding="utf-8")
    entries = {}
    for block in re.split(r"\n\s*\n", text):
        if block.lstrip().startswith("#~") or "msgid" not in block:
            continue
        assert "fuzzy" not in "".join(line for line in block.splitlines() if line.startswith("#,")), block
        msgid = "".join(re.findall(r'"(.*)"', block.split("msgid ", 1)[1].split("msgstr ", 1)[0]))
        msgstr = "".join(re.findall(r'"(.*)"', block.split("msgstr ", 1)[1]))
        entries[msgid] = msgstr
    return entries


def _unescape(value: str) -> str:
    return value.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")


def test_every_message_is_translated_and_compiled():
    entries = _po_entries(LC_MESSAGES / "django.po")
    assert len(entries) > 100
    untranslated = [msgid for msgid, msgstr in entries.items() if msgid and not msgstr]
    assert not untranslated, f"untranslated: {untranslated[:10]}"
    with open(LC_MESSAGES / "django.mo", "rb") as fh:
        catalog = gettext.GNUTranslations(fh)._catalog
    stale = [m for m, s in entries.items() if m and catalog.get(_unescape(m)) != _unescape(s)]
    assert not stale, f"django.mo is older than django.po, run compilemessages: {stale[:10]}"
