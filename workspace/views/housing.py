"""PLACEHOLDER: being built (issue 5)."""

from django.http import Http404


def find_housing(request, *args, **kwargs):
    raise Http404


def place(request, *args, **kwargs):
    raise Http404


def placement_end_view(request, *args, **kwargs):
    raise Http404
