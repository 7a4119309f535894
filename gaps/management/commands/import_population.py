from gaps.management.csv_import import CsvImportCommand
from gaps.population_import import import_population


class Command(CsvImportCommand):
    help = (
        "Import population by group (CSV: istat_code,group,year,population,source); "
        "all rows or none."
    )
    importer = import_population
