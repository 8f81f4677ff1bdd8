"""Staff pages for partners: accounts, API keys, plan access and prices, balance, webhooks."""
