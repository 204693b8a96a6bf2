from django.contrib import admin

from shiliu.core.admin import RoleGatedAdmin
from shiliu.pairings.models import MatchRun, Pairing, Scheme


class ScopedReadOnlyAdmin(RoleGatedAdmin):
    """Read-only for the office, inside its scope; writes go through the pairing pages and services."""

    view_roles = ("office",)

    def get_queryset(self, request):
        return self.model.objects.restrict(request.user)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


@admin.register(Scheme)
class SchemeAdmin(ScopedReadOnlyAdmin):
    list_display = ("name", "org_unit", "capacity_per_official", "visit_frequency", "cross_county", "active")


@admin.register(Pairing)
class PairingAdmin(ScopedReadOnlyAdmin):
    list_display = ("household", "official", "scheme", "status", "started_on", "ended_on", "end_reason")
    list_filter = ("status", "end_reason")
    search_fields = ("household__code", "household__head_name", "official__code", "official__name")
    raw_id_fields = ("household", "official", "match_run")


@admin.register(MatchRun)
class MatchRunAdmin(ScopedReadOnlyAdmin):
    list_display = ("pk", "scheme", "org_unit", "kind", "status", "created_at")
