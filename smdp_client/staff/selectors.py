"""SM-DP+ health for staff: success rate, p95 latency, circuit state and the last errors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Aggregate, Count, FloatField, Q
from django.utils import timezone

from smdp_client.choices import CallOutcome
from smdp_client.guard import CircuitStatus
from smdp_client.models import Es2Call, SmdpServer
from smdp_client.selectors import circuit_status
from smdp_client.staff.certificates import CertificateInfo, certificate_info

HEALTH_WINDOW = timedelta(hours=24)


class Percentile95(Aggregate):
    """PostgreSQL ``percentile_cont(0.95) WITHIN GROUP (ORDER BY …)``."""

    function = "percentile_cont"
    template = "%(function)s(0.95) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


@dataclass(frozen=True)
class ServerHealth:
    server: SmdpServer
    calls: int
    succeeded: int
    p95_ms: float | None
    circuit: CircuitStatus
    certificate: CertificateInfo | None
    last_errors: list[Es2Call]

    @property
    def success_rate(self) -> float | None:
        return round(100 * self.succeeded / self.calls, 1) if self.calls else None


def server_health(*, server: SmdpServer, errors: int = 5) -> ServerHealth:
    since = timezone.now() - HEALTH_WINDOW
    stats = Es2Call.objects.filter(server=server, started_at__gte=since).aggregate(
        calls=Count("id"),
        succeeded=Count("id", filter=Q(outcome=CallOutcome.SUCCEEDED)),
        p95=Percentile95("latency_ms"),
    )
    last_errors = list(
        Es2Call.objects.filter(server=server)
        .exclude(outcome__in=[CallOutcome.SUCCEEDED, CallOutcome.PENDING])
        .order_by("-started_at")[:errors]
    )
    return ServerHealth(
        server=server,
        calls=stats["calls"],
        succeeded=stats["succeeded"],
        p95_ms=round(stats["p95"], 1) if stats["p95"] is not None else None,
        circuit=circuit_status(server=server),
        certificate=certificate_info(server.client_certificate),
        last_errors=last_errors,
    )


def servers_health() -> list[ServerHealth]:
    return [server_health(server=s) for s in SmdpServer.objects.order_by("name")]
