"""Staff pages for orders and eSIMs: search, timeline, operator actions, retries, dashboard."""
