"""PLACEHOLDER: being built (issue 5)."""

from django.http import Http404


def search(request, *args, **kwargs):
    raise Http404


def person_new(request, *args, **kwargs):
    raise Http404


def person_detail(request, *args, **kwargs):
    raise Http404


def consent_new(request, *args, **kwargs):
    raise Http404


def case_new(request, *args, **kwargs):
    raise Http404
