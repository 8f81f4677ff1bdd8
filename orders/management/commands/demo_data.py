from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "Load the demo data once; running it again keeps what is there."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        user_model = get_user_model()
        admin, created = user_model.objects.get_or_create(
            username=settings.DEMO_ADMIN_USERNAME,
            defaults={"is_staff": True, "is_superuser": True, "email": "ops@coreesim.test"},
        )
        if created:
            admin.set_password(settings.DEMO_ADMIN_PASSWORD)
            admin.save(update_fields=["password"])
        self.stdout.write(f"demo staff user: {admin.username} ({'created' if created else 'kept'})")
