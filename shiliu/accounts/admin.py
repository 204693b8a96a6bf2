from django.contrib import admin

from shiliu.accounts.models import Role, User
from shiliu.core.admin import RoleGatedAdmin
from shiliu.core.audit import audit


class RoleInline(admin.TabularInline):
    model = Role
    extra = 0
    autocomplete_fields = ()
    raw_id_fields = ("org_unit",)

    def has_add_permission(self, request, obj=None):
        return request.user.has_role("security_admin")

    has_change_permission = has_add_permission
    has_delete_permission = has_add_permission


@admin.register(User)
class UserAdmin(RoleGatedAdmin):
    """The security administrator manages accounts and roles; every change is a security event."""

    write_roles = ("security_admin",)
    list_display = ("username", "first_name", "is_active", "locked_until", "last_login")
    search_fields = ("username", "first_name")
    fields = ("username", "first_name", "is_active", "is_staff", "locked_until", "failed_login_count")
    readonly_fields = ("failed_login_count",)
    inlines = [RoleInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit(request.user, "user.change" if change else "user.create", obj, detail={"fields": form.changed_data})

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.has_changed():
            audit(request.user, "role.change", form.instance)
