"""The working nodes, one module each (LLM steps, sends, writes), their prompts beside them; the waits
that sit between them are in `concierge.graph.waits`. `call_time`, `email_only` and `outcome` hold
what several nodes share."""
