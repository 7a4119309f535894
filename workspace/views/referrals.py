"""PLACEHOLDER: being built (issue 5)."""

from django.http import Http404


def refer(request, *args, **kwargs):
    raise Http404


def incoming(request, *args, **kwargs):
    raise Http404


def referral_detail(request, *args, **kwargs):
    raise Http404


def referral_move_view(request, *args, **kwargs):
    raise Http404
