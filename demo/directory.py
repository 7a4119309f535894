"""Demo service directory: organisations of every legal form, services in every leaf
category, sites inside their municipality, offerings, capacity and opening hours."""

from __future__ import annotations

import datetime
import random
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from demo.addresses import phone_number, postal_code, street_address
from demo.area import Metro, Place, distance_km
from demo.bulk import TableWriter
from demo.catalogue import (
    FEES,
    FUNDING_DESCRIPTIONS,
    KINDS_BY_CODE,
    PUBLIC_CONTACT_1522,
    SAINTS,
    WOMEN_NAMES,
    WORDS,
    Kind,
    opening_intervals,
)
from demo.geometry import WeightedChoice
from demo.names import ITALIAN_SURNAMES
from demo.scales import Scale, apportion
from services.models import (
    Capacity,
    CapacityUnit,
    FundingProgramme,
    Language,
    LegalForm,
    OpeningHours,
    Organisation,
    Service,
    ServiceAtSite,
    ServiceCategory,
    ServiceStatus,
    Site,
)
from services.tax_code import generate_organisation_tax_code

# ---- Profiles: what kinds of service each sort of organisation runs -------------------

MUNICIPAL_CORE = ("access.social-work", "access.social-secretariat")
MUNICIPAL_OPTIONAL = (
    "access.information-desk",
    "low-threshold.emergency-social-service",
    "families.pippi",
    "elderly-disability.home-care",
    "elderly-disability.barrier-removal",
    "housing.public-housing",
    "housing.social-housing-agency",
    "access.virtual-desk",
    "access.supervision",
    "housing.confiscated-property",
    "housing.temporary",
    "housing.camp-exit",
)
METRO_BODY = (
    "access.supervision",
    "access.virtual-desk",
    "housing.confiscated-property",
    "inclusion.job-placement",
)
PROFILES: dict[str, tuple[str, ...]] = {
    "low_threshold": (
        "low-threshold.night-shelter",
        "low-threshold.day-centre",
        "low-threshold.canteen",
        "low-threshold.showers",
        "low-threshold.street-unit",
        "low-threshold.first-health-care",
        "low-threshold.psychological-support",
        "low-threshold.emergency-social-service",
    ),
    "housing": (
        "housing.housing-first",
        "housing.housing-led",
        "housing.social-housing-agency",
        "housing.temporary",
        "housing.recovered-homes",
        "housing.confiscated-property",
        "housing.camp-exit",
    ),
    "gender_violence": (
        "gender-violence.anti-violence-centre",
        "gender-violence.shelter",
        "gender-violence.semi-autonomy",
        "gender-violence.rape-crisis-centre",
    ),
    "inclusion": (
        "inclusion.job-placement",
        "inclusion.social-farm",
        "inclusion.cultural-mediation",
        "inclusion.italian-courses",
        "inclusion.legal-aid",
    ),
    "families": (
        "families.educational",
        "families.pippi",
        "inclusion.italian-courses",
        "low-threshold.psychological-support",
    ),
    "elderly": (
        "elderly-disability.home-care",
        "elderly-disability.medical-accompaniment",
        "elderly-disability.socialisation",
    ),
    "access": (
        "access.information-desk",
        "access.virtual-desk",
        "access.social-secretariat",
        "inclusion.legal-aid",
        "inclusion.cultural-mediation",
    ),
    "private_care": (
        "elderly-disability.home-care",
        "elderly-disability.medical-accompaniment",
        "elderly-disability.socialisation",
        "families.educational",
    ),
    "private_housing": (
        "housing.social-housing-agency",
        "housing.recovered-homes",
        "housing.temporary",
        "inclusion.job-placement",
    ),
}
ETS_PROFILE_WEIGHTS = (
    ("low_threshold", 25),
    ("housing", 15),
    ("gender_violence", 12),
    ("inclusion", 18),
    ("families", 12),
    ("elderly", 12),
    ("access", 6),
)
FORMS_FOR_PROFILE: dict[str, tuple[str, ...]] = {
    "low_threshold": ("social_cooperative", "odv", "religious_body", "aps", "other_ets"),
    "housing": (
        "social_cooperative",
        "social_enterprise",
        "philanthropic_body",
        "other_ets",
        "religious_body",
    ),
    "gender_violence": ("aps", "odv", "other_ets", "social_cooperative"),
    "inclusion": ("social_cooperative", "social_enterprise", "aps", "associative_network"),
    "families": ("social_cooperative", "aps", "philanthropic_body"),
    "elderly": ("social_cooperative", "odv", "mutual_aid_society", "aps"),
    "access": ("associative_network", "aps", "mutual_aid_society", "odv"),
}
# The first third-sector bodies of each metropolitan city cover every legal form and every
# profile, so that even the small demo shows them all.
FIRST_ETS: tuple[tuple[str, str], ...] = (
    ("odv", "low_threshold"),
    ("aps", "gender_violence"),
    ("social_cooperative", "housing"),
    ("social_enterprise", "inclusion"),
    ("philanthropic_body", "families"),
    ("associative_network", "access"),
    ("mutual_aid_society", "elderly"),
    ("other_ets", "gender_violence"),
    ("religious_body", "low_threshold"),
)
CASEWORK_PROFILES = {"municipal", "gender_violence", "housing"}

NAME_PATTERNS: dict[str, tuple[str, ...]] = {
    "odv": ("Associazione {word} ODV", "Volontari {saint} ODV", "{word} – Volontariato ODV"),
    "aps": ("Associazione {word} APS", "Circolo {word} APS", "{word} APS"),
    "social_cooperative": (
        "{word} Società Cooperativa Sociale",
        "Cooperativa sociale {word}",
        "{word} cooperativa sociale a r.l.",
    ),
    "social_enterprise": ("{word} Impresa Sociale S.r.l.", "Impresa sociale {word}"),
    "philanthropic_body": ("Fondazione {surname}", "Fondazione {word} ETS"),
    "associative_network": (
        "Rete {word} – Rete associativa",
        "Coordinamento {word} ETS",
        "Forum del Terzo settore di {place}",
    ),
    "mutual_aid_society": ("Società di Mutuo Soccorso {place}", "SMS {word}"),
    "other_ets": ("Fondazione {word}", "Associazione {word} ETS", "Comitato {word} ETS"),
    "religious_body": ("Caritas diocesana di {place}", "Opera {saint} – ramo ETS"),
    "private_company": (
        "{word} Servizi S.r.l.",
        "{surname} Assistenza S.r.l.",
        "Gruppo {word} S.p.A.",
    ),
}
WOMEN_ORG_PATTERNS = (
    "Associazione {women} APS",
    "Casa delle donne {women}",
    "Associazione Donne {women} ODV",
    "Centro donna {women}",
)
PROFILE_DESCRIPTIONS = {
    "municipal": "Servizi sociali comunali: accesso, presa in carico, interventi per famiglie, "
    "anziani, persone con disabilità e persone in povertà.",
    "metro_body": "Ente di area vasta: coordinamento delle politiche sociali dei comuni, "
    "programmazione dei fondi europei e nazionali, osservatorio sociale.",
    "low_threshold": "Servizi a bassa soglia per persone senza dimora e in grave marginalità.",
    "housing": "Progetti per l'abitare: Housing First, accoglienza temporanea e "
    "accompagnamento all'autonomia abitativa.",
    "gender_violence": "Contrasto alla violenza maschile contro le donne: centri antiviolenza, "
    "case rifugio e percorsi di autonomia.",
    "inclusion": "Inclusione sociale e lavorativa di persone svantaggiate e di persone migranti.",
    "families": "Servizi educativi e di sostegno alle famiglie con figli minori.",
    "elderly": "Servizi per anziani e persone con disabilità: domiciliarità, socializzazione, "
    "trasporto sociale.",
    "access": "Sportelli di informazione, orientamento e tutela dei diritti.",
    "private_care": "Servizi sociosanitari e assistenziali in accreditamento con i comuni.",
    "private_housing": "Gestione di patrimonio immobiliare per l'abitare sociale.",
}
SERVICE_STATUS_WEIGHTS = WeightedChoice(
    [
        ServiceStatus.ACTIVE,
        ServiceStatus.TEMPORARILY_CLOSED,
        ServiceStatus.INACTIVE,
        ServiceStatus.DEFUNCT,
    ],
    [92, 3, 3, 2],
)
SITE_SERVICE_EXTRA = 0.25


def slug(text: str, limit: int = 40) -> str:
    ascii_text = (
        unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    )
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:limit].strip("-") or "ente"


# ---- Plans --------------------------------------------------------------------------


@dataclass(eq=False)
class OrgPlan:
    metro: Metro
    kind: str  # metro_body | municipal | ets | private
    profile: str
    legal_form: str
    home: Place
    categories: list[str] = field(default_factory=list)
    catchment: list[Place] = field(default_factory=list)
    weight: float = 1.0
    site_count: int = 1
    casework: bool = False
    active: bool = True
    name: str = ""
    domain: str = ""
    phone: str = ""
    id: int = 0

    @property
    def catchment_population(self) -> int:
        return sum(place.population for place in self.catchment)


@dataclass(eq=False)
class ServicePlan:
    org: OrgPlan
    kind: Kind
    categories: list[str]
    id: int = 0
    status: str = ServiceStatus.ACTIVE
    languages: list[str] = field(default_factory=list)
    offerings: list[int] = field(default_factory=list)  # ServiceAtSite ids


@dataclass
class MetroDirectory:
    """What the people and housing steps need to know about one city's directory."""

    metro: Metro
    orgs: list[OrgPlan]
    metro_body: OrgPlan
    municipal_for: dict[int, OrgPlan]  # municipality id -> the social service in charge
    casework_ets: list[OrgPlan]
    services_by_category: dict[str, list[ServicePlan]]

    def orgs_with_profile(self, *profiles: str) -> list[OrgPlan]:
        return [org for org in self.orgs if org.profile in profiles]


@dataclass
class DirectoryCounts:
    organisations: int = 0
    services: int = 0
    sites: int = 0
    offerings: int = 0
    capacities: int = 0
    opening_hours: int = 0


# ---- Organisations -------------------------------------------------------------------


def _fill(pattern: str, rng: random.Random, place: Place) -> str:
    return pattern.format(
        word=rng.choice(WORDS),
        saint=rng.choice(SAINTS),
        surname=rng.choice(ITALIAN_SURNAMES),
        place=place.name,
        women=rng.choice(WOMEN_NAMES),
    )


def plan_organisations(
    rng: random.Random, metro: Metro, count: int, used_names: set[str]
) -> list[OrgPlan]:
    count = max(count, 1 + 2 + len(FIRST_ETS) + 2)
    municipal_count = min(len(metro.places), max(3, round(count * 0.3)))
    private_count = max(2, round(count * 0.08))
    ets_count = count - 1 - municipal_count - private_count

    capital = metro.capital
    orgs: list[OrgPlan] = [
        OrgPlan(metro, "metro_body", "metro_body", LegalForm.PUBLIC_BODY, capital, weight=2.0)
    ]
    municipal = [
        OrgPlan(metro, "municipal", "municipal", LegalForm.PUBLIC_BODY, place, casework=True)
        for place in metro.places[:municipal_count]
    ]
    # Each municipality is served by its own social service, else by the nearest one
    # (in reality by the lead municipality of its ambito).
    for place in metro.places:
        nearest = min(municipal, key=lambda org: (distance_km(org.home, place), org.home.id))
        nearest.catchment.append(place)
    for org in municipal:
        org.weight = 3.0 + 40.0 * org.catchment_population / metro.population
    orgs.extend(municipal)

    profile_choice = WeightedChoice(
        [p for p, _ in ETS_PROFILE_WEIGHTS], [w for _, w in ETS_PROFILE_WEIGHTS]
    )
    for index in range(ets_count):
        if index < len(FIRST_ETS):
            form, profile = FIRST_ETS[index]
        else:
            profile = profile_choice.pick(rng)
            form = rng.choice(FORMS_FOR_PROFILE[profile])
        home = capital if rng.random() < 0.45 else metro.by_presence.pick(rng)
        casework = profile in ("gender_violence", "housing") or (
            profile == "low_threshold" and rng.random() < 0.5
        )
        weight = rng.uniform(1.0, 4.0) * (1.5 if profile == "low_threshold" else 1.0)
        orgs.append(OrgPlan(metro, "ets", profile, form, home, weight=weight, casework=casework))
    for index in range(private_count):
        profile = ("private_care", "private_housing")[index % 2]
        home = capital if rng.random() < 0.6 else metro.by_presence.pick(rng)
        orgs.append(
            OrgPlan(
                metro,
                "private",
                profile,
                LegalForm.PRIVATE_COMPANY,
                home,
                weight=rng.uniform(1.0, 3.0),
            )
        )

    for org in orgs:
        _choose_categories(rng, org)
        _name(rng, org, used_names)
    _cover_every_category(orgs)
    return orgs


def _choose_categories(rng: random.Random, org: OrgPlan) -> None:
    if org.kind == "metro_body":
        org.categories = list(METRO_BODY)
    elif org.kind == "municipal":
        optional = list(MUNICIPAL_OPTIONAL)
        if org.home.population < 100_000:
            optional.remove("housing.camp-exit")
        if org.home.is_capital:
            chosen = optional
        else:
            chosen = rng.sample(optional, rng.randint(2, min(6, len(optional))))
            chosen.sort(key=MUNICIPAL_OPTIONAL.index)
        org.categories = [*MUNICIPAL_CORE, *chosen]
    else:
        pool = PROFILES[org.profile]
        size = rng.choice((2, 2, 3, 3, 3, 4, 5))
        chosen = rng.sample(pool, min(size, len(pool)))
        org.categories = sorted(chosen, key=pool.index)
        if org.profile == "gender_violence" and "gender-violence.anti-violence-centre" not in (
            org.categories
        ):
            # Shelters are reached through an anti-violence centre of the same body.
            org.categories.insert(0, "gender-violence.anti-violence-centre")


def _cover_every_category(orgs: list[OrgPlan]) -> None:
    """Give each leaf category with no service to the best-fitting organisation."""
    covered = {code for org in orgs for code in org.categories}
    for code in KINDS_BY_CODE:
        if code in covered:
            continue
        fitting = [
            org
            for org in orgs
            if code in PROFILES.get(org.profile, ())
            or (org.kind == "municipal" and code in MUNICIPAL_OPTIONAL)
        ] or [org for org in orgs if org.kind == "ets"]
        best = min(fitting, key=lambda org: (len(org.categories), orgs.index(org)))
        best.categories.append(code)
        covered.add(code)


def _name(rng: random.Random, org: OrgPlan, used: set[str]) -> None:
    metro = org.metro
    if org.kind == "metro_body":
        name = f"Città metropolitana di {metro.display_name}"
    elif org.kind == "municipal":
        if metro.slug == "roma" and org.home.is_capital:
            name = "Roma Capitale – Dipartimento Politiche Sociali e Salute"
        elif org.home.is_capital:
            name = f"Comune di {org.home.name} – Area Politiche sociali"
        else:
            name = f"Comune di {org.home.name} – Servizi sociali"
    else:
        patterns = (
            WOMEN_ORG_PATTERNS
            if org.profile == "gender_violence"
            else NAME_PATTERNS[org.legal_form]
        )
        name = _fill(rng.choice(patterns), rng, org.home)
        attempt = 0
        while name in used:
            attempt += 1
            name = (
                _fill(rng.choice(patterns), rng, org.home)
                if attempt < 5
                else f"{name} – {org.home.name}"
                if attempt == 5
                else f"{name} {attempt}"
            )
    used.add(name)
    org.name = name
    if org.kind in ("metro_body", "municipal"):
        org.domain = f"{'cittametropolitana' if org.kind == 'metro_body' else 'comune'}." + slug(
            metro.name if org.kind == "metro_body" else org.home.name
        )
        org.domain += ".example"
    else:
        org.domain = f"{slug(name, 30)}.example"
    org.phone = phone_number(rng, metro.slug)


def write_organisations(
    rng: random.Random, orgs: list[OrgPlan], used_tax_codes: set[str], used_runts: set[str]
) -> None:
    objects = []
    for org in orgs:
        tax_code = generate_organisation_tax_code(rng)
        while tax_code in used_tax_codes:
            tax_code = generate_organisation_tax_code(rng)
        used_tax_codes.add(tax_code)
        runts = None
        org.active = rng.random() < 0.98 or org.kind != "ets"
        if org.kind == "ets":
            runts = str(rng.randint(10_000, 999_999))
            while runts in used_runts:
                runts = str(rng.randint(10_000, 999_999))
            used_runts.add(runts)
        objects.append(
            Organisation(
                name=org.name,
                legal_form=org.legal_form,
                tax_code=tax_code,
                runts_number=runts,
                description=PROFILE_DESCRIPTIONS[org.profile],
                email=f"{'servizisociali' if org.kind == 'municipal' else 'info'}@{org.domain}",
                website=f"https://www.{org.domain}",
                phone=org.phone,
                municipality_id=org.home.id,
                active=org.active,
            )
        )
    Organisation.objects.bulk_create(objects, batch_size=2000)
    for org, obj in zip(orgs, objects, strict=True):
        org.id = obj.pk


# ---- Services, sites, offerings ------------------------------------------------------


def _services_for(rng: random.Random, org: OrgPlan) -> list[ServicePlan]:
    plans = []
    codes = list(org.categories)
    for code in codes:
        kind = KINDS_BY_CODE[code]
        categories = [code]
        for extra in kind.extra_categories:
            if extra not in codes and rng.random() < 0.5:
                categories.append(extra)
        plans.append(ServicePlan(org, kind, categories))
    return plans


def _service_object(rng: random.Random, plan: ServicePlan, category_names: dict[str, str]):
    org, kind = plan.org, plan.kind
    name = _fill(rng.choice(kind.names), rng, org.home)
    languages = ["it"]
    for code in kind.languages:
        if rng.random() < 0.4:
            languages.append(code)
    if "en" not in languages and rng.random() < 0.3:
        languages.append("en")
    if rng.random() < 0.03 and "sgn" not in languages:
        languages.append("sgn")
    plan.languages = languages
    plan.status = SERVICE_STATUS_WEIGHTS.pick(rng)
    free = True
    fees = ""
    if (org.kind == "private" and kind.code.startswith(("elderly", "families"))) or (
        kind.code == "elderly-disability.home-care" and rng.random() < 0.5
    ):
        free = False
        fees = rng.choice(FEES)
    if org.kind == "private":
        programme = rng.choice((FundingProgramme.PRIVATE, FundingProgramme.MUNICIPAL))
    else:
        programme = WeightedChoice([p for p, _ in kind.funding], [w for _, w in kind.funding]).pick(
            rng
        )
    if programme == FundingProgramme.PNRR and kind.pnrr_measure:
        funding_description = kind.pnrr_measure
    else:
        funding_description = rng.choice(FUNDING_DESCRIPTIONS[programme])
    path = slug(kind.code.split(".")[1])
    return Service(
        organisation_id=org.id,
        name=name[:200],
        alternate_name=category_names[kind.code] if rng.random() < 0.3 else "",
        description=kind.description,
        status=plan.status,
        eligibility_description=kind.eligibility,
        minimum_age=kind.min_age,
        maximum_age=kind.max_age,
        free_of_charge=free,
        fees_description=fees,
        funding_programme=programme,
        funding_description=funding_description,
        application_process=kind.application,
        email=f"{path}@{org.domain}",
        url=f"https://www.{org.domain}/servizi/{path}",
        confidential=kind.confidential,
        public_contact=PUBLIC_CONTACT_1522 if kind.confidential else "",
    )


def _site_places(rng: random.Random, org: OrgPlan, count: int) -> list[Place]:
    metro = org.metro
    places = [org.home]
    for _ in range(count - 1):
        if org.kind == "municipal":
            others = [p for p in org.catchment if p is not org.home]
            place = rng.choice(others) if others and rng.random() < 0.15 else org.home
        elif org.kind == "metro_body":
            place = metro.capital if rng.random() < 0.6 else metro.by_presence.pick(rng)
        else:
            place = org.home if rng.random() < 0.3 else metro.by_presence.pick(rng)
        places.append(place)
    return places


def _plan_services(
    rng: random.Random, orgs: list[OrgPlan]
) -> tuple[list[ServicePlan], dict[int, list[ServicePlan]]]:
    """Every organisation's service plans, in order and grouped by organisation."""
    service_plans: list[ServicePlan] = []
    for org in orgs:
        service_plans.extend(_services_for(rng, org))
    by_org: dict[int, list[ServicePlan]] = {}
    for plan in service_plans:
        by_org.setdefault(id(plan.org), []).append(plan)
    return service_plans, by_org


def _share_sites(
    orgs: list[OrgPlan], by_org: dict[int, list[ServicePlan]], site_count: int
) -> None:
    """Sites shared out by weight, at least one per confidential service plus one."""
    minimums = [
        sum(1 for p in by_org[id(org)] if p.kind.confidential)
        + (1 if any(not p.kind.confidential for p in by_org[id(org)]) else 0)
        for org in orgs
    ]
    shares = apportion(site_count, [org.weight for org in orgs], minimum=1)
    for org, share, minimum in zip(orgs, shares, minimums, strict=True):
        org.site_count = max(share, minimum)


def _write_services(
    rng: random.Random,
    service_plans: list[ServicePlan],
    category_ids: dict[str, int],
    category_names: dict[str, str],
    language_ids: dict[str, int],
) -> None:
    """Write the services with their category and language links; plans get their ids."""
    services = [_service_object(rng, plan, category_names) for plan in service_plans]
    Service.objects.bulk_create(services, batch_size=2000)
    for plan, obj in zip(service_plans, services, strict=True):
        plan.id = obj.pk
    category_links = TableWriter(Service.categories.through, ["service", "servicecategory"])
    category_links.write(
        (plan.id, category_ids[code]) for plan in service_plans for code in plan.categories
    )
    language_links = TableWriter(Service.languages.through, ["service", "language"])
    language_links.write(
        (plan.id, language_ids[code])
        for plan in service_plans
        for code in plan.languages
        if code in language_ids
    )


def _org_sites(
    rng: random.Random, org: OrgPlan, plans: list[ServicePlan]
) -> list[tuple[Site, list[ServicePlan]]]:
    """The organisation's sites (not yet saved), each with the services it offers: a
    confidential service alone in its protected houses, public services spread over
    the other sites."""
    confidential = [p for p in plans if p.kind.confidential]
    public = [p for p in plans if not p.kind.confidential]
    places = _site_places(rng, org, org.site_count)
    if not public:
        conf_count = org.site_count
    elif org.site_count - len(confidential) > 5:
        # A body with many sites may run a second protected house of each kind.
        conf_count = min(2 * len(confidential), org.site_count - 1)
    else:
        conf_count = len(confidential)
    public_count = org.site_count - conf_count
    sites = []
    for index in range(conf_count):
        plan = confidential[index % len(confidential)]
        site = _site(rng, org, places[index], plan.kind, confidential=True, number=index + 1)
        sites.append((site, [plan]))
    for index in range(public_count):
        place = places[conf_count + index]
        hosted = [p for i, p in enumerate(public) if i % public_count == index]
        if not hosted:
            hosted = [public[index % len(public)]]
        if len(public) > 1 and rng.random() < SITE_SERVICE_EXTRA:
            extra = rng.choice(public)
            if extra not in hosted:
                hosted.append(extra)
        sites.append((_site(rng, org, place, hosted[0].kind), hosted))
    return sites


def _write_offerings(
    site_objects: list[Site], site_services: list[list[ServicePlan]]
) -> tuple[list[ServiceAtSite], list[tuple[ServicePlan, Site]]]:
    """Write which services each site offers; each plan gets its offering ids."""
    offerings: list[ServiceAtSite] = []
    offering_plans: list[tuple[ServicePlan, Site]] = []
    for site, hosted in zip(site_objects, site_services, strict=True):
        for plan in hosted:
            offerings.append(ServiceAtSite(service_id=plan.id, site_id=site.pk))
            offering_plans.append((plan, site))
    ServiceAtSite.objects.bulk_create(offerings, batch_size=2000)
    for offering, (plan, _) in zip(offerings, offering_plans, strict=True):
        plan.offerings.append(offering.pk)
    return offerings, offering_plans


def _metro_directory(
    metro: Metro, orgs: list[OrgPlan], service_plans: list[ServicePlan]
) -> MetroDirectory:
    services_by_category: dict[str, list[ServicePlan]] = {}
    for plan in service_plans:
        for code in plan.categories:
            services_by_category.setdefault(code, []).append(plan)
    municipal_for = {
        place.id: org for org in orgs if org.kind == "municipal" for place in org.catchment
    }
    return MetroDirectory(
        metro=metro,
        orgs=orgs,
        metro_body=orgs[0],
        municipal_for=municipal_for,
        casework_ets=[org for org in orgs if org.casework and org.kind != "municipal"],
        services_by_category=services_by_category,
    )


def build_directory(
    rng: random.Random,
    metro: Metro,
    scale: Scale,
    org_count: int,
    site_count: int,
    as_of: datetime.date,
    now: datetime.datetime,
    used: dict[str, set[str]],
    counts: DirectoryCounts,
) -> MetroDirectory:
    """Plan and write one metropolitan city's organisations, services and sites."""
    orgs = plan_organisations(rng, metro, org_count, used["names"])
    write_organisations(rng, orgs, used["tax_codes"], used["runts"])
    counts.organisations += len(orgs)

    category_ids = dict(ServiceCategory.objects.values_list("code", "id"))
    category_names = dict(ServiceCategory.objects.values_list("code", "name_en"))
    language_ids = dict(Language.objects.values_list("code", "id"))

    service_plans, by_org = _plan_services(rng, orgs)
    _share_sites(orgs, by_org, site_count)
    _write_services(rng, service_plans, category_ids, category_names, language_ids)
    counts.services += len(service_plans)

    site_objects: list[Site] = []
    site_services: list[list[ServicePlan]] = []
    for org in orgs:
        for site, hosted in _org_sites(rng, org, by_org[id(org)]):
            site_objects.append(site)
            site_services.append(hosted)
    Site.objects.bulk_create(site_objects, batch_size=2000)
    counts.sites += len(site_objects)

    offerings, offering_plans = _write_offerings(site_objects, site_services)
    counts.offerings += len(offerings)
    _write_capacities_and_hours(rng, offerings, offering_plans, as_of, now, counts)
    return _metro_directory(metro, orgs, service_plans)


def _site(
    rng: random.Random,
    org: OrgPlan,
    place: Place,
    kind: Kind,
    *,
    confidential: bool = False,
    number: int = 1,
) -> Site:
    lat, lon = place.area.sample(rng)
    address = street_address(rng)
    if confidential:
        name = f"Struttura protetta {number}"
        contact = f"Numero antiviolenza 1522 oppure {org.phone}"
    else:
        street = address.split(",")[0]
        name = f"{kind.site_label} – {street}"
        if place is not org.home or org.kind != "municipal":
            name = f"{kind.site_label} {place.name} – {street}"
        contact = ""
    return Site(
        organisation_id=org.id,
        name=name[:200],
        address=address,
        postal_code=postal_code(rng, place.metro_slug, place.istat_code, place.is_capital),
        municipality_id=place.id,
        latitude=lat,
        longitude=lon,
        barrier_free=rng.random() < 0.55,
        confidential=confidential,
        public_contact=contact,
        active=rng.random() < 0.97,
    )


def _write_capacities_and_hours(
    rng: random.Random,
    offerings: list[ServiceAtSite],
    offering_plans: list[tuple[ServicePlan, Site]],
    as_of: datetime.date,
    now: datetime.datetime,
    counts: DirectoryCounts,
) -> None:
    # Professional social work: staff in proportion to the population served, between
    # about half and 1.3 times the LEPS of 1 social worker per 5,000 inhabitants
    # (Law 178/2020, art. 1 c. 797), so that coverage gaps show.
    social_work_sites: dict[int, int] = {}
    for plan, _ in offering_plans:
        if plan.kind.code == "access.social-work":
            social_work_sites[id(plan.org)] = social_work_sites.get(id(plan.org), 0) + 1
    staffing: dict[int, float] = {}

    capacities = TableWriter(
        Capacity,
        [
            "offering",
            "unit",
            "total",
            "available",
            "description",
            "created_at",
            "updated_at",
            "version",
        ],
    )
    hours = TableWriter(
        OpeningHours, ["offering", "weekday", "opens_at", "closes_at", "valid_from", "valid_to"]
    )
    capacity_rows = []
    hour_rows = []
    for offering, (plan, _) in zip(offerings, offering_plans, strict=True):
        kind = plan.kind
        if kind.code == "access.social-work" and plan.org.kind == "municipal":
            key = id(plan.org)
            if key not in staffing:
                staffing[key] = plan.org.catchment_population / 5000 * rng.uniform(0.5, 1.3)
            per_site = staffing[key] / social_work_sites[key]
            capacity = (max(0.5, round(per_site * 2) / 2), None)
        else:
            capacity = kind.capacity(rng)
        if capacity is not None:
            total, available = capacity
            description = ""
            if kind.unit == CapacityUnit.BEDS:
                description = "Posti letto in camere da 2-4 persone"
            elif kind.unit == CapacityUnit.STAFF_FTE:
                description = "Operatori equivalenti a tempo pieno"
            capacity_rows.append(
                (
                    offering.pk,
                    kind.unit,
                    Decimal(f"{total:.2f}"),
                    None if available is None else Decimal(f"{available:.2f}"),
                    description,
                    now,
                    now,
                    1,
                )
            )
        for weekday, opens_at, closes_at, valid_from, valid_to in opening_intervals(
            kind, rng, as_of
        ):
            hour_rows.append((offering.pk, weekday, opens_at, closes_at, valid_from, valid_to))
    capacities.write(capacity_rows)
    hours.write(hour_rows)
    counts.capacities += capacities.count
    counts.opening_hours += hours.count
