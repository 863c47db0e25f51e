"""The composition root: the one place that builds the adapters and wires them together.

Every factory here builds its object on first use and keeps it for the container's life
(:func:`chalicelib.platform.container.cached`; :func:`~chalicelib.platform.container.reset_all`
forgets them all). Entry points (``api/``, :mod:`chalicelib.inbound.consumer`,
:mod:`chalicelib.schedules`) ask this module for what they need; nothing below it imports it,
so the import graph has no cycle (tests/test_import_graph.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.platform.container import cached

if TYPE_CHECKING:
    from chalicelib.documents.intake import DocumentIntake
    from chalicelib.domain.office_hours import OfficeHours
    from chalicelib.inbound.processor import Processor
    from chalicelib.notify.notifier import Notifier
    from chalicelib.reminders.runner import Reminders
    from chalicelib.services.back_office import BackOffice
    from chalicelib.services.data_rights import DataRights
    from chalicelib.services.submission import SubmissionService
    from chalicelib.storage.conversations import LiveConversations
    from chalicelib.storage.documents import DocumentStore
    from chalicelib.storage.oauth_states import OAuthStates
    from chalicelib.zalo.client import ZaloClient
    from chalicelib.zalo.tokens import TokenManager


@cached
def get_token_manager() -> TokenManager:
    """The container's token manager (its in-memory token lives as long as it does)."""
    from chalicelib.platform.aws import client
    from chalicelib.settings import get_settings
    from chalicelib.storage.table import get_table
    from chalicelib.storage.tokens import KmsSealer, TokenStore
    from chalicelib.zalo.tokens import TokenManager

    settings = get_settings()
    sealer = KmsSealer(client("kms"), settings.TOKEN_KMS_KEY)
    return TokenManager(TokenStore(get_table(), sealer), settings)


def reset_token_manager() -> None:
    """Forget the cached manager and its in-memory token (tests)."""
    get_token_manager.cache_clear()  # type: ignore[attr-defined]


@cached
def get_client() -> ZaloClient:
    """The container's Open API client, wired to the settings and the token manager."""
    from chalicelib.settings import get_settings
    from chalicelib.zalo.client import ZaloClient

    return ZaloClient(get_settings(), get_token_manager())


@cached
def get_notifier() -> Notifier:
    """The container's notifier, wired to the real client, table and settings."""
    from chalicelib.notify.notifier import Notifier
    from chalicelib.settings import get_settings
    from chalicelib.storage.idempotency import Jobs
    from chalicelib.storage.notices import Notices
    from chalicelib.storage.table import get_table
    from chalicelib.storage.users import Users

    table = get_table()
    return Notifier(get_client(), Users(table), Jobs(table), Notices(table), get_settings())


@cached
def get_oauth_states() -> OAuthStates:
    """Where the consent flow keeps its single-use states."""
    from chalicelib.storage.oauth_states import OAuthStates
    from chalicelib.storage.table import get_table

    return OAuthStates(get_table())


@cached
def get_processor() -> Processor:
    """The inbound processor wired to the real storage, notifier and lookups."""
    from chalicelib.conversation.model import EngineSettings
    from chalicelib.inbound.processor import Processor
    from chalicelib.services.lookups import get_lookups
    from chalicelib.settings import get_settings
    from chalicelib.storage.dossiers import Dossiers
    from chalicelib.storage.idempotency import Jobs
    from chalicelib.storage.sessions import Sessions
    from chalicelib.storage.table import get_table
    from chalicelib.storage.users import Users

    table = get_table()
    return Processor(
        jobs=Jobs(table),
        users=Users(table),
        sessions=Sessions(table),
        notifier=get_notifier(),
        lookups=get_lookups(),
        dossiers=Dossiers(table),
        engine_settings=EngineSettings.from_app_settings(get_settings()),
        uploads=get_document_store(),
        submissions=_submissions(table),
        ratings=_ratings(table),
        data_rights=get_data_rights(),
        info_card_image_url=get_settings().USER_INFO_CARD_IMAGE_URL,
        feedback=get_feedback_tools,
        live=get_live(),
        postal=get_postal_service(),
    )


@cached
def get_live_conversations() -> LiveConversations:
    """Live conversations with an officer (issue 14) in the table."""
    from chalicelib.settings import get_settings
    from chalicelib.storage.conversations import LiveConversations
    from chalicelib.storage.table import get_table

    return LiveConversations(get_table(), keep_days=get_settings().LIVE_KEEP_DAYS)


@cached
def get_office_hours() -> OfficeHours:
    """When officers answer live conversations (``LIVE_OFFICE_HOURS`` on working days)."""
    from chalicelib.domain.calendar import default_calendar
    from chalicelib.domain.office_hours import OfficeHours
    from chalicelib.settings import get_settings

    return OfficeHours.from_setting(default_calendar(), get_settings().LIVE_OFFICE_HOURS)


def get_live() -> Any:
    """The live-conversation effects' collaborators (:class:`chalicelib.inbound.effects.Live`)."""
    from datetime import timedelta

    from chalicelib.inbound.effects import Live
    from chalicelib.settings import get_settings
    from chalicelib.storage.table import get_table
    from chalicelib.storage.users import Users

    settings = get_settings()
    return Live(
        store=get_live_conversations(),
        intake=get_document_intake(),
        uploads=Users(get_table()),
        hours=get_office_hours(),
        agency=settings.LIVE_CHAT_AGENCY,
        idle=timedelta(hours=settings.LIVE_IDLE_HOURS),
        max_mb=max(1, settings.DOCUMENT_MAX_BYTES // (1024 * 1024)),
    )


def _ratings(table: Any) -> Any:
    """Satisfaction ratings from the chat (the rating flow's effect)."""
    from chalicelib.services.ratings import RatingService
    from chalicelib.storage.dossiers import Dossiers
    from chalicelib.storage.ratings import Ratings

    return RatingService(Dossiers(table), Ratings(table))


@cached
def get_data_rights() -> DataRights:
    """Data-rights requests: the user and dossier stores, the request log, the exports."""
    from chalicelib.domain.calendar import default_calendar
    from chalicelib.services.data_rights import DataRights
    from chalicelib.settings import get_settings
    from chalicelib.storage.data_rights import DataRightsLog
    from chalicelib.storage.dossiers import Dossiers
    from chalicelib.storage.table import get_table
    from chalicelib.storage.users import Users

    settings = get_settings()
    table = get_table()
    return DataRights(
        users=Users(table),
        dossiers=Dossiers(table),
        log=DataRightsLog(table),
        exports=get_document_store(),
        calendar=default_calendar(),
        secret=settings.WEBFORM_SECRET.get_secret_value(),
        public_base_url=settings.PUBLIC_BASE_URL,
        link_seconds=settings.DATA_EXPORT_LINK_SECONDS,
    )


def get_postal_service() -> Any:
    """Postal orders, the postal queue, the outbox and the provider (chalicelib/postal/)."""
    from chalicelib.postal.wiring import get_postal_service as postal_service

    return postal_service()


def _submissions(table: Any) -> Any:
    """The chat submission's collaborators (None when PUBLIC_BASE_URL is not configured:
    its effects then fail loudly rather than promise a receipt)."""
    from chalicelib.inbound.effects import Submissions
    from chalicelib.settings import ConfigurationError, get_settings
    from chalicelib.storage.drafts import DraftFiles

    try:
        service = get_submission_service()
    except ConfigurationError:
        return None
    max_mb = max(1, get_settings().DOCUMENT_MAX_BYTES // (1024 * 1024))
    return Submissions(
        intake=get_document_intake(),
        drafts=DraftFiles(table),
        service=service,
        max_mb=max_mb,
        documents=get_document_store(),
    )


@cached
def get_document_store() -> DocumentStore:
    """The documents bucket of the settings, on the shared S3 client."""
    from chalicelib.platform.aws import client
    from chalicelib.settings import get_settings
    from chalicelib.storage.documents import DocumentStore

    settings = get_settings()
    return DocumentStore(
        client("s3"), settings.DOCUMENTS_BUCKET, link_seconds=settings.DOCUMENT_LINK_SECONDS
    )


@cached
def get_document_intake() -> DocumentIntake:
    """Citizens' attachments in: the CDN allow-list and limits of the settings, the shared HTTP
    session, the documents bucket."""
    from chalicelib.documents.download import AllowList, CdnDownloader
    from chalicelib.documents.intake import DocumentIntake
    from chalicelib.settings import get_settings
    from chalicelib.zalo.http import http_session

    settings = get_settings()
    downloader = CdnDownloader(
        http_session(),
        AllowList.from_setting(settings.ZALO_CDN_HOSTS),
        max_bytes=settings.DOCUMENT_MAX_BYTES,
        timeout=(settings.HTTP_CONNECT_TIMEOUT, settings.HTTP_READ_TIMEOUT),
        total_seconds=settings.DOCUMENT_DOWNLOAD_SECONDS,
    )
    return DocumentIntake(downloader, get_document_store(), max_bytes=settings.DOCUMENT_MAX_BYTES)


@cached
def get_submission_service() -> SubmissionService:
    """Dossier creation from confirmed submissions: the table, the documents bucket, the public
    base URL of receipts' links (ConfigurationError when it is not set)."""
    from chalicelib.services.submission import SubmissionService
    from chalicelib.settings import get_settings
    from chalicelib.storage.dossiers import Dossiers
    from chalicelib.storage.table import get_table

    return SubmissionService(
        Dossiers(get_table()),
        get_document_store(),
        public_base_url=get_settings().PUBLIC_BASE_URL,
    )


@cached
def get_reminders() -> Reminders:
    """The reminders schedule's work, wired to the table, the outbox and SES."""
    from chalicelib.domain.calendar import default_calendar
    from chalicelib.notify.outbox import get_outbox
    from chalicelib.platform.aws import client
    from chalicelib.reminders.digest import DigestMailer
    from chalicelib.reminders.handlers import default_handlers
    from chalicelib.reminders.runner import REMINDER_KEEP_DAYS, QuietHours, Reminders
    from chalicelib.settings import get_settings
    from chalicelib.storage.digests import Digests
    from chalicelib.storage.due import DueIndex
    from chalicelib.storage.idempotency import Jobs
    from chalicelib.storage.table import get_table

    settings = get_settings()
    table = get_table()
    addresses = settings.digest_emails()
    mailer = None
    if addresses and settings.DIGEST_EMAIL_SENDER:
        mailer = DigestMailer(client("ses"), settings.DIGEST_EMAIL_SENDER, addresses)
    return Reminders(
        table=table,
        rules=settings.reminder_rules(),
        due=DueIndex(table),
        jobs=Jobs(table, keep_days=REMINDER_KEEP_DAYS),
        outbox=get_outbox(),
        digests=Digests(table),
        mailer=mailer,
        calendar=default_calendar(),
        quiet=QuietHours(settings.REMINDER_QUIET_START_HOUR, settings.REMINDER_QUIET_END_HOUR),
        max_items=settings.REMINDER_MAX_ITEMS,
        registry=default_handlers(),
    )


@cached
def get_feedback_service() -> Any:
    """Questions, feedback and petitions (issue 14): the store, the documents bucket, the
    outbox, the working calendar, routing and targets from the settings."""
    from chalicelib.catalogue.store import get_store
    from chalicelib.domain.calendar import default_calendar
    from chalicelib.notify.outbox import get_outbox
    from chalicelib.services.feedback import FeedbackService
    from chalicelib.settings import get_settings
    from chalicelib.storage.feedback import FeedbackStore
    from chalicelib.storage.table import get_table
    from chalicelib.storage.users import Users

    settings = get_settings()

    def agency_name(code: str) -> str:
        try:
            agency = get_store().agency(code)
        except Exception:  # a name is a courtesy; the code is enough
            return code
        return agency.name if agency is not None else code

    return FeedbackService(
        FeedbackStore(get_table()),
        documents=get_document_store(),
        outbox=get_outbox,
        calendar=default_calendar(),
        routing=settings.feedback_routing(),
        default_agency=settings.FEEDBACK_DEFAULT_AGENCY,
        target_days=settings.feedback_target_days(),
        hotline=settings.CENTRE_HOTLINE,
        agency_name=agency_name,
        users=Users(get_table()),
    )


@cached
def get_feedback_tools() -> Any:
    """What the chat's feedback effects use: the service, the intake, the draft files."""
    from chalicelib.inbound.effects import FeedbackTools
    from chalicelib.settings import get_settings
    from chalicelib.storage.drafts import DraftFiles
    from chalicelib.storage.table import get_table

    max_mb = max(1, get_settings().DOCUMENT_MAX_BYTES // (1024 * 1024))
    return FeedbackTools(
        service=get_feedback_service(),
        intake=get_document_intake(),
        drafts=DraftFiles(get_table()),
        max_mb=max_mb,
    )


@cached
def get_back_office() -> BackOffice:
    """The back office's use cases (issue 12): dossiers, the access log, the documents bucket,
    the outbox, result links (RESULT_LINK_SECRET and PUBLIC_BASE_URL, checked when a link is
    made) and the catalogue's procedure defaults."""
    from chalicelib.catalogue.store import get_store
    from chalicelib.notify.outbox import get_outbox
    from chalicelib.services.back_office import BackOffice, ProcedureDefaults
    from chalicelib.services.result_links import ResultLinks
    from chalicelib.settings import ConfigurationError, get_settings
    from chalicelib.storage.access_log import AccessLog
    from chalicelib.storage.dossiers import Dossiers
    from chalicelib.storage.table import get_table

    settings = get_settings()
    table = get_table()

    def result_link(code: str, key: str) -> str:
        if not settings.PUBLIC_BASE_URL:
            raise ConfigurationError("PUBLIC_BASE_URL", "missing (result links point to it)")
        secret = settings.RESULT_LINK_SECRET.get_secret_value()
        return ResultLinks(secret, settings.PUBLIC_BASE_URL).link(code, key)

    return BackOffice(
        Dossiers(table),
        AccessLog(table),
        get_document_store(),
        get_outbox(),
        result_link=result_link,
        hotline=settings.CENTRE_HOTLINE,
        procedures=ProcedureDefaults(get_store().procedure),
    )
