"""The one settings object of the system.

Read lazily from the environment on first use (Chalice sets stage variables only while a
handler runs), cached, and resettable by tests. Every variable is listed with its default in
docs/configuration.md; a test keeps that table and this class in step.

Secrets (``ZALO_OA_SECRET_KEY``, ``ZALO_APP_SECRET``, ``OPERATOR_SECRET``, ``WEBFORM_SECRET``) and
the Zalo ids are never committed. In AWS they live in SSM Parameter Store (SecureString) under
``SECRETS_SSM_PATH`` (for example ``/camau-zalo/prod/ZALO_OA_SECRET_KEY``) and are fetched when
the environment does not carry them, through Powertools Parameters with a cache that expires
after ``SECRETS_CACHE_SECONDS``: a rotated secret is picked up within that time, without a cold
start (the settings are rebuilt when a fetched value changed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from chalicelib.platform.container import on_reset

if TYPE_CHECKING:
    from chalicelib.domain.reminders import ReminderRules

# Read from SSM Parameter Store when the environment does not carry them.
SSM_NAMES = (
    "ZALO_APP_ID",
    "ZALO_OA_ID",
    "ZALO_OA_SECRET_KEY",
    "ZALO_APP_SECRET",
    "OPERATOR_SECRET",
    "WEBFORM_SECRET",
    "INTEGRATION_CLIENTS",
    "RESULT_LINK_SECRET",
    "POSTAL_API_KEY",
)


# Deployed stages (``STAGE`` in .chalice/config.json) hold real citizens' data: there the operator
# secret must be strong and the OAuth callback must check the Official Account. The local
# system and the tests ("local", the default) keep their embedded defaults.
STRICT_STAGES = frozenset({"dev", "prod"})
MIN_OPERATOR_SECRET_CHARS = 32


class ConfigurationError(RuntimeError):
    """A setting is missing or invalid. ``setting`` names it; the message never holds a value."""

    def __init__(self, setting: str, problem: str) -> None:
        super().__init__(f"configuration error: {setting}: {problem}")
        self.setting = setting
        self.problem = problem


class Settings(BaseSettings):
    """Configuration. Field names are the environment variables, upper-cased."""

    model_config = SettingsConfigDict(case_sensitive=True, extra="ignore", frozen=True)

    # --- Zalo application and Official Account ---------------------------------------------
    ZALO_APP_ID: str = Field(min_length=1)
    ZALO_OA_ID: str = ""
    ZALO_OA_SECRET_KEY: SecretStr = Field(min_length=1)  # empty would make signatures forgeable
    ZALO_APP_SECRET: SecretStr = Field(min_length=1)
    ZALO_API_BASE: str = "https://openapi.zalo.me"
    ZALO_OAUTH_BASE: str = "https://oauth.zaloapp.com"
    ZALO_TEMPLATE_API_BASE: str = "https://business.openapi.zalo.me"
    ZALO_OAUTH_REDIRECT_URI: str = ""
    ZALO_VERIFIER_CODE: str = ""
    ZALO_VERIFIER_CONTENT: str = ""
    ZALO_CDN_HOSTS: str = "zdn.vn,zadn.vn,zalo.me"
    ZALO_TEMPLATE_IDS: str = "{}"
    ZALO_TEMPLATE_MODE: str = ""
    MESSAGING_WINDOW_DAYS: int = Field(default=7, ge=1, le=30)
    SESSION_TIMEOUT_MINUTES: int = Field(default=30, ge=1, le=1440)
    TOKEN_REFRESH_MARGIN_MINUTES: int = Field(default=120, ge=5)
    HTTP_CONNECT_TIMEOUT: float = 3.05
    HTTP_READ_TIMEOUT: float = 10.0
    HTTP_MAX_RETRIES: int = Field(default=3, ge=0, le=10)

    # --- Deployment stage ----------------------------------------------------------------------
    STAGE: str = "local"

    # --- Operators ---------------------------------------------------------------------------
    OPERATOR_SECRET: SecretStr = SecretStr("")
    SECRETS_SSM_PATH: str = ""
    CENTRE_HOTLINE: str = "0290 3 822 822"
    NATIONAL_PORTAL_URL: str = "https://dichvucong.gov.vn"

    # --- Dossier submission (documents, receipts) --------------------------------------------
    DOCUMENT_MAX_BYTES: int = Field(default=10 * 1024 * 1024, ge=1)
    DOCUMENT_DOWNLOAD_SECONDS: float = Field(default=30.0, gt=0)
    DOCUMENT_LINK_SECONDS: int = Field(default=300, ge=1, le=3600)
    PUBLIC_BASE_URL: str = ""
    # The image of Zalo's request_user_info card (the chat submission offers it to prefill
    # name, phone and address); Zalo requires one: without it the card is not sent.
    USER_INFO_CARD_IMAGE_URL: str = ""
    # The web form (chalicelib/services/webform.py): the HMAC key of its links, and the origin
    # the documents bucket's CORS rule allows (the scheme and host of PUBLIC_BASE_URL).
    WEBFORM_SECRET: SecretStr = SecretStr("")
    WEBFORM_ORIGIN: str = ""

    # --- Back-office integration API (chalicelib/api/integration/) ---------------------------
    # JSON {"<client id>": {"secrets": ["whsec_…"], "agencies": [...], "scopes": [...]}}.
    INTEGRATION_CLIENTS: SecretStr = SecretStr("{}")
    # HMAC key of the citizens' 30-day links to an electronic result (/public/results/{token}).
    RESULT_LINK_SECRET: SecretStr = SecretStr("")

    # --- Questions, feedback and petitions (issue 14) ----------------------------------------
    # Where an item goes when neither the routing table nor its procedure names an agency: the
    # provincial centre (QCVN 102 code; an inference, set the province's real code).
    FEEDBACK_DEFAULT_AGENCY: str = "000.00.00.H12"
    # JSON {"procedures": {"<code>": "<agency>"}, "fields": {"<field name>": "<agency>"}}.
    FEEDBACK_ROUTING: str = "{}"
    # JSON working days per step: reject, request_info, answer, publish.
    FEEDBACK_TARGET_DAYS: str = '{"reject": 2, "request_info": 5, "answer": 15, "publish": 2}'
    FAQ_CACHE_SECONDS: int = Field(default=60, ge=0, le=3600)
    FAQ_MAX_ENTRIES: int = Field(default=2000, ge=1, le=20000)

    # --- Live conversations with an officer ("Gặp cán bộ", conversation/flows/handoff.py) -----
    LIVE_CHAT_AGENCY: str = "000.00.17.H12"  # whose inbox they open in: the provincial centre
    LIVE_OFFICE_HOURS: str = "07:30-11:30,13:30-17:00"  # local slots on working days
    LIVE_IDLE_HOURS: int = Field(default=24, ge=1, le=720)
    LIVE_KEEP_DAYS: int = Field(default=90, ge=1, le=3650)

    @field_validator("LIVE_OFFICE_HOURS")
    @classmethod
    def _office_hours(cls, value: str) -> str:
        from chalicelib.domain.office_hours import parse_slots

        parse_slots(value)  # ValueError names the problem
        return value

    @field_validator("LIVE_CHAT_AGENCY")
    @classmethod
    def _live_agency(cls, value: str) -> str:
        from chalicelib.domain.agency import canonical_agency_code

        return canonical_agency_code(value)

    # --- Postal provider -----------------------------------------------------------------------
    POSTAL_API_BASE: str = "https://postal.invalid"
    # Our customer code at the provider and the API key of its booking API (SSM in AWS).
    POSTAL_CUSTOMER_CODE: str = "CAMAU-TTPVHCC"
    POSTAL_API_KEY: SecretStr = SecretStr("")
    POSTAL_READ_TIMEOUT: float = Field(default=10.0, gt=0)
    POSTAL_MAX_RETRIES: int = Field(default=2, ge=0, le=5)
    # Receives of a postal queue message before it is dead-lettered: the queue's maxReceiveCount.
    POSTAL_MAX_RECEIVES: int = Field(default=5, ge=1)
    # Postage per leg shown to the citizen before confirming (VND); 0 = not shown (not known).
    POSTAL_POSTAGE_VND: int = Field(default=0, ge=0)

    # --- AWS resources (names as declared in infra/resources.json) --------------------------
    AWS_REGION: str = "ap-southeast-1"
    TABLE_NAME: str = "camau-zalo-main"
    DOCUMENTS_BUCKET: str = "camau-zalo-documents-local"
    INBOUND_QUEUE: str = "camau-zalo-inbound.fifo"
    POSTAL_QUEUE: str = "camau-zalo-postal"
    # The KMS key that encrypts the OA token pair (infra/resources.json ``TokenKey``): its alias.
    TOKEN_KMS_KEY: str = "alias/camau-zalo-local-tokens"  # noqa: S105 - a key's name
    # Personal-data exports (chalicelib/services/data_rights.py): lifetime of the signed link
    # the citizen gets (the object itself expires after a day by the bucket's lifecycle).
    DATA_EXPORT_LINK_SECONDS: int = Field(default=900, ge=60, le=86400)
    INBOUND_MAX_RECEIVES: int = Field(default=9, ge=1)
    # "report" where the SQS event source mapping has ReportBatchItemFailures (the packaged
    # template sets both); "delete_and_raise" is safe on any mapping (chalice deploy).
    QUEUE_BATCH_FAILURES: Literal["report", "delete_and_raise"] = "delete_and_raise"
    METRICS_NAMESPACE: str = "CamauZalo"
    LOG_LEVEL: str = "INFO"

    # --- Reminders, agency digests (chalicelib/reminders/) ------------------------------------
    # Working days a citizen has before a reminder: a supplement requested (status 5), a result
    # ready (9) not collected, fees and taxes due (6).
    SUPPLEMENT_REMINDER_DAYS: int = Field(default=3, ge=1, le=60)
    RESULT_PICKUP_REMINDER_DAYS: int = Field(default=3, ge=1, le=60)
    FEES_REMINDER_DAYS: int = Field(default=2, ge=1, le=60)
    # No citizen reminder from QUIET_START to QUIET_END (local hours, Asia/Ho_Chi_Minh).
    REMINDER_QUIET_START_HOUR: int = Field(default=21, ge=0, le=23)
    REMINDER_QUIET_END_HOUR: int = Field(default=7, ge=0, le=23)
    # Due items one run handles at most (the rest wait for the next run; a metric says so).
    REMINDER_MAX_ITEMS: int = Field(default=2000, ge=1)
    # JSON {"<agency code>": "<e-mail address>"}: where each agency's daily digest is e-mailed
    # (Amazon SES, from DIGEST_EMAIL_SENDER, a verified identity); agencies not listed get
    # theirs through the integration API only.
    DIGEST_EMAILS: str = "{}"
    DIGEST_EMAIL_SENDER: str = ""

    def reminder_rules(self) -> ReminderRules:
        """The working days of :class:`chalicelib.domain.reminders.ReminderRules`."""
        from chalicelib.domain.reminders import ReminderRules

        return ReminderRules(
            supplement_days=self.SUPPLEMENT_REMINDER_DAYS,
            pickup_days=self.RESULT_PICKUP_REMINDER_DAYS,
            fees_days=self.FEES_REMINDER_DAYS,
        )

    def digest_emails(self) -> dict[str, str]:
        """Agency code (canonical) -> digest address, from DIGEST_EMAILS; bad JSON or entries
        are ignored (a ConfigurationError would stop the reminders themselves)."""
        import json

        from chalicelib.domain.agency import normalize_agency_code

        try:
            raw = json.loads(self.DIGEST_EMAILS or "{}")
        except ValueError:
            return {}
        if not isinstance(raw, dict):
            return {}
        found: dict[str, str] = {}
        for agency, address in raw.items():
            code = normalize_agency_code(str(agency))
            if code and isinstance(address, str) and "@" in address:
                found[code] = address.strip()
        return found

    def feedback_routing(self) -> dict[str, dict[str, str]]:
        """FEEDBACK_ROUTING parsed; ConfigurationError when it is not the documented shape."""
        import json

        try:
            value = json.loads(self.FEEDBACK_ROUTING or "{}")
            routing = {
                part: {str(k): str(v) for k, v in (value.get(part) or {}).items()}
                for part in ("procedures", "fields")
            }
        except (ValueError, AttributeError, TypeError):
            raise ConfigurationError("FEEDBACK_ROUTING", "not the documented JSON") from None
        return routing

    def feedback_target_days(self) -> dict[str, int]:
        """FEEDBACK_TARGET_DAYS parsed; ConfigurationError unless every step has 0..60 days."""
        import json

        try:
            value = json.loads(self.FEEDBACK_TARGET_DAYS)
            days = {
                step: int(value[step]) for step in ("reject", "request_info", "answer", "publish")
            }
        except (ValueError, KeyError, TypeError):
            raise ConfigurationError("FEEDBACK_TARGET_DAYS", "not the documented JSON") from None
        if not all(0 <= d <= 60 for d in days.values()):
            raise ConfigurationError("FEEDBACK_TARGET_DAYS", "days must be 0 to 60")
        return days

    def template_id(self, notice_type: str) -> str | None:
        """The approved Zalo template id for a notice type, or None when none is configured."""
        import json

        try:
            ids = json.loads(self.ZALO_TEMPLATE_IDS or "{}")
        except ValueError:
            return None
        value = ids.get(notice_type) if isinstance(ids, dict) else None
        return str(value) if value else None


SECRETS_CACHE_SECONDS = 300
_ssm_provider: Any = None
_current: tuple[dict[str, str], Settings] | None = None


def _ssm_secrets(path: str) -> dict[str, str]:
    """Secret values stored under ``path`` in SSM Parameter Store: one GetParametersByPath per
    ``SECRETS_CACHE_SECONDS`` and container (Powertools Parameters' cache), none in between."""
    global _ssm_provider
    if _ssm_provider is None:
        from aws_lambda_powertools.utilities.parameters import SSMProvider

        from chalicelib.platform.aws import client

        _ssm_provider = SSMProvider(boto3_client=client("ssm"))
    values = _ssm_provider.get_multiple(
        path.rstrip("/"), max_age=SECRETS_CACHE_SECONDS, decrypt=True
    )
    found: dict[str, str] = {}
    for key, value in values.items():
        name = str(key).rsplit("/", 1)[-1]
        if name in SSM_NAMES:
            found[name] = str(value)
    return found


def get_settings() -> Settings:
    """The settings: built once, and again only when a secret fetched from SSM changed.
    Raises ConfigurationError naming the first bad setting."""
    import os

    global _current
    # raw values that pydantic-settings parses like environment variables
    overrides: dict[str, Any] = {}
    ssm_path = os.environ.get("SECRETS_SSM_PATH", "")
    if ssm_path and any(not os.environ.get(name) for name in SSM_NAMES):
        overrides = {k: v for k, v in _ssm_secrets(ssm_path).items() if not os.environ.get(k)}
    current = _current
    if current is not None and current[0] == overrides:
        return current[1]
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        setting = ".".join(str(part) for part in first["loc"]) or "?"
        problem = "missing" if first["type"] == "missing" else first["msg"]
        raise ConfigurationError(setting, problem) from None
    _check_stage(settings)
    _current = (overrides, settings)
    return settings


def _check_stage(settings: Settings) -> None:
    """Raise ConfigurationError naming the first setting a deployed stage cannot run with."""
    if settings.STAGE not in STRICT_STAGES:
        return
    if len(settings.OPERATOR_SECRET.get_secret_value()) < MIN_OPERATOR_SECRET_CHARS:
        raise ConfigurationError(
            "OPERATOR_SECRET",
            f"must be at least {MIN_OPERATOR_SECRET_CHARS} characters in stage {settings.STAGE}",
        )
    if not settings.ZALO_OA_ID.strip():
        raise ConfigurationError("ZALO_OA_ID", f"must be set in stage {settings.STAGE}")


@on_reset
def reset_settings() -> None:
    """Forget the cached settings (tests, and the local runner after changing the environment)."""
    global _current, _ssm_provider
    _current = None
    _ssm_provider = None
