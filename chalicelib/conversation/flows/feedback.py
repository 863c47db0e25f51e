"""Questions, feedback and petitions ("Hỏi đáp, phản ánh kiến nghị", issue 14).

Steps: ``kind`` (question about a procedure / phản ánh / kiến nghị; khiếu nại and tố cáo are
another legal procedure: said plainly, with the procedure's card and where to file) →
``content`` (refused with the precise reason when empty or meaningless; for a question,
matching published answers are offered first: ``faq``) → ``extras`` (photos or PDF, checked
like a dossier's files by the ``receive_feedback_file`` effect; a Zalo location; a related
dossier code or procedure) → for feedback and petitions the sender's ``name``, ``phone`` and
``address`` (Nghị định 20/2008 art. 7: typed, or prefilled from Zalo's information card) →
``confirm``. Filing is the ``file_feedback`` effect (exactly once per draft: the reference
number is derived from the draft id), which answers with the reference and the target date.

Outside a filing: ``#fb:mine`` lists the citizen's items with status and target date;
``#fb:rate:<ref>:<good|bad>`` rates an answer (buttons of the answer notice);
``#fb:info:<ref>`` opens the ``info`` step, where the citizen's messages and files go to the
item an officer asked about (``supplement_feedback``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any, Literal

from chalicelib.conversation import commands, texts
from chalicelib.conversation.actions import Action, register_action
from chalicelib.conversation.commands import Command
from chalicelib.conversation.flow import MENU_BUTTON, Context, Flow
from chalicelib.conversation.intents import Intent, Phrases, Understanding
from chalicelib.conversation.model import (
    Attachment,
    Button,
    InfoCard,
    Location,
    Reply,
    UserInfo,
)
from chalicelib.domain.feedback import content_problem, is_complaint
from chalicelib.domain.identity import normalize_mobile
from chalicelib.domain.vietnamese import fold

MAX_FILES = 5
FAQ_SUGGESTIONS = 3
COMPLAINT_PROCEDURES = (("2.002409", "commune"), ("2.002407", "province"))
COMPLAINT_INTENT = "complaint"
MY_FEEDBACK_INTENT = "my_feedback"


@register_action
class ReceiveFeedbackFile(Action):
    """Download ``url``, check it like a dossier's file (photo or PDF) and keep it for the
    draft ``draft_id`` under ``ref`` (exactly once per ref)."""

    kind: Literal["receive_feedback_file"] = "receive_feedback_file"
    draft_id: str
    ref: str
    url: str
    declared_type: str = ""
    name: str = ""


@register_action
class FileFeedback(Action):
    """File the item of a confirmed draft (once per ``draft_id``) and answer with its
    reference number and target date. ``sender`` holds name, phone and address (personal)."""

    kind: Literal["file_feedback"] = "file_feedback"
    draft_id: str
    feedback_kind: Literal["question", "feedback", "petition"]
    content: str
    location: tuple[float, float] | None = None
    dossier_code: str | None = None
    procedure_code: str | None = None
    procedure_name: str | None = None
    field: str | None = None
    agency_hint: str | None = None
    sender: dict[str, str] | None = None


@register_action
class RateFeedback(Action):
    kind: Literal["rate_feedback"] = "rate_feedback"
    ref: str
    rating: Literal["satisfied", "unsatisfied"]


@register_action
class SupplementFeedback(Action):
    """What the citizen sends after an officer asked for more information: a text, or one
    file (downloaded and checked), added to item ``ref`` (once per ``part``)."""

    kind: Literal["supplement_feedback"] = "supplement_feedback"
    ref: str
    part: str
    text: str = ""
    url: str | None = None
    declared_type: str = ""
    name: str = ""


def _name(text: str) -> str | None:
    name = " ".join(text.split())
    return name if sum(ch.isalpha() for ch in name) >= 2 and len(name) <= 200 else None


def _address(text: str) -> str | None:
    address = " ".join(text.split())
    return address if 8 <= len(address) <= 300 else None


IDENTITY: dict[str, tuple[str, str, Any, str]] = {
    "name": ("name", texts.FEEDBACK_ASK_NAME, _name, texts.FEEDBACK_NAME_INVALID),
    "phone": ("phone", texts.FEEDBACK_ASK_PHONE, normalize_mobile, texts.FEEDBACK_PHONE_INVALID),
    "address": ("address", texts.FEEDBACK_ASK_ADDRESS, _address, texts.FEEDBACK_ADDRESS_INVALID),
}


def _b(title: str, *args: str) -> Button:
    return Button(title=title, payload=commands.build("fb", *args))


# The step buttons' titles as citizens type them (folded: no accents, lower case).
NEXT_WORDS = frozenset({"tiep tuc", "tiep", "tiep theo", "xong", "bo qua", "khong co", "khong"})
SEND_WORDS = frozenset({"gui", "gui di", "xac nhan", "dong y", "ok"})


class FeedbackFlow(Flow):
    name = "feedback"
    title = texts.FLOW_TITLES["feedback"]
    menu_title = texts.BTN_FEEDBACK
    menu_rank = 50
    needs_consent = True
    # fmt: off
    phrases = (
        Phrases(Intent.FEEDBACK, False, (
            "phan anh", "kien nghi", "phan anh kien nghi", "gop y", "hoi dap", "thac mac",
            "dat cau hoi", "gui cau hoi", "gui phan anh", "gui kien nghi")),
        Phrases(COMPLAINT_INTENT, False, (
            "khieu nai", "to cao", "don khieu nai", "don to cao", "to giac", "gui don khieu nai")),
        Phrases(MY_FEEDBACK_INTENT, False, (
            "phan anh cua toi", "cau hoi cua toi", "kien nghi cua toi", "xem phan anh",
            "tinh trang phan anh", "tra cuu phan anh")),
    )
    # fmt: on
    commands = frozenset({"fb"})

    # --- entering -------------------------------------------------------------------------
    def start(self, ctx: Context, arg: str | None, understood: Understanding | None) -> None:
        intent = understood.intent if understood else arg
        if intent == COMPLAINT_INTENT:
            self._complaint(ctx)
            return
        if intent == MY_FEEDBACK_INTENT or arg == "mine":
            self._mine(ctx)
            return
        started = ctx.turn.now.isoformat()
        ctx.enter(self.name, "kind", {"files": [], "draft": draft_of(ctx.turn.user_id, started)})
        self._ask(ctx)

    def _complaint(self, ctx: Context) -> None:
        ctx.end()
        buttons = [
            Button(
                title=texts.BTN_FB_COMPLAINT_COMMUNE
                if level == "commune"
                else texts.BTN_FB_COMPLAINT_PROVINCE,
                payload=commands.build("proc", code),
            )
            for code, level in COMPLAINT_PROCEDURES
        ]
        s = ctx.settings
        ctx.say(texts.feedback_complaint(s.portal_url, s.hotline), [*buttons, MENU_BUTTON])

    def _mine(self, ctx: Context) -> None:
        ctx.end()
        lines = ctx.lookups.my_feedback(ctx.turn.user_id, 5)
        if not lines:
            ctx.say(texts.FEEDBACK_MY_ITEMS_EMPTY, [_b(texts.BTN_FEEDBACK, "new"), MENU_BUTTON])
            return
        rows = [(x.ref, x.kind, x.state, x.target) for x in lines]
        ctx.say(texts.feedback_my_items(rows), [MENU_BUTTON])

    # --- asking ---------------------------------------------------------------------------
    def _buttons(self, ctx: Context) -> list[Button]:
        step = ctx.step or ""
        if step == "kind":
            return [
                _b(texts.BTN_FB_QUESTION, "kind", "question"),
                _b(texts.BTN_FB_FEEDBACK, "kind", "feedback"),
                _b(texts.BTN_FB_PETITION, "kind", "petition"),
                _b(texts.BTN_FB_COMPLAINT, "kind", "complaint"),
                _b(texts.BTN_FB_MINE, "mine"),
            ]
        if step == "extras":
            return [_b(texts.BTN_FB_NEXT, "next"), _b(texts.BTN_FB_CANCEL, "cancel")]
        if step == "confirm":
            return [_b(texts.BTN_FB_SEND, "send"), _b(texts.BTN_FB_CANCEL, "cancel")]
        if step == "info":
            return [_b(texts.BTN_FB_DONE, "done")]
        return []

    def prompt(self, ctx: Context) -> str:
        step = ctx.step or ""
        if step == "kind":
            return texts.FEEDBACK_ASK_KIND
        if step == "content":
            return texts.feedback_ask_content(str(ctx.data.get("kind")))
        if step == "extras":
            return texts.FEEDBACK_EXTRAS
        if step in IDENTITY:
            return IDENTITY[step][1]
        if step == "confirm":
            return texts.feedback_summary(ctx.data)
        if step == "info":
            return texts.FEEDBACK_ASK_SUPPLEMENT
        return texts.FEEDBACK_ASK_KIND

    def _ask(self, ctx: Context, lead: str | None = None) -> None:
        text = self.prompt(ctx)
        if ctx.step == "name":
            text = f"{texts.FEEDBACK_IDENTITY_REQUIRED}\n{text}"
        ctx.say(f"{lead}\n{text}" if lead else text, self._buttons(ctx))
        if ctx.step == "name":
            # Zalo's information card: one tap shares name, phone and address (on_user_info);
            # typing them works as well.
            card = InfoCard(
                title=texts.FEEDBACK_INFO_CARD_TITLE, subtitle=texts.FEEDBACK_INFO_CARD_SUBTITLE
            )
            ctx.replies.append(Reply(text=texts.USER_INFO_HINT, info_card=card))

    def ask_again(self, ctx: Context) -> None:
        ctx.say(f"{ctx.unusable_input()}\n{self.prompt(ctx)}", self._buttons(ctx))
        ctx.enter(self.name, ctx.step or "", ctx.data)

    def _go(self, ctx: Context, step: str, lead: str | None = None) -> None:
        ctx.enter(self.name, step, ctx.data)
        self._ask(ctx, lead)

    def _after_extras(self, ctx: Context) -> None:
        if ctx.data.get("kind") in ("feedback", "petition"):
            for step, (key, *_rest) in IDENTITY.items():
                if not ctx.data.get(key):
                    self._go(ctx, step)
                    return
        self._go(ctx, "confirm")

    # --- answers --------------------------------------------------------------------------
    def on_text(self, ctx: Context, text: str, understood: Understanding) -> bool:
        step = ctx.step or ""
        if step in ("content", "faq", "content_complaint"):  # a new wording of the content
            self._content(ctx, text)
            return True
        typed = fold(text).strip(" .!")
        if step == "extras" and typed in NEXT_WORDS:  # "Tiếp tục" typed, maybe without accents
            self._after_extras(ctx)
            return True
        if step == "confirm" and typed in SEND_WORDS:  # "Gửi" typed
            self._send(ctx)
            return True
        if step == "extras":
            return self._extra(ctx, text, understood)
        if step in IDENTITY:
            key, question, normalise, invalid = IDENTITY[step]
            value = normalise(text)
            if value is None:
                ctx.say(f"{invalid}\n{question}")
                ctx.enter(self.name, step, ctx.data)
                return True
            ctx.data[key] = value
            self._after_extras(ctx)
            return True
        if step == "kind":
            kind = _typed_kind(text)
            if kind == "complaint":
                self._complaint(ctx)
                return True
            if kind is not None:
                ctx.data["kind"] = kind
                self._go(ctx, "content")
                return True
            self.ask_again(ctx)
            return True
        if step == "info":
            if understood.intent is not Intent.UNKNOWN and len(text.split()) <= 6:
                return False  # a request of its own ("tra cứu hồ sơ"), not the answer
            self._supplement(ctx, text=text)
            return True
        if understood.intent is not Intent.UNKNOWN:
            return False
        self.ask_again(ctx)
        return True

    def _content(self, ctx: Context, text: str, *, checked: bool = False) -> None:
        kind = str(ctx.data.get("kind"))
        problem = content_problem(text)
        if problem is not None:
            ctx.say(texts.feedback_content_refused(problem, kind))
            ctx.enter(self.name, "content", ctx.data)
            return
        content = " ".join(text.split())
        ctx.data["content"] = content
        if not checked and is_complaint(content):
            ctx.enter(self.name, "content_complaint", ctx.data)
            s = ctx.settings
            ctx.say(
                texts.feedback_complaint(s.portal_url, s.hotline),
                [
                    _b(texts.BTN_FB_STILL_FEEDBACK, "go"),
                    Button(title=texts.BTN_FB_COMPLAINT_PROVINCE, payload="#proc:2.002407"),
                    _b(texts.BTN_FB_CANCEL, "cancel"),
                ],
            )
            return
        if kind == "question" and not checked:
            hits = ctx.lookups.faq(fold(content), FAQ_SUGGESTIONS)
            if hits:
                ctx.data["faq"] = [[h.ref, h.question, h.answer] for h in hits]
                ctx.enter(self.name, "faq", ctx.data)
                buttons = [_b(f"Câu {i}", "faq", str(i)) for i in range(1, len(hits) + 1)]
                ctx.say(
                    texts.feedback_faq_suggestions([h.question for h in hits]),
                    [*buttons, _b(texts.BTN_FB_STILL_SEND, "go")],
                )
                return
        self._go(ctx, "extras")

    def _extra(self, ctx: Context, text: str, understood: Understanding) -> bool:
        if understood.dossier_code:
            ctx.data["dossier_code"] = understood.dossier_code
            ctx.data["agency_hint"] = understood.dossier_code.split("-", 1)[0]
            ctx.say(
                texts.feedback_extra_noted(f"mã hồ sơ {understood.dossier_code}"),
                self._buttons(ctx),
            )
            ctx.enter(self.name, "extras", ctx.data)
            return True
        if understood.procedure_code:
            self._procedure(ctx, understood.procedure_code)
            return True
        if understood.intent not in (Intent.UNKNOWN, Intent.PROCEDURE_LOOKUP):
            return False
        page = ctx.lookups.search_procedures(fold(text), 0, 4)
        if not page.hits:
            ctx.say(texts.FEEDBACK_NO_PROCEDURE, self._buttons(ctx))
        else:
            buttons = [_b(h.name[:40], "proc", h.code) for h in page.hits]
            ctx.say(texts.FEEDBACK_CHOOSE_PROCEDURE, [*buttons, _b(texts.BTN_FB_NEXT, "next")])
        ctx.enter(self.name, "extras", ctx.data)
        return True

    def _procedure(self, ctx: Context, code: str) -> None:
        card = ctx.lookups.procedure_card(code)
        if card is None:
            ctx.say(texts.procedure_not_found(code), self._buttons(ctx))
        else:
            ctx.data["procedure_code"] = card.code
            ctx.data["procedure_name"] = card.name
            ctx.data["field"] = card.field
            if card.receiving_agency_code and not ctx.data.get("dossier_code"):
                ctx.data["agency_hint"] = card.receiving_agency_code
            ctx.say(texts.feedback_extra_noted(f"thủ tục «{card.name}»"), self._buttons(ctx))
        ctx.enter(self.name, "extras", ctx.data)

    def on_command(self, ctx: Context, command: Command) -> None:
        what, arg = command.arg(0), command.arg(1)
        if what == "mine":
            self._mine(ctx)
            return
        if what == "rate" and arg and command.arg(2) in ("good", "bad"):
            rating: Literal["satisfied", "unsatisfied"] = (
                "satisfied" if command.arg(2) == "good" else "unsatisfied"
            )
            ctx.actions.append(RateFeedback(at=ctx.turn.now, ref=arg, rating=rating))
            ctx.end()
            ctx.say(texts.FEEDBACK_RATED, [MENU_BUTTON])
            return
        if what == "info" and arg:
            ctx.end()
            ctx.enter(self.name, "info", {"ref": arg, "parts": 0})
            self._ask(ctx)
            return
        if ctx.flow != self.name or what == "new":
            self.start(ctx, None, None)
            return
        step = ctx.step
        if what == "kind" and step == "kind" and arg == "complaint":
            self._complaint(ctx)
        elif what == "kind" and step == "kind" and arg in ("question", "feedback", "petition"):
            ctx.data["kind"] = arg
            self._go(ctx, "content")
        elif what == "go" and step in ("faq", "content_complaint"):
            ctx.data.pop("faq", None)
            self._content(ctx, str(ctx.data.get("content", "")), checked=True)
        elif what == "faq" and step == "faq":
            hits = ctx.data.get("faq") or []
            index = int(arg) - 1 if arg and arg.isdigit() else -1
            if 0 <= index < len(hits):
                _ref, question, answer = hits[index]
                ctx.say(
                    texts.feedback_faq_answer(question, answer),
                    [_b(texts.BTN_FB_THANKS, "thanks"), _b(texts.BTN_FB_STILL_SEND, "go")],
                )
                ctx.enter(self.name, "faq", ctx.data)
            else:
                self.ask_again(ctx)
        elif what == "thanks" and step == "faq":
            ctx.end()
            ctx.menu(texts.FEEDBACK_FAQ_DONE)
        elif what == "proc" and step == "extras" and arg:
            self._procedure(ctx, arg)
        elif what == "next" and step == "extras":
            self._after_extras(ctx)
        elif what == "send" and step == "confirm":
            self._send(ctx)
        elif what == "done" and step == "info":
            ctx.end()
            ctx.menu(texts.FEEDBACK_SUPPLEMENT_DONE)
        elif what == "cancel":
            ctx.end()
            ctx.menu(texts.FEEDBACK_CANCELLED)
        else:
            self.ask_again(ctx)

    def resume(self, ctx: Context, arg: str) -> None:
        ctx.enter(self.name, "info", {"ref": arg, "parts": 0})

    def on_attachments(self, ctx: Context, attachments: Sequence[Attachment]) -> None:
        if ctx.step == "info":
            for attachment in attachments:
                if attachment.url:
                    self._supplement(ctx, attachment=attachment)
            return
        if ctx.step != "extras":
            self.ask_again(ctx)
            return
        files: list[Any] = ctx.data.setdefault("files", [])
        refused = False
        for attachment in attachments:
            if not attachment.url:
                continue
            if len(files) >= MAX_FILES:
                refused = True
                continue
            ref = hashlib.sha256(f"{ctx.data['draft']}|{attachment.url}".encode()).hexdigest()[:24]
            files.append(ref)
            ctx.actions.append(
                ReceiveFeedbackFile(
                    at=ctx.turn.now,
                    draft_id=ctx.data["draft"],
                    ref=ref,
                    url=attachment.url,
                    declared_type=attachment.type,
                    name=attachment.name or "",
                )
            )
        if refused:
            ctx.say(texts.FEEDBACK_TOO_MANY_FILES, self._buttons(ctx))
        else:
            ctx.say(texts.DOCUMENT_CHECKING, self._buttons(ctx))
        ctx.enter(self.name, "extras", ctx.data)

    def on_location(self, ctx: Context, location: Location | None) -> None:
        if ctx.step != "extras" or location is None:
            self.ask_again(ctx)
            return
        ctx.data["location"] = [location.latitude, location.longitude]
        ctx.say(texts.feedback_extra_noted("vị trí"), self._buttons(ctx))
        ctx.enter(self.name, "extras", ctx.data)

    def on_user_info(self, ctx: Context, info: UserInfo | None) -> None:
        if info is None or ctx.step not in IDENTITY:
            self.ask_again(ctx)
            return
        name = _name(info.name or "")
        if name:
            ctx.data.setdefault("name", name)
        phone = normalize_mobile(info.phone or "")
        if phone:
            ctx.data.setdefault("phone", phone)
        address = _address(info.address or "")
        if address:
            ctx.data.setdefault("address", address)
        self._after_extras(ctx)

    def _supplement(
        self, ctx: Context, *, text: str = "", attachment: Attachment | None = None
    ) -> None:
        ref = str(ctx.data.get("ref", ""))
        parts = int(ctx.data.get("parts", 0))
        if attachment is None and content_problem(text) in ("empty",):
            self.ask_again(ctx)
            return
        seed = f"{ctx.turn.user_id}|{ref}|{ctx.turn.now.isoformat()}|{parts}"
        ctx.actions.append(
            SupplementFeedback(
                at=ctx.turn.now,
                ref=ref,
                part=hashlib.sha256(seed.encode()).hexdigest()[:24],
                text=" ".join(text.split())[:4000],
                url=attachment.url if attachment else None,
                declared_type=attachment.type if attachment else "",
                name=(attachment.name or "") if attachment else "",
            )
        )
        ctx.data["parts"] = parts + 1
        ctx.say(texts.feedback_supplement_sent(ref), self._buttons(ctx))
        ctx.enter(self.name, "info", ctx.data)

    def _send(self, ctx: Context) -> None:
        d = ctx.data
        kind = d.get("kind", "question")
        sender = None
        if d.get("name"):
            sender = {"name": d["name"], "phone": d["phone"], "address": d["address"]}
        location = d.get("location")
        ctx.actions.append(
            FileFeedback(
                at=ctx.turn.now,
                draft_id=d["draft"],
                feedback_kind=kind,
                content=d["content"],
                location=(location[0], location[1]) if location else None,
                dossier_code=d.get("dossier_code"),
                procedure_code=d.get("procedure_code"),
                procedure_name=d.get("procedure_name"),
                field=d.get("field"),
                agency_hint=d.get("agency_hint"),
                sender=sender,
            )
        )
        ctx.end()
        ctx.say(texts.FEEDBACK_SENDING)


_KIND_WORDS = (
    ("complaint", ("khieu nai", "to cao")),
    ("question", ("cau hoi", "hoi", "hoi dap", "thac mac")),
    ("feedback", ("phan anh",)),
    ("petition", ("kien nghi", "de nghi")),
)


def _typed_kind(text: str) -> str | None:
    """The kind a citizen typed at the ``kind`` step ("phan anh", "1 câu hỏi"...), or None."""
    folded = f" {fold(text)} "
    for kind, phrases in _KIND_WORDS:
        if any(f" {p} " in folded for p in phrases):
            return kind
    return None


def draft_of(user_id: str, started: str) -> str:
    return hashlib.sha256(f"feedback|{user_id}|{started}".encode()).hexdigest()[:24]
