"""What every workspace page needs in its template context."""

from django.conf import settings
from django.utils.translation import get_language


def language_switch(request) -> dict:
    """The page's path without its language prefix, for the language menu's ``next``.

    Django's ``set_language`` runs in the default language (its URL has no prefix), so it
    can translate ``/workspace/...`` into any language but not ``/en/workspace/...`` back.
    """
    path = request.get_full_path()
    prefix = f"/{get_language()}/"
    if get_language() != settings.LANGUAGE_CODE and path.startswith(prefix):
        path = path[len(prefix) - 1 :]
    return {"language_neutral_path": path}
