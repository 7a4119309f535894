"""The data-protection officer's access report, as a page of the admin.

It lives in the admin, not in ``security/`` (which sits below this app and may not read
people) nor in the workspace (which officers do not use): the admin entry "Access log"
(the ``core.AccessLogEntry`` proxy) opens it, for data-protection officers only; its
scope and queries are ``beneficiaries/access_report.py``'s.

The person is named by codice fiscale or id in a POST, never in a URL. Each report
shown or exported writes an access-log row on the person (``via``
"admin-access-report") and a security event (``access_report``: page or CSV, found or
not, how many rows — never who). A search by codice fiscale counts as one of the
user's codice fiscale checks (beneficiaries/cf_lookup.py). The CSV needs a recent
re-authentication (security/reauth.py) and neutralises formula prefixes in every cell
(core/spreadsheets.py).
"""

from __future__ import annotations

import csv
import datetime

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beneficiaries import access_report, cf_lookup
from beneficiaries.codice_fiscale import validate_codice_fiscale
from core.access_log import log_access
from core.admin import ReadOnlyAdminMixin
from core.append_only import MIN_RETENTION_DAYS
from core.models import AccessLogEntry
from core.spreadsheets import safe_row
from security.events import record_event
from security.models import EventKind
from security.reauth import require_recent_auth

PAGE_ROWS = 500


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class AccessReportForm(forms.Form):
    codice_fiscale = forms.CharField(
        label=gettext_lazy("Codice fiscale"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    person = forms.UUIDField(
        label=gettext_lazy("or the person's id"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "size": 36}),
    )
    date_from = forms.DateField(label=gettext_lazy("from"), widget=DateInput())
    date_to = forms.DateField(label=gettext_lazy("to"), widget=DateInput())

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["date_from"].initial = today - datetime.timedelta(days=MIN_RETENTION_DAYS)
        self.fields["date_to"].initial = today

    def clean_codice_fiscale(self) -> str:
        value = (self.cleaned_data.get("codice_fiscale") or "").strip()
        return validate_codice_fiscale(value) if value else ""

    def clean(self):
        cleaned = super().clean()
        code, person = cleaned.get("codice_fiscale"), cleaned.get("person")
        if not self.errors and bool(code) == bool(person):
            raise ValidationError(
                _("Give the person's codice fiscale or their id (one of the two)."),
                code="one_identifier",
            )
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end of the period is before its start."))
        return cleaned


@admin.register(AccessLogEntry)
class AccessReportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The "Access log" entry of the admin: the officer's report, nothing else (no list,
    no change page: the rows are append-only and read per person)."""

    report_page = True

    def has_module_permission(self, request) -> bool:
        return access_report.is_officer(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return access_report.is_officer(request.user)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view(self.report_view)
        return [path("", view, name="{}_{}_changelist".format(*info))]

    def report_view(self, request):
        response = self._report(request)
        # It names people and who read them: no cache, shared or private, keeps it.
        add_never_cache_headers(response)
        return response

    def _report(self, request):
        organisations = access_report.officer_organisations(request.user)
        if not organisations:
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Access report"),
            "page_rows": PAGE_ROWS,
        }
        if request.method != "POST":
            context["form"] = AccessReportForm()
            return TemplateResponse(request, "admin/beneficiaries/access_report.html", context)
        form = AccessReportForm(request.POST)
        context["form"] = form
        export = request.POST.get("export") == "csv"
        if export and (refusal := require_recent_auth(request)):
            return refusal
        if not form.is_valid():
            return TemplateResponse(
                request, "admin/beneficiaries/access_report.html", context, status=400
            )
        data = form.cleaned_data
        if data["codice_fiscale"] and not cf_lookup.allow_lookup(request, via="access-report"):
            form.add_error("codice_fiscale", cf_lookup.refusal_message())
            return TemplateResponse(
                request, "admin/beneficiaries/access_report.html", context, status=429
            )
        person = access_report.find_person(
            organisations, codice_fiscale=data["codice_fiscale"], person_id=data["person"]
        )
        if data["codice_fiscale"]:
            cf_lookup.record_lookup(
                request,
                via="access-report",
                found=cf_lookup.SHOWN if person else cf_lookup.NOT_FOUND,
            )
        details = {"export": "csv" if export else "page", "found": person is not None}
        if person is None:
            record_event(request, EventKind.ACCESS_REPORT, user=request.user, details=details)
            context["not_found"] = True
            return TemplateResponse(
                request, "admin/beneficiaries/access_report.html", context, status=404
            )
        period = access_report.Period(data["date_from"], data["date_to"])
        records = access_report.records_of(person, organisations)
        lines, capped = access_report.lines(
            records, organisations, period, limit=None if export else PAGE_ROWS
        )
        log_access(request, [person], via="admin-access-report")
        record_event(
            request,
            EventKind.ACCESS_REPORT,
            user=request.user,
            details={**details, "rows": len(lines)},
        )
        if export:
            return _csv(person, period, lines)
        context.update(
            person=person, period=period, lines=lines, capped=capped, records=records.count
        )
        return TemplateResponse(request, "admin/beneficiaries/access_report.html", context)


def _csv(person, period, lines) -> HttpResponse:
    name = f"access-report-{str(person.pk)[:8]}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")  # Excel reads UTF-8 with the BOM
    writer = csv.writer(response)
    for row in access_report.csv_rows(lines):
        writer.writerow(safe_row(row))
    return response
