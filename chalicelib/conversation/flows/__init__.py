"""The conversation flows: one module each, gathered here into the one :class:`FlowRegistry`.

Adding a flow (docs/architecture.md, "Adding a conversation flow"): write its module here
with a :class:`~chalicelib.conversation.flow.Flow` subclass (and its actions, registered with
``register_action``), put its sentences in ``texts.py``, add it to :func:`default_flows`, and
test it in ``tests/conversation/flows/``. The menu, the intent and command tables and the
titles follow from the registry.

Order matters only for the phrase table: equally long phrase matches go to the earlier flow.
"""

from __future__ import annotations

from functools import cache

from chalicelib.conversation.flow import FlowRegistry
from chalicelib.conversation.flows.centres import CentresFlow
from chalicelib.conversation.flows.dossier import DossierFlow
from chalicelib.conversation.flows.feedback import FeedbackFlow
from chalicelib.conversation.flows.handoff import HandoffFlow
from chalicelib.conversation.flows.mine import MyDossiersFlow
from chalicelib.conversation.flows.postal import PostalFlow
from chalicelib.conversation.flows.privacy import PrivacyFlow
from chalicelib.conversation.flows.procedures import ProcedureFlow
from chalicelib.conversation.flows.rating import RatingFlow
from chalicelib.conversation.flows.remarks import RemarksFlow
from chalicelib.conversation.flows.submission import SubmissionFlow
from chalicelib.conversation.flows.supplement import SupplementFlow
from chalicelib.conversation.flows.withdrawal import WithdrawalFlow
from chalicelib.conversation.intents import Understanding


@cache
def default_flows() -> FlowRegistry:
    """The registry the engine uses unless handed another (built once per process)."""
    return FlowRegistry(
        [
            PrivacyFlow(),
            MyDossiersFlow(),
            SubmissionFlow(),
            SupplementFlow(),
            WithdrawalFlow(),
            PostalFlow(),
            FeedbackFlow(),
            RemarksFlow(),
            ProcedureFlow(),
            DossierFlow(),
            CentresFlow(),
            RatingFlow(),
            HandoffFlow(),
        ]
    )


def classify(text: str | None) -> Understanding:
    """Understand ``text`` with the phrases of every registered flow."""
    return default_flows().classify(text)
