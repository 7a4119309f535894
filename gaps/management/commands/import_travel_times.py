from gaps.management.csv_import import CsvImportCommand
from gaps.travel_time_import import import_travel_times


class Command(CsvImportCommand):
    help = (
        "Import travel times from municipalities to sites (CSV: istat_code,site_id,minutes,"
        "source); all rows or none."
    )
    importer = import_travel_times
