"""The outside world, one folder per kind of part (helpdesk, email, voice, alerts, knowledge, llm),
each behind a Protocol in its `base.py` with one module per provider and a `build_*` factory in its
`__init__.py`; beside them the booking record, phone numbers, webhook signing and the classification
of failures."""
