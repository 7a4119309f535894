"""PLACEHOLDER: being built (issue 5)."""

from django.http import Http404


def places_and_hours(request, *args, **kwargs):
    raise Http404
