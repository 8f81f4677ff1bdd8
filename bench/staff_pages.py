"""Server time of the main staff pages with 1,000,000 profiles in the database.

Runs the whole Django stack in process (sessions, OTP and staff middleware, permission checks,
queries, templates; no network) as a verified Administrator, against the database named by
``DATABASE_URL``. That database must already hold the data set: ``bench/api.py`` makes one
(1,000,000 profiles, two partners with sold eSIMs); copy it rather than reuse it, e.g.

    psql -c "CREATE DATABASE bench_staff TEMPLATE bench_api"
    DATABASE_URL=postgres://root@127.0.0.1:5432/bench_staff .venv/bin/python \\
        bench/staff_pages.py [--requests 30]

Target (issue 9): every page under 200 ms server time.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coreesim.settings")
os.environ.setdefault("DEBUG", "true")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.test import Client  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from coreesim.staff.choices import Role  # noqa: E402
from coreesim.staff.roles import roles_sync  # noqa: E402
from orders.models import Esim  # noqa: E402
from partners.models import Partner  # noqa: E402
from profiles.models import Profile  # noqa: E402
from smdp_client.models import SmdpServer  # noqa: E402


def _client() -> Client:
    roles_sync()
    user, _ = get_user_model().objects.get_or_create(
        username="bench-staff", defaults={"is_staff": True}
    )
    user.groups.add(Group.objects.get(name=Role.ADMINISTRATOR.value))
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def _cold_panels(rounds: int) -> None:
    """Each dashboard panel computed with an empty cache (query + template), on its own."""
    from django.core.cache import cache
    from django.template.loader import render_to_string
    from django.test import RequestFactory
    from django.utils.module_loading import import_string

    from coreesim.staff.dashboard import PANELS

    request = RequestFactory().get("/staff/")
    request.user = get_user_model().objects.get(username="bench-staff")
    for path in PANELS:
        panel_function = import_string(path)
        times = []
        for _ in range(rounds):
            cache.clear()
            start = time.perf_counter()
            panel = panel_function(request)
            if panel is not None:
                render_to_string(panel.template, panel.context, request=request)
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        print(
            f"| panel `{path.rsplit('.', 1)[-1]}` ({path.split('.')[0]}), cold | "
            f"{statistics.median(times):.1f} | {times[-1]:.1f} | {times[-1]:.1f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    profiles = Profile.objects.count()
    esim = Esim.objects.order_by("-id").first()
    old_esim = Esim.objects.order_by("id").first()
    partner = Partner.objects.order_by("id").first()
    server = SmdpServer.objects.order_by("id").first()
    if not (esim and old_esim and partner and server):
        raise SystemExit("no data set here: run bench/api.py first (or copy its database)")
    client = _client()
    pages = {
        "dashboard `/staff/` (panels cached, at most 60 s old)": "/staff/",
        "eSIM search by ICCID (redirect)": f"/staff/orders/esims/?q={esim.iccid}",
        "eSIM search by ICCID prefix (18 digits)": f"/staff/orders/esims/?q={esim.iccid[:18]}",
        "eSIM detail with timeline": f"/staff/orders/esims/{old_esim.pk}/",
        "orders list, first page": "/staff/orders/",
        "orders list, one partner": f"/staff/orders/?partner={partner.pk}",
        "inventory pools": "/staff/inventory/",
        "import history": "/staff/inventory/imports/",
        "partners list": "/staff/partners/",
        "partner detail": f"/staff/partners/{partner.pk}/",
        "SM-DP+ servers": "/staff/smdp/",
        "audit log": "/staff/audit/",
    }
    print(
        f"{profiles:,} profiles, {Esim.objects.count():,} eSIMs; {platform.processor() or ''} "
        f"{os.cpu_count()} CPUs; {args.requests} requests per page after 2 warm-ups"
    )
    print("| page | p50 ms | p95 ms | max ms |")
    print("| --- | ---: | ---: | ---: |")
    from django.core.cache import cache

    times = []
    for _ in range(max(3, args.requests // 4)):
        cache.clear()
        start = time.perf_counter()
        client.get("/staff/")
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    print(
        f"| dashboard, cold (panel cache empty) | {statistics.median(times):.1f} | "
        f"{times[-1]:.1f} | {times[-1]:.1f} |"
    )
    _cold_panels(max(3, args.requests // 4))
    for name, url in pages.items():
        for _ in range(2):
            response = client.get(url)
            assert response.status_code in (200, 302), (url, response.status_code)
        times = []
        for _ in range(args.requests):
            start = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        p95 = times[max(0, int(len(times) * 0.95) - 1)]
        print(f"| {name} | {statistics.median(times):.1f} | {p95:.1f} | {times[-1]:.1f} |")


if __name__ == "__main__":
    main()
