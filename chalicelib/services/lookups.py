"""The read-only lookups the conversation engine asks for, answered from storage.

Implements :class:`chalicelib.conversation.model.Lookups` by mapping domain records into the
engine's small view models. Costs: a procedure search is usually no AWS call (the cached index,
see :mod:`chalicelib.catalogue.store`); a procedure card is one GetItem plus one per named
agency; a dossier lookup is one GetItem; "my dossiers" is one Query.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime
from typing import Any

from chalicelib.conversation import texts
from chalicelib.conversation.model import (
    CentreInfo,
    DocumentLine,
    DossierView,
    FaqHit,
    FeedbackLine,
    PastDocument,
    ProcedureCard,
    ProcedureHit,
    ProcedurePage,
)
from chalicelib.domain.agency import current_agency_name
from chalicelib.platform import log
from chalicelib.platform.container import cached

_AGENCIES_ON_CARD = 2  # a card names at most this many agencies (one GetItem each)

# Whether the chat itself takes submissions yet. Until the submission flow exists, a card must
# not promise "nộp qua Zalo": it points to the portal instead. The submission issue turns this
# on together with its flow.
SUBMISSION_IN_CHAT = True


def _same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a).encode(), str(b).encode())


class StoreLookups:
    """Lookups over the catalogue store and the dossier repository."""

    def __init__(
        self,
        catalogue: Any,
        dossiers: Any,
        clock: Any = None,
        units: Any = None,
        feedback: Any = None,
    ) -> None:
        self._feedback = feedback
        self._catalogue = catalogue
        self._dossiers = dossiers
        self._clock = clock or (lambda: datetime.now(tz=UTC))
        self._units = units

    # --- receiving units ----------------------------------------------------------------------
    def centres(self, query: str) -> list[CentreInfo]:
        from chalicelib.services.places import get_receiving_units

        units = self._units or get_receiving_units()
        query = query.strip()
        if not query or query == "province":
            return [_centre(units.provincial_centre(), None)]
        by_id = next((u for u in units.all() if u.id == query), None)
        if by_id is not None:
            return [_centre(by_id, None)]
        answer = units.find(query)
        return [_centre(c.unit, _matched(c.match)) for c in answer.candidates]

    # --- procedures ---------------------------------------------------------------------------
    def search_procedures(self, query: str, offset: int, limit: int) -> ProcedurePage:
        try:
            index = self._catalogue.search_index()
        except LookupError:  # no catalogue imported yet: nothing to find, not a failure
            log.warning("catalogue_missing")
            return ProcedurePage(hits=[], total=0)
        page = index.search(query, offset=offset, limit=limit)
        return ProcedurePage(
            hits=[ProcedureHit(code=h.code, name=h.name) for h in page.hits], total=page.total
        )

    def procedure_card(self, code: str) -> ProcedureCard | None:
        procedure = self._catalogue.procedure(code)
        if procedure is None:
            return None
        agency_name, agency_address = self._agency_text(procedure)
        shortest, longest = procedure.shortest_time_limit(), procedure.longest_time_limit()
        limit_text = None
        if shortest is not None and longest is not None:
            limit_text = texts.time_limits_range(
                texts.time_limit(shortest.days, shortest.unit.value, shortest.description),
                texts.time_limit(longest.days, longest.unit.value, longest.description),
            )
        fees = list(
            dict.fromkeys(texts.fee(f.amount, f.unit, f.description) for f in procedure.fees)
        )
        online = procedure.online_level.value
        return ProcedureCard(
            code=procedure.code,
            name=procedure.name,
            field=procedure.field_name or None,
            agency=agency_name,
            agency_address=agency_address,
            time_limit=limit_text,
            fees=fees or ([texts.NO_FEE_INFORMATION] if not procedure.catalog_only else []),
            documents=[
                DocumentLine(
                    name=c.name,
                    originals=c.originals or None,
                    copies=c.copies or None,
                    code=c.code,
                    optional=c.optional,
                )
                for c in procedure.components
            ],
            online_level=online if online in ("full", "partial") else None,
            submit_in_zalo=procedure.submit_via_zalo and SUBMISSION_IN_CHAT,
            portal_url=procedure.portal_url,
            receiving_unit=None
            if procedure.catalog_only and not procedure.levels
            else texts.receiving_unit(
                [level.value for level in procedure.levels], procedure.national_system is not None
            ),
            national_system=procedure.national_system,
            national_system_url=procedure.national_system_url,
            in_person=procedure.in_person,
            details_on_portal=procedure.catalog_only and not procedure.agency_names,
            receiving_agency_code=procedure.agency_codes[0] if procedure.agency_codes else None,
            time_limit_days=_online_days(procedure),
            postal_delivery_allowed=procedure.postal_delivery_allowed,
            receiving_levels=[]
            if procedure.agency_codes
            else [lv.value for lv in procedure.levels],
        )

    def _agency_text(self, procedure: Any) -> tuple[str | None, str | None]:
        agencies = [self._catalogue.agency(c) for c in procedure.agency_codes[:_AGENCIES_ON_CARD]]
        agencies = [a for a in agencies if a is not None]
        if agencies:
            names = "; ".join(a.name for a in agencies)
            addresses = "; ".join(a.address for a in agencies if a.address)
            return names, addresses or None
        if procedure.agency_names:
            # Who really handles it, from the record (e.g. "Công an xã, phường" for residence
            # procedures), in today's wording; where to file it is ``receiving_unit``.
            distinct = dict.fromkeys(current_agency_name(n) for n in procedure.agency_names)
            return "; ".join(distinct), None
        return None, None

    # --- dossiers -------------------------------------------------------------------------------
    def _view(self, dossier: Any, owner: bool) -> DossierView:
        if not owner:
            anonymous = dossier.anonymous_view()
            return DossierView(
                code=anonymous.code,
                procedure_name=anonymous.procedure_name,
                status_name=anonymous.status_name,
                is_owner=False,
            )
        from chalicelib.domain.dossier import WITHDRAWABLE_STATUSES

        view = dossier.owner_view(self._clock())
        requested = view.withdrawal_requested_at is not None
        return DossierView(
            code=view.code,
            procedure_name=view.procedure_name,
            status_name=view.status_name,
            is_owner=True,
            history=[
                texts.history_line(
                    texts.HISTORY_EVENT_LABELS.get(h.event, h.status_name), h.at, h.note
                )
                for h in view.history
            ],
            received_at=view.received_at,
            complete_received_at=view.complete_received_at,
            due_date=view.due_date,
            due_date_is_estimate=view.due_date_is_estimate,
            overdue=view.is_overdue,
            next_step=texts.next_step(int(view.status), view.supplement_items, view.result_ready),
            result_ready=view.result_ready,
            status=int(view.status),
            supplement_items=list(view.supplement_items),
            withdrawable=view.status in WITHDRAWABLE_STATUSES and not requested,
            withdrawal_requested=requested,
        )

    def dossier_by_code(self, code: str, user_id: str) -> DossierView | None:
        found = self._dossiers.get(code)
        if found is None:
            return None
        dossier, _ = found
        return self._view(dossier, dossier.owner_zalo_user_id == user_id)

    def confirm_applicant(
        self, code: str, user_id: str, *, phone: str | None, id_number: str | None
    ) -> DossierView | None:
        if not self._dossiers.allow_proof_attempt(code, user_id, self._clock().timestamp()):
            log.warning("applicant_proof_limit_reached")
            log.metric("ApplicantProofLimited")
            return None
        found = self._dossiers.get(code)
        if found is None:
            return None
        dossier, _ = found
        applicant = dossier.applicant
        # Both, as filed: a relative or a neighbour knows one of them. Both comparisons always
        # run (constant time each), so timing does not tell which part was wrong.
        phone_ok = _same(phone, applicant.phone)
        id_ok = _same(id_number, applicant.id_number)
        if not (phone_ok and id_ok):
            return None
        owner = dossier.owner_zalo_user_id
        if owner and owner != user_id:
            # Proven, but linked to another Zalo account: nothing of the dossier is shown here.
            return self._view(dossier, False).model_copy(update={"linked_elsewhere": True})
        return self._view(dossier, True)

    def dossiers_of(self, user_id: str, limit: int) -> list[DossierView]:
        return [self._view(d, True) for d in self._dossiers.of_owner(user_id, limit)]

    # --- questions, feedback and petitions (issue 14) -----------------------------------------
    def _feedback_store(self) -> Any:
        from chalicelib.storage.feedback import FeedbackStore
        from chalicelib.storage.table import get_table

        return self._feedback or FeedbackStore(get_table())

    def faq(self, query: str, limit: int) -> list[FaqHit]:
        from chalicelib.services.feedback import faq_entries, search_faq
        from chalicelib.settings import get_settings

        settings = get_settings()
        entries = faq_entries(
            self._feedback_store(), settings.FAQ_MAX_ENTRIES, settings.FAQ_CACHE_SECONDS
        )
        return [
            FaqHit(ref=e.ref, question=e.question, answer=e.answer)
            for e in search_faq(entries, query, limit)
        ]

    def my_feedback(self, user_id: str, limit: int) -> list[FeedbackLine]:
        return [
            FeedbackLine(ref=i.ref, kind=i.kind.value, state=i.state.value, target=i.target)
            for i in self._feedback_store().of_user(user_id, limit)
        ]

    def documents_of(self, user_id: str, limit: int) -> list[PastDocument]:
        """One Query on the owner index (as "Hồ sơ của tôi"): the kept files of the user's
        dossiers, with the facts checked when they were received."""
        found: list[PastDocument] = []
        for dossier in self._dossiers.of_owner(user_id, limit):
            for d in dossier.documents:
                if d.key.startswith("documents/") and d.size and d.sha256 and d.content_type:
                    found.append(
                        PastDocument(
                            key=d.key,
                            name=d.name,
                            component_code=d.component_code,
                            component_name=d.component_name,
                            content_type=d.content_type,
                            size=d.size,
                            sha256=d.sha256,
                            dossier_code=dossier.code,
                        )
                    )
        return found


@cached
def get_lookups() -> StoreLookups:
    """Lookups wired to the app's storage (cached per container)."""
    from chalicelib.catalogue.store import get_store
    from chalicelib.storage.dossiers import Dossiers
    from chalicelib.storage.table import get_table

    return StoreLookups(get_store(), Dossiers(get_table()))


def _centre(unit: Any, matched: str | None) -> CentreInfo:
    return CentreInfo(
        id=unit.id,
        name=unit.name,
        address=unit.address,
        phone=unit.phone,
        working_hours=unit.working_hours,
        matched=matched,
        agency_code=unit.agency_code,
    )


def _matched(match: Any) -> str | None:
    """How the query fits a commune, in words ("Tân Thành (cũ), Cà Mau (cũ)")."""
    if match.old_unit:
        district = f", {match.old_district} (cũ)" if match.old_district else ""
        return f"{match.old_unit} (cũ){district}"
    if match.old_district:
        return f"{match.old_district} (cũ)"
    return None


def _online_days(procedure: Any) -> int | None:
    """The working-day limit of the online channel (None when not stated in days)."""
    from chalicelib.domain.dossier import Channel

    limit = procedure.time_limit_for(Channel.ONLINE)
    return limit.whole_working_days if limit is not None else None
