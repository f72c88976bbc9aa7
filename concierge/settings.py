"""All configuration in one place: every integration is chosen by environment variables (or `.env`).

With nothing set, every part runs on its embedded default (no keys, no servers) under `data_dir`.
"""

from __future__ import annotations

from functools import cached_property, lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
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
    email_backend: Literal["outbox"] = Field("outbox", alias="EMAIL_BACKEND")
    email_from: str = Field("Wayfarer Stays <stays@concierge.example.com>", alias="EMAIL_FROM")
    reply_domain: str = Field("concierge.example.com", alias="EMAIL_REPLY_DOMAIN")

    # --- voice ------------------------------------------------------------------------------------
    voice_provider: Literal["simulator", "vapi", "bland"] = Field("simulator", alias="VOICE_PROVIDER")
    # Where providers post call events: PUBLIC_BASE_URL + /api/v1/webhooks/voice/<provider>.
    public_base_url: str | None = Field(None, alias="PUBLIC_BASE_URL")
    escalation_phone: str | None = Field(None, alias="ESCALATION_PHONE")  # E.164; a call transfers here
    call_window: str = Field("09:00-20:00", pattern=r"^\d{2}:\d{2}-\d{2}:\d{2}$", alias="CALL_WINDOW")  # customer's local time; 00:00-24:00 = any time
    call_on_sundays: bool = Field(False, alias="CALL_ON_SUNDAYS")
    # No answer, busy or voicemail: call again (inside the window) up to this many calls in all, this far apart.
    call_attempts: int = Field(3, ge=1, le=10, alias="CALL_ATTEMPTS")
    call_retry_minutes: int = Field(120, ge=1, le=7 * 24 * 60, alias="CALL_RETRY_MINUTES")
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

    @field_validator("call_window")
    @classmethod
    def _valid_window(cls, value: str) -> str:
        from concierge.tools.voice.calling_hours import CallWindow

        CallWindow.parse(value)  # a clear error at start, e.g. a window that ends before it starts
        return value

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
