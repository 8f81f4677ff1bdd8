"""Staff pages for SM-DP+ servers: health, configuration, certificates, test connection."""
