"""Italian first: model names, constraint messages and domain errors read in Italian."""

import gettext
import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from beneficiaries.codice_fiscale import validate_codice_fiscale
from beneficiaries.models import Case
from housing.models import Placement


def test_model_names_are_italian():
    with translation.override("it"):
        assert str(Case._meta.verbose_name) == "presa in carico"
        assert str(Placement._meta.verbose_name_plural) == "inserimenti abitativi"


def test_validation_messages_are_italian_with_their_values():
    with translation.override("it"):
        with pytest.raises(ValidationError) as error:
            validate_codice_fiscale("RSSMRA85T10A562A")
        # Messages are lazy: they render in the language active when they are read.
        assert error.value.messages == ["Il carattere di controllo è 'A', ma dovrebbe essere 'S'."]


CATALOGUE = Path(__file__).resolve().parents[1] / "locale" / "it" / "LC_MESSAGES"


def po_entries() -> list[tuple[str, str, str, bool]]:
    """(context, msgid, first msgstr, fuzzy) of each entry of the Italian .po file."""
    entries = []
    for block in (CATALOGUE / "django.po").read_text().split("\n\n"):
        msgctxt = re.search(r'^msgctxt ((?:".*"\n?)+)', block, re.M)
        msgid = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        msgstr = re.search(r'^msgstr(?:\[0\])? ((?:".*"\n?)+)', block, re.M)
        if msgid is None or msgstr is None:
            continue
        joined = ["".join(re.findall(r'"(.*)"', part.group(1))) for part in (msgid, msgstr)]
        context = "".join(re.findall(r'"(.*)"', msgctxt.group(1))) if msgctxt else ""
        entries.append((context, joined[0], joined[1], "#, fuzzy" in block))
    return entries


def test_every_string_is_translated_and_compiled():
    entries = [entry for entry in po_entries() if entry[1]]  # the header has no msgid
    assert [msgid for _, msgid, msgstr, fuzzy in entries if not msgstr or fuzzy] == []
    with (CATALOGUE / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for context, msgid, msgstr, _ in entries:
        found = compiled.pgettext(context, msgid) if context else compiled.gettext(msgid)
        assert found == msgstr or "\x00" in msgid
