"""A built-in SM-DP+ that speaks ES2+ as strictly as ES2PLUS.md (and SGP.22) ask.

Used by ``make run``, the tests and the benchmarks. It deliberately shares no parsing code with
our client (``smdp_client.wire``): a bug on one side must not be hidden by the same bug on the
other. See docs/es2plus.md for its inventory rules, error codes and control endpoints.
"""
