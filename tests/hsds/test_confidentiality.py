"""No HSDS response or export ever carries where a confidential place is: its address,
postal code and coordinates are searched for in the raw bytes."""

import json

import pytest
from django.core.management import call_command

from hsds.ids import hsds_id
from tests.auth import verified_login
from tests.hsds.conftest import SECRETS

pytestmark = pytest.mark.django_db


def assert_no_secret(raw: bytes, where: str) -> None:
    for secret in SECRETS:
        assert secret.encode() not in raw, f"{secret!r} in {where}"
        # json.dumps escapes non-ASCII; the secrets are ASCII, but be sure of the spelling
        assert json.dumps(secret)[1:-1].encode() not in raw, f"{secret!r} in {where}"


def urls(world) -> list[str]:
    ids = {
        "services": [world.service, world.shelter],
        "organizations": [world.organisation],
        "service_at_locations": [world.offering],
    }
    lists = [
        "/api/hsds/services?full=true",
        "/api/hsds/services?minimal=true",
        "/api/hsds/services",
        "/api/hsds/services?format=ndjson&full=true",
        "/api/hsds/organizations?full_service=true",
        "/api/hsds/organizations?full=true",
        "/api/hsds/organizations",
        "/api/hsds/service_at_locations?full=true",
        "/api/hsds/service_at_locations?format=ndjson&full=true",
        "/api/hsds/service_at_locations?postcode=00777",
        "/api/hsds/service_at_locations?postcode=00555&proximity=100000",
        "/api/hsds/service_at_locations?postcode=00100&proximity=100000&full=true",
    ]
    details = [f"/api/hsds/{path}/{hsds_id(item)}" for path, items in ids.items() for item in items]
    details += [f"/api/hsds/organizations/{hsds_id(world.organisation)}?full_service=true"]
    return lists + details


def test_no_response_reveals_a_confidential_place(client, world):
    for url in urls(world):
        response = client.get(url)
        assert response.status_code == 200, url
        raw = b"".join(response.streaming_content) if response.streaming else response.content
        assert_no_secret(raw, url)


def test_confidential_offerings_are_not_found(client, world):
    shelter_offering = world.shelter_site.offerings.get()
    hidden_offering = world.hidden_site.offerings.get()
    for offering in (shelter_offering, hidden_offering):
        assert client.get(f"/api/hsds/service_at_locations/{hsds_id(offering)}").status_code == 404
    listed = client.get("/api/hsds/service_at_locations?per_page=200").json()["contents"]
    assert [item["id"] for item in listed] == [hsds_id(world.offering)]


def test_no_export_reveals_a_confidential_place(world, tmp_path):
    call_command("export_hsds", "--format", "json", str(tmp_path / "hsds.json"), stdout=None)
    call_command("export_hsds", "--format", "datapackage", str(tmp_path / "package"))
    files = [tmp_path / "hsds.json", *sorted((tmp_path / "package").iterdir())]
    assert len(files) > 20
    for path in files:
        assert_no_secret(path.read_bytes(), path.name)
    site_ids = {hsds_id(world.shelter_site), hsds_id(world.hidden_site)}
    for path in files:
        text = path.read_text()
        assert not any(site_id in text for site_id in site_ids), path.name


def test_members_of_the_organisation_get_the_same_public_publication(client, world, make_member):
    # The back office shows members their confidential addresses; the HSDS publication
    # is the public directory and never does.
    from services.models import Role

    verified_login(client, make_member(Role.COORDINATOR, organisation=world.organisation))
    for url in urls(world):
        response = client.get(url)
        raw = b"".join(response.streaming_content) if response.streaming else response.content
        assert_no_secret(raw, url)
