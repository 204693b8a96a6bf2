from django.contrib import admin

from shiliu.core.models import AuditEvent


class RoleGatedAdmin(admin.ModelAdmin):
    """Admin pages opened by role, not by Django's is_superuser; read-only unless ``write_roles``."""

    view_roles: tuple[str, ...] = ()
    write_roles: tuple[str, ...] = ()

    def _has(self, request, roles) -> bool:
        user = request.user
        return user.is_active and user.is_staff and user.has_role(*roles)

    def has_module_permission(self, request):
        return self._has(request, self.view_roles + self.write_roles)

    def has_view_permission(self, request, obj=None):
        return self._has(request, self.view_roles + self.write_roles)

    def has_add_permission(self, request):
        return self._has(request, self.write_roles)

    def has_change_permission(self, request, obj=None):
        return self._has(request, self.write_roles)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(RoleGatedAdmin):
    """Only the audit administrator reads the log; nobody edits or deletes it."""

    view_roles = ("audit_admin",)
    list_display = ("seq", "at", "username", "org_code", "ip", "action", "object_type", "object_id", "result")
    list_filter = ("result", "action")
    search_fields = ("username", "action", "object_id")
    date_hierarchy = "at"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]
