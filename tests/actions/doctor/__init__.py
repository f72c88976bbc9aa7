"""`concierge doctor`'s checks, one module per part, each against its loopback fake."""
