"""Use cases. Services flush, never commit: the request or task that calls them is the transaction."""
