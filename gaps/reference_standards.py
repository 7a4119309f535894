"""The coverage standards Atlante starts with (../shared/docs/domain.md), each with its
source; officials change them, or add their own, in the admin."""

from decimal import Decimal

LEPS_PLAN = "Piano nazionale degli interventi e dei servizi sociali 2021-2023 (LEPS)"
LAW_178 = "Law 178/2020, art. 1 c. 797 (LEPS)"
LAW_178_TEXT = "Legge 30 dicembre 2020, n. 178, art. 1, commi 797-798"
COE_2008 = (
    "Council of Europe, Combating violence against women: minimum standards for support "
    "services (2008)"
)

RATIO = [
    # code, Italian, English, category, measure, units, per, group, zone kind, source, law, notes
    (
        "social-workers-1-per-5000",
        "Assistenti sociali: 1 ogni 5.000 abitanti",
        "Social workers: 1 per 5,000 inhabitants",
        "access.social-work",
        "staff_fte",
        Decimal("1"),
        5000,
        "all",
        "ats",
        LAW_178,
        LAW_178_TEXT,
        "State contribution per social worker beyond 1 per 6,500 inhabitants: EUR 40,000 a "
        "year up to 1 per 5,000, EUR 20,000 a year from 1 per 5,000 to 1 per 4,000.",
    ),
    (
        "social-workers-1-per-4000",
        "Assistenti sociali: obiettivo 1 ogni 4.000 abitanti",
        "Social workers: further objective 1 per 4,000 inhabitants",
        "access.social-work",
        "staff_fte",
        Decimal("1"),
        4000,
        "all",
        "ats",
        LAW_178,
        LAW_178_TEXT,
        "",
    ),
    (
        "shelter-family-places",
        "Case rifugio: 1 posto famiglia ogni 10.000 abitanti",
        "Women's shelters: 1 family place per 10,000 inhabitants",
        "gender-violence.shelter",
        "places",
        Decimal("1"),
        10000,
        "all",
        "",
        "Council of Europe, Istanbul Convention explanatory report §135",
        "Convenzione di Istanbul (Legge 77/2013)",
        "",
    ),
    (
        "anti-violence-centres",
        "Centri antiviolenza: 1 ogni 50.000 donne",
        "Women's counselling (anti-violence) centres: 1 per 50,000 women",
        "gender-violence.anti-violence-centre",
        "sites",
        Decimal("1"),
        50000,
        "women",
        "",
        COE_2008,
        "",
        "",
    ),
    (
        "rape-crisis-centres",
        "Centri antistupro: 1 ogni 200.000 donne",
        "Rape crisis centres: 1 per 200,000 women",
        "gender-violence.rape-crisis-centre",
        "sites",
        Decimal("1"),
        200000,
        "women",
        "",
        COE_2008,
        "",
        "",
    ),
]

PRESENCE = [
    (
        "emergency-social-service-in-every-ambito",
        "Pronto intervento sociale in ogni Ambito",
        "Emergency social service in every Ambito",
        "low-threshold.emergency-social-service",
    ),
    (
        "housing-first-in-every-ambito",
        "Housing First in ogni Ambito",
        "Housing First in every Ambito",
        "housing.housing-first",
    ),
    (
        "pippi-in-every-ambito",
        "P.I.P.P.I. in ogni Ambito",
        "P.I.P.P.I. in every Ambito",
        "families.pippi",
    ),
    (
        "supervision-in-every-ambito",
        "Supervisione degli assistenti sociali in ogni Ambito",
        "Supervision of social workers in every Ambito",
        "access.supervision",
    ),
]


def standard_rows() -> list[dict]:
    rows = []
    for (
        code,
        name_it,
        name_en,
        category,
        measure,
        units,
        per,
        group,
        zone,
        source,
        law,
        notes,
    ) in RATIO:
        rows.append(
            {
                "code": code,
                "name_it": name_it,
                "name_en": name_en,
                "kind": "ratio",
                "category": category,
                "supply_measure": measure,
                "units": units,
                "per_inhabitants": per,
                "population_group": group,
                "zone_kind": zone,
                "source": source,
                "legal_reference": law,
                "notes": notes,
            }
        )
    for code, name_it, name_en, category in PRESENCE:
        rows.append(
            {
                "code": code,
                "name_it": name_it,
                "name_en": name_en,
                "kind": "presence",
                "category": category,
                "supply_measure": "sites",
                "units": None,
                "per_inhabitants": None,
                "population_group": "all",
                "zone_kind": "ats",
                "source": LEPS_PLAN,
                "legal_reference": "Decreto 22 ottobre 2021 (Piano sociale nazionale)",
                "notes": "",
            }
        )
    return rows


def sync_standards(standard_model, category_model) -> None:
    """Create or update the reference standards (by code); the migration passes its
    historical models, the tests the current ones."""
    categories = {category.code: category for category in category_model.objects.all()}
    for row in standard_rows():
        row = dict(row)
        code = row.pop("code")
        row["category"] = categories[row["category"]]
        standard_model.objects.update_or_create(code=code, defaults=row)
