"""Submitting a dossier in chat ("Nộp hồ sơ"): procedure, applicant, components, delivery,
summary, confirmation.

Pure like every flow: files are downloaded, checked and stored by the ``receive_document``
effect (it records what it stored under the draft, keyed by ``ref``, and sends the
confirmation or the refusal reason instead of the planned reply); the dossier is created by
the ``create_dossier`` effect with ``submission_id`` = the draft id, so confirming twice or a
redelivered confirmation makes one dossier. The draft (personal data) lives in the session,
which expires, and in the action of the confirming turn.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any, Literal

from chalicelib.conversation import commands, texts
from chalicelib.conversation.actions import Action, register_action
from chalicelib.conversation.commands import Command
from chalicelib.conversation.flow import MENU_BUTTON, Context, Flow
from chalicelib.conversation.flows.centres import place_words
from chalicelib.conversation.intents import Intent, Phrases, Understanding
from chalicelib.conversation.model import (
    Attachment,
    Button,
    CentreInfo,
    InfoCard,
    PastDocument,
    ProcedureCard,
    Reply,
    UserInfo,
)
from chalicelib.conversation.replies import short_title
from chalicelib.domain.identity import normalize_mobile, normalize_personal_id, normalize_tax_code
from chalicelib.domain.vietnamese import fold

# Receiving-centre choices shown as buttons (with the provincial centre when it may receive
# the procedure too): Zalo shows five buttons at most.
_CENTRE_CHOICES = 4
# Documents of earlier dossiers offered for reuse at one component (buttons).
_REUSE_CHOICES = 2
# How many of the citizen's newest dossiers are looked at for reusable documents.
_REUSE_DOSSIERS = 5


@register_action
class ReceiveDocument(Action):
    """Download ``url`` (a Zalo CDN attachment), check its type, store it for component
    ``component_name`` of draft ``draft_id`` under ``ref`` (exactly once per ref)."""

    kind: Literal["receive_document"] = "receive_document"
    draft_id: str
    ref: str
    url: str
    declared_type: str = ""
    name: str = ""
    component_code: str = ""
    component_name: str


@register_action
class ReuseDocument(Action):
    """Attach ``key``, a document kept with an earlier dossier of the same citizen, to
    component ``component_name`` of draft ``draft_id`` under ``ref`` (no download: the stored
    file is used as it is; exactly once per ref)."""

    kind: Literal["reuse_document"] = "reuse_document"
    draft_id: str
    ref: str
    key: str
    name: str
    content_type: str
    size: int
    sha256: str
    component_code: str = ""
    component_name: str


@register_action
class CreateDossier(Action):
    """Create the dossier of a confirmed draft (once per ``draft_id``) and send its receipt."""

    kind: Literal["create_dossier"] = "create_dossier"
    draft_id: str
    procedure_code: str
    procedure_name: str
    receiving_agency_code: str
    receiving_agency_name: str
    time_limit_days: int | None = None
    applicant: dict[str, str]
    result_delivery: str
    result_place: str


def _name(text: str) -> str | None:
    name = " ".join(text.split())
    return name if sum(ch.isalpha() for ch in name) >= 2 and len(name) <= 200 else None


def _address(text: str) -> str | None:
    address = " ".join(text.split())
    return address if 8 <= len(address) <= 300 else None


# (data key, question, normaliser, message when invalid) per step.
Field = tuple[str, str, Callable[[str], str | None], str]
PERSON_FIELDS: dict[str, Field] = {
    "p_name": ("name", texts.ASK_PERSON_NAME, _name, texts.NAME_INVALID),
    "p_phone": ("phone", texts.ASK_PHONE, normalize_mobile, texts.PHONE_INVALID),
    "p_id": ("id_number", texts.ASK_PERSON_ID, normalize_personal_id, texts.PERSON_ID_INVALID),
    "p_address": ("address", texts.ASK_ADDRESS, _address, texts.ADDRESS_INVALID),
}
ORG_FIELDS: dict[str, Field] = {
    "o_name": ("name", texts.ASK_ORG_NAME, _name, texts.NAME_INVALID),
    "o_tax": ("tax_code", texts.ASK_TAX_CODE, normalize_tax_code, texts.TAX_CODE_INVALID),
    "o_rep": ("representative", texts.ASK_REPRESENTATIVE, _name, texts.NAME_INVALID),
    "o_phone": ("phone", texts.ASK_PHONE, normalize_mobile, texts.PHONE_INVALID),
    "o_address": ("address", texts.ASK_ADDRESS, _address, texts.ADDRESS_INVALID),
}
FIELDS = {**PERSON_FIELDS, **ORG_FIELDS}


def _12_digit_id(text: str) -> str | None:
    number = normalize_personal_id(text)
    return number if number is not None and len(number) == 12 else None


PERSON_FIELDS["p_id"] = ("id_number", texts.ASK_PERSON_ID, _12_digit_id, texts.PERSON_ID_INVALID)
FIELDS["p_id"] = PERSON_FIELDS["p_id"]


def submittable(card: ProcedureCard) -> bool:
    """Whether the chat takes a submission of this procedure: the province allows Zalo, the
    catalogue knows its components, and a receiving agency is known or follows from where it
    is filed (a commune centre the citizen chooses, or the provincial centre)."""
    levels = card.receiving_levels
    receivable = bool(card.receiving_agency_code) or "commune" in levels or "province" in levels
    return card.submit_in_zalo and bool(card.documents) and receivable


def draft_id(user_id: str, started: str) -> str:
    """The draft's id: stable for one user's one draft (the submission id of its dossier)."""
    return hashlib.sha256(f"{user_id}|{started}".encode()).hexdigest()[:24]


class SubmissionFlow(Flow):
    name = "submit"
    title = texts.FLOW_TITLES["submit"]
    menu_title = texts.BTN_SUBMIT
    menu_rank = 40
    needs_consent = True
    # fmt: off
    phrases = (Phrases(Intent.SUBMIT, False, (
        "nop ho so", "nop", "nop truc tuyen", "nop online", "gui ho so", "lam ho so",
        "dang ky ho so", "nop giay to")),)
    # fmt: on
    commands = frozenset({"sub"})

    # --- entering -----------------------------------------------------------------------
    def start(self, ctx: Context, arg: str | None, understood: Understanding | None) -> None:
        code = arg or (understood.procedure_code if understood else None)
        if code:
            self._choose(ctx, code)
            return
        ctx.enter(self.name, "procedure")
        words = understood.remainder if understood else ""
        if len(words) >= 4:  # "nộp hồ sơ đăng ký khai sinh": search what follows the phrase
            self._search(ctx, words)
            return
        ctx.say(texts.ASK_SUBMISSION_PROCEDURE)

    def _choose(self, ctx: Context, code: str) -> None:
        card = ctx.lookups.procedure_card(code)
        if card is None:
            ctx.enter(self.name, "procedure")
            ctx.say(texts.procedure_not_found(code))
            return
        levels = card.receiving_levels
        if not submittable(card):
            ctx.end()
            url = card.national_system_url or card.portal_url or ctx.settings.portal_url
            ctx.say(texts.submission_not_in_zalo(card.name, url), [MENU_BUTTON])
            return
        started = ctx.turn.now.isoformat()
        data: dict[str, Any] = {
            "draft": draft_id(ctx.turn.user_id, started),
            "procedure_code": card.code,
            "procedure_name": card.name,
            "agency_code": card.receiving_agency_code,
            "agency_name": card.agency or card.receiving_unit or "",
            "agency_address": card.agency_address or card.agency or "",
            "time_limit_days": card.time_limit_days,
            "postal": card.postal_delivery_allowed,
            "components": [[d.code, d.name, d.optional] for d in card.documents],
            "files": [],
        }
        if card.receiving_agency_code:
            ctx.enter(self.name, "kind", data)
            unit = card.agency or card.receiving_unit or ""
            ctx.say(texts.submission_started(card.name, unit))
            self._ask(ctx)
            return
        if "commune" not in levels:  # provincial level only: the provincial centre
            province = ctx.lookups.centres("province")
            if not province or not province[0].agency_code:
                ctx.end()
                ctx.say(texts.submission_not_in_zalo(card.name, card.portal_url or ""))
                return
            ctx.enter(self.name, "kind", data)
            self._take_centre(ctx, province[0])
            return
        # Filed at a commune centre (any centre of the province takes it, Nghị định 118/2025):
        # which one the citizen chooses.
        data["province_ok"] = "province" in levels
        ctx.enter(self.name, "centre", data)
        ctx.say(texts.submission_started(card.name, texts.RECEIVING_CENTRE_TO_CHOOSE))
        self._ask(ctx)

    def _search(self, ctx: Context, folded: str) -> None:
        page = ctx.lookups.search_procedures(folded, 0, 5)
        ctx.enter(self.name, "procedure")
        if not page.hits:
            ctx.say(texts.ASK_SUBMISSION_PROCEDURE)
            return
        buttons = [
            Button(title=h.name[:40], payload=commands.build("flow", self.name, h.code))
            for h in page.hits
        ]
        ctx.say(texts.SUBMISSION_CHOOSE_PROCEDURE, buttons)

    def _take_centre(self, ctx: Context, centre: CentreInfo) -> None:
        ctx.data.update(
            {
                "agency_code": centre.agency_code,
                "agency_name": centre.name,
                "agency_address": centre.address or centre.name,
            }
        )
        ctx.say(texts.receiving_centre_chosen(centre.name))
        self._go(ctx, "kind")

    def _find_centre(self, ctx: Context, text: str) -> None:
        query = place_words(text) or fold(text)
        found = [c for c in ctx.lookups.centres(query) if c.agency_code and c.id != "province"]
        if len(found) == 1:
            self._take_centre(ctx, found[0])
            return
        if not found:
            ctx.say(texts.receiving_centre_unknown(text.strip()[:60]), self._buttons(ctx))
            ctx.enter(self.name, "centre", ctx.data)
            return
        buttons = [
            Button(title=short_title(texts.centre_choice(c), 35), payload=self._cmd("centre", c.id))
            for c in found[:_CENTRE_CHOICES]
        ]
        ctx.say(texts.receiving_centre_choose(len(found), _CENTRE_CHOICES), buttons)
        ctx.enter(self.name, "centre", ctx.data)

    @staticmethod
    def _cmd(*args: str) -> str:
        return commands.build("sub", *args)

    # --- asking ------------------------------------------------------------------------
    def _buttons(self, ctx: Context) -> list[Button]:
        step = ctx.step or ""

        def b(title: str, *args: str) -> Button:
            return Button(title=title, payload=commands.build("sub", *args))

        if step == "kind":
            return [b(texts.BTN_PERSON, "kind", "person"), b(texts.BTN_ORGANISATION, "kind", "org")]
        if step == "centre":
            return (
                [b(texts.BTN_PROVINCIAL_CENTRE, "centre", "province")]
                if ctx.data.get("province_ok")
                else []
            )
        if step == "doc":
            index = int(ctx.data.get("doc", 0))
            choices = [b(texts.BTN_DONE, "done")]
            if _optional(ctx.data["components"][index]):
                choices.append(b(texts.BTN_SKIP, "skip"))
            for number, past in enumerate(self._reusable(ctx, index)[:_REUSE_CHOICES]):
                title = short_title(texts.reuse_button(past.name), 30)
                choices.append(b(title, "reuse", str(index), str(number)))
            return choices
        if step == "delivery":
            choices = [
                b(texts.BTN_AT_AGENCY, "dl", "at_agency"),
                b(texts.BTN_ONLINE, "dl", "online"),
            ]
            if ctx.data.get("postal"):
                choices.append(b(texts.BTN_POST, "dl", "post"))
            return choices
        if step == "confirm":
            return [
                b(texts.BTN_CONFIRM, "confirm"),
                b(texts.BTN_EDIT, "edit"),
                b(texts.BTN_CANCEL_SUBMISSION, "cancel"),
            ]
        return []

    def prompt(self, ctx: Context) -> str:
        step = ctx.step or ""
        if step == "procedure":
            return texts.ASK_SUBMISSION_PROCEDURE
        if step == "kind":
            return texts.ASK_APPLICANT_KIND
        if step == "centre":
            return texts.ask_receiving_centre(bool(ctx.data.get("province_ok")))
        if step in FIELDS:
            return FIELDS[step][1]
        if step == "doc":
            index = int(ctx.data.get("doc", 0))
            components = ctx.data.get("components", [])
            component = components[index]
            text = texts.ask_component(
                index + 1, len(components), component[1], self._sent(ctx, index)
            )
            if _optional(component):
                text = texts.optional_component(text)
            reusable = self._reusable(ctx, index)[:_REUSE_CHOICES]
            if reusable and not self._sent(ctx, index):
                text = f"{text}\n{texts.reuse_offer([p.name for p in reusable])}"
            return text
        if step == "delivery":
            return texts.ASK_DELIVERY
        if step == "confirm":
            return texts.submission_summary(ctx.data, self._counts(ctx))
        return texts.ASK_SUBMISSION_PROCEDURE

    def _ask(self, ctx: Context) -> None:
        ctx.say(self.prompt(ctx), self._buttons(ctx))
        if ctx.step in ("p_name", "o_name"):
            # Zalo's information card: one tap shares name, phone and address (on_user_info);
            # typing them works as well.
            card = InfoCard(
                title=texts.USER_INFO_CARD_TITLE, subtitle=texts.USER_INFO_CARD_SUBTITLE
            )
            ctx.replies.append(Reply(text=texts.USER_INFO_HINT, info_card=card))

    def _reusable(self, ctx: Context, index: int) -> list[PastDocument]:
        """Documents of the citizen's earlier dossiers that fit component ``index`` (same
        component code, or the same name), not yet attached to this draft."""
        code, name = ctx.data["components"][index][:2]
        used = {f[2] for f in ctx.data.get("files", []) if len(f) > 2}
        fits = []
        for raw in ctx.data.get("reusable", []):
            past = PastDocument.model_validate(raw)
            same = (code and past.component_code == code) or (
                fold(past.component_name) == fold(name)
            )
            if same and past.key not in used:
                fits.append(past)
        return fits

    def ask_again(self, ctx: Context) -> None:
        ctx.say(f"{ctx.unusable_input()}\n{self.prompt(ctx)}", self._buttons(ctx))
        ctx.enter(self.name, ctx.step or "", ctx.data)

    def _go(self, ctx: Context, step: str) -> None:
        ctx.enter(self.name, step, ctx.data)
        self._ask(ctx)

    def _sent(self, ctx: Context, index: int) -> int:
        return sum(1 for f in ctx.data.get("files", []) if f[0] == index)

    def _counts(self, ctx: Context) -> list[tuple[str, int]]:
        return [(c[1], self._sent(ctx, i)) for i, c in enumerate(ctx.data.get("components", []))]

    def _next_field(self, ctx: Context) -> None:
        fields = ORG_FIELDS if ctx.data.get("kind") == "organisation" else PERSON_FIELDS
        for step, (key, *_rest) in fields.items():
            if not ctx.data.get(key):
                self._go(ctx, step)
                return
        if ctx.step != "doc" and "doc" not in ctx.data:
            ctx.data["doc"] = 0
            # Documents of earlier dossiers of this citizen, read once (one Query).
            past = ctx.lookups.documents_of(ctx.turn.user_id, _REUSE_DOSSIERS)
            ctx.data["reusable"] = [p.model_dump() for p in past]
            self._go(ctx, "doc")
            return
        self._go(ctx, "delivery")

    # --- answers -----------------------------------------------------------------------
    def on_text(self, ctx: Context, text: str, understood: Understanding) -> bool:
        step = ctx.step or ""
        if step == "centre":
            self._find_centre(ctx, text)
            return True
        if step == "procedure":
            if understood.procedure_code:
                self._choose(ctx, understood.procedure_code)
                return True
            self._search(ctx, fold(text))
            return True
        if step in FIELDS:
            key, _question, normalise, invalid = FIELDS[step]
            value = normalise(text)
            if value is None:
                ctx.say(f"{invalid}\n{FIELDS[step][1]}")
                ctx.enter(self.name, step, ctx.data)
                return True
            ctx.data[key] = value
            self._next_field(ctx)
            return True
        if understood.intent is not Intent.UNKNOWN:
            return False
        self.ask_again(ctx)
        return True

    def on_command(self, ctx: Context, command: Command) -> None:
        if ctx.flow != self.name:
            self.start(ctx, None, None)
            return
        what, arg = command.arg(0), command.arg(1)
        step = ctx.step
        if what == "kind" and step == "kind" and arg in ("person", "org"):
            ctx.data["kind"] = "organisation" if arg == "org" else "person"
            self._next_field(ctx)
        elif what == "centre" and step == "centre" and arg:
            if arg == "province" and not ctx.data.get("province_ok"):
                self.ask_again(ctx)
                return
            found = [c for c in ctx.lookups.centres(arg) if c.id == arg and c.agency_code]
            if found:
                self._take_centre(ctx, found[0])
            else:
                self.ask_again(ctx)
        elif what == "reuse" and step == "doc":
            self._reuse(ctx, command.arg(1), command.arg(2))
        elif what in ("done", "skip") and step == "doc":
            index = int(ctx.data.get("doc", 0))
            if what == "done" and not self._sent(ctx, index):
                ctx.say(texts.COMPONENT_NEEDS_FILE)
                self._go(ctx, "doc")
                return
            if what == "skip" and not _optional(ctx.data["components"][index]):
                ctx.say(texts.COMPONENT_REQUIRED)
                self._go(ctx, "doc")
                return
            if index + 1 < len(ctx.data.get("components", [])):
                ctx.data["doc"] = index + 1
                self._go(ctx, "doc")
            else:
                self._go(ctx, "delivery")
        elif what == "dl" and step == "delivery" and arg in texts.DELIVERY_NAMES:
            if arg == "post" and not ctx.data.get("postal"):
                self.ask_again(ctx)
                return
            ctx.data["delivery"] = arg
            self._go(ctx, "confirm")
        elif what == "confirm" and step == "confirm":
            self._confirm(ctx)
        elif what == "edit" and step == "confirm":
            keep = {k: v for k, v in ctx.data.items() if k not in _ANSWERS}
            ctx.data = keep
            self._go(ctx, "kind")
        elif what == "cancel":
            ctx.end()
            ctx.menu(texts.SUBMISSION_CANCELLED)
        else:
            self.ask_again(ctx)

    def _reuse(self, ctx: Context, index_arg: str | None, number_arg: str | None) -> None:
        index = int(ctx.data.get("doc", 0))
        choices = self._reusable(ctx, index)[:_REUSE_CHOICES]
        if index_arg != str(index) or not number_arg or not number_arg.isdigit():
            self.ask_again(ctx)
            return
        number = int(number_arg)
        if number >= len(choices):
            self.ask_again(ctx)
            return
        past = choices[number]
        code, name = ctx.data["components"][index][:2]
        ref = hashlib.sha256(f"{ctx.data['draft']}|reuse|{past.key}".encode()).hexdigest()[:24]
        ctx.data.setdefault("files", []).append([index, ref, past.key])
        ctx.actions.append(
            ReuseDocument(
                at=ctx.turn.now,
                draft_id=ctx.data["draft"],
                ref=ref,
                key=past.key,
                name=past.name,
                content_type=past.content_type,
                size=past.size,
                sha256=past.sha256,
                component_code=code,
                component_name=name,
            )
        )
        ctx.say(texts.document_reused(name, past.name), self._buttons(ctx))
        ctx.enter(self.name, "doc", ctx.data)

    def on_attachments(self, ctx: Context, attachments: Sequence[Attachment]) -> None:
        if ctx.step != "doc":
            self.ask_again(ctx)
            return
        index = int(ctx.data.get("doc", 0))
        code, name = ctx.data["components"][index][:2]
        files: list[Any] = ctx.data.setdefault("files", [])
        for attachment in attachments:
            if not attachment.url:
                continue
            ref = hashlib.sha256(f"{ctx.data['draft']}|{attachment.url}".encode()).hexdigest()[:24]
            files.append([index, ref])
            ctx.actions.append(
                ReceiveDocument(
                    at=ctx.turn.now,
                    draft_id=ctx.data["draft"],
                    ref=ref,
                    url=attachment.url,
                    declared_type=attachment.type,
                    name=attachment.name or "",
                    component_code=code,
                    component_name=name,
                )
            )
        ctx.say(texts.DOCUMENT_CHECKING, self._buttons(ctx))
        ctx.enter(self.name, "doc", ctx.data)

    def on_user_info(self, ctx: Context, info: UserInfo | None) -> None:
        if info is None or ctx.step not in FIELDS:
            self.ask_again(ctx)
            return
        if info.name and _name(info.name) and ctx.data.get("kind") != "organisation":
            ctx.data.setdefault("name", _name(info.name))
        phone = normalize_mobile(info.phone or "")
        if phone:
            ctx.data.setdefault("phone", phone)
        address = _address(info.address or "")
        if address:
            ctx.data.setdefault("address", address)
        self._next_field(ctx)

    def _confirm(self, ctx: Context) -> None:
        d = ctx.data
        kind = d.get("kind", "person")
        applicant = {"kind": kind, "name": d["name"], "phone": d["phone"], "address": d["address"]}
        # An organisation's representative is part of its applicant record (Applicant).
        if kind == "organisation":
            applicant["tax_code"] = d["tax_code"]
            applicant["representative"] = d["representative"]
        else:
            applicant["id_number"] = d["id_number"]
        delivery = d.get("delivery", "at_agency")
        place = {
            "at_agency": d.get("agency_address") or d.get("agency_name", ""),
            "online": texts.RESULT_PLACE_ONLINE,
            "post": d["address"],
        }[delivery]
        ctx.actions.append(
            CreateDossier(
                at=ctx.turn.now,
                draft_id=d["draft"],
                procedure_code=d["procedure_code"],
                procedure_name=d["procedure_name"],
                receiving_agency_code=d["agency_code"],
                receiving_agency_name=d.get("agency_name", ""),
                time_limit_days=d.get("time_limit_days"),
                applicant=applicant,
                result_delivery=delivery,
                result_place=place,
            )
        )
        ctx.end()
        ctx.say(texts.SUBMISSION_CREATING)


def _optional(component: Sequence[Any]) -> bool:
    """Whether a draft's component (``[code, name, optional]``) may be skipped."""
    return len(component) > 2 and bool(component[2])


_ANSWERS = frozenset(
    {"kind", "name", "phone", "id_number", "address", "tax_code", "representative", "delivery"}
)
