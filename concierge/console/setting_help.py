"""What each setting on the console's settings page is, for the person filling it in: a label and
one line of help (the allowed values of a choice are listed beside it from the setting's type)."""

from __future__ import annotations

HELP: dict[str, tuple[str, str]] = {
    # helpdesk
    "HELPDESK": ("Helpdesk", "Where tickets come from and where notes and status go."),
    "HELPDESK_TICKET_URL": ("Ticket link", "A ticket in the helpdesk's agent view, with {ticket_id}, e.g. https://acme.zendesk.com/agent/tickets/{ticket_id}."),
    "AI_ASSIGNEE": ("AI assignee", "The helpdesk user or queue whose tickets Concierge takes."),
    "HUBSPOT_TOKEN": ("HubSpot private app token", "A private app token with the tickets and crm.objects.contacts.read scopes."),
    "HUBSPOT_PIPELINE": ("HubSpot pipeline", "The ticket pipeline Concierge works in."),
    "HUBSPOT_AI_STAGE": ("HubSpot stage for the AI", "The pipeline stage of tickets Concierge takes."),
    "HUBSPOT_AI_OWNER_ID": ("HubSpot AI owner", "The owner id tickets are assigned to for Concierge."),
    "HUBSPOT_HUMAN_OWNER_ID": ("HubSpot human owner", "The owner id an escalated ticket is handed to."),
    "ZENDESK_SUBDOMAIN": ("Zendesk subdomain", "The part before .zendesk.com."),
    "ZENDESK_BASE_URL": ("Zendesk address", "Left empty: https://SUBDOMAIN.zendesk.com/api/v2."),
    "ZENDESK_EMAIL": ("Zendesk agent email", "The agent the API token belongs to."),
    "ZENDESK_API_TOKEN": ("Zendesk API token", "Admin Center → Apps and integrations → APIs."),
    "ZENDESK_AI_GROUP_ID": ("Zendesk AI group", "The group whose tickets Concierge takes."),
    "ZENDESK_HUMAN_GROUP_ID": ("Zendesk human group", "The group an escalated ticket is handed to."),
    "JIRA_BASE_URL": ("Jira site", "https://YOUR-SITE.atlassian.net."),
    "JIRA_EMAIL": ("Jira account email", "The account the API token belongs to."),
    "JIRA_API_TOKEN": ("Jira API token", "id.atlassian.com → Security → API tokens."),
    "JIRA_AI_ACCOUNT_ID": ("Jira AI account", "The account id requests are assigned to for Concierge."),
    "JIRA_HUMAN_ACCOUNT_ID": ("Jira human account", "The account id an escalated request is handed to."),
    "ZOHO_DOMAIN": ("Zoho data centre", "Your account's data centre: com, eu, in, com.au, jp or com.cn."),
    "ZOHO_ORG_ID": ("Zoho organisation id", "Setup → Developer Space → API."),
    "ZOHO_CLIENT_ID": ("Zoho client id", "Of the self client that issued the refresh token."),
    "ZOHO_CLIENT_SECRET": ("Zoho client secret", "Of the same self client."),
    "ZOHO_REFRESH_TOKEN": ("Zoho refresh token", "Access tokens are renewed from it."),
    "ZOHO_AI_AGENT_ID": ("Zoho AI agent", "The agent id tickets are assigned to for Concierge."),
    "ZOHO_HUMAN_TEAM_ID": ("Zoho human team", "The team an escalated ticket is handed to."),
    # email
    "EMAIL_BACKEND": ("Email provider", "How emails go out; outbox writes them to files, sending nothing."),
    "EMAIL_FROM": ("From address", "The sender customers see, on a domain the provider has verified."),
    "EMAIL_REPLY_DOMAIN": ("Reply domain", "Replies go to a signed address on this domain, routed to Concierge's inbound webhook."),
    "REVIEW_BEFORE_SEND": ("Review before sending", "Emails that wait for an operator's approval: offers (offer and confirm-by-email), all, or none."),
    "SMTP_HOST": ("SMTP server", "The host name of the mail server."),
    "SMTP_PORT": ("SMTP port", "587 with STARTTLS, 465 with TLS from the start."),
    "SMTP_SECURITY": ("SMTP security", "starttls, tls, or none (only for a server on this machine)."),
    "SMTP_USERNAME": ("SMTP user", "Left empty when the server needs no login."),
    "SMTP_PASSWORD": ("SMTP password", "The login's password or app password."),
    "RESEND_API_KEY": ("Resend API key", "Full access, so replies can be fetched too."),
    "SENDGRID_API_KEY": ("SendGrid API key", "With Mail Send permission."),
    # voice
    "VOICE_PROVIDER": ("Voice provider", "Who places the calls; simulator rings nobody."),
    "ESCALATION_PHONE": ("Escalation phone", "A person's number (E.164, e.g. +351912345678) that a call is transferred to."),
    "CALL_WINDOW": ("Calling hours", "The customer's local hours for calls, e.g. 09:00-20:00."),
    "CALL_ATTEMPTS": ("Call attempts", "No answer, busy or voicemail: calls in all, within the calling hours, before an email asks for another time."),
    "VAPI_API_KEY": ("Vapi API key", "The private key from the Vapi dashboard."),
    "VAPI_PHONE_NUMBER_ID": ("Vapi phone number", "The id of the number calls go out from."),
    "VAPI_WEBHOOK_SECRET": ("Vapi webhook secret", "The server URL secret Vapi sends with each report."),
    "BLAND_API_KEY": ("Bland API key", "From the Bland dashboard."),
    "BLAND_WEBHOOK_SECRET": ("Bland webhook secret", "The signing secret of Bland's webhooks."),
    # alerts
    "ALERTS": ("Alert channels", "Where the team hears of bookings and escalations: console, slack, discord, comma-separated."),
    "SLACK_WEBHOOK_URL": ("Slack incoming webhook", "An incoming webhook URL of the channel alerts go to."),
    "SLACK_BOT_TOKEN": ("Slack bot token", "A bot token (xoxb-…) that posts alerts to the channel below."),
    "SLACK_CHANNEL": ("Slack channel", "The channel the bot posts in, e.g. #bookings."),
    "SLACK_API_URL": ("Slack API address", "Slack's API address; change it only for a proxy in front of slack.com."),
    "DISCORD_WEBHOOK_URL": ("Discord webhook", "Server settings → Integrations → Webhooks."),
    # LLM
    "GROQ_API_KEY": ("Groq API key", "Enables the LLM (llama-3.3-70b); without a key the offline engine answers."),
    "GROQ_MODEL": ("Groq model", "The model every step asks."),
    "LLM_BASE_URL": ("OpenAI-compatible server", "Your own server (vLLM, Ollama, llama.cpp), e.g. http://localhost:11434/v1."),
    "LLM_MODEL": ("Model on that server", "The model name the server knows."),
    "LLM_API_KEY": ("That server's key", "Left empty when the server takes any."),
    # knowledge base
    "QDRANT_URL": ("Qdrant server", "Left empty: the knowledge base runs inside Concierge, in its data folder."),
    "QDRANT_API_KEY": ("Qdrant API key", "For Qdrant Cloud or a server with an API key."),
    "QDRANT_COLLECTION": ("Collection", "The collection the inventory is kept in."),
    "INVENTORY_FILE": ("Inventory file", "The hotels and rooms file `concierge kb ingest` reads."),
    "EMBEDDING_MODEL": ("Embedding model", "Left empty: the packaged MiniLM; else a sentence-transformers model name."),
    "RERANKER_MODEL": ("Reranker model", "Left empty: the offline reranker; else a cross-encoder model name."),
}


def label_and_help(alias: str) -> tuple[str, str]:
    return HELP.get(alias, (alias.replace("_", " ").capitalize(), ""))
