"""All configuration in one place: every integration is chosen by environment variables (or `.env`).

With nothing set, every part runs on its embedded default (no keys, no servers) under `data_dir`.
"""

from __future__ import annotations

import re
from datetime import time, timedelta
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from concierge.keys import local_secret

PACKAGE_DATA = Path(__file__).parent / "data"
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([smhdSMHD]?)\s*")


class SettingsError(ValueError):
    """A setting is invalid or names a part that cannot be built as configured; the message names
    the setting and what it allows."""


def parse_duration(text: str, *, bare: str | None = "s") -> timedelta:
    """A duration such as `30s`, `90m`, `24h` or `2d`. A bare number counts in the unit `bare`
    (seconds unless a setting says otherwise; None: the unit must be given)."""
    match = _DURATION.fullmatch(text)
    unit = match and (match[2].lower() or bare)
    if not match or not unit:
        raise ValueError(f"not a duration: {text!r} (use e.g. 30s, 90m, 24h, 2d)")
    return timedelta(seconds=float(match[1]) * _UNITS[unit])


def parse_clock_window(text: str) -> tuple[time, time]:
    """`"09:00-20:00"` → (start, end) of a daily window; `24:00` ends it at the end of the day."""
    try:
        start_text, end_text = (part.strip() for part in text.split("-"))
        start = time.fromisoformat(start_text)
        end = time.max if end_text == "24:00" else time.fromisoformat(end_text)
    except ValueError as exc:
        raise ValueError(f"CALL_WINDOW must look like 09:00-20:00, got {text!r}") from exc
    if start >= end:
        raise ValueError(f"CALL_WINDOW must start before it ends, got {text!r}")
    return start, end


class Settings(BaseSettings):
    # Empty values count as unset, so a copied .env.example keeps every embedded default.
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True)

    # --- where embedded parts keep their files -------------------------------------------------
    data_dir: Path = Field(Path(".concierge"), alias="CONCIERGE_DATA_DIR")

    # --- company and offer policy ----------------------------------------------------------------
    company_name: str = Field("Wayfarer Stays", alias="COMPANY_NAME")
    max_discount_pct: float = Field(10.0, ge=0, le=50, alias="MAX_DISCOUNT_PCT")
    default_phone_region: str = Field("GB", alias="DEFAULT_PHONE_REGION")

    # --- LLM: Groq when GROQ_API_KEY is set, else an OpenAI-compatible endpoint, else offline ---
    groq_api_key: SecretStr | None = Field(None, alias="GROQ_API_KEY")
    groq_model: str = Field("llama-3.3-70b-versatile", alias="GROQ_MODEL")
    groq_base_url: str | None = Field(None, alias="GROQ_BASE_URL")
    llm_base_url: str | None = Field(None, alias="LLM_BASE_URL")
    llm_api_key: SecretStr | None = Field(None, alias="LLM_API_KEY")
    llm_model: str = Field("llama-3.3-70b-versatile", alias="LLM_MODEL")
    llm_temperature: float = Field(0.2, alias="LLM_TEMPERATURE")
    llm_timeout_s: float = Field(60.0, alias="LLM_TIMEOUT_S")
    llm_max_retries: int = Field(3, ge=0, le=10, alias="LLM_MAX_RETRIES")  # the SDK's own retries of 429/5xx per call
    # The most tokens one answer may generate: an email draft fits well within it, and a model that
    # runs away (digits into a summary) is cut off. Smaller steps ask for less (`tools/llm/structured.py`).
    llm_max_tokens: int = Field(1500, ge=64, le=32768, alias="LLM_MAX_TOKENS")
    # How the answer's structure is asked for: a named tool (Groq, OpenAI, vLLM), any tool with
    # `tool_choice: "required"` (servers that refuse a named tool, e.g. some llama.cpp builds), or a
    # JSON-schema `response_format` (llama.cpp, Ollama, vLLM without tool parsing).
    llm_structured_output: Literal["tool", "tool_required", "json_schema"] = Field("tool", alias="LLM_STRUCTURED_OUTPUT")
    # Dollars per million tokens, for the cost per ticket (Groq's list price of llama-3.3-70b-versatile).
    llm_price_input_per_mtok: float = Field(0.59, ge=0, alias="LLM_PRICE_INPUT_PER_MTOK")
    llm_price_output_per_mtok: float = Field(0.79, ge=0, alias="LLM_PRICE_OUTPUT_PER_MTOK")
    # Dollars of LLM use one ticket may spend; reaching it hands the ticket to a person (0 = no limit).
    llm_budget_per_ticket: float = Field(0.01, ge=0, alias="LLM_BUDGET_PER_TICKET")
    # Circuit breaker: this many failed LLM calls within the window send calls to the offline engine,
    # until a trial call after the cool-down succeeds.
    llm_breaker_failures: int = Field(3, ge=1, alias="LLM_BREAKER_FAILURES")
    llm_breaker_window_s: float = Field(60.0, gt=0, alias="LLM_BREAKER_WINDOW_S")
    llm_breaker_cooldown_s: float = Field(30.0, ge=0, alias="LLM_BREAKER_COOLDOWN_S")

    # --- database: checkpoints, Concierge's tables and, on PostgreSQL, the job queue --------------
    # Unset: SQLite files under data_dir and an in-process queue (one processing process).
    # postgresql://user:password@host:5432/db: any number of `concierge worker` processes.
    database_url: SecretStr | None = Field(None, alias="DATABASE_URL")
    # `transaction` behind a transaction pooler (PgBouncer): no prepared statements, no LISTEN/NOTIFY.
    database_pooler: Literal["none", "transaction"] = Field("none", alias="DATABASE_POOLER")
    database_pool_size: int = Field(10, ge=1, le=200, alias="DATABASE_POOL_SIZE")
    # Migrate the schema at start; default on for SQLite, off for PostgreSQL (`concierge db upgrade`).
    auto_migrate: bool | None = Field(None, alias="AUTO_MIGRATE")
    checkpoint_db: Path | None = Field(None, alias="CHECKPOINT_SQLITE_PATH")
    # PostgreSQL queue: jobs one worker process runs at once, and how long a silent worker's jobs
    # wait before another worker takes them over.
    worker_concurrency: int = Field(4, ge=1, le=100, alias="WORKER_CONCURRENCY")
    worker_stalled_after_s: float = Field(30.0, ge=3, le=3600, alias="WORKER_STALLED_AFTER_S")

    # --- knowledge base ---------------------------------------------------------------------------
    qdrant_url: str | None = Field(None, alias="QDRANT_URL")
    qdrant_api_key: SecretStr | None = Field(None, alias="QDRANT_API_KEY")
    qdrant_path: Path | None = Field(None, alias="QDRANT_PATH")
    qdrant_collection: str = Field("inventory", alias="QDRANT_COLLECTION")
    inventory_file: Path = Field(PACKAGE_DATA / "inventory.json", alias="INVENTORY_FILE")
    embedding_model: str | None = Field(None, alias="EMBEDDING_MODEL")
    reranker_model: str | None = Field(None, alias="RERANKER_MODEL")
    embedding_threads: int = Field(1, ge=1, alias="EMBEDDING_THREADS")
    retrieval_top_k: int = Field(3, ge=1, le=10, alias="RETRIEVAL_TOP_K")

    # --- helpdesk ---------------------------------------------------------------------------------
    helpdesk: Literal["local", "hubspot", "zendesk", "jira", "zoho"] = Field("local", alias="HELPDESK")
    helpdesk_seed_file: Path = Field(PACKAGE_DATA / "demo_tickets.json", alias="HELPDESK_SEED_FILE")
    ai_assignee: str = Field("AI Processing", alias="AI_ASSIGNEE")
    # Hosted helpdesks: retries on 429/5xx are bounded by attempts and by total seconds.
    # While the server runs, hosted helpdesks are polled for AI tickets this often (0 = webhooks only).
    helpdesk_poll_interval_s: float = Field(300.0, ge=0, alias="HELPDESK_POLL_INTERVAL_S")
    helpdesk_max_attempts: int = Field(5, ge=1, le=20, alias="HELPDESK_MAX_ATTEMPTS")
    helpdesk_max_wait_s: float = Field(60.0, ge=0, le=600, alias="HELPDESK_MAX_WAIT_S")
    # Status mapping (empty = the helpdesk's default, see the README): what "handed to a human",
    # "AI processing" and "resolved" are in the helpdesk's own words (status, stage or transition name).
    helpdesk_status_processing: str | None = Field(None, alias="HELPDESK_STATUS_PROCESSING")
    helpdesk_status_resolved: str | None = Field(None, alias="HELPDESK_STATUS_RESOLVED")
    helpdesk_status_human: str | None = Field(None, alias="HELPDESK_STATUS_HUMAN")

    # HubSpot Service Hub (Private App token; scopes tickets, crm.objects.contacts.read)
    hubspot_token: SecretStr | None = Field(None, alias="HUBSPOT_TOKEN")
    hubspot_base_url: str = Field("https://api.hubapi.com", alias="HUBSPOT_BASE_URL")
    hubspot_pipeline: str = Field("0", alias="HUBSPOT_PIPELINE")  # pipeline id or label
    hubspot_ai_stage: str = Field("New", alias="HUBSPOT_AI_STAGE")  # stage id or label where AI tickets wait
    hubspot_ai_owner_id: str | None = Field(None, alias="HUBSPOT_AI_OWNER_ID")  # owner id of the AI user
    hubspot_human_owner_id: str | None = Field(None, alias="HUBSPOT_HUMAN_OWNER_ID")
    hubspot_client_secret: SecretStr | None = Field(None, alias="HUBSPOT_CLIENT_SECRET")  # webhook v3 signatures

    # Zendesk Support (agent email + API token)
    zendesk_subdomain: str | None = Field(None, alias="ZENDESK_SUBDOMAIN")
    zendesk_base_url: str | None = Field(None, alias="ZENDESK_BASE_URL")  # empty = https://{subdomain}.zendesk.com/api/v2
    zendesk_email: str | None = Field(None, alias="ZENDESK_EMAIL")
    zendesk_api_token: SecretStr | None = Field(None, alias="ZENDESK_API_TOKEN")
    zendesk_ai_group_id: str | None = Field(None, alias="ZENDESK_AI_GROUP_ID")
    zendesk_ai_assignee_id: str | None = Field(None, alias="ZENDESK_AI_ASSIGNEE_ID")
    zendesk_human_group_id: str | None = Field(None, alias="ZENDESK_HUMAN_GROUP_ID")
    zendesk_webhook_secret: SecretStr | None = Field(None, alias="ZENDESK_WEBHOOK_SECRET")

    # Jira Service Management (Cloud; account email + API token)
    jira_base_url: str | None = Field(None, alias="JIRA_BASE_URL")  # https://{site}.atlassian.net
    jira_email: str | None = Field(None, alias="JIRA_EMAIL")
    jira_api_token: SecretStr | None = Field(None, alias="JIRA_API_TOKEN")
    jira_project: str | None = Field(None, alias="JIRA_PROJECT")
    jira_ai_account_id: str | None = Field(None, alias="JIRA_AI_ACCOUNT_ID")
    jira_human_account_id: str | None = Field(None, alias="JIRA_HUMAN_ACCOUNT_ID")
    jira_webhook_secret: SecretStr | None = Field(None, alias="JIRA_WEBHOOK_SECRET")

    # Zoho Desk (OAuth refresh token; data centre by domain)
    zoho_domain: str = Field("com", alias="ZOHO_DOMAIN")  # com, eu, in, com.au, jp, com.cn
    zoho_base_url: str | None = Field(None, alias="ZOHO_BASE_URL")  # empty = https://desk.zoho.{domain}/api/v1
    zoho_accounts_url: str | None = Field(None, alias="ZOHO_ACCOUNTS_URL")  # empty = https://accounts.zoho.{domain}
    zoho_org_id: str | None = Field(None, alias="ZOHO_ORG_ID")
    zoho_client_id: str | None = Field(None, alias="ZOHO_CLIENT_ID")
    zoho_client_secret: SecretStr | None = Field(None, alias="ZOHO_CLIENT_SECRET")
    zoho_refresh_token: SecretStr | None = Field(None, alias="ZOHO_REFRESH_TOKEN")
    zoho_ai_agent_id: str | None = Field(None, alias="ZOHO_AI_AGENT_ID")
    zoho_human_team_id: str | None = Field(None, alias="ZOHO_HUMAN_TEAM_ID")
    # The webhook's secret, carried in its URL as ?token= (Zoho Desk sends no header or signature);
    # comma-separated "current,previous" while a new one is rolled out.
    zoho_webhook_token: SecretStr | None = Field(None, alias="ZOHO_WEBHOOK_TOKEN")

    # --- email ------------------------------------------------------------------------------------
    email_backend: Literal["outbox", "smtp", "resend", "sendgrid"] = Field("outbox", alias="EMAIL_BACKEND")
    email_from: str = Field("Wayfarer Stays <stays@concierge.example.com>", alias="EMAIL_FROM")
    reply_domain: str = Field("concierge.example.com", alias="EMAIL_REPLY_DOMAIN")
    email_send_attempts: int = Field(4, ge=1, le=10, alias="EMAIL_SEND_ATTEMPTS")
    email_retry_max_wait_s: float = Field(30.0, ge=0, le=600, alias="EMAIL_RETRY_MAX_WAIT_S")
    smtp_host: str | None = Field(None, alias="SMTP_HOST")
    smtp_port: int = Field(587, alias="SMTP_PORT")
    smtp_security: Literal["starttls", "tls", "none"] = Field("starttls", alias="SMTP_SECURITY")
    smtp_username: str | None = Field(None, alias="SMTP_USERNAME")
    smtp_password: SecretStr | None = Field(None, alias="SMTP_PASSWORD")
    resend_api_key: SecretStr | None = Field(None, alias="RESEND_API_KEY")
    resend_base_url: str = Field("https://api.resend.com", alias="RESEND_BASE_URL")
    # Svix signing secret of the Resend webhook (whsec_...); enables POST /webhooks/email/resend.
    resend_webhook_secret: SecretStr | None = Field(None, alias="RESEND_WEBHOOK_SECRET")
    sendgrid_api_key: SecretStr | None = Field(None, alias="SENDGRID_API_KEY")
    sendgrid_base_url: str = Field("https://api.sendgrid.com", alias="SENDGRID_BASE_URL")
    # Inbound Parse auth (either enables POST /webhooks/email/sendgrid): basic auth "user:password"
    # in the Parse URL, or a secret token passed as ?token=... in it.
    sendgrid_inbound_basic_auth: SecretStr | None = Field(None, alias="SENDGRID_INBOUND_BASIC_AUTH")
    sendgrid_inbound_token: SecretStr | None = Field(None, alias="SENDGRID_INBOUND_TOKEN")
    # The largest Inbound Parse post read (SendGrid takes messages up to 30 MB; the post carries the
    # text once more). Attachments are counted, not kept; a larger post is recorded and alerted.
    sendgrid_inbound_max_bytes: int = Field(40 * 1024 * 1024, ge=1024, alias="SENDGRID_INBOUND_MAX_BYTES")
    # The Signed Event Webhook's verification key (base64 DER, from Mail Settings); enables
    # POST /webhooks/email/sendgrid/events, which learns the Message-ID each email was delivered with.
    sendgrid_event_public_key: str | None = Field(None, alias="SENDGRID_EVENT_WEBHOOK_PUBLIC_KEY")
    # An email that asks the customer something and gets no answer: one reminder after this long
    # ("48h", "90m", "2d"; a bare number is hours), then NO_REPLY_POLICY after the same wait again.
    reminder_after: timedelta = Field(timedelta(hours=48), alias="REMINDER_AFTER")
    no_reply_policy: Literal["escalate", "close"] = Field("escalate", alias="NO_REPLY_POLICY")

    # --- voice ------------------------------------------------------------------------------------
    voice_provider: Literal["simulator", "vapi", "bland"] = Field("simulator", alias="VOICE_PROVIDER")
    # Voice providers post call events to PUBLIC_BASE_URL + /api/v1/webhooks/voice/<provider> (see the API block).
    escalation_phone: str | None = Field(None, alias="ESCALATION_PHONE")  # E.164; a call transfers here
    call_window: str = Field("09:00-20:00", pattern=r"^\d{2}:\d{2}-\d{2}:\d{2}$", alias="CALL_WINDOW")  # customer's local time; 00:00-24:00 = any time
    call_on_sundays: bool = Field(False, alias="CALL_ON_SUNDAYS")
    # No answer, busy or voicemail: call again (inside the window) up to this many calls in all, this far apart.
    call_attempts: int = Field(3, ge=1, le=10, alias="CALL_ATTEMPTS")
    call_retry_minutes: float = Field(120, gt=0, le=7 * 24 * 60, alias="CALL_RETRY_MINUTES")
    # After the last unanswered call: "email" sends a follow-up offering another time or booking by
    # email and waits for the reply; "escalate" hands the ticket to a person at once.
    no_answer_policy: Literal["email", "escalate"] = Field("email", alias="NO_ANSWER_POLICY")
    # Calls in progress at once across every process sharing the store (the provider account's limit);
    # the rest wait in order, and a waiting call checks again this often besides being woken.
    max_concurrent_calls: int = Field(10, ge=1, le=10_000, alias="MAX_CONCURRENT_CALLS")
    call_line_poll_s: float = Field(60, gt=0, le=3600, alias="CALL_LINE_POLL_S")
    # The company's booking system (or PMS) receives every booking made on a call, signed like our
    # generic webhooks with BOOKING_WEBHOOK_SECRET (WEBHOOK_SECRET when unset).
    booking_webhook_url: str | None = Field(None, alias="BOOKING_WEBHOOK_URL")
    booking_webhook_secret: SecretStr | None = Field(None, alias="BOOKING_WEBHOOK_SECRET")
    vapi_api_key: SecretStr | None = Field(None, alias="VAPI_API_KEY")
    vapi_base_url: str = Field("https://api.vapi.ai", alias="VAPI_BASE_URL")
    vapi_phone_number_id: str | None = Field(None, alias="VAPI_PHONE_NUMBER_ID")
    # The token Vapi sends on every server message (a Custom Credential, or the legacy server secret).
    vapi_webhook_secret: SecretStr | None = Field(None, alias="VAPI_WEBHOOK_SECRET")
    vapi_webhook_header: Literal["X-Vapi-Secret", "Authorization"] = Field("X-Vapi-Secret", alias="VAPI_WEBHOOK_HEADER")
    vapi_credential_id: str | None = Field(None, alias="VAPI_CREDENTIAL_ID")  # server.credentialId, when set up in Vapi
    vapi_model: str = Field("gpt-4o", alias="VAPI_MODEL")  # OpenAI model Vapi runs the assistant on
    vapi_voice_id: str = Field("21m00Tcm4TlvDq8ikWAM", alias="VAPI_VOICE_ID")  # an ElevenLabs voice
    bland_api_key: SecretStr | None = Field(None, alias="BLAND_API_KEY")
    bland_base_url: str = Field("https://api.bland.ai", alias="BLAND_BASE_URL")
    bland_voice: str = Field("maya", alias="BLAND_VOICE")
    bland_webhook_secret: SecretStr | None = Field(None, alias="BLAND_WEBHOOK_SECRET")

    # --- alerts -----------------------------------------------------------------------------------
    alerts_console: bool = Field(True, alias="ALERTS_CONSOLE")
    # Where alerts go besides the local record (alerts.jsonl): comma-separated console, slack, discord.
    alerts: str = Field("console", alias="ALERTS")
    slack_webhook_url: SecretStr | None = Field(None, alias="SLACK_WEBHOOK_URL")
    slack_bot_token: SecretStr | None = Field(None, alias="SLACK_BOT_TOKEN")
    slack_channel: str | None = Field(None, alias="SLACK_CHANNEL")
    slack_api_url: str = Field("https://slack.com/api/", alias="SLACK_API_URL")
    # Slack app > Basic Information > Signing Secret: verifies the buttons' interactivity requests.
    slack_signing_secret: SecretStr | None = Field(None, alias="SLACK_SIGNING_SECRET")
    discord_webhook_url: SecretStr | None = Field(None, alias="DISCORD_WEBHOOK_URL")
    # Link to a ticket in the helpdesk's agent UI, e.g. https://acme.zendesk.com/agent/tickets/{ticket_id}
    helpdesk_ticket_url: str | None = Field(None, alias="HELPDESK_TICKET_URL")

    # --- operator console ----------------------------------------------------------------------------
    # Drafts that wait for an operator before they go out: offers (offer and confirm-by-email
    # emails), all (every email), or none.
    review_before_send: Literal["offers", "all", "none"] = Field("none", alias="REVIEW_BEFORE_SEND")
    # Fernet key (urlsafe base64, 32 bytes) for the secrets saved in the console; empty = generated in the data folder.
    settings_encryption_key: SecretStr | None = Field(None, alias="SETTINGS_ENCRYPTION_KEY")
    # Addresses from outside (a call's recording, a helpdesk link) are links only when https://;
    # true lets http:// ones be links too (local fakes). Anything else is shown as text.
    console_http_links: bool = Field(False, alias="CONSOLE_HTTP_LINKS")

    # --- API --------------------------------------------------------------------------------------
    admin_token: SecretStr | None = Field(None, alias="ADMIN_TOKEN")
    host: str = Field("127.0.0.1", alias="HOST")
    port: int = Field(8000, alias="PORT")
    # Proxies in front of `concierge serve` whose X-Forwarded-For / X-Forwarded-Proto are believed:
    # comma-separated addresses or networks (`*` = any). Empty = none: the client is the socket's peer.
    forwarded_allow_ips: str = Field("", alias="FORWARDED_ALLOW_IPS")
    # Signs reply addresses and message ids; empty = a random key generated once in the data folder.
    secret_key: SecretStr | None = Field(None, alias="SECRET_KEY")
    # Generic webhook signature (X-Concierge-Signature); comma-separated, the first signs and all
    # verify, so a secret can be rotated without downtime. Empty = generated in the data folder.
    webhook_secret: SecretStr | None = Field(None, alias="WEBHOOK_SECRET")
    webhook_tolerance_s: int = Field(300, ge=30, le=3600, alias="WEBHOOK_TOLERANCE_S")
    max_body_bytes: int = Field(1_048_576, ge=1024, alias="MAX_BODY_BYTES")
    # The address the outside world calls this server at (e.g. https://concierge.example.com): voice
    # providers post call events there, and HubSpot signs the full URL it called, which a proxy in
    # front of the app changes.
    public_base_url: str | None = Field(None, alias="PUBLIC_BASE_URL")
    # Lets provider URLs be http and reach loopback or private addresses (tests, local fakes); never
    # set in production. Only the environment sets it: the console cannot save it.
    allow_private_urls: bool = Field(False, alias="ALLOW_PRIVATE_URLS")

    # --- runtime ------------------------------------------------------------------------------------
    # First wait before an event that met a transient failure (provider or LLM unreachable) is tried
    # again; it doubles each time, up to 5 minutes, for as long as the failure lasts.
    retry_backoff_s: float = Field(2.0, gt=0, le=300, alias="RETRY_BACKOFF_S")
    # In-process workers: how many events run at once (one at a time per thread still).
    queue_concurrency: int = Field(8, ge=1, le=1000, alias="QUEUE_CONCURRENCY")
    # A pending event due this long ago, or a thread that neither waits nor finishes for this long,
    # alerts the team once. A duration such as 30s, 90m, 24h or 2d; 0 turns it off.
    stuck_after_s: float = Field(24 * 3600, ge=0, alias="STUCK_AFTER")

    # --- operations ---------------------------------------------------------------------------------
    log_format: Literal["console", "json"] = Field("console", alias="LOG_FORMAT")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", alias="LOG_LEVEL")

    @field_validator("data_dir", "checkpoint_db", "qdrant_path")
    @classmethod
    def _absolute(cls, value: Path | None) -> Path | None:
        # Resolved once, where the settings are read: a relative path resolved later (SQLAlchemy's
        # os.path.abspath) would ask for the working folder on the event loop, a blocking call.
        return None if value is None else value.expanduser().absolute()

    @field_validator("stuck_after_s", mode="before")
    @classmethod
    def _duration(cls, value: object) -> object:
        return parse_duration(value).total_seconds() if isinstance(value, str) else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("reminder_after", mode="before")
    @classmethod
    def _reminder_duration(cls, value: object) -> object:
        """"48h", "90m", "2d", "30s" or a bare number of hours."""
        if isinstance(value, str):
            value = parse_duration(value, bare="h")
        if isinstance(value, timedelta) and value <= timedelta(0):
            raise ValueError("REMINDER_AFTER must be longer than zero")
        return value

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _proxy_addresses(cls, value: str) -> str:
        import ipaddress

        entries = [e.strip() for e in value.split(",") if e.strip()]
        for entry in entries:
            if entry != "*":
                try:
                    ipaddress.ip_network(entry, strict=False)
                except ValueError:
                    raise ValueError(f"FORWARDED_ALLOW_IPS: {entry!r} is not an address or network (e.g. 10.0.0.5, 10.0.0.0/8, *)") from None
        return ",".join(entries)

    @field_validator("call_window")
    @classmethod
    def _valid_window(cls, value: str) -> str:
        parse_clock_window(value)  # a clear error at start, e.g. a window that ends before it starts
        return value

    @field_validator("settings_encryption_key")
    @classmethod
    def _fernet_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            from cryptography.fernet import Fernet

            try:
                Fernet(value.get_secret_value())
            except ValueError as exc:
                raise ValueError("SETTINGS_ENCRYPTION_KEY must be a Fernet key: 32 bytes, url-safe base64 (44 characters)") from exc
        return value

    # --- derived paths of the embedded parts ------------------------------------------------------
    @property
    def checkpoint_path(self) -> Path:
        return self.checkpoint_db or self.data_dir / "checkpoints.sqlite"

    @property
    def database(self) -> str | None:
        """The PostgreSQL URL, or None for the embedded SQLite files."""
        return self.database_url.get_secret_value() if self.database_url else None

    @property
    def migrate_at_start(self) -> bool:
        return self.auto_migrate if self.auto_migrate is not None else self.database is None

    @field_validator("database_url")
    @classmethod
    def _valid_database(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            from concierge.db.urls import is_postgres

            if not is_postgres(value.get_secret_value()):
                raise ValueError("DATABASE_URL must be a postgresql:// URL (unset it for the embedded SQLite files)")
        return value

    @property
    def app_db_path(self) -> Path:
        """Events inbox, effects ledger and correlation index."""
        return self.data_dir / "concierge.sqlite"

    @property
    def console_db_path(self) -> Path:
        """Operators and the settings saved in the console."""
        return self.data_dir / "console.sqlite"

    @property
    def helpdesk_db_path(self) -> Path:
        return self.data_dir / "helpdesk.sqlite"

    @property
    def qdrant_local_path(self) -> Path:
        return self.qdrant_path or self.data_dir / "qdrant"

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"

    @property
    def calls_dir(self) -> Path:
        return self.data_dir / "calls"

    @property
    def unmatched_emails_file(self) -> Path:
        """Inbound emails no thread could be matched to, kept for a person."""
        return self.data_dir / "unmatched_emails.jsonl"

    @property
    def alerts_file(self) -> Path:
        return self.data_dir / "alerts.jsonl"

    @cached_property
    def signing_key(self) -> str:
        if self.secret_key:
            return self.secret_key.get_secret_value()
        return local_secret(self.data_dir, "secret_key")

    @property
    def booking_signing_secret(self) -> str:
        """The secret that signs booking records: BOOKING_WEBHOOK_SECRET, else the generic webhook secret."""
        return self.booking_webhook_secret.get_secret_value() if self.booking_webhook_secret else self.webhook_secrets[0]

    @cached_property
    def webhook_secrets(self) -> list[str]:
        if self.webhook_secret:
            return [s.strip() for s in self.webhook_secret.get_secret_value().split(",") if s.strip()]
        return [local_secret(self.data_dir, "webhook_secret")]

    @property
    def alert_destinations(self) -> list[str]:
        names = [n.strip().lower() for n in self.alerts.split(",") if n.strip()]
        unknown = sorted(set(names) - {"console", "slack", "discord"})
        if unknown:
            raise ValueError(f"ALERTS has unknown destination(s) {', '.join(unknown)}; use console, slack, discord")
        return names

    @property
    def llm_engine(self) -> Literal["groq", "openai-compatible", "offline"]:
        if self.groq_api_key:
            return "groq"
        if self.llm_base_url:
            return "openai-compatible"
        return "offline"


@lru_cache
def get_settings() -> Settings:
    return Settings()
