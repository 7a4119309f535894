"""Demo people and their casework: beneficiaries, cases, needs, referrals, consents, notes.

People are generated and written in chunks, so memory stays bounded at any scale. Names,
codici fiscali, birth dates, special-category flags, need descriptions, referral reasons and
note bodies are encrypted here by the model field's own encryption; the keyed hashes of the
codice fiscale, the family name's sound key and the birth date, and the birth year, are
stored beside them.
Dates are day ordinals until a row is emitted.

The data obeys the consent rules the actions enforce: each organisation a person has a case
with holds the consents its cases needed (case management by the opening, sharing with
providers by the first referral, housing by the placement), and a consent is withdrawn only
after the last day it was needed. A few referrals of the demo social worker's service to the
demo provider show the provider's sealed view of a protected case and the anonymous stub
left by a withdrawn consent to sharing.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

from beneficiaries.codice_fiscale import MAX_OMOCODIA_LEVEL, generate
from beneficiaries.encryption import encrypt
from beneficiaries.models import (
    Beneficiary,
    Case,
    CaseOutcome,
    CaseStatus,
    Consent,
    ConsentPurpose,
    Need,
    NeedDomain,
    Note,
    Referral,
    ReferralStatus,
    birth_date_lookup_hash,
    codice_fiscale_lookup_hash,
    family_name_lookup_hash,
)
from demo.area import Birthplaces, Metro, Place
from demo.bulk import BackgroundWriter, TableWriter, rng_uuid
from demo.directory import MetroDirectory, OrgPlan, ServicePlan
from demo.geometry import WeightedChoice
from demo.housing import UNIT_CATEGORY, PlacementPlan
from demo.names import (
    ITALIAN_DOUBLE_FEMALE,
    ITALIAN_DOUBLE_MALE,
    ITALIAN_FEMALE,
    ITALIAN_MALE,
    ITALIAN_SURNAMES,
    ITALIANS_BORN_ABROAD,
    NATIONALITIES,
    Nationality,
)
from demo.texts import NEED_DESCRIPTIONS, NOTE_TEMPLATES, REFERRAL_REASONS
from demo.users import Staff

CHUNK = 5000
CASE_YEARS = 6
UTC = datetime.UTC

NATIONALITY_CHOICE = WeightedChoice(list(NATIONALITIES), [n.weight for n in NATIONALITIES])
# Ages of the people the services meet: (low, high, weight).
AGE_BANDS = WeightedChoice([(0, 17), (18, 29), (30, 49), (50, 64), (65, 95)], [12, 18, 32, 20, 18])
CASES_PER_PERSON = WeightedChoice([0, 1, 2, 3], [50, 42, 7, 1])
NEEDS_PER_CASE = WeightedChoice([1, 2, 3], [45, 35, 20])
REFERRALS_PER_CASE = WeightedChoice([0, 1, 2, 3], [25, 45, 22, 8])
NOTES_PER_CASE = WeightedChoice([0, 1, 2, 3], [30, 40, 20, 10])
DOMAINS = WeightedChoice(
    list(NeedDomain.values), [20, 17, 15, 20, 8, 8, 12]
)  # housing work health income education legal family
SEVERITY = WeightedChoice([1, 2, 3, 4], [20, 35, 30, 15])
SURVIVOR_SEVERITY = WeightedChoice([2, 3, 4], [20, 45, 35])
LAST_CASE_STATUS = WeightedChoice(
    [CaseStatus.OPEN, CaseStatus.SUSPENDED, CaseStatus.CLOSED], [55, 8, 37]
)
OUTCOMES = WeightedChoice(
    list(CaseOutcome.values), [30, 25, 15, 10, 15, 2, 3]
)  # goals_met partly_met transferred moved_away dropped_out deceased other
HOUSED_OUTCOMES = (CaseOutcome.GOALS_MET, CaseOutcome.PARTLY_MET, CaseOutcome.TRANSFERRED)
OPEN_CASE_REFERRAL = WeightedChoice(
    [
        ReferralStatus.REFERRED,
        ReferralStatus.WAITING,
        ReferralStatus.ACCEPTED,
        ReferralStatus.ACTIVE,
        ReferralStatus.DECLINED,
        ReferralStatus.CLOSED,
    ],
    [12, 12, 8, 30, 10, 28],
)
CLOSED_CASE_REFERRAL = WeightedChoice([ReferralStatus.CLOSED, ReferralStatus.DECLINED], [75, 25])
# Where a need of each domain is referred.
DOMAIN_CATEGORIES: dict[str, tuple[str, ...]] = {
    "housing": (
        "low-threshold.night-shelter",
        "housing.housing-first",
        "housing.housing-led",
        "housing.social-housing-agency",
        "housing.public-housing",
        "housing.temporary",
        "low-threshold.day-centre",
    ),
    "work": ("inclusion.job-placement", "inclusion.social-farm"),
    "health": (
        "low-threshold.first-health-care",
        "low-threshold.psychological-support",
        "elderly-disability.home-care",
        "elderly-disability.medical-accompaniment",
    ),
    "income": (
        "low-threshold.canteen",
        "access.social-secretariat",
        "low-threshold.showers",
        "access.information-desk",
    ),
    "education": (
        "inclusion.italian-courses",
        "families.educational",
        "elderly-disability.socialisation",
    ),
    "legal": ("inclusion.legal-aid", "inclusion.cultural-mediation"),
    "family": ("families.pippi", "families.educational", "gender-violence.anti-violence-centre"),
}
SURVIVOR_CATEGORIES = (
    "gender-violence.anti-violence-centre",
    "gender-violence.shelter",
    "gender-violence.semi-autonomy",
    "gender-violence.rape-crisis-centre",
    "inclusion.legal-aid",
)
# The demo provider's services a protected case is referred to, best fit first: a women's
# service if it runs one, else what a low-threshold provider offers a survivor.
SEALED_SHOWCASE_CATEGORIES = (
    "gender-violence.anti-violence-centre",
    "gender-violence.shelter",
    "gender-violence.rape-crisis-centre",
    "low-threshold.psychological-support",
    "low-threshold.emergency-social-service",
    "low-threshold.first-health-care",
    "low-threshold.night-shelter",
)
# Referrals of the demo social worker's organisation to the demo provider, still waiting
# for an answer, that show the provider's sealed view of a protected case (two) and the
# anonymous stub left by a withdrawn consent to sharing (one). Referred longer ago than any
# other referral still waiting, so that they head the provider's incoming list at any scale.
SEALED, STUB = "sealed", "stub"
SEALED_SHOWCASES = 2
STUB_SHOWCASES = 1
SHOWCASE_AGE = (121, 150)  # days; other referrals waiting for an answer are 0 to 120 days old
# Share of consents withdrawn, always after the last event that needed them: the cases
# opened, the referrals made and the placements ended while they were in force.
WITHDRAWN = 0.03
# Share of consents to sharing withdrawn: the provider then sees an anonymous referral stub.
SHARING_WITHDRAWN = 0.03

BENEFICIARY_FIELDS = [
    "id",
    "given_name",
    "family_name",
    "codice_fiscale",
    "codice_fiscale_hash",
    "family_name_key_hash",
    "birth_date",
    "birth_year",
    "birth_date_hash",
    "gender",
    "citizenship",
    "residence_municipality",
    "homeless",
    "health_condition",
    "ethnic_minority",
    "violence_survivor",
    "criminal_record",
    "registered_by",
    "created_at",
    "updated_at",
    "version",
]
CASE_FIELDS = [
    "id",
    "beneficiary",
    "organisation",
    "lead_worker",
    "opened_on",
    "closed_on",
    "status",
    "outcome",
    "protected",
    "plan_summary",
    "follow_up_on",
    "last_activity_at",
    "created_at",
    "updated_at",
    "version",
]
NEED_FIELDS = [
    "id",
    "case",
    "domain",
    "severity",
    "description",
    "identified_on",
    "resolved_on",
    "created_at",
    "updated_at",
    "version",
]
REFERRAL_FIELDS = [
    "id",
    "case",
    "service",
    "offering",
    "status",
    "referred_by",
    "referred_on",
    "responded_on",
    "started_on",
    "ended_on",
    "reason",
    "created_at",
    "updated_at",
    "version",
]
CONSENT_FIELDS = [
    "id",
    "beneficiary",
    "purpose",
    "given_on",
    "withdrawn_on",
    "recorded_by",
    "organisation",
    "created_at",
    "updated_at",
    "version",
]
NOTE_FIELDS = ["id", "case", "author", "body", "created_at", "updated_at", "version"]


def encrypted(name: str, value) -> str:
    """A person's value in its stored form, encrypted by the model field itself (the
    text form of a date or a flag is the field's business)."""
    return Beneficiary._meta.get_field(name).get_prep_value(value)


# A case to write: (opened, closed or None, status, outcome, organisation); dates as ordinals.
_CaseSpec = tuple[int, int | None, str, str, OrgPlan]


@dataclass(frozen=True)
class CaseSummary:
    org: OrgPlan
    opened: int
    lead: int
    forced: bool  # the demo's guaranteed protected case
    referral_dates: list[int]
    housing: bool = False  # the case of the person's placement
    showcase: str = ""  # SEALED or STUB: referred to the demo provider to show that view


@dataclass
class Writers:
    beneficiaries: TableWriter = field(
        default_factory=lambda: TableWriter(Beneficiary, BENEFICIARY_FIELDS)
    )
    cases: TableWriter = field(default_factory=lambda: TableWriter(Case, CASE_FIELDS))
    team: TableWriter = field(
        default_factory=lambda: TableWriter(Case.team.through, ["case", "user"])
    )
    needs: TableWriter = field(default_factory=lambda: TableWriter(Need, NEED_FIELDS))
    referrals: TableWriter = field(default_factory=lambda: TableWriter(Referral, REFERRAL_FIELDS))
    consents: TableWriter = field(default_factory=lambda: TableWriter(Consent, CONSENT_FIELDS))
    notes: TableWriter = field(default_factory=lambda: TableWriter(Note, NOTE_FIELDS))


@dataclass
class Chunk:
    beneficiaries: list = field(default_factory=list)
    cases: list = field(default_factory=list)
    team: list = field(default_factory=list)
    needs: list = field(default_factory=list)
    referrals: list = field(default_factory=list)
    consents: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    def jobs(self, writers: Writers) -> list[tuple[TableWriter, list]]:
        # Parents before children: foreign keys are checked row by row.
        return [
            (writers.beneficiaries, self.beneficiaries),
            (writers.cases, self.cases),
            (writers.team, self.team),
            (writers.needs, self.needs),
            (writers.referrals, self.referrals),
            (writers.consents, self.consents),
            (writers.notes, self.notes),
        ]

    def write(self, writers: Writers, sink: BackgroundWriter | None) -> None:
        if sink is not None:
            sink.submit(self.jobs(writers))
        else:
            for writer, rows in self.jobs(writers):
                writer.write(rows)


class PeopleGenerator:
    """Generates and writes the people of each metropolitan city, chunk by chunk."""

    def __init__(
        self,
        rng: random.Random,
        *,
        as_of: datetime.date,
        birthplaces: Birthplaces,
        staff: Staff,
        used_codes: set[str],
        existing_hashes: set[str] | None = None,
    ) -> None:
        self.rng = rng
        self.as_of = as_of
        self.today = as_of.toordinal()
        self.birthplaces = birthplaces
        self.staff = staff
        self.used_codes = used_codes
        # Look-up hashes of people already in the database (normally none).
        self.existing_hashes = existing_hashes or set()
        self.writers = Writers()
        self.demo_protected_done = False
        self.sealed_made = 0
        self.stubs_made = 0
        self.people_count = 0
        self.case_count = 0
        self._fromordinal = datetime.date.fromordinal
        # Cheaper draws than Random.randint/choice (still only from the seeded generator).
        random_ = rng.random
        self._random = random_
        self._ri = lambda low, high: low + int(random_() * (high - low + 1))
        self._pick = lambda seq: seq[int(random_() * len(seq))]
        self._below = lambda n: int(random_() * n)
        self._midnights: dict[int, datetime.datetime] = {}
        self._office_minutes = [datetime.timedelta(minutes=m) for m in range(8 * 60, 17 * 60)]

    # ---- helpers -----------------------------------------------------------------------

    def _date(self, ordinal: int) -> datetime.date:
        return self._fromordinal(ordinal)

    def _case_rhythm(
        self, case_id, opened: int, closed: int | None
    ) -> tuple[datetime.date | None, datetime.datetime]:
        """An open case's next follow-up (most have one, some overdue) and the time it was
        last worked on. Drawn from the case id, so that the rest of the seed is unchanged."""
        rng = random.Random(case_id.int)
        last = closed if closed is not None else max(opened, self.today - rng.randint(0, 120))
        day = self._date(last)
        activity = datetime.datetime(day.year, day.month, day.day, tzinfo=UTC)
        activity += datetime.timedelta(minutes=rng.randint(8 * 60, 18 * 60))
        follow_up = None
        if closed is None and rng.random() < 0.7:
            follow_up = self._date(self.today + rng.randint(-14, 45))
        return follow_up, activity

    def _stamp(self, ordinal: int) -> datetime.datetime:
        """A creation time on that day, during office hours (UTC)."""
        midnight = self._midnights.get(ordinal)
        if midnight is None:
            day = self._fromordinal(min(ordinal, self.today))
            midnight = datetime.datetime(day.year, day.month, day.day, tzinfo=UTC)
            self._midnights[ordinal] = midnight
        minutes = self._office_minutes
        return midnight + minutes[int(self._random() * len(minutes))]

    # ---- per city ----------------------------------------------------------------------

    def run(
        self,
        directory: MetroDirectory,
        count: int,
        plans: list[PlacementPlan],
        sink: BackgroundWriter | None = None,
    ) -> None:
        """Generate and write `count` people of one city (through `sink` if given)."""
        rng = self.rng
        if len(plans) > count:
            # Never more housed people than people: keep current placements first.
            plans = sorted(plans, key=lambda p: p.ends_on is not None)[:count]
        plan_for = dict(zip(rng.sample(range(count), len(plans)), plans, strict=True))
        self.directory = directory
        self.ets = [org for org in directory.casework_ets if org.active]
        self.survivor_orgs = [org for org in self.ets if org.profile == "gender_violence"]
        self.low_threshold = [
            org for org in directory.orgs if org.profile == "low_threshold" and org.active
        ]
        self.active_services = {
            code: [s for s in services if s.status == "active"] or services
            for code, services in directory.services_by_category.items()
        }
        self._demo_provider_services(directory)
        chunk = Chunk()
        for index in range(count):
            self._person(chunk, directory, plan_for.get(index))
            if len(chunk.beneficiaries) >= CHUNK:
                chunk.write(self.writers, sink)
                chunk = Chunk()
        chunk.write(self.writers, sink)

    def _demo_provider_services(self, directory: MetroDirectory) -> None:
        """The demo provider's active services in this city (none elsewhere), and those a
        protected case of the demo is referred to."""
        provider = self.staff.demo_provider_org
        services: dict[int, ServicePlan] = {}
        if provider is not None and provider.metro is directory.metro:
            for plans_ in directory.services_by_category.values():
                for service in plans_:
                    if service.org is provider and service.status == "active":
                        services.setdefault(service.id, service)
        self.demo_provider_services = list(services.values())
        self.sealed_services = self.demo_provider_services
        for code in SEALED_SHOWCASE_CATEGORIES:
            fitting = [s for s in self.demo_provider_services if code in s.categories]
            if fitting:
                self.sealed_services = fitting
                break

    # ---- one person --------------------------------------------------------------------

    def _person(self, chunk: Chunk, directory: MetroDirectory, plan: PlacementPlan | None):
        rng = self.rng
        metro = directory.metro
        gender, sex = self._gender(plan)
        nationality, citizenship, given, family = self._names(sex)
        birth = self._birth(plan)
        birthplace, has_code = self._birthplace(metro, nationality, citizenship, birth)
        birth_date = self._date(birth)
        code = ""
        if has_code:
            code = self._codice_fiscale(family, given, birth_date, sex, birthplace)
        homeless, residence, contact = self._residence(metro, plan)
        survivor, health, ethnic, criminal = self._special_categories(plan, gender, sex, homeless)

        person_id = rng_uuid(rng)
        self.people_count += 1
        cases = self._cases(
            chunk, directory, person_id, birth, contact, survivor, plan, female=gender == "F"
        )
        if any(case.forced for case in cases):
            survivor = True  # the demo's guaranteed protected case is a survivor's
        registered_by, created = self._registration(directory, contact, cases)
        stamp = self._stamp(created)
        chunk.beneficiaries.append(
            (
                person_id,
                encrypt(given),
                encrypt(family),
                encrypt(code) if code else "",
                codice_fiscale_lookup_hash(code),
                family_name_lookup_hash(family),
                encrypted("birth_date", birth_date),
                birth_date.year,
                birth_date_lookup_hash(birth_date),
                gender,
                citizenship,
                residence.id if residence is not None else None,
                homeless,
                encrypted("health_condition", health),
                encrypted("ethnic_minority", ethnic),
                encrypted("violence_survivor", survivor),
                encrypted("criminal_record", criminal),
                registered_by,
                stamp,
                stamp,
                1,
            )
        )

    def _gender(self, plan: PlacementPlan | None) -> tuple[str, str]:
        """Gender and registered sex (the codice fiscale encodes the registered sex)."""
        if plan is not None and plan.for_survivor:
            gender = "F"
        else:
            draw = self.rng.random()
            gender = "F" if draw < 0.49 else "M" if draw < 0.98 else "X"
        sex = gender if gender != "X" else self._pick("FM")
        return gender, sex

    def _names(self, sex: str) -> tuple[Nationality | None, str, str, str]:
        """Nationality (None: Italian), citizenship ("" stateless), given and family name."""
        rng = self.rng
        draw = rng.random()
        nationality = None
        if draw < 0.655:
            citizenship = "IT"
        else:
            nationality = NATIONALITY_CHOICE.pick(rng)
            citizenship = nationality.iso if draw < 0.985 else ""
        if nationality is None:
            if rng.random() < 0.04:
                given = self._pick(ITALIAN_DOUBLE_FEMALE if sex == "F" else ITALIAN_DOUBLE_MALE)
            else:
                given = self._pick(ITALIAN_FEMALE if sex == "F" else ITALIAN_MALE)
            family = self._pick(ITALIAN_SURNAMES)
        else:
            given = self._pick(nationality.female if sex == "F" else nationality.male)
            family = self._pick(nationality.surnames)
        return nationality, citizenship, given, family

    def _birth(self, plan: PlacementPlan | None) -> int:
        """Birth date (ordinal) by age band; someone placed is an adult by the placement."""
        low, high = AGE_BANDS.pick(self.rng)
        birth = self.today - int(self._ri(low, high) * 365.2425) - self._below(365)
        if plan is not None:
            latest = plan.starts_on - 19 * 366
            if birth > latest:
                birth = latest - self._below(40 * 365)
        return birth

    def _birthplace(
        self, metro: Metro, nationality: Nationality | None, citizenship: str, birth: int
    ) -> tuple[str, bool]:
        """Cadastral code of the place of birth, and whether the person has a codice
        fiscale."""
        rng = self.rng
        if nationality is None:
            draw = rng.random()
            if draw < 0.82:
                birthplace = metro.by_population.pick(rng).cadastral_code
            elif draw < 0.97:
                birthplace = self.birthplaces.codes.pick(rng)
            else:
                birthplace = self._pick(ITALIANS_BORN_ABROAD)
            has_code = rng.random() < 0.985
        else:
            young = self.today - birth < 18 * 365
            if citizenship and rng.random() < (0.5 if young else 0.12):
                birthplace = metro.by_population.pick(rng).cadastral_code
                has_code = rng.random() < 0.97
            else:
                birthplace = nationality.cadastral_code
                has_code = rng.random() < (0.8 if citizenship else 0.4)
        return birthplace, has_code

    def _codice_fiscale(
        self, family: str, given: str, birth_date: datetime.date, sex: str, birthplace: str
    ) -> str:
        """A codice fiscale nobody has yet, or "" if omocodia runs out."""
        draw = self.rng.random()
        level = 0 if draw < 0.995 else 1 if draw < 0.999 else 2
        while level <= MAX_OMOCODIA_LEVEL:
            # A code already taken by someone else is made unique by omocodia,
            # exactly as the tax office does.
            candidate = generate(
                surname=family,
                given_name=given,
                birth_date=birth_date,
                gender=sex,
                cadastral_code=birthplace,
                omocodia_level=level,
            )
            if candidate not in self.used_codes and (
                not self.existing_hashes
                or codice_fiscale_lookup_hash(candidate) not in self.existing_hashes
            ):
                self.used_codes.add(candidate)
                return candidate
            level += 1
        return ""

    def _residence(
        self, metro: Metro, plan: PlacementPlan | None
    ) -> tuple[bool, Place | None, Place]:
        """Whether homeless, the residence (homeless people have none) and the place
        where the services meet the person."""
        rng = self.rng
        homeless_chance = 0.10
        if plan is not None and plan.unit_type in ("housing_first", "temporary"):
            homeless_chance = 0.6
        homeless = rng.random() < homeless_chance
        if homeless:
            residence = None
            contact = metro.capital if rng.random() < 0.75 else metro.by_population.pick(rng)
        else:
            residence = contact = (
                plan.place
                if plan is not None and rng.random() < 0.7
                else metro.by_population.pick(rng)
            )
        return homeless, residence, contact

    def _special_categories(
        self, plan: PlacementPlan | None, gender: str, sex: str, homeless: bool
    ) -> tuple[bool, bool, bool, bool]:
        """Violence survivor, health condition, ethnic minority, criminal record."""
        rng = self.rng
        survivor_chance = 0.06 if gender == "F" else 0.03 if gender == "X" else 0.008
        survivor = (plan is not None and plan.for_survivor) or rng.random() < survivor_chance
        health = rng.random() < (0.2 if homeless else 0.09)
        ethnic = rng.random() < 0.025
        criminal = rng.random() < (0.035 if sex == "M" else 0.01)
        return survivor, health, ethnic, criminal

    def _registration(
        self, directory: MetroDirectory, contact: Place, cases: list[CaseSummary]
    ) -> tuple[int, int]:
        """The organisation that registered the person, and when (ordinal)."""
        if cases:
            return cases[0].org.id, cases[0].opened
        municipal = directory.municipal_for[contact.id]
        registered_by = (
            self._pick(self.low_threshold).id
            if self.low_threshold and self.rng.random() < 0.4
            else municipal.id
        )
        return registered_by, self.today - self._below(CASE_YEARS * 365)

    # ---- cases and everything attached to them ----------------------------------------

    def _case_org(self, directory: MetroDirectory, contact: Place, survivor: bool) -> OrgPlan:
        rng = self.rng
        if survivor and self.survivor_orgs and rng.random() < 0.6:
            return self._pick(self.survivor_orgs)
        if self.ets and rng.random() < 0.2:
            return self._pick(self.ets)
        return directory.municipal_for[contact.id]

    def _cases(
        self,
        chunk: Chunk,
        directory: MetroDirectory,
        person_id,
        birth: int,
        contact: Place,
        survivor: bool,
        plan: PlacementPlan | None,
        *,
        female: bool,
    ) -> list[CaseSummary]:
        """Generate the person's cases with their needs, referrals and notes, oldest first."""
        earliest = max(birth, self.today - CASE_YEARS * 365)
        if plan is not None:
            specs = [self._housing_case_spec(directory, contact, plan, earliest)]
        else:
            specs = self._case_specs(directory, contact, survivor, earliest)
        results = []
        for number, spec in enumerate(specs):
            housing_case = plan is not None and number == 0
            results.append(
                self._case(
                    chunk,
                    directory,
                    person_id,
                    spec,
                    survivor,
                    plan if housing_case else None,
                    female=female,
                )
            )
            self.case_count += 1
        if results:
            self._consents(chunk, person_id, results, plan)
        return results

    def _housing_case_spec(
        self, directory: MetroDirectory, contact: Place, plan: PlacementPlan, earliest: int
    ) -> _CaseSpec:
        """The case of someone placed, opened before the placement, by the unit's owner
        (a survivor's) or often by the municipality."""
        rng = self.rng
        opened = max(earliest, plan.starts_on - self._ri(7, 240))
        opened = min(opened, plan.starts_on)
        if plan.for_survivor:
            owner_is_casework = plan.owner.casework and plan.owner.active
            org = plan.owner if owner_is_casework else self._case_org(directory, contact, True)
        elif plan.owner.casework and plan.owner.active and rng.random() < 0.4:
            org = plan.owner
        else:
            org = directory.municipal_for[contact.id]
        if plan.ends_on is not None and rng.random() < 0.55:
            closed = min(self.today, plan.ends_on + self._ri(0, 90))
            return (opened, closed, CaseStatus.CLOSED, self._pick(HOUSED_OUTCOMES), org)
        return (opened, None, CaseStatus.OPEN, "", org)

    def _case_specs(
        self, directory: MetroDirectory, contact: Place, survivor: bool, earliest: int
    ) -> list[_CaseSpec]:
        """Zero to three cases: all but the last closed; the last open, suspended or closed."""
        rng = self.rng
        today = self.today
        specs: list[_CaseSpec] = []
        count = CASES_PER_PERSON.pick(rng)
        if count and earliest <= today:
            openings = sorted(self._ri(earliest, today) for _ in range(count))
            org = self._case_org(directory, contact, survivor)
            for index, opened in enumerate(openings):
                if index and rng.random() < 0.3:
                    org = self._case_org(directory, contact, survivor)
                if index < count - 1:
                    status = CaseStatus.CLOSED
                    closed = self._ri(opened, max(opened, openings[index + 1]))
                else:
                    status = LAST_CASE_STATUS.pick(rng)
                    closed = (
                        min(today, opened + self._ri(30, 900))
                        if status == CaseStatus.CLOSED
                        else None
                    )
                outcome = OUTCOMES.pick(rng) if status == CaseStatus.CLOSED else ""
                specs.append((opened, closed, status, outcome, org))
        return specs

    def _case(
        self,
        chunk: Chunk,
        directory: MetroDirectory,
        person_id,
        spec: _CaseSpec,
        survivor: bool,
        housing_plan: PlacementPlan | None,
        *,
        female: bool,
    ) -> CaseSummary:
        """One case with its team, needs, referrals and notes; `housing_plan` if it is the
        case of the person's placement."""
        opened, closed, status, _outcome, org = spec
        case_id = rng_uuid(self.rng)
        workers = self.staff.workers[org.id]
        housing_case = housing_plan is not None
        # An open case old enough to head the demo provider's incoming list (see _showcase).
        showable = (
            status == CaseStatus.OPEN
            and not housing_case
            and opened <= self.today - SHOWCASE_AGE[1]
        )
        lead, protected, forced = self._lead_and_protection(
            org, workers, survivor, showable and female
        )
        survivor = survivor or forced
        team = self._team(org, workers, lead, protected)
        end = closed if closed is not None else self.today
        self._case_rows(chunk, case_id, person_id, spec, lead, protected, team)
        is_closed = closed is not None
        domains = self._needs(chunk, case_id, opened, end, is_closed, survivor, housing_case)
        showcase = self._showcase(org, protected) if showable else ""
        referral_dates = []
        if showcase:
            referral_dates.append(self._showcase_referral(chunk, case_id, opened, lead, showcase))
        referral_dates += self._referrals(
            chunk,
            directory,
            case_id,
            opened,
            end,
            is_closed,
            protected,
            survivor,
            domains,
            [lead, *team],
            housing_plan,
            skip=1 if showcase else 0,
        )
        self._notes(chunk, case_id, opened, end, [lead, *team])
        if housing_plan is not None:
            housing_plan.case_id = case_id
            housing_plan.beneficiary_id = person_id
        return CaseSummary(org, opened, lead, forced, referral_dates, housing_case, showcase)

    def _case_rows(
        self, chunk: Chunk, case_id, person_id, spec: _CaseSpec, lead: int, protected: bool, team
    ) -> None:
        """The case's row and its team's rows."""
        opened, closed, status, outcome, org = spec
        end = closed if closed is not None else self.today
        stamp = self._stamp(opened)
        follow_up, activity = self._case_rhythm(case_id, opened, closed)
        chunk.cases.append(
            (
                case_id,
                person_id,
                org.id,
                lead,
                self._date(opened),
                None if closed is None else self._date(closed),
                status,
                outcome,
                protected,
                "",
                follow_up,
                activity,
                stamp,
                self._stamp(end) if closed is not None else stamp,
                1,
            )
        )
        for member in team:
            chunk.team.append((case_id, member))

    def _lead_and_protection(
        self, org: OrgPlan, workers: list[int], survivor: bool, can_force: bool
    ) -> tuple[int, bool, bool]:
        """The lead worker, whether the case is protected, and whether it is the demo's
        guaranteed protected case (led by the demo social worker; ``can_force``: a woman's
        open case old enough to carry the demo's sealed referral)."""
        rng = self.rng
        staff = self.staff
        lead = self._pick(workers)
        protected = survivor and (org.profile == "gender_violence" or rng.random() < 0.7)
        protected = protected or rng.random() < 0.01
        forced = False
        if can_force and org is staff.demo_casework_org and not self.demo_protected_done:
            # The demo social worker leads at least one protected case.
            lead = staff.demo_social_worker
            protected = forced = True
            self.demo_protected_done = True
        return lead, protected, forced

    def _team(self, org: OrgPlan, workers: list[int], lead: int, protected: bool) -> list[int]:
        """The workers on the case besides the lead."""
        rng = self.rng
        staff = self.staff
        team = []
        if protected:
            # The demo social worker joins protected teams only by the rule below, so
            # that the coordinator sees protected cases the worker does not.
            others = [w for w in workers if w not in (lead, staff.demo_social_worker)]
            team = rng.sample(others, min(len(others), self._ri(1, 2)))
            if (
                org is staff.demo_casework_org
                and lead != staff.demo_social_worker
                and staff.demo_social_worker not in team
                and rng.random() < 0.25
            ):
                team.append(staff.demo_social_worker)
        elif rng.random() < 0.25 and len(workers) > 1:
            other = self._pick(workers)
            if other != lead:
                team.append(other)
        return team

    def _needs(self, chunk, case_id, opened, end, closed, survivor, housing_case) -> list[str]:
        rng = self.rng
        count = NEEDS_PER_CASE.pick(rng)
        domains: list[str] = []
        if housing_case:
            domains.append("housing")
        if survivor:
            domains.append(self._pick(("family", "legal")))
        while len(domains) < count:
            domain = DOMAINS.pick(rng)
            if domain not in domains:
                domains.append(domain)
        for domain in domains:
            identified = opened + self._ri(0, min(30, end - opened))
            resolved = None
            if (closed and rng.random() < 0.75) or (not closed and rng.random() < 0.2):
                resolved = self._ri(identified, end)
            severity = (SURVIVOR_SEVERITY if survivor else SEVERITY).pick(rng)
            description = ""
            if rng.random() < 0.6:
                description = encrypt(self._pick(NEED_DESCRIPTIONS[domain]))
            stamp = self._stamp(identified)
            chunk.needs.append(
                (
                    rng_uuid(rng),
                    case_id,
                    domain,
                    severity,
                    description,
                    self._date(identified),
                    None if resolved is None else self._date(resolved),
                    stamp,
                    stamp if resolved is None else self._stamp(resolved),
                    1,
                )
            )
        return domains

    def _pick_service(self, categories: tuple[str, ...]) -> ServicePlan | None:
        for _ in range(3):
            services = self.active_services.get(self._pick(categories))
            if services:
                return self._pick(services)
        return None

    def _referrals(
        self,
        chunk,
        directory,
        case_id,
        opened,
        end,
        closed,
        protected,
        survivor,
        domains,
        workers,
        plan: PlacementPlan | None,
        skip: int = 0,
    ) -> list[int]:
        """The case's referrals (``skip`` fewer: those already made); the days they were
        made."""
        rng = self.rng
        dates = []
        count = max(0, REFERRALS_PER_CASE.pick(rng) - skip)
        if plan is not None:
            referred = self._housing_referral(chunk, case_id, opened, workers, plan)
            if referred is not None:
                dates.append(referred)
                count = max(0, count - 1)
        for _ in range(count):
            referred = self._referral(
                chunk, case_id, opened, end, closed, protected, survivor, domains, workers
            )
            if referred is not None:
                dates.append(referred)
        return dates

    def _showcase(self, org: OrgPlan, protected: bool) -> str:
        """SEALED or STUB if this open case of the demo social worker's organisation is
        referred to the demo provider to show that view, else ""."""
        if org is not self.staff.demo_casework_org or not self.demo_provider_services:
            return ""
        if protected and self.sealed_made < SEALED_SHOWCASES:
            self.sealed_made += 1
            return SEALED
        if not protected and self.stubs_made < STUB_SHOWCASES:
            return STUB  # counted once the consent is withdrawn (see _org_consents)
        return ""

    def _showcase_referral(self, chunk, case_id, opened: int, lead: int, showcase: str) -> int:
        """The referral to the demo provider that shows its sealed view of a protected
        case (every other one already put on the waiting list) or, once the consent to
        sharing is withdrawn, its anonymous stub; made by the lead worker. The day it was
        made."""
        services = self.sealed_services if showcase == SEALED else self.demo_provider_services
        service = self._pick(services)
        referred = max(opened, self.today - self._ri(*SHOWCASE_AGE))
        status, responded = ReferralStatus.REFERRED, None
        if showcase == SEALED and self.sealed_made % 2 == 0:
            status, responded = ReferralStatus.WAITING, referred + self._ri(1, 10)
        self._referral_row(chunk, case_id, service, status, lead, referred, responded, None, None)
        return referred

    def _housing_referral(
        self, chunk, case_id, opened: int, workers: list[int], plan: PlacementPlan
    ) -> int | None:
        """The referral to the housing service that led to the placement; the day it was
        made, or None without such a service."""
        service = self._pick_service((UNIT_CATEGORY[plan.unit_type],))
        if service is None:
            return None
        referred = max(opened, plan.starts_on - self._ri(0, 60))
        responded = min(plan.starts_on, referred + self._ri(0, 20))
        if plan.ends_on is None:
            status, ended = ReferralStatus.ACTIVE, None
        else:
            status, ended = ReferralStatus.CLOSED, plan.ends_on
        self._referral_row(
            chunk,
            case_id,
            service,
            status,
            self._pick(workers),
            referred,
            responded,
            plan.starts_on,
            ended,
        )
        return referred

    def _referral(
        self, chunk, case_id, opened, end, closed, protected, survivor, domains, workers
    ) -> int | None:
        """One referral for the case's needs; the day it was made, or None if no service
        fits."""
        rng = self.rng
        if survivor and rng.random() < 0.6:
            categories = SURVIVOR_CATEGORIES
        else:
            categories = DOMAIN_CATEGORIES[self._pick(domains)]
        if self.demo_provider_services and not protected and rng.random() < 0.05:
            service = self._pick(self.demo_provider_services)
        else:
            service = self._pick_service(categories)
        if service is None:
            return None
        referred = opened + self._ri(0, min(60, end - opened))
        if closed:
            status = CLOSED_CASE_REFERRAL.pick(rng)
        else:
            status = OPEN_CASE_REFERRAL.pick(rng)
            if status in (ReferralStatus.REFERRED, ReferralStatus.WAITING):
                referred = max(referred, self.today - self._ri(0, 120))
        responded = started = ended = None
        if status != ReferralStatus.REFERRED:
            responded = min(end, referred + self._ri(0, 20))
        if status == ReferralStatus.ACTIVE or (
            status == ReferralStatus.CLOSED and rng.random() < 0.8
        ):
            started = min(end, responded + self._ri(0, 30))
        if status == ReferralStatus.CLOSED:
            ended = min(end, (started or responded) + self._ri(7, 400))
        self._referral_row(
            chunk,
            case_id,
            service,
            status,
            self._pick(workers),
            referred,
            responded,
            started,
            ended,
        )
        return referred

    def _referral_row(
        self, chunk, case_id, service, status, referred_by, referred, responded, started, ended
    ) -> None:
        rng = self.rng
        reason = self._pick(REFERRAL_REASONS[status])
        offering = self._pick(service.offerings) if rng.random() < 0.9 else None
        last = max(d for d in (referred, responded, started, ended) if d is not None)
        date = self._date
        chunk.referrals.append(
            (
                rng_uuid(rng),
                case_id,
                service.id,
                offering,
                status,
                referred_by,
                date(referred),
                None if responded is None else date(responded),
                None if started is None else date(started),
                None if ended is None else date(ended),
                encrypt(reason) if reason else "",
                self._stamp(referred),
                self._stamp(last),
                1,
            )
        )

    def _notes(self, chunk, case_id, opened, end, workers) -> None:
        rng = self.rng
        for _ in range(NOTES_PER_CASE.pick(rng)):
            day = self._ri(opened, end)
            stamp = self._stamp(day)
            chunk.notes.append(
                (
                    rng_uuid(rng),
                    case_id,
                    self._pick(workers),
                    encrypt(self._pick(NOTE_TEMPLATES)),
                    stamp,
                    stamp,
                    1,
                )
            )

    def _consents(
        self, chunk, person_id, cases: list[CaseSummary], plan: PlacementPlan | None
    ) -> None:
        """Each organisation the person has a case with holds the consents its cases
        needed, given by the day they were needed: case management by the first opening,
        sharing with providers by the first referral, housing by the placement."""
        by_org: dict[int, list[CaseSummary]] = {}
        for case in cases:
            by_org.setdefault(case.org.id, []).append(case)
        for org_cases in by_org.values():
            self._org_consents(chunk, person_id, org_cases, plan)

    def _org_consents(
        self, chunk, person_id, cases: list[CaseSummary], plan: PlacementPlan | None
    ) -> None:
        """The consents the person gave one organisation (``cases``: its cases, oldest
        first), recorded by the lead worker of the first. A consent is withdrawn, if at
        all, after the last day it was needed: the last opening, the last referral, the end
        of the placement; never the consent behind a sealed showcase, always (if it can be)
        the one behind a stub showcase."""
        rng = self.rng
        today = self.today
        first = cases[0]
        opened = first.opened
        referral_dates = [day for case in cases for day in case.referral_dates]
        showcases = {case.showcase for case in cases}
        # (purpose, given, needed until or None if it must stay in force, withdrawal chance)
        purposes: list[tuple[str, int, int | None, float]] = [
            (ConsentPurpose.CASE_MANAGEMENT, opened, max(c.opened for c in cases), WITHDRAWN)
        ]
        if rng.random() < 0.85:
            purposes.append((ConsentPurpose.STATISTICS, opened, opened, WITHDRAWN))
        if referral_dates:
            given = opened if rng.random() < 0.6 else min(referral_dates)
            chance = SHARING_WITHDRAWN
            if SEALED in showcases:
                chance = 0.0
            elif STUB in showcases:
                chance = 1.0
            purposes.append(
                (ConsentPurpose.SHARING_WITH_PROVIDERS, given, max(referral_dates), chance)
            )
        if rng.random() < 0.4:
            purposes.append((ConsentPurpose.CONTACT, opened, opened, WITHDRAWN))
        if plan is not None and any(case.housing for case in cases):
            purposes.append((ConsentPurpose.HOUSING, opened, plan.ends_on, WITHDRAWN))
        for purpose, given, needed_until, chance in purposes:
            withdrawn = None
            if needed_until is not None and needed_until < today and rng.random() < chance:
                withdrawn = self._ri(needed_until + 1, today)
                if purpose == ConsentPurpose.SHARING_WITH_PROVIDERS and STUB in showcases:
                    self.stubs_made += 1
            stamp = self._stamp(given)
            chunk.consents.append(
                (
                    rng_uuid(rng),
                    person_id,
                    purpose,
                    self._date(given),
                    None if withdrawn is None else self._date(withdrawn),
                    first.lead,
                    first.org.id,
                    stamp,
                    stamp if withdrawn is None else self._stamp(withdrawn),
                    1,
                )
            )
