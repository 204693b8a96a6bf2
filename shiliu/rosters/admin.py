from django.contrib import admin

from shiliu.core.admin import RoleGatedAdmin
from shiliu.rosters.models import ImportRun


@admin.register(ImportRun)
class ImportRunAdmin(RoleGatedAdmin):
    """The import history, read-only, for the audit administrator (row values stay in the error reports)."""

    view_roles = ("audit_admin",)
    list_display = ("created_at", "user", "kind", "file_name", "dry_run", "status", "created", "updated", "error_count")
    list_filter = ("kind", "status", "dry_run")
    search_fields = ("file_name", "sha256", "user__username")
    exclude = ("errors",)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "errors"]
