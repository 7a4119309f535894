"""Italian first: model names, constraint messages and domain errors read in Italian."""

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
