"""Satisfaction ratings from the chat: only the dossier's linked owner, only after its result."""

from __future__ import annotations

from chalicelib.domain.dossier import DossierStatus
from chalicelib.domain.rating import Rating
from chalicelib.storage.dossiers import Dossiers
from chalicelib.storage.ratings import Ratings

RATABLE = (DossierStatus.RESULT_READY, DossierStatus.RESULT_DELIVERED)


class RatingService:
    def __init__(self, dossiers: Dossiers, ratings: Ratings) -> None:
        self._dossiers = dossiers
        self._ratings = ratings

    def rate(self, user_id: str, code: str, rating: Rating) -> str:
        """``stored``, ``unchanged`` (already stored: a retry, or a later rating exists) or
        why not: ``not_owner`` (unknown dossier, or not this user's), ``no_result``. One
        GetItem of the dossier plus :meth:`Ratings.rate`."""
        found = self._dossiers.get(code)
        if found is None or found[0].owner_zalo_user_id != user_id:
            return "not_owner"
        dossier = found[0]
        if dossier.status not in RATABLE:
            return "no_result"
        stored = self._ratings.rate(code, dossier.receiving_agency_code, rating)
        return "stored" if stored else "unchanged"
