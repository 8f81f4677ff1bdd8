"""Catalogue (countries, regions, networks, plans) and inventory (pools, profiles, history)."""

from profiles.models.catalogue import Country, Network, Plan, Region
from profiles.models.imports import ProfileImport
from profiles.models.inventory import (
    STATE_TIMESTAMP_FIELDS,
    AppendOnlyError,
    PoolStateCount,
    Profile,
    ProfileEvent,
    ProfilePool,
)

__all__ = [
    "STATE_TIMESTAMP_FIELDS",
    "AppendOnlyError",
    "Country",
    "Network",
    "Plan",
    "PoolStateCount",
    "Profile",
    "ProfileEvent",
    "ProfileImport",
    "ProfilePool",
    "Region",
]
