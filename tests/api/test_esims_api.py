"""eSIM details, QR codes, history, usage, top-ups and lifecycle actions over the API."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
import zxingcpp
from django.db.models import F
from PIL import Image

from coreesim.models import IdempotencyRecord
from orders.models import Esim, ProvisioningJob
from orders.services import esim_cancel, order_place, provisioning_job_run
from partners.services import partner_balance
from profiles.choices import EventSource, ProfileState
from profiles.models import ProfileEvent
from profiles.services import profile_transition
from tests.factories.partners import PartnerFactory
from tests.factories.profiles import CountryFactory, RegionFactory

pytestmark = pytest.mark.django_db


def _url(esim: Esim, suffix: str = "") -> str:
    return f"/api/v1/esims/{esim.iccid}{suffix}"


def test_an_esim_shows_everything_needed_to_install_it(esim, stock_api) -> None:
    body = stock_api.get(_url(esim)).json()
    assert body["activation_code"].startswith(f"LPA:1${body['smdp_address']}$")
    assert body["activation_code"].split("$")[2] == body["matching_id"]
    assert body["confirmation_code_required"] is False
    assert body["ios_install_url"].startswith("https://esimsetup.apple.com/")
    assert body["android_install_url"]
    assert body["qr_png_url"].endswith(f"/api/v1/esims/{esim.iccid}/qr.png")
    assert body["profile_state"] == "released"
    assert body["traveler_page_url"].startswith("http")


def test_the_traveler_page_link_opens_the_travelers_page(esim, stock_api, client) -> None:
    link = stock_api.get(_url(esim)).json()["traveler_page_url"]
    page = client.get(urlsplit(link).path)
    assert page.status_code == 200


def test_the_png_qr_scans_back_to_the_activation_code(esim, stock_api) -> None:
    response = stock_api.get(_url(esim, "/qr.png"))
    assert response["Content-Type"] == "image/png"
    (decoded,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.content)))
    assert decoded.text == stock_api.get(_url(esim)).json()["activation_code"]


def test_the_svg_qr_is_svg(esim, stock_api) -> None:
    response = stock_api.get(_url(esim, "/qr.svg"))
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.lstrip().startswith(b"<")


def test_no_qr_before_the_code_exists_is_409_invalid_state(stock, stock_api) -> None:
    created = stock_api.post("/api/v1/orders", {"plan": stock.plan.code}).json()
    response = stock_api.get(f"/api/v1/esims/{created['esims'][0]['iccid']}/qr.png")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_state"


def test_esims_are_listed_and_filtered(esim, stock_api) -> None:
    assert [e["iccid"] for e in stock_api.get("/api/v1/esims").json()["results"]] == [esim.iccid]
    assert stock_api.get("/api/v1/esims?status=failed").json()["results"] == []
    assert len(stock_api.get(f"/api/v1/esims?order={esim.order_id}").json()["results"]) == 1
    assert len(stock_api.get("/api/v1/esims?profile_state=released").json()["results"]) == 1


def test_the_history_lists_the_profiles_events_since_the_sale(esim, stock_api) -> None:
    states = [e["to_state"] for e in stock_api.get(_url(esim, "/events")).json()["results"]]
    assert states[0] == "released"
    assert "reserved" in states


def test_usage_shows_allowance_and_remaining(esim, stock_api) -> None:
    body = stock_api.get(_url(esim, "/usage")).json()
    assert body["data_mb"] == 1024
    assert body["data_remaining_mb"] == "1024.000"


def test_a_top_up_charges_and_extends_the_allowance(esim, stock, stock_api) -> None:
    plan = stock.top_up_plan(price=Decimal("2.00"), data_mb=512, validity_days=7)
    response = stock_api.post(_url(esim, "/topups"), {"plan": plan.code})
    assert response.status_code == 201
    assert response.json()["new_data_mb"] == 1536
    assert partner_balance(partner=stock.partner) == Decimal("93.00")
    assert stock_api.get(_url(esim, "/usage")).json()["data_mb"] == 1536


def test_a_base_plan_as_top_up_is_422(esim, stock, stock_api) -> None:
    response = stock_api.post(_url(esim, "/topups"), {"plan": stock.plan.code})
    assert response.status_code == 422
    assert response.json()["code"] == "plan_not_allowed"


def test_suspend_then_resume(esim, stock_api) -> None:
    suspended = stock_api.post(_url(esim, "/suspend"), {"reason": "fraud check"})
    assert suspended.status_code == 200
    assert suspended.json()["profile_state"] == ProfileState.SUSPENDED
    resumed = stock_api.post(_url(esim, "/resume"), {})
    assert resumed.json()["profile_state"] == ProfileState.RELEASED


def test_resume_of_an_esim_never_suspended_answers_with_it_unchanged(esim, stock_api) -> None:
    response = stock_api.post(_url(esim, "/resume"), {})
    assert response.status_code == 200
    assert response.json()["profile_state"] == ProfileState.RELEASED


def test_cancel_of_an_unused_esim_refunds(esim, stock, stock_api) -> None:
    response = stock_api.post(_url(esim, "/cancel"), {})
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert partner_balance(partner=stock.partner) == Decimal("100.00")


def test_cancel_twice_is_answered_with_the_cancelled_esim(esim, stock_api) -> None:
    stock_api.post(_url(esim, "/cancel"), {})
    assert stock_api.post(_url(esim, "/cancel"), {}).json()["status"] == "cancelled"


def test_suspend_of_a_cancelled_esim_is_409_invalid_state(esim, stock_api) -> None:
    stock_api.post(_url(esim, "/cancel"), {})
    response = stock_api.post(_url(esim, "/suspend"), {})
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_state"


def test_reissue_queues_a_new_activation_code(esim, stock_api, provisioned) -> None:
    response = stock_api.post(_url(esim, "/reissue"), {})
    assert response.status_code == 200
    assert response.json()["status"] == "provisioning"


def test_esim_list_query_count_does_not_grow_with_esims(
    stock, stock_api, django_assert_max_num_queries
) -> None:
    stock_api.post("/api/v1/orders", {"plan": stock.plan.code, "quantity": 4})
    with django_assert_max_num_queries(6):
        assert len(stock_api.get("/api/v1/esims").json()["results"]) == 4


def test_history_query_count_is_bounded(esim, stock_api, django_assert_max_num_queries) -> None:
    with django_assert_max_num_queries(6):
        assert stock_api.get(_url(esim, "/events")).json()["results"]


def _reissued(esim: Esim, stock_api) -> Esim:
    """Reissue over the API and run the new code's provisioning, as the worker would."""
    stock_api.post(_url(esim, "/reissue"), {})
    provisioning_job_run(job_id=ProvisioningJob.objects.filter(esim=esim).get().pk)
    esim.refresh_from_db()
    return esim


def _states(esim: Esim, stock_api) -> list[str]:
    return [e["to_state"] for e in stock_api.get(_url(esim, "/events")).json()["results"]]


def test_the_history_after_a_reissue_onto_a_fresh_profile_is_this_esims(esim, stock_api) -> None:
    old = esim.profile
    profile_transition(
        profile=old, to_state=ProfileState.DOWNLOADED, source=EventSource.ES2PLUS, actor="sim"
    )

    esim = _reissued(esim, stock_api)

    assert esim.profile_id != old.pk
    assert _states(esim, stock_api) == ["released", "reserved"]


def test_the_history_after_a_reissue_leaves_out_the_profiles_earlier_buyer(
    stock, stock_api, provisioned
) -> None:
    earlier_buyer = PartnerFactory(plans=[stock.plan], balance=Decimal("100.00"))
    theirs = provisioned(
        order_place(
            partner=earlier_buyer, plan_code=stock.plan.code, quantity=1, idempotency_key="x"
        )
    ).esims.get()
    ours = provisioned(
        order_place(
            partner=stock.partner, plan_code=stock.plan.code, quantity=1, idempotency_key="a"
        )
    ).esims.get()
    esim_cancel(esim=theirs, actor="them", reason="changed their mind")

    ours = _reissued(ours, stock_api)

    assert ours.iccid == theirs.iccid
    assert ProfileEvent.objects.filter(profile=ours.profile, to_state="cancelled").exists()
    assert _states(ours, stock_api) == ["released", "reserved"]


def test_an_iccid_with_a_nul_byte_is_404(stock_api) -> None:
    response = stock_api.get("/api/v1/esims/89%00")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_free_top_up_extends_the_allowance_without_posting_a_charge(
    esim, stock, stock_api
) -> None:
    plan = stock.top_up_plan(price=Decimal("0"), data_mb=512, validity_days=7)

    response = stock_api.post(_url(esim, "/topups"), {"plan": plan.code})

    assert response.status_code == 201
    assert response.json()["new_data_mb"] == 1536
    assert partner_balance(partner=stock.partner) == Decimal("95.00")


def test_a_top_up_priced_in_another_currency_is_422_and_changes_nothing(
    esim, stock, stock_api
) -> None:
    plan = stock.top_up_plan(price=Decimal("2.00"), data_mb=512, validity_days=7)
    plan.currency = "EUR"
    plan.save()

    response = stock_api.post(_url(esim, "/topups"), {"plan": plan.code})

    assert response.status_code == 422
    assert response.json()["code"] == "plan_not_allowed"
    assert not esim.top_ups.exists()


def test_a_top_up_for_another_country_is_422_and_changes_nothing(esim, stock, stock_api) -> None:
    plan = stock.top_up_plan(price=Decimal("2.00"), data_mb=512, validity_days=7)
    plan.country = CountryFactory()
    plan.save()

    response = stock_api.post(_url(esim, "/topups"), {"plan": plan.code})

    assert response.status_code == 422
    assert response.json()["code"] == "plan_not_allowed"
    assert f"country {plan.country.iso2}" in response.json()["detail"]
    assert not esim.top_ups.exists()
    assert partner_balance(partner=stock.partner) == Decimal("95.00")


def test_a_top_up_for_a_region_on_a_country_esim_is_422(esim, stock, stock_api) -> None:
    plan = stock.top_up_plan(price=Decimal("2.00"), data_mb=512, validity_days=7)
    plan.country, plan.region = None, RegionFactory()
    plan.save()

    response = stock_api.post(_url(esim, "/topups"), {"plan": plan.code})

    assert response.status_code == 422
    assert response.json()["code"] == "plan_not_allowed"


def test_a_top_up_key_reused_after_24_hours_is_422(esim, stock, stock_api) -> None:
    plan = stock.top_up_plan(price=Decimal("2.00"), data_mb=512, validity_days=7)
    stock_api.post(_url(esim, "/topups"), {"plan": plan.code}, idempotency_key="top-1")
    esim.top_ups.update(created_at=F("created_at") - timedelta(hours=25))
    IdempotencyRecord.objects.update(expires_at=F("expires_at") - timedelta(hours=25))

    response = stock_api.post(_url(esim, "/topups"), {"plan": plan.code}, idempotency_key="top-1")

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_conflict"
    assert esim.top_ups.count() == 1
    assert partner_balance(partner=stock.partner) == Decimal("93.00")
