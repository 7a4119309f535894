"""PLACEHOLDER: being built (issue 5)."""

from django.http import Http404


def case_edit(request, *args, **kwargs):
    raise Http404


def case_close(request, *args, **kwargs):
    raise Http404


def need_new(request, *args, **kwargs):
    raise Http404


def need_resolve(request, *args, **kwargs):
    raise Http404


def goal_new(request, *args, **kwargs):
    raise Http404


def goal_update(request, *args, **kwargs):
    raise Http404


def note_new(request, *args, **kwargs):
    raise Http404
