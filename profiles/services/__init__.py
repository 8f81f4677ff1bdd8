"""Every write in the profiles app (HackSoft-style services, one per business action)."""

from profiles.services.transitions import profile_reserve_available, profile_transition

__all__ = ["profile_reserve_available", "profile_transition"]
