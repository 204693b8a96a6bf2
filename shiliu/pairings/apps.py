from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PairingsConfig(AppConfig):
    name = "shiliu.pairings"
    label = "pairings"
    verbose_name = _("结对认亲")

    def ready(self):
        from shiliu.pairings import engine  # noqa: F401 - registers the "pairings.match" job kind
