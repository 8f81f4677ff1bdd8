"""Request and response examples for the orders and eSIMs operations (shown in the docs)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample

ICCID = "8988247000001234567"
CODE = "LPA:1$smdp.example.com$K2-1A2B3C-4D5E6F"

ESIM = {
    "iccid": ICCID,
    "status": "released",
    "profile_state": "installed",
    "order_id": 1042,
    "plan": "eu-5gb-30d",
    "data_mb": 5120,
    "data_used_mb": "812.400",
    "validity_days": 30,
    "activated_at": "2026-11-26T08:12:00Z",
    "expires_at": "2026-12-26T08:12:00Z",
    "created_at": "2026-11-25T10:00:00Z",
}
ESIM_DETAIL = {
    **ESIM,
    "activation_code": CODE,
    "smdp_address": "smdp.example.com",
    "matching_id": "K2-1A2B3C-4D5E6F",
    "confirmation_code_required": False,
    "ios_install_url": "https://esimsetup.apple.com/esim_qrcode_provisioning?carddata=LPA%3A1%24smdp.example.com%24K2-1A2B3C-4D5E6F",
    "android_install_url": "https://esimsetup.android.com/esim_qrcode_provisioning?carddata=LPA%3A1%24smdp.example.com%24K2-1A2B3C-4D5E6F",
    "qr_svg_url": f"https://api.coreesim.test/api/v1/esims/{ICCID}/qr.svg",
    "qr_png_url": f"https://api.coreesim.test/api/v1/esims/{ICCID}/qr.png",
    "traveler_page_url": "https://coreesim.test/esim/3tGq0kJ2rQ8…",
    "data_remaining_mb": "4307.600",
}
ORDER = {
    "id": 1042,
    "status": "completed",
    "reference": "booking-8812",
    "plan": "eu-5gb-30d",
    "quantity": 1,
    "currency": "EUR",
    "unit_price": "9.90",
    "total_price": "9.90",
    "refunded_amount": "0.00",
    "traveler_email": "ana@example.com",
    "eid": "",
    "created_at": "2026-11-25T10:00:00Z",
    "completed_at": "2026-11-25T10:00:03Z",
    "esims": [ESIM],
}
TOP_UP = {
    "id": 77,
    "plan": "eu-1gb-topup",
    "currency": "EUR",
    "price": "3.50",
    "data_mb": 1024,
    "validity_days": 7,
    "new_data_mb": 6144,
    "new_expires_at": "2027-01-02T08:12:00Z",
    "created_at": "2026-12-20T09:00:00Z",
}
EVENT = {
    "id": 90331,
    "from_state": "downloaded",
    "to_state": "installed",
    "source": "es2plus",
    "occurred_at": "2026-11-26T08:12:00Z",
}
USAGE = {
    "iccid": ICCID,
    "data_mb": 6144,
    "data_used_mb": "812.400",
    "data_remaining_mb": "5331.600",
    "expires_at": "2027-01-02T08:12:00Z",
    "top_ups": [TOP_UP],
    "records": [
        {
            "used_mb": "412.200",
            "period_start": "2026-11-27T00:00:00Z",
            "period_end": "2026-11-28T00:00:00Z",
        }
    ],
}


def response(name: str, value: object, status: str = "200") -> OpenApiExample:
    return OpenApiExample(name, value=value, response_only=True, status_codes=[status])


def request(name: str, value: object) -> OpenApiExample:
    return OpenApiExample(name, value=value, request_only=True)
