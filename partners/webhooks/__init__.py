"""Partner webhooks (Standard Webhooks): endpoints, signed deliveries, retries, SSRF guard."""
