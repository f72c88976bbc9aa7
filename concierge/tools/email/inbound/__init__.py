"""Inbound email: one parser per provider (`mime`, `sendgrid`, `resend`), each producing the same
`concierge.schemas.InboundEmail`; `headers` reads threading and auto-reply headers, `dsn` delivery
reports, `reply_text` the customer's own words; `auth` checks who may post."""
