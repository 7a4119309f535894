"""Every model has a factory, and every factory builds a row that passes full validation."""

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory

from tests import factories

pytestmark = pytest.mark.django_db

FACTORIES = [
    value
    for value in vars(factories).values()
    if isinstance(value, type)
    and issubclass(value, DjangoModelFactory)
    and value is not DjangoModelFactory
]


def test_every_model_has_a_factory():
    models = {
        model
        for label in ("registry", "services", "beneficiaries", "housing")
        for model in apps.get_app_config(label).get_models()
        if not model._meta.auto_created
    }
    assert models | {get_user_model()} == {factory._meta.model for factory in FACTORIES}


@pytest.mark.parametrize("factory", FACTORIES, ids=lambda factory: factory.__name__)
def test_factory_builds_a_valid_row(factory):
    first, second = factory(), factory()
    for obj in (first, second):
        obj.full_clean()
    if factory is not factories.LanguageFactory:  # get_or_create on a fixed code
        assert first.pk != second.pk
