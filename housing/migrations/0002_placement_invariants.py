"""Placement invariants held by PostgreSQL itself.

* no overlapping placements of one person (exclusion constraint over date ranges);
* no more concurrent placements in a unit than it has places (trigger that locks the unit
  row, so that concurrent inserts are checked one after the other);
* a placement's person is its case's person;
* a unit's places cannot drop below its current or future occupancy.

The embedded SQLite default does without them (architecture.md): there the domain
functions in ``housing/actions/placements.py`` make the same checks.
"""

from django.db import migrations

FORWARD = r"""
CREATE EXTENSION IF NOT EXISTS btree_gist;

ALTER TABLE housing_placement ADD CONSTRAINT placement_no_overlap_per_person
    EXCLUDE USING gist (beneficiary_id WITH =, daterange(starts_on, ends_on, '[)') WITH &&);

-- The occupancy counts below look up one unit's placements by period: index exactly that,
-- or the planner may scan the per-person exclusion index across every unit.
CREATE INDEX placement_unit_period ON housing_placement
    USING gist (unit_id, daterange(starts_on, ends_on, '[)'));

CREATE FUNCTION housing_placement_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    unit_places integer;
    case_person uuid;
    peak integer;
BEGIN
    IF NEW.ends_on IS NOT NULL AND NEW.ends_on <= NEW.starts_on THEN
        RETURN NEW;  -- an empty period: the check constraint placement_ends_after_start refuses it
    END IF;
    SELECT beneficiary_id INTO case_person FROM beneficiaries_case WHERE id = NEW.case_id;
    IF NEW.beneficiary_id IS DISTINCT FROM case_person THEN
        RAISE EXCEPTION 'placement person does not match the person of case %', NEW.case_id
            USING ERRCODE = 'integrity_constraint_violation',
                  CONSTRAINT = 'placement_beneficiary_matches_case';
    END IF;
    -- Lock the unit: concurrent placements in one unit are checked one after the other.
    SELECT places INTO unit_places FROM housing_housingunit WHERE id = NEW.unit_id FOR UPDATE;
    -- The peak occupancy inside the new period is reached on its first day or on the
    -- first day of another placement that starts inside it.
    SELECT coalesce(max(occupants), 0) INTO peak FROM (
        SELECT (SELECT count(*) FROM housing_placement q
                 WHERE q.unit_id = NEW.unit_id AND q.id <> NEW.id
                   AND daterange(q.starts_on, q.ends_on, '[)') @> day) AS occupants
          FROM (SELECT NEW.starts_on AS day
                UNION
                SELECT p.starts_on FROM housing_placement p
                 WHERE p.unit_id = NEW.unit_id AND p.id <> NEW.id
                   AND daterange(NEW.starts_on, NEW.ends_on, '[)') @> p.starts_on) AS days
    ) AS counts;
    IF peak + 1 > unit_places THEN
        RAISE EXCEPTION 'housing unit % has % places: this placement would make % at once',
                NEW.unit_id, unit_places, peak + 1
            USING ERRCODE = 'check_violation', CONSTRAINT = 'placement_within_unit_places';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER placement_check
    BEFORE INSERT OR UPDATE OF unit_id, case_id, beneficiary_id, starts_on, ends_on
    ON housing_placement FOR EACH ROW EXECUTE FUNCTION housing_placement_check();

CREATE FUNCTION housing_unit_places_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    peak integer;
    -- The connection runs in UTC; occupancy is counted on the day it is in Italy.
    today date := (now() AT TIME ZONE 'Europe/Rome')::date;
BEGIN
    IF NEW.places >= OLD.places THEN
        RETURN NEW;
    END IF;
    SELECT coalesce(max(occupants), 0) INTO peak FROM (
        SELECT (SELECT count(*) FROM housing_placement q
                 WHERE q.unit_id = NEW.id
                   AND daterange(q.starts_on, q.ends_on, '[)') @> day) AS occupants
          FROM (SELECT today AS day
                UNION
                SELECT p.starts_on FROM housing_placement p
                 WHERE p.unit_id = NEW.id AND p.starts_on > today) AS days
    ) AS counts;
    IF peak > NEW.places THEN
        RAISE EXCEPTION 'housing unit % has % current or planned placements: places cannot be %',
                NEW.id, peak, NEW.places
            USING ERRCODE = 'check_violation', CONSTRAINT = 'unit_places_cover_placements';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER unit_places_check
    BEFORE UPDATE OF places ON housing_housingunit
    FOR EACH ROW EXECUTE FUNCTION housing_unit_places_check();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS unit_places_check ON housing_housingunit;
DROP FUNCTION IF EXISTS housing_unit_places_check();
DROP TRIGGER IF EXISTS placement_check ON housing_placement;
DROP FUNCTION IF EXISTS housing_placement_check();
DROP INDEX IF EXISTS placement_unit_period;
ALTER TABLE housing_placement DROP CONSTRAINT IF EXISTS placement_no_overlap_per_person;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("housing", "0001_initial")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
