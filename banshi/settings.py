"""Settings from the environment (prefix ``BANSHI_``), validated at start-up.

A bad value stops start-up with a message that names the environment key.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from db.engine import DEFAULT_DATABASE_URL
from definitions.limits import MAX_DEFINITION_BYTES, MAX_DEFINITION_DEPTH
from web.clientip import Network, in_networks, parse_networks


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BANSHI_", extra="ignore")

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL, description="SQLAlchemy URL of the database."
    )
    tenant: str = Field(
        default="422822", pattern=r"^\d{6}$", description="Region code of this county (the tenant)."
    )
    demo_mode: bool = Field(default=False, description="Enable demo logins and demo data.")
    compression_ratio: float = Field(
        default=0.48,
        gt=0,
        le=1,
        description="Promised limit may be at most this share of the statutory limit.",
    )
    yellow_card_share: float = Field(
        default=0.8, gt=0, lt=1, description="Share of promised time that raises a yellow card."
    )
    separation_of_duties: bool = Field(
        default=True, description="Who accepted a case cannot decide it."
    )
    secret_key: str = Field(
        default="dev-only-change-me-dev-only-change-me",
        min_length=32,
        description="Signs sessions and CSRF tokens.",
    )
    policy_poll_ms: float = Field(
        default=500,
        ge=0,
        le=60000,
        description="How often each process checks for organisation changes (ms).",
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Public address printed on notices and QR codes.",
    )
    upload_dir: str = Field(
        default="var/uploads", description="Where uploaded files are stored by content hash."
    )
    max_upload_mb: float = Field(default=10, gt=0, le=100, description="Largest upload in MB.")
    definition_max_bytes: int = Field(
        default=MAX_DEFINITION_BYTES,
        ge=1024,
        le=64 * 1024 * 1024,
        description="Largest definition file `banshi definitions check` reads, in bytes.",
    )
    definition_max_depth: int = Field(
        default=MAX_DEFINITION_DEPTH,
        ge=8,
        le=200,
        description="Deepest nesting of arrays and objects in a definition file.",
    )
    max_body_mb: float = Field(
        default=32,
        gt=0,
        le=1024,
        description="Largest request body in MB (a form with its uploads); must exceed "
        "BANSHI_MAX_UPLOAD_MB. Larger bodies are refused with 413.",
    )
    max_form_kb: int = Field(
        default=1024,
        ge=16,
        le=65536,
        description="Largest body without files (a url-encoded form or a JSON request) in KB.",
    )
    max_form_fields: int = Field(
        default=2000,
        ge=100,
        le=100000,
        description="Most fields (parts) in one posted form.",
    )
    max_json_depth: int = Field(
        default=32,
        ge=4,
        le=1000,
        description="Deepest nesting of arrays and objects in a JSON body.",
    )
    max_group_rows: int = Field(
        default=500,
        ge=1,
        le=10000,
        description="Most rows of any repeating group, whatever its definition allows.",
    )
    max_errors_returned: int = Field(
        default=100, ge=1, le=10000, description="Most field errors listed in one answer."
    )
    query_per_minute: int = Field(
        default=10,
        ge=1,
        le=10000,
        description="Case queries (/query) per client address per minute.",
    )
    evaluate_per_minute: int = Field(
        default=60,
        ge=1,
        le=100000,
        description="Anonymous evaluations (POST /api/items/{code}/evaluate) per client address "
        "per minute.",
    )
    idempotency_ttl_s: int = Field(
        default=86400,
        ge=60,
        le=30 * 86400,
        description="How long an Idempotency-Key of an API filing is remembered (seconds).",
    )
    retry_after_s: int = Field(
        default=5,
        ge=1,
        le=3600,
        description="Retry-After (seconds) sent with 503 when the database cannot be reached.",
    )
    session_uploads: int = Field(
        default=50,
        ge=1,
        le=1000,
        description="How many uploads a session remembers (a material or file reference must "
        "be one of them).",
    )
    audit_key_file: str | None = Field(
        default=None,
        description="Ed25519 private key (PEM, PKCS#8) that signs audit checkpoints; keep it "
        "out of the database. Required outside demo mode by `banshi audit checkpoint`, by the "
        "worker's checkpoints and by `banshi audit verify` once checkpoints exist; in demo "
        "mode var/audit-key.pem is made when unset.",
    )
    audit_checkpoint_dir: str = Field(
        default="var/checkpoints",
        description="Where signed checkpoints are exported (checkpoints-<tenant>.jsonl, one "
        "line each); verify checks them too. Best on storage the database cannot write.",
    )
    audit_seal_batch: int = Field(
        default=2000,
        ge=1,
        le=100000,
        description="Events sealed into the audit log per transaction (a bounded step).",
    )
    audit_seal_s: float = Field(
        default=10,
        ge=0.1,
        le=3600,
        description="How often (seconds) the worker seals waiting events and signs a "
        "checkpoint: the longest an event stays unprotected while the worker runs.",
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses or networks of reverse proxies whose "
        "X-Forwarded-For is believed (none by default).",
    )

    @field_validator("max_body_mb")
    @classmethod
    def _body_holds_an_upload(cls, value: float, info: ValidationInfo) -> float:
        upload = info.data.get("max_upload_mb")
        if upload is not None and value <= upload:
            raise ValueError(f"must exceed BANSHI_MAX_UPLOAD_MB ({upload})")
        return value

    log_format: Literal["auto", "json", "console"] = Field(
        default="auto",
        description="Log lines as JSON (production) or readable (terminal); auto picks JSON "
        "unless stderr is a terminal.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="Lowest level of log lines written."
    )
    metrics_allow: str = Field(
        default="127.0.0.1/32,::1/128",
        description="Comma-separated addresses or networks that may read /metrics (others "
        "get 404).",
    )

    @field_validator("trusted_proxies", "metrics_allow")
    @classmethod
    def _proxies_parse(cls, value: str) -> str:
        parse_networks(value)
        return value

    @property
    def proxy_networks(self) -> tuple[Network, ...]:
        return parse_networks(self.trusted_proxies)

    def metrics_allowed(self, address: str) -> bool:
        return in_networks(address, parse_networks(self.metrics_allow))


class SettingsError(Exception):
    pass


def load_settings(**overrides: object) -> Settings:
    """Read and check the settings; errors name the environment key."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            key = "BANSHI_" + "_".join(str(p) for p in err["loc"]).upper()
            lines.append(f"{key}: {err['msg']}")
        raise SettingsError("设置错误 / invalid settings:\n" + "\n".join(lines)) from None
