"""Effects: one handler per action kind, each returning a result the processor acts on."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.conversation import texts
from chalicelib.inbound import effects

AT = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


class FakeUsers:
    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def grant_consent(self, user_id: str, at: datetime) -> object:
        self.calls.append(("grant_consent", user_id, at))
        return None

    def erase_personal_data(self, user_id: str) -> object:
        self.calls.append(("erase", user_id))
        return None

    def set_followed(self, user_id: str, followed: bool, at: datetime) -> object:
        self.calls.append(("followed", user_id, followed, at))
        return None

    def erase(self, user_id: str, at: datetime) -> list[str]:
        self.calls.append(("erase_all", user_id, at))
        return ["uploads/" + "a" * 32]


class FakeDossiers:
    def __init__(self, linkable: bool) -> None:
        self.linkable = linkable
        self.calls: list[tuple] = []

    def link_owner(self, code: str, user_id: str) -> bool:
        self.calls.append(("link", code, user_id))
        return self.linkable

    def unlink_owner(self, user_id: str) -> int:
        self.calls.append(("unlink", user_id))
        return 1

    def release_owner(self, user_id: str) -> list[str]:
        self.calls.append(("release", user_id))
        return ["000.00.17.H12-260101-0007"]

    owner: str | None = "owner-account"

    def owner_of(self, code: str) -> str | None:
        return self.owner

    def request_review(self, code: str, user_id: str, at: datetime) -> bool:
        self.calls.append(("review", code, user_id, at))
        return True


class FakeUploads:
    def __init__(self) -> None:
        self.erased: list[str] = []

    def erase_versions(self, keys: list[str]) -> int:
        self.erased.extend(keys)
        return len(keys)


class FakeNotices:
    def __init__(self) -> None:
        self.discarded: list[str] = []

    def discard_pending(self, user_id: str) -> int:
        self.discarded.append(user_id)
        return 0

    sent: list[tuple] | None = None

    def send(self, user_id, message, *, notice_id, kind="reply"):
        self.sent = [*(self.sent or []), (user_id, message.text, notice_id, kind)]


def collaborators(linkable: bool = True):
    return effects.Collaborators(
        users=FakeUsers(),
        dossiers=FakeDossiers(linkable),
        notices=FakeNotices(),
        hotline="0290 1234 567",
    )


def test_every_action_of_the_conversation_has_a_handler():
    assert effects.kinds() >= {
        "grant_consent",
        "withdraw_consent",
        "delete_my_data",
        "record_unfollow",
        "link_dossier",
    }


def test_every_registered_action_kind_has_a_handler():
    """A flow that declares a new action without its effect fails here."""
    import chalicelib.conversation.flows  # noqa: F401  (imports every flow: their actions)
    from chalicelib.conversation.actions import registered_kinds

    assert registered_kinds() - effects.kinds() == set()


def test_a_second_handler_for_one_kind_is_refused():
    from chalicelib.conversation.model import GrantConsent

    with pytest.raises(ValueError, match="two handlers"):
        effects.effect("grant_consent", GrantConsent)(lambda a, u, c: effects.EffectResult())


def test_an_unknown_action_is_an_error_not_a_silent_skip():
    with pytest.raises(ValueError, match="unknown action"):
        effects.apply({"kind": "launch_rocket"}, "u1", collaborators())


def test_consent_is_granted_at_the_action_time():
    c = collaborators()
    result = effects.apply(
        {"kind": "grant_consent", "at": AT.isoformat(), "notice_version": "1"}, "u1", c
    )
    assert result.applied
    assert c.users.calls == [("grant_consent", "u1", AT)]


def test_erasure_request_erases_the_partition_and_uploads_and_names_the_dossiers_kept():
    c = effects.Collaborators(
        users=FakeUsers(),
        dossiers=FakeDossiers(True),
        notices=FakeNotices(),
        hotline="0290 1234 567",
        uploads=FakeUploads(),
    )
    result = effects.apply({"kind": "delete_my_data", "at": AT.isoformat()}, "u1", c)
    assert result.applied
    assert c.users.calls == [("erase_all", "u1", AT)]
    assert c.dossiers.calls == [("release", "u1")]
    assert c.uploads.erased == ["uploads/" + "a" * 32]
    assert result.replies_after == [texts.erasure_kept_dossiers(["000.00.17.H12-260101-0007"])]
    assert "000.00.17.H12-260101-0007" in result.replies_after[0]


def test_withdrawn_consent_reaches_profile_dossier_links_and_pending_notices():
    kind = "withdraw_consent"
    c = collaborators()
    assert effects.apply({"kind": kind, "at": AT.isoformat()}, "u1", c).applied
    assert ("erase", "u1") in c.users.calls
    assert c.dossiers.calls == [("unlink", "u1")]
    assert c.notices.discarded == ["u1"]


def test_a_dossier_that_could_not_be_linked_replaces_the_confirmation():
    c = collaborators(linkable=False)
    result = effects.apply({"kind": "link_dossier", "at": AT.isoformat(), "code": "X1"}, "u1", c)
    assert not result.applied
    assert result.reason == "dossier_not_linkable"
    assert result.replies_instead == [texts.applicant_link_failed("0290 1234 567")]


def test_a_linked_dossier_keeps_the_planned_replies():
    c = collaborators(linkable=True)
    result = effects.apply({"kind": "link_dossier", "at": AT.isoformat(), "code": "X1"}, "u1", c)
    assert result.applied and result.replies_instead == []


def test_every_action_the_default_flows_can_ask_for_has_an_effect_handler():
    """The two open sets stay in step: a flow's new action kind needs its handler here."""
    from chalicelib.conversation import actions
    from chalicelib.conversation.flows import default_flows

    default_flows()  # importing the flows registers their actions
    # Only the product's kinds (a test may have registered a toy one meanwhile).
    product = {
        kind
        for kind in actions.registered_kinds()
        if actions._action_type(kind).__module__.startswith("chalicelib.")
    }
    assert product >= {"grant_consent", "link_dossier"}
    assert product <= effects.kinds(), product - effects.kinds()


CODE = "000.00.17.H12-261126-0007"


def test_a_claim_warns_the_linked_account_with_a_notice_id_fixed_by_the_action():
    from chalicelib.conversation.flows.dossier import WarnOwnerOfClaim

    c = collaborators()
    action = WarnOwnerOfClaim(at=AT, code=CODE).model_dump(mode="json")
    assert effects.apply(action, "claimant", c).applied
    assert effects.apply(action, "claimant", c).applied  # a retried step: same notice id
    (first, second) = c.notices.sent
    assert first == second  # the notifier sends one notice id once
    owner, text, notice_id, kind = first
    assert owner == "owner-account" and kind == "ownership_claim"
    assert text == texts.ownership_claimed_notice(CODE, "0290 1234 567")
    assert "claimant" not in notice_id and CODE in notice_id


@pytest.mark.parametrize("owner", [None, "claimant"])
def test_no_warning_when_nobody_else_holds_the_dossier_any_more(owner):
    from chalicelib.conversation.flows.dossier import WarnOwnerOfClaim

    c = collaborators()
    c.dossiers.owner = owner
    action = WarnOwnerOfClaim(at=AT, code=CODE).model_dump(mode="json")
    assert effects.apply(action, "claimant", c).applied
    assert c.notices.sent is None


def test_a_review_request_is_stored_for_officers():
    from chalicelib.conversation.flows.dossier import RequestOwnershipReview

    c = collaborators()
    action = RequestOwnershipReview(at=AT, code=CODE).model_dump(mode="json")
    assert effects.apply(action, "claimant", c).applied
    assert ("review", CODE, "claimant", AT) in c.dossiers.calls
