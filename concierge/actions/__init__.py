"""The use cases, one module each, called alike by the HTTP routes, the CLI, the console and Slack:
take a ticket assigned to the AI (`assignments.py`), accept an inbound email (`inbound_email.py`), a
call report (`call_reports.py`), a person's decision (`decisions.py`), check every configured part
(`doctor/`). They record and queue work for the runtime and answer with `results.py`'s records;
what they refuse they raise as `errors.py`'s domain errors, which each caller turns into its own
answer (an HTTP status, a console page, a CLI line)."""
