from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from shiliu.api import api

admin.site.site_header = _("石榴 · 民族团结进步创建管理平台")
admin.site.site_title = _("石榴管理后台")
admin.site.index_title = _("系统管理")

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="people:household_list"), name="home"),
    path("accounts/", include("shiliu.accounts.urls")),
    path("orgs/", include("shiliu.orgs.urls")),
    path("core/", include("shiliu.core.urls")),
    path("rosters/", include("shiliu.rosters.urls")),
    path("pairings/", include("shiliu.pairings.urls")),
    path("", include("shiliu.people.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
