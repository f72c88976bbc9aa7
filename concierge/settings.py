"""All configuration in one place: every integration is chosen by environment variables (or `.env`).

With nothing set, every part runs on its embedded default (no keys, no servers) under `data_dir`.
"""

from __future__ import annotations

from functools import cached_property, lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from concierge.keys import local_secret

PACKAGE_DATA = Path(__file__).parent / "data"


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

    # --- checkpoints ----------------------------------------------------------------------------
    checkpoint_db: Path | None = Field(None, alias="CHECKPOINT_SQLITE_PATH")

    # --- knowledge base ---------------------------------------------------------------------------
    qdrant_url: str | None = Field(None, alias="QDRANT_URL")
    qdrant_api_key: SecretStr | None = Field(None, alias="QDRANT_API_KEY")
    qdrant_path: Path | None = Field(None, alias="QDRANT_PATH")
    qdrant_collection: str = Field("inventory", alias="QDRANT_COLLECTION")
    inventory_file: Path = Field(PACKAGE_DATA / "inventory.json", alias="INVENTORY_FILE")
    embedding_model: str | None = Field(None, alias="EMBEDDING_MODEL")
    reranker_model: str | None = Field(None, alias="RERANKER_MODEL")
    retrieval_top_k: int = Field(3, ge=1, le=10, alias="RETRIEVAL_TOP_K")

    # --- helpdesk ---------------------------------------------------------------------------------
    helpdesk: Literal["local"] = Field("local", alias="HELPDESK")
    helpdesk_seed_file: Path = Field(PACKAGE_DATA / "demo_tickets.json", alias="HELPDESK_SEED_FILE")
    ai_assignee: str = Field("AI Processing", alias="AI_ASSIGNEE")

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

    # --- voice ------------------------------------------------------------------------------------
    voice_provider: Literal["simulator"] = Field("simulator", alias="VOICE_PROVIDER")

    # --- alerts -----------------------------------------------------------------------------------
    alerts_console: bool = Field(True, alias="ALERTS_CONSOLE")

    # --- API --------------------------------------------------------------------------------------
    admin_token: SecretStr | None = Field(None, alias="ADMIN_TOKEN")
    host: str = Field("127.0.0.1", alias="HOST")
    port: int = Field(8000, alias="PORT")
    # Signs reply addresses and message ids; empty = a random key generated once in the data folder.
    secret_key: SecretStr | None = Field(None, alias="SECRET_KEY")
    # Generic webhook signature (X-Concierge-Signature); comma-separated, the first signs and all
    # verify, so a secret can be rotated without downtime. Empty = generated in the data folder.
    webhook_secret: SecretStr | None = Field(None, alias="WEBHOOK_SECRET")
    webhook_tolerance_s: int = Field(300, ge=30, le=3600, alias="WEBHOOK_TOLERANCE_S")
    max_body_bytes: int = Field(1_048_576, ge=1024, alias="MAX_BODY_BYTES")

    # --- runtime ------------------------------------------------------------------------------------
    # First wait before an event that met a transient failure (provider or LLM unreachable) is tried
    # again; it doubles each time, up to 5 minutes, for as long as the failure lasts.
    retry_backoff_s: float = Field(2.0, gt=0, le=300, alias="RETRY_BACKOFF_S")

    # --- derived paths of the embedded parts ------------------------------------------------------
    @property
    def checkpoint_path(self) -> Path:
        return self.checkpoint_db or self.data_dir / "checkpoints.sqlite"

    @property
    def app_db_path(self) -> Path:
        """Events inbox, effects ledger and correlation index."""
        return self.data_dir / "concierge.sqlite"

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

    @cached_property
    def webhook_secrets(self) -> list[str]:
        if self.webhook_secret:
            return [s.strip() for s in self.webhook_secret.get_secret_value().split(",") if s.strip()]
        return [local_secret(self.data_dir, "webhook_secret")]

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
