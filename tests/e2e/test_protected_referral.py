"""A protected case referred to an anti-violence centre, end to end in a real headless
Chromium (issue 12): the municipality's social worker refers a survivor's protected case;
the centre's staff finds it among the incoming referrals in the sealed view — age band,
needs by domain and severity, the referring worker to contact, no name — accepts it; the
worker sees it accepted. axe-core checks every page; screenshots go to test-artifacts/."""

import datetime

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from beneficiaries.models import ReferralStatus
from services.models import LegalForm, Role, ServiceCategory
from tests.e2e.pages import (
    check_page,
    click_button,
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
    CaseFactory,
    MembershipFactory,
    MetropolitanCityFactory,
    MunicipalityFactory,
    NeedFactory,
    OrganisationFactory,
    ServiceAtSiteFactory,
    ServiceFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

CENTRE_SERVICE = "Accoglienza antiviolenza Lucha"


@pytest.fixture
def city(reference_data):
    """A municipal social service with a survivor's protected case, and an anti-violence
    centre (a provider) with a service at a confidential site."""
    metro = MetropolitanCityFactory(name="Città metropolitana di Prova")
    roma = MunicipalityFactory(
        metropolitan_city=metro, name="Roma", centroid_lat=41.89, centroid_lon=12.49
    )
    social = OrganisationFactory(
        name="Servizio sociale Municipio II", legal_form=LegalForm.PUBLIC_BODY, municipality=roma
    )
    centre = OrganisationFactory(
        name="Centro antiviolenza Lucha", legal_form=LegalForm.ODV, municipality=roma
    )
    worker = MembershipFactory(
        organisation=social,
        role=Role.SOCIAL_WORKER,
        user__username="giulia",
        user__first_name="Giulia",
        user__last_name="Neri",
    ).user
    MembershipFactory(
        organisation=centre,
        role=Role.PROVIDER_STAFF,
        user__username="sara",
        user__first_name="Sara",
        user__last_name="Blu",
    )
    service = ServiceFactory(organisation=centre, name=CENTRE_SERVICE)
    service.categories.set(
        [ServiceCategory.objects.get(code="gender-violence.anti-violence-centre")]
    )
    ServiceAtSiteFactory(
        service=service,
        site__name="Sede riservata",
        site__municipality=roma,
        site__address="Via Segreta 3",
        site__confidential=True,
        site__public_contact="1522",
    )
    birth = datetime.date(datetime.date.today().year - 35, 1, 1)
    person = BeneficiaryFactory(
        registered_by=social,
        given_name="Marta",
        family_name="Conti",
        gender="F",
        birth_date=birth,
        residence_municipality=MunicipalityFactory(metropolitan_city=metro, name="Borgo Nascosto"),
        violence_survivor=True,
    )
    # Protected, with the consents the case needs (sharing with providers among them).
    case = CaseFactory(beneficiary=person, organisation=social, lead_worker=worker, protected=True)
    NeedFactory(case=case, domain="family", severity=4, description="Partner violento.")
    NeedFactory(case=case, domain="housing", severity=3, description="Non può tornare a casa.")
    return {"case": case, "person": person, "social": social}


def test_protected_referral_accepted_by_the_anti_violence_centre(
    city, browser, live_server, screenshot
):
    case, person = city["case"], city["person"]

    # The social worker refers her protected case to the anti-violence centre.
    log_in(browser, live_server, "giulia")
    browser.find_element(By.LINK_TEXT, "Conti Marta").click()
    heading(browser, "Conti Marta")
    browser.find_element(By.LINK_TEXT, "Refer to a service").click()
    category = ServiceCategory.objects.get(code="gender-violence.anti-violence-centre")
    Select(browser.find_element(By.NAME, "category")).select_by_value(str(category.pk))
    click_button(browser, "Search")
    WebDriverWait(browser, 10).until(lambda driver: "category=" in driver.current_url)
    settled(browser)
    results = browser.find_element(By.ID, "referral-results").text
    assert CENTRE_SERVICE in results and "Via Segreta" not in results
    check_page(browser, screenshot, "01-refer")
    browser.find_element(By.CSS_SELECTOR, "#referral-results details summary").click()
    fill(browser, "reason", "Cerca un posto sicuro; chiamatemi prima di contattarla.")
    click_button(browser, f"Refer to {CENTRE_SERVICE}")
    message(browser, f"Referred to {CENTRE_SERVICE}.")
    referral = case.referrals.get()
    assert referral.status == ReferralStatus.REFERRED
    log_out(browser)

    # The centre's staff: the referral arrives, sealed.
    log_in(browser, live_server, "sara")
    incoming = browser.find_element(By.ID, "incoming-title").find_element(By.XPATH, "..").text
    assert "Protected case" in incoming and CENTRE_SERVICE in incoming
    check_page(browser, screenshot, "02-centre-home")
    browser.find_element(By.LINK_TEXT, "Incoming referrals").click()
    heading(browser, "Incoming referrals")
    listed = main_text(browser)
    assert "sealed" in listed and "30–39" in listed and "family" in listed
    check_page(browser, screenshot, "03-incoming-sealed")
    browser.find_element(By.LINK_TEXT, "Protected case").click()
    heading(browser, f"Referral to {CENTRE_SERVICE}")
    page = main_text(browser)
    for shown in (
        "30–39",  # the age band...
        "family: critical",  # ... the needs by domain and severity ...
        "housing: high",
        "Giulia Neri",  # ... and the contact route: the referring worker, her service
        "Servizio sociale Municipio II",
        "Cerca un posto sicuro",
    ):
        assert shown in page, shown
    for hidden in (
        "Conti",
        "Marta",
        person.codice_fiscale,
        str(person.birth_date.year),
        "Borgo Nascosto",
        "Partner violento",
        "Non può tornare",
    ):
        assert hidden not in page, hidden
    check_page(browser, screenshot, "04-referral-sealed")
    click_button(browser, "Accept")
    message(browser, "The referral is now: accepted.")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED
    assert "Conti" not in main_text(browser)
    log_out(browser)

    # Back with the social worker: accepted.
    log_in(browser, live_server, "giulia")
    browser.find_element(By.LINK_TEXT, "Conti Marta").click()
    referrals = browser.find_element(By.ID, "referrals-title").find_element(By.XPATH, "..").text
    assert CENTRE_SERVICE in referrals and "accepted" in referrals
    check_page(browser, screenshot, "05-case-accepted")
