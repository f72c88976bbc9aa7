"""Operations: structured logs, Prometheus metrics and the garbage collector's pauses."""
