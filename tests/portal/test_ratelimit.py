import uuid

from orders.portal.ratelimit import Limit, hit, hit_all


def _limit(max_hits: int = 3) -> Limit:
    return Limit(scope=f"test-{uuid.uuid4().hex}", max_hits=max_hits, window_seconds=60)


def test_attempts_within_the_limit_are_allowed():
    limit = _limit()
    assert all(hit(limit, "198.51.100.7").allowed for _ in range(3))


def test_the_attempt_past_the_limit_is_refused_with_a_retry_time():
    limit = _limit()
    for _ in range(3):
        hit(limit, "198.51.100.7")
    verdict = hit(limit, "198.51.100.7")
    assert not verdict.allowed
    assert 1 <= verdict.retry_after <= 60


def test_identifiers_are_counted_separately():
    limit = _limit(max_hits=1)
    hit(limit, "a@example.com")
    assert hit(limit, "b@example.com").allowed


def test_combined_limits_refuse_when_any_one_is_exceeded():
    per_ip, per_email = _limit(max_hits=10), _limit(max_hits=1)
    hit_all([(per_ip, "198.51.100.7"), (per_email, "a@example.com")])
    verdict = hit_all([(per_ip, "203.0.113.9"), (per_email, "a@example.com")])
    assert not verdict.allowed
