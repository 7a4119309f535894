"""Population by group comes in from a CSV, all rows or none, with each error named."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gaps.models import PopulationFigure
from tests.factories import MunicipalityFactory

pytestmark = pytest.mark.django_db

HEADER = "istat_code,group,year,population,source\n"


@pytest.fixture
def towns():
    return MunicipalityFactory(istat_code="058091"), MunicipalityFactory(istat_code="058001")


def write(tmp_path, body: str):
    path = tmp_path / "population.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_a_valid_file_lands_and_a_second_import_updates(tmp_path, towns, capsys):
    path = write(tmp_path, "058091,women,2023,1440000,ISTAT\n058001,65_plus,2023,2100,ISTAT\n")
    call_command("import_population", path)
    assert "2 created, 0 updated." in capsys.readouterr().out
    path = write(tmp_path, "058091,women,2023,1441000,ISTAT 2024\n")
    call_command("import_population", path)
    assert "0 created, 1 updated." in capsys.readouterr().out
    figure = PopulationFigure.objects.get(municipality=towns[0], group="women", year=2023)
    assert (figure.population, figure.source) == (1441000, "ISTAT 2024")
    assert PopulationFigure.objects.count() == 2


def test_any_error_is_named_and_nothing_is_written(tmp_path, towns, capsys):
    path = write(
        tmp_path,
        "058091,women,2023,1440000,ISTAT\n"
        "999999,women,2023,10,ISTAT\n"
        "058001,teenagers,2023,10,ISTAT\n"
        "058001,women,two thousand,10,ISTAT\n"
        "058001,all,2023,10,ISTAT\n",
    )
    with pytest.raises(CommandError, match=r"4 errors: nothing was imported\."):
        call_command("import_population", path)
    errors = capsys.readouterr().err.splitlines()
    assert errors == [
        "line 3, istat_code: unknown municipality 999999.",
        "line 4, group: Value 'teenagers' is not a valid choice.",
        "line 5, year/population: whole numbers expected.",
        "line 6, __all__: The total population is recorded on the municipality itself.",
    ]
    assert not PopulationFigure.objects.exists()


def test_missing_columns_are_named(tmp_path, capsys):
    path = tmp_path / "population.csv"
    path.write_text("istat_code,population\n058091,10\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_population", path)
    assert capsys.readouterr().err.strip() == "Missing columns: group, year, source."
