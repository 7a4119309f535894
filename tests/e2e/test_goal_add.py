"""Adding a goal to the personalised plan, in a real headless Chromium, as a social worker
would: from the case page, through the "Add a goal" link, typing the goal and saving it.

The add page once took the unsaved goal for one to change (a new goal has its random id
before it is saved): it said "Change a goal" and posted to an edit address that answered
404, losing what was typed. Tests that posted straight to the add address never saw it.
"""

import datetime

import pytest
from selenium.webdriver.common.by import By

from beneficiaries.models import Goal
from services.models import Role
from tests.e2e.pages import (
    check_page,
    choose,
    click_button,
    fill,
    heading,
    log_in,
    main_text,
    message,
)
from tests.factories import BeneficiaryFactory, CaseFactory, MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)

GOAL = "Trovare un lavoro part-time entro l'estate"


@pytest.fixture
def case(reference_data):
    membership = MembershipFactory(
        role=Role.SOCIAL_WORKER,
        user__username="giulia",
        user__first_name="Giulia",
        user__last_name="Neri",
    )
    person = BeneficiaryFactory(
        registered_by=membership.organisation, given_name="Anna", family_name="Rossi"
    )
    return CaseFactory(beneficiary=person, lead_worker=membership.user)


def test_a_goal_added_from_the_case_page_is_listed_there(case, browser, live_server, screenshot):
    log_in(browser, live_server, "giulia")
    browser.find_element(By.LINK_TEXT, "Rossi Anna").click()
    heading(browser, "Rossi Anna")
    goals = browser.find_element(By.ID, "goals-title").find_element(By.XPATH, "..")
    assert "No goal set yet." in goals.text

    goals.find_element(By.LINK_TEXT, "Add a goal").click()
    assert "Add a goal" in heading(browser, "Add a goal: Rossi Anna")
    fill(browser, "description", GOAL)
    choose(browser, "domain", "work")
    target = datetime.date(2030, 6, 30)
    fill(browser, "target_on", target.isoformat())
    check_page(browser, screenshot, "goal-add")
    click_button(browser, "Save the goal")

    message(browser, "Goal added to the plan.")
    heading(browser, "Rossi Anna")
    goals = browser.find_element(By.ID, "goals-title").find_element(By.XPATH, "..").text
    assert GOAL in goals
    assert "work" in goals and "in progress" in goals
    assert "No goal set yet." not in main_text(browser)
    goal = Goal.objects.get(case=case)
    assert (goal.description, goal.domain, goal.target_on) == (GOAL, "work", target)
