from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RostersConfig(AppConfig):
    name = "shiliu.rosters"
    label = "rosters"
    verbose_name = _("名册导入导出")

    def ready(self):
        from shiliu.rosters import jobs  # noqa: F401  (registers the job kinds)
