"""The admin's "find a person by codice fiscale": a POST, never a search in the URL.

The admin's lists search with ``?q=`` in the URL, where a codice fiscale would stay in
the browser's history, the server's and proxies' logs and the Referer: the lists no
longer take one (ids and birth dates only). This form on the people's list posts the
code instead; it is looked up through its keyed hash among the people the user may see
(``visible_to``, the list's own queryset) and answers with a redirect to the person's
page, whose URL holds only their id — or back to the list with a message. It is a
codice fiscale check like intake's: counted, throttled and recorded
(beneficiaries/cf_lookup.py).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from beneficiaries import cf_lookup
from beneficiaries.codice_fiscale import validate_codice_fiscale
from beneficiaries.models import codice_fiscale_lookup_hash

FIELD = "find_codice_fiscale"


def find_person_view(model_admin, request):
    """POST ``find_codice_fiscale`` → the person's change page, or the list again."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not model_admin.has_view_or_change_permission(request):
        raise PermissionDenied
    opts = model_admin.opts
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    raw = (request.POST.get(FIELD) or "").strip()
    try:
        code = validate_codice_fiscale(raw)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(changelist)
    if not cf_lookup.allow_lookup(request, via="admin-find"):
        messages.error(request, cf_lookup.refusal_message())
        return HttpResponseRedirect(changelist)
    person_id = (
        model_admin.get_queryset(request)
        .filter(codice_fiscale_hash=codice_fiscale_lookup_hash(code))
        .values_list("pk", flat=True)
        .first()
    )
    cf_lookup.record_lookup(
        request, via="admin-find", found=cf_lookup.SHOWN if person_id else cf_lookup.NOT_FOUND
    )
    if person_id is None:
        messages.info(request, _("No person you can see has this codice fiscale."))
        return HttpResponseRedirect(changelist)
    # The page itself writes the access-log row when it opens.
    return HttpResponseRedirect(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[person_id])
    )
