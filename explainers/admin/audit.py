"""The audit log: read-only for everyone."""

from django.contrib import admin


class AuditEntryAdmin(admin.ModelAdmin):
    """The audit log, read-only for everyone: entries are written by the actions they
    record, never by hand."""

    list_display = ["created_at", "action", "actor", "subject", "comment"]
    list_filter = ["action", ("actor", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["subject", "comment", "action"]
    date_hierarchy = "created_at"
    list_select_related = ["actor"]
    readonly_fields = ["created_at", "action", "actor", "article", "subject", "comment", "data"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
