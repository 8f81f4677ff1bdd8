from orders.portal.tokens import token_digest, token_generate, token_well_formed


def test_tokens_carry_at_least_128_random_bits():
    token = token_generate()
    assert len(token) * 6 >= 256
    assert token_well_formed(token)


def test_tokens_do_not_repeat():
    assert len({token_generate() for _ in range(1000)}) == 1000


def test_digest_is_stable_and_not_the_token():
    token = token_generate()
    assert token_digest(token) == token_digest(token)
    assert token not in token_digest(token)


def test_malformed_tokens_are_rejected_before_any_lookup():
    assert not token_well_formed("short")
    assert not token_well_formed("../" + "a" * 40)
    assert not token_well_formed("a" * 44)
