"""Every write of the orders app, one function per business action (see the modules)."""

from orders.services.lifecycle import (
    esim_activate,
    esim_cancel,
    esim_reissue,
    esim_resume,
    esim_retire,
    esim_suspend,
    esims_expire,
)
from orders.services.outbox import outbox_resend, provisioning_job_create, provisioning_job_send
from orders.services.placing import order_place
from orders.services.provisioning import (
    esim_fail,
    esim_provision,
    esim_release,
    order_retry,
    order_settle,
    orders_resolve_stuck,
    provisioning_job_run,
)
from orders.services.resync import ResyncResult, esim_resync
from orders.services.usage import (
    UsageImport,
    UsageLine,
    esim_top_up,
    expiry_notices_emit,
    usage_ingest,
)

__all__ = [
    "ResyncResult",
    "UsageImport",
    "UsageLine",
    "esim_activate",
    "esim_cancel",
    "esim_fail",
    "esim_provision",
    "esim_reissue",
    "esim_release",
    "esim_resume",
    "esim_resync",
    "esim_retire",
    "esim_suspend",
    "esim_top_up",
    "esims_expire",
    "expiry_notices_emit",
    "order_place",
    "order_retry",
    "order_settle",
    "orders_resolve_stuck",
    "outbox_resend",
    "provisioning_job_create",
    "provisioning_job_run",
    "provisioning_job_send",
    "usage_ingest",
]
