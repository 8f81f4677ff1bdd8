"""Staff pages for inventory: pools with stock and cover, CSV import with live progress."""
