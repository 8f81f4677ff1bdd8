"""handleDownloadProgressInfo: authenticate, validate, store durably (intake), apply (worker)."""
