"""Issue a partner API key from the command line (the admin does the same); prints it once."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from partners.models import PartnerKey


class Command(BaseCommand):
    help = "Create an API key for a partner and print it (it is stored hashed; keep it safe)."

    def add_arguments(self, parser):
        parser.add_argument("--partner", required=True, help="The partner organisation.")
        parser.add_argument("--name", default="default", help="A label for this key.")
        parser.add_argument(
            "--scope", action="append", choices=["embargo", "revisions"], default=[]
        )
        parser.add_argument("--rate", default="", help='Throttle rate, e.g. "5000/hour".')

    def handle(self, *args, **options):
        key = PartnerKey(
            partner=options["partner"],
            name=options["name"],
            can_see_embargoed="embargo" in options["scope"],
            can_see_revisions="revisions" in options["scope"],
            throttle_rate=options["rate"],
        )
        try:
            key.full_clean(exclude=["id", "prefix", "hashed_key"])
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        secret = PartnerKey.objects.assign_key(key)
        key.save()
        self.stdout.write(secret)
