"""The HTTP routes, one module per resource: health, threads, and webhooks/ (one module per kind of sender)."""
