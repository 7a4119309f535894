"""The day's work in a real headless Chromium, on a 1024 px tablet screen: intake with a
duplicate warning, the case, a need, a referral the provider accepts, a Housing First
placement and the closing. Each step checks what the person sees; axe-core checks every
page; screenshots go to test-artifacts/."""

import datetime

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from beneficiaries import codice_fiscale
from beneficiaries.models import Beneficiary, Case, ReferralStatus
from housing.models import Placement, UnitType
from services.models import LegalForm, Role, ServiceCategory
from tests.e2e.pages import (
    check_page,
    choose,
    click_button,
    click_button_to_next_page,
    fill,
    heading,
    log_in,
    log_out,
    main_text,
    message,
    settled,
)
from tests.factories import (
    BeneficiaryFactory,
    CapacityFactory,
    HousingUnitFactory,
    MembershipFactory,
    MetropolitanCityFactory,
    MunicipalityFactory,
    OrganisationFactory,
    ServiceAtSiteFactory,
    ServiceFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

TABLET = (1024, 768)
BIRTH = datetime.date(1980, 5, 3)


@pytest.fixture
def city(reference_data):
    """A social service and a provider in one metropolitan city, a Housing First flat, and
    a person already registered whose name resembles the one about to arrive."""
    metro = MetropolitanCityFactory(name="Città metropolitana di Prova")
    roma = MunicipalityFactory(
        metropolitan_city=metro, name="Roma", centroid_lat=41.89, centroid_lon=12.49
    )
    tivoli = MunicipalityFactory(
        metropolitan_city=metro,
        name="Tivoli",
        centroid_lat=41.96,
        centroid_lon=12.80,
        cadastral_code="L182",
    )
    social = OrganisationFactory(
        name="Servizio sociale Municipio I", legal_form=LegalForm.PUBLIC_BODY, municipality=roma
    )
    provider = OrganisationFactory(name="Cooperativa Casa Aperta", municipality=tivoli)
    worker = MembershipFactory(
        organisation=social,
        role=Role.SOCIAL_WORKER,
        user__username="giulia",
        user__first_name="Giulia",
        user__last_name="Neri",
    ).user
    staff = MembershipFactory(
        organisation=provider,
        role=Role.PROVIDER_STAFF,
        user__username="paolo",
        user__first_name="Paolo",
        user__last_name="Verdi",
    ).user
    shelter = ServiceFactory(organisation=provider, name="Accoglienza notturna Tivoli")
    shelter.categories.set([ServiceCategory.objects.get(code="housing.temporary")])
    offering = ServiceAtSiteFactory(
        service=shelter,
        site__name="Casa di via Empolitana",
        site__municipality=tivoli,
        site__latitude=41.96,
        site__longitude=12.80,
    )
    CapacityFactory(offering=offering, total=12, available=3)
    HousingUnitFactory(
        code="HF-101",
        owner=social,
        municipality=roma,
        unit_type=UnitType.HOUSING_FIRST,
        places=1,
        address="Via dei Serpenti 7",
    )
    BeneficiaryFactory(
        registered_by=social,
        given_name="Mario",
        family_name="Rossi",
        gender="M",
        birth_date=BIRTH,
        residence_municipality=roma,
    )
    return {"worker": worker, "staff": staff, "roma": roma}


def test_intake_to_closing(city, browser, live_server, screenshot):
    browser.set_window_size(*TABLET)
    today = timezone.localdate()
    code = codice_fiscale.generate(
        surname="Rosi", given_name="Mario", birth_date=BIRTH, gender="M", cadastral_code="H501"
    )

    # The social worker logs in to an empty caseload.
    log_in(browser, live_server, "giulia")
    check_page(browser, screenshot, "01-home")
    assert "No case matches these filters." in main_text(browser)

    # Intake: search first. "Rosi Mario, 1980" looks like the Rossi Mario already known.
    browser.find_element(By.LINK_TEXT, "New intake").click()
    fill(browser, "family_name", "Rosi")
    fill(browser, "given_name", "Mario")
    fill(browser, "birth_year", "1980")
    click_button(browser, "Search")
    matches = browser.find_element(By.ID, "results-title").find_element(By.XPATH, "..").text
    assert "Possible matches" in matches
    assert "Rossi Mario" in matches
    check_page(browser, screenshot, "02-intake-duplicate-warning")

    # It is someone else: register him, with his codice fiscale and consents.
    # A POST: no terms in a URL.
    click_button_to_next_page(browser, "None of these: register a new person")
    assert browser.find_element(By.NAME, "family_name").get_attribute("value") == "Rosi"
    fill(browser, "codice_fiscale", code)
    fill(browser, "birth_date", BIRTH.isoformat())
    choose(browser, "gender", "male")
    choose(browser, "residence_municipality", "Roma")
    # Consent to case management, to sharing with the providers he is referred to and to
    # housing: without them the referral and the placement below would be refused.
    for purpose in ("case_management", "sharing", "housing"):
        browser.find_element(By.CSS_SELECTOR, f"input[name=consents][value={purpose}]").click()
    check_page(browser, screenshot, "03-person-form")
    click_button(browser, "Register the person")
    # The duplicate check runs again on saving: the worker confirms it is another person.
    warning = browser.find_element(By.CSS_SELECTOR, ".warning-box").text
    assert "Rossi Mario" in warning
    assert Beneficiary.objects.count() == 1
    browser.find_element(By.NAME, "confirm_different").click()
    click_button(browser, "Register the person")
    message(browser, "Rosi Mario is registered. Now open their case.")

    # Taking him in charge.
    heading(browser, "Open a case for Rosi Mario")
    check_page(browser, screenshot, "04-open-case")
    click_button(browser, "Open the case")
    message(browser, "The case is open.")
    case = Case.objects.get(beneficiary__codice_fiscale_hash__isnull=False, status="open")
    assert case.beneficiary.display_name == "Rosi Mario"
    assert "No need assessed yet." in main_text(browser)

    # Needs assessment: housing, high.
    browser.find_element(By.LINK_TEXT, "Assess a need").click()
    choose(browser, "domain", "housing")
    browser.find_element(By.CSS_SELECTOR, "input[name=severity][value='3']").click()
    fill(browser, "description", "Dorme in auto da tre settimane.")
    check_page(browser, screenshot, "05-need")
    click_button(browser, "Record the need")
    message(browser, "Need recorded: housing, high.")
    needs = browser.find_element(By.ID, "needs-title").find_element(By.XPATH, "..").text
    assert "housing" in needs and "high" in needs and "Dorme in auto" in needs

    # Referral: temporary housing in the metropolitan city, nearest first, live places.
    browser.find_element(By.LINK_TEXT, "Refer to a service").click()
    category = ServiceCategory.objects.get(code="housing.temporary")
    Select(browser.find_element(By.NAME, "category")).select_by_value(str(category.pk))
    click_button(browser, "Search")
    WebDriverWait(browser, 10).until(lambda driver: "category=" in driver.current_url)
    settled(browser)
    results = browser.find_element(By.ID, "referral-results").text
    assert "Accoglienza notturna Tivoli" in results
    assert "3 free of 12 beds" in results
    assert "km" in results
    check_page(browser, screenshot, "06-refer")
    browser.find_element(By.CSS_SELECTOR, "#referral-results details summary").click()
    fill(browser, "reason", "Serve un posto letto da subito.")
    click_button(browser, "Refer to Accoglienza notturna Tivoli")
    message(browser, "Referred to Accoglienza notturna Tivoli.")
    referrals = browser.find_element(By.ID, "referrals-title").find_element(By.XPATH, "..").text
    assert "Accoglienza notturna Tivoli" in referrals and "referred" in referrals
    check_page(browser, screenshot, "07-case-referred")
    log_out(browser)

    # The provider sees the referral arrive and accepts it.
    log_in(browser, live_server, "paolo")
    incoming = browser.find_element(By.ID, "incoming-title").find_element(By.XPATH, "..").text
    assert "Rosi Mario" in incoming
    check_page(browser, screenshot, "08-provider-home")
    browser.find_element(By.LINK_TEXT, "Rosi Mario").click()
    assert "Serve un posto letto da subito." in main_text(browser)
    assert "Dorme in auto" not in main_text(browser)  # needs by domain only, never notes
    check_page(browser, screenshot, "09-referral-for-provider")
    click_button(browser, "Accept")
    message(browser, "The referral is now: accepted.")
    assert case.referrals.get().status == ReferralStatus.ACCEPTED
    log_out(browser)

    # Back with the social worker: the referral shows as accepted; now a Housing First flat.
    log_in(browser, live_server, "giulia")
    browser.find_element(By.LINK_TEXT, "Rosi Mario").click()
    referrals = browser.find_element(By.ID, "referrals-title").find_element(By.XPATH, "..").text
    assert "accepted" in referrals
    browser.find_element(By.LINK_TEXT, "Find housing").click()
    choose(browser, "unit_type", "Housing First flat")
    click_button(browser, "Search")
    units = main_text(browser)
    assert "HF-101" in units and "Via dei Serpenti 7" in units
    check_page(browser, screenshot, "10-find-housing")
    browser.find_element(By.PARTIAL_LINK_TEXT, "Place here").click()
    check_page(browser, screenshot, "11-place")
    click_button(browser, "Confirm the placement")
    message(browser, "Placed in HF-101 from")
    housing = browser.find_element(By.ID, "housing-title").find_element(By.XPATH, "..").text
    assert "HF-101" in housing and "ongoing" in housing
    assert Placement.objects.get().case == case

    # Closing: the flat stays his (the placement goes on) and the accepted referral too;
    # the worker confirms, chooses the outcome and the case closes.
    browser.find_element(By.LINK_TEXT, "Close the case").click()
    page = main_text(browser)
    assert "Ongoing housing placement" in page and "Open referrals" in page
    choose(browser, "outcome", "goals met")
    browser.find_element(By.NAME, "close_anyway").click()
    check_page(browser, screenshot, "12-close")
    click_button(browser, "Close the case")
    message(browser, "The case was closed: goals met.")
    assert "closed" in heading(browser, "Rosi Mario")
    check_page(browser, screenshot, "13-case-closed")
    case.refresh_from_db()
    assert (case.status, case.outcome, case.closed_on) == ("closed", "goals_met", today)
    assert Placement.objects.get().ends_on is None
