from tests.portal.fixtures import _fresh_rate_limits, other_partner_esim, ready_esim

__all__ = ["_fresh_rate_limits", "other_partner_esim", "ready_esim"]
