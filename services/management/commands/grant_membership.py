"""An operator's grant of a role, run on the server: the bootstrap of an organisation's
first coordinator (or data-protection officer), whom nobody could approve otherwise.

It goes through ``services.actions.memberships.membership_grant`` like every other grant,
with no acting user and audited through the ``command`` door; where the organisation has
an approver already, a role that reads personal data is a request they approve.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core import channel
from core.errors import ActionError
from services.actions.memberships import membership_grant
from services.models import MembershipStatus, Organisation, Role


class Command(BaseCommand):
    help = (
        "Give a user a role in an organisation as the server's operator (e.g. the first "
        "coordinator of an organisation that has none). Audited via 'command'."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="the user's username")
        parser.add_argument("--organisation", required=True, help="tax code of the organisation")
        parser.add_argument("--role", required=True, choices=Role.values)

    def handle(self, *args, username, organisation, role, **options):
        User = get_user_model()
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"No user named {username}.") from None
        try:
            owner = Organisation.objects.get(tax_code=organisation)
        except Organisation.DoesNotExist:
            raise CommandError(f"No organisation with tax code {organisation}.") from None
        try:
            with channel.via(channel.COMMAND):
                membership = membership_grant(
                    acting_user=None, user=user, organisation=owner, role=role
                )
        except ActionError as error:
            raise CommandError("; ".join(error.messages)) from None
        if membership.status == MembershipStatus.PENDING:
            self.stdout.write(
                f"{username}: {role} in {owner.name} requested; a member of the organisation "
                "must approve it in the back office (Memberships)."
            )
        else:
            self.stdout.write(f"{username}: {role} in {owner.name} granted.")
