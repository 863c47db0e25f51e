"""Dossier lookup: by code; optionally prove to be the applicant to see everything."""

from __future__ import annotations

import re
from types import MappingProxyType
from typing import Literal

from chalicelib.conversation import commands, texts
from chalicelib.conversation.actions import Action, register_action
from chalicelib.conversation.commands import Command
from chalicelib.conversation.flow import MENU_BUTTON, Context, Flow, named_dossier
from chalicelib.conversation.flows.supplement import SUPPLEMENT_STATUS, owner_buttons
from chalicelib.conversation.intents import Intent, Phrases, Understanding, find_dossier_code
from chalicelib.conversation.model import Button, DossierView
from chalicelib.domain.identity import normalize_mobile, normalize_personal_id


@register_action
class LinkDossier(Action):
    """The citizen proved to be the applicant of dossier ``code`` (phone and ID number matched):
    attach the dossier to this Zalo user so it shows under "Hồ sơ của tôi"."""

    kind: Literal["link_dossier"] = "link_dossier"
    code: str


@register_action
class WarnOwnerOfClaim(Action):
    """Someone proved to be the applicant of ``code`` from another Zalo account than the one
    linked to it: tell the linked account (nothing about the claimant)."""

    kind: Literal["warn_owner_of_claim"] = "warn_owner_of_claim"
    code: str


@register_action
class RequestOwnershipReview(Action):
    """The claimant of a dossier linked to another account asks the centre to review the link:
    an item for officers (:meth:`chalicelib.storage.dossiers.Dossiers.request_review`)."""

    kind: Literal["request_ownership_review"] = "request_ownership_review"
    code: str


_GROUP = re.compile(r"\+?\d[\d.\-()]*")  # digits written without spaces


def _parse_proof(text: str) -> tuple[str | None, str | None]:
    """(phone as E.164, id number) found in what the citizen typed, either or both None (the
    one parser of both: :mod:`chalicelib.domain.identity`). Numbers may be written with dots,
    dashes or spaces ("0912 345 678") and follow each other in one message: from left to
    right, the longest run of digit groups that is a phone or an ID number is taken."""
    phone = id_number = None
    groups = _GROUP.findall(text)[:24]  # a chat message: a few numbers at most
    i = 0
    while i < len(groups):
        for j in range(min(len(groups), i + 6), i, -1):
            joined = "".join(groups[i:j])
            found_phone = normalize_mobile(joined)
            found_id = None if found_phone else normalize_personal_id(joined)
            if found_phone or found_id:
                phone = phone or found_phone
                id_number = id_number or found_id
                i = j
                break
        else:
            i += 1
    return phone, id_number


class DossierFlow(Flow):
    """Look a dossier up by code; optionally prove to be the applicant to see everything.

    Commands: ``#dossier:<code>`` (look up), ``#verify:<code>`` (prove to be the applicant:
    the phone number and the ID number as filed, in one message or one after the other),
    ``#review:<code>`` (after a right proof for a dossier linked to another Zalo account: ask
    the centre to review the link).
    A dossier code typed anywhere is understood as this flow's intent."""

    name = "dossier"
    title = texts.FLOW_TITLES["dossier"]
    step_titles = MappingProxyType({"verify": texts.FLOW_TITLES["dossier.verify"]})
    menu_title = texts.BTN_DOSSIER
    menu_rank = 10
    # fmt: off
    phrases = (
        Phrases(Intent.DOSSIER_LOOKUP, False, (
            "ho so", "tra cuu ho so", "kiem tra ho so", "tinh trang ho so", "tien do ho so",
            "tim ho so", "xem ho so", "ma ho so", "tra ho so", "tra cuu ket qua",
            "ket qua ho so")),
    )
    # fmt: on
    commands = frozenset({"dossier", "verify", "review"})
    needs_consent = False  # the anonymous view is public; verify asks itself

    def start(self, ctx: Context, arg: str | None, understood: Understanding | None) -> None:
        code = named_dossier(arg, understood)
        if code:
            self.show(ctx, code)
        elif arg:
            ctx.enter(self.name, "code")
            ctx.say(texts.DOSSIER_CODE_INVALID)
        else:
            ctx.enter(self.name, "code")
            ctx.say(texts.ASK_DOSSIER_CODE)

    def on_command(self, ctx: Context, command: Command) -> None:
        if command.name == "verify":
            self._verify(ctx, command.arg(0))
        elif command.name == "review":
            self._review(ctx, command.arg(0))
        else:
            self.start(ctx, command.arg(0) or "", None)

    def on_text(self, ctx: Context, text: str, understood: Understanding) -> bool:
        if ctx.step == "verify":
            return self._on_proof(ctx, text, understood)
        if understood.dossier_code:
            self.show(ctx, understood.dossier_code)
            return True
        if understood.intent is not Intent.UNKNOWN:
            return False
        ctx.enter(self.name, "code")
        ctx.say(texts.DOSSIER_CODE_INVALID)
        return True

    def prompt(self, ctx: Context) -> str:
        if ctx.step == "verify":
            return texts.ask_applicant_proof(ctx.data.get("code", ""))
        if ctx.step == "review":
            return texts.applicant_linked_elsewhere(ctx.settings.hotline)
        return texts.ASK_DOSSIER_CODE

    def show(self, ctx: Context, code: str) -> None:
        view = ctx.lookups.dossier_by_code(code, ctx.turn.user_id)
        if view is None:
            ctx.enter(self.name, "code")
            ctx.say(texts.dossier_not_found(code))
            return
        ctx.end()
        if view.is_owner:
            self._owner(ctx, view)
        else:
            verify = Button(title=texts.BTN_VERIFY, payload=commands.build("verify", view.code))
            ctx.say(texts.dossier_public(view), [verify, MENU_BUTTON])

    def _owner(self, ctx: Context, view: DossierView) -> None:
        """The owner's view with what they may do: supplement (status 5), withdraw, postal
        service (register, cancel before pickup)."""
        from chalicelib.conversation.flows.postal import owner_buttons as postal_buttons

        text = texts.dossier_owner(view, ctx.settings.hotline)
        if view.status == SUPPLEMENT_STATUS:
            text = f"{text}\n{texts.SUPPLEMENT_HINT}"
        if view.postal:  # issue 13: the dossier's postal orders, cancellable before pickup
            text += "\n" + texts.postal_section([line.line for line in view.postal])
        buttons = [*owner_buttons(view), *postal_buttons(view, ctx.flows.available("postal"))]
        ctx.say(text, [*buttons[:4], MENU_BUTTON])

    def _verify(self, ctx: Context, arg: str | None) -> None:
        code = find_dossier_code(arg) if arg else None
        if code is None:
            self.start(ctx, None, None)
            return
        if not ctx.consented:
            ctx.end()
            ctx.require_consent(self.title_of("verify"))
            return
        ctx.enter(self.name, "verify", {"code": code, "attempts": 0})
        ctx.say(texts.ask_applicant_proof(code))

    def _on_proof(self, ctx: Context, text: str, understood: Understanding) -> bool:
        phone, id_number = _parse_proof(text)
        if phone is None and id_number is None:
            if understood.intent is not Intent.UNKNOWN:
                return False
            ctx.say(texts.APPLICANT_PROOF_INVALID)
            return True
        # The part typed first waits in the session for the other one (expires with it).
        phone = phone or ctx.data.get("phone")
        id_number = id_number or ctx.data.get("id_number")
        if phone is None or id_number is None:
            ctx.enter(self.name, "verify", {**ctx.data, "phone": phone, "id_number": id_number})
            ctx.say(texts.ASK_APPLICANT_ID if id_number is None else texts.ASK_APPLICANT_PHONE)
            return True
        code = str(ctx.data.get("code", ""))
        view = ctx.lookups.confirm_applicant(
            code, ctx.turn.user_id, phone=phone, id_number=id_number
        )
        if view is not None and view.linked_elsewhere:
            ctx.enter(self.name, "review", {"code": view.code})
            ctx.actions.append(WarnOwnerOfClaim(at=ctx.turn.now, code=view.code))
            review = Button(title=texts.BTN_REVIEW, payload=commands.build("review", view.code))
            ctx.say(texts.applicant_linked_elsewhere(ctx.settings.hotline), [review, MENU_BUTTON])
            return True
        if view is not None:
            ctx.end()
            ctx.actions.append(LinkDossier(at=ctx.turn.now, code=view.code))
            ctx.say(texts.APPLICANT_CONFIRMED)
            self._owner(ctx, view.model_copy(update={"is_owner": True}))
            return True
        attempts = int(ctx.data.get("attempts", 0)) + 1
        left = ctx.settings.max_applicant_attempts - attempts
        if left <= 0:
            ctx.end()
            ctx.say(texts.applicant_locked(ctx.settings.hotline), [MENU_BUTTON])
        else:
            # Start the pair again: which part was wrong is not said, so neither is kept.
            ctx.enter(self.name, "verify", {"code": code, "attempts": attempts})
            ctx.say(texts.applicant_mismatch(left))
        return True

    def _review(self, ctx: Context, arg: str | None) -> None:
        """Only right after a right proof for this dossier (the session says so)."""
        code = find_dossier_code(arg) if arg else None
        if ctx.step != "review" or code is None or ctx.data.get("code") != code:
            ctx.not_understood()
            return
        ctx.end()
        ctx.actions.append(RequestOwnershipReview(at=ctx.turn.now, code=code))
        ctx.menu(texts.OWNERSHIP_REVIEW_REQUESTED)
