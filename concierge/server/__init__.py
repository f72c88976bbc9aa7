"""HTTP only: the FastAPI app, the dependencies its routes share, request and response bodies, the
webhook verifiers and how a thread looks to operators; one route module per resource (`routes/`)."""
