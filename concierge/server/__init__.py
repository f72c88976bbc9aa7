"""HTTP API, job queue and the runtime that ties graph, checkpointer and services together."""
