"""Postal pickup and delivery ("Đăng ký bưu chính", issue 13): for one of the citizen's own
dossiers, or as the result delivery chosen while submitting.

Steps: the dossier (buttons from "Hồ sơ của tôi", owner only) -> the legs (collect the
dossier, deliver the result, or both; only those the procedure allows, never where the
applicant must be present) -> the commune or ward of today's Cà Mau (typed with or without
diacritics, or by an old commune or district name; close matches as buttons) -> street ->
hamlet (ấp/khóm) -> house number -> recipient name and phone -> for a pickup, a working day
that is not past -> summary with the postage (when configured) and who pays it ->
confirmation, which asks for the ``register_postal`` effect (store the orders, queue the
bookings). Cancelling before pickup starts from the owner's dossier view
(``#post:x:<code>:<leg>``, confirmed with ``#post:xok:<code>:<leg>``: the ``cancel_postal``
effect).

From the submission flow (``start_for_submission``): the address steps only (the recipient
is the applicant), then control goes back to the submission's summary with the address in
its data; the dossier's ``create_dossier`` effect registers the delivery leg once the
dossier exists.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Literal, cast

from chalicelib.conversation import commands, texts
from chalicelib.conversation.actions import Action, register_action
from chalicelib.conversation.commands import Command
from chalicelib.conversation.flow import MENU_BUTTON, Context, Flow
from chalicelib.conversation.intents import Intent, Phrases, Understanding
from chalicelib.conversation.model import Button, DossierView, UserInfo
from chalicelib.domain.identity import normalize_mobile

# Dossier statuses (domain/dossier.py) for which each leg still makes sense: the post office
# collects a dossier not yet accepted (new, or a supplement asked for); the result can be
# delivered while the dossier is open or its result is ready, not after it was handed over,
# refused, withdrawn or stopped.
PICKUP_STATUSES = frozenset({1, 5})
_Leg = Literal["pickup", "delivery"]
DELIVERY_CLOSED_STATUSES = frozenset({3, 7, 8, 10})
_PART_MAX = 120


@register_action
class RegisterPostal(Action):
    """Register postal ``legs`` for dossier ``code`` (one order per leg, once per action)."""

    kind: Literal["register_postal"] = "register_postal"
    code: str
    legs: list[Literal["pickup", "delivery"]]
    commune_code: str
    commune_name: str
    street: str = ""
    hamlet: str = ""
    house_number: str = ""
    recipient_name: str
    recipient_phone: str
    pickup_date: date | None = None
    agency_code: str = ""
    agency_name: str = ""
    agency_address: str = ""
    procedure_name: str = ""
    postage_vnd: int | None = None


@register_action
class CancelPostal(Action):
    """Cancel the citizen's ``leg`` order of dossier ``code`` before pickup or delivery."""

    kind: Literal["cancel_postal"] = "cancel_postal"
    code: str
    leg: Literal["pickup", "delivery"]


def _name(text: str) -> str | None:
    name = " ".join(text.split())
    return name if sum(ch.isalpha() for ch in name) >= 2 and len(name) <= 100 else None


def _part(text: str) -> str | None:
    part = " ".join(text.split()).strip(" ,")
    return part if part and len(part) <= _PART_MAX else None


_DATE = re.compile(r"^\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})(?:\s*[/.\-]\s*(\d{2}|\d{4}))?\s*$")


def parse_day(text: str, today: date) -> date | None:
    """A date typed as d/m or d/m/y (also with ``.`` or ``-``): without a year the next such
    date from ``today``. None when it is not a date."""
    found = _DATE.match(text)
    if found is None:
        return None
    day, month = int(found[1]), int(found[2])
    year_text = found[3]
    try:
        if year_text:
            year = int(year_text) + (2000 if len(year_text) == 2 else 0)
            return date(year, month, day)
        guess = date(today.year, month, day)
        return guess if guess >= today else date(today.year + 1, month, day)
    except ValueError:
        return None


def legs_allowed(view: DossierView, pickup_ok: bool, delivery_ok: bool) -> list[str]:
    """The legs still open to register for the dossier (its status, its active orders)."""
    active = {line.leg for line in view.postal if line.active}
    legs = []
    if pickup_ok and view.status in PICKUP_STATUSES and "pickup" not in active:
        legs.append("pickup")
    if delivery_ok and view.status not in DELIVERY_CLOSED_STATUSES and "delivery" not in active:
        legs.append("delivery")
    return legs


class PostalFlow(Flow):
    name = "postal"
    title = texts.FLOW_TITLES["postal"]
    menu_title = texts.BTN_POSTAL
    menu_rank = 50
    needs_consent = True
    # fmt: off
    phrases = (Phrases(Intent.POSTAL, False, (
        "buu dien", "buu chinh", "dang ky buu chinh", "buu chinh cong ich", "gui buu dien",
        "chuyen phat", "tra ket qua tai nha", "nhan ket qua tai nha", "thu gom ho so")),)
    # fmt: on
    commands = frozenset({"post"})

    # --- entering -----------------------------------------------------------------------
    def start(self, ctx: Context, arg: str | None, understood: Understanding | None) -> None:
        if arg:
            self._choose(ctx, arg)
            return
        ctx.end()
        limit = ctx.settings.my_dossiers_limit
        views = ctx.lookups.dossiers_of(ctx.turn.user_id, limit)[:limit]
        if not views:
            lookup = Button(title=texts.BTN_DOSSIER, payload=commands.build("flow", "dossier"))
            ctx.say(
                f"{texts.POSTAL_CHOOSE_DOSSIER}\n{texts.POSTAL_NO_DOSSIERS}", [lookup, MENU_BUTTON]
            )
            return
        buttons = [
            Button(title=texts.BTN_DOSSIER_N.format(n=i), payload=self._cmd("d", view.code))
            for i, view in enumerate(views, 1)
        ]
        ctx.say(f"{texts.POSTAL_CHOOSE_DOSSIER}\n{texts.my_dossiers(views)}", buttons)
        ctx.enter(self.name, "dossier")

    @staticmethod
    def start_for_submission(ctx: Context) -> None:
        """From the submission flow: ask the delivery address, then go back to its summary
        (the recipient is the applicant; the leg is delivery)."""
        sub = dict(ctx.data)
        ctx.enter(
            "postal",
            "commune",
            {"mode": "submission", "sub": sub, "legs": ["delivery"], "code": ""},
        )
        ctx.say(texts.ASK_POSTAL_COMMUNE)

    def _cmd(self, *args: str) -> str:
        return commands.build("post", *args)

    def _choose(self, ctx: Context, code: str) -> None:
        from chalicelib.conversation.intents import find_dossier_code

        canonical = find_dossier_code(code)
        view = ctx.lookups.dossier_by_code(canonical, ctx.turn.user_id) if canonical else None
        if view is None or not view.is_owner:
            ctx.end()
            verify = [Button(title=texts.BTN_DOSSIER, payload=commands.build("flow", "dossier"))]
            ctx.say(texts.POSTAL_NOT_OWNER, [*verify, MENU_BUTTON])
            return
        card = ctx.lookups.procedure_card(view.procedure_code) if view.procedure_code else None
        in_person = bool(card and card.in_person)
        pickup_ok = bool(card and card.postal_pickup_allowed and not in_person)
        delivery_ok = bool(card and card.postal_delivery_allowed and not in_person)
        legs = legs_allowed(view, pickup_ok, delivery_ok)
        if not legs:
            ctx.end()
            name = card.name if card else view.procedure_name
            ctx.say(texts.postal_not_allowed(name, in_person, ctx.settings.hotline), [MENU_BUTTON])
            return
        ctx.enter(
            self.name,
            "leg",
            {
                "mode": "dossier",
                "code": view.code,
                "allowed": legs,
                "procedure_name": view.procedure_name,
                "agency_code": (card.receiving_agency_code or "") if card else "",
                "agency_name": (card.agency or "") if card else "",
                "agency_address": (card.agency_address or "") if card else "",
            },
        )
        if len(legs) == 1:
            ctx.data["legs"] = legs
            self._go(ctx, "commune")
            return
        self._ask(ctx)

    # --- asking ------------------------------------------------------------------------
    def _buttons(self, ctx: Context) -> list[Button]:
        step = ctx.step or ""
        if step == "leg":
            allowed = ctx.data.get("allowed", [])
            buttons = []
            if "pickup" in allowed:
                buttons.append(
                    Button(title=texts.BTN_LEG_PICKUP, payload=self._cmd("leg", "pickup"))
                )
            if "delivery" in allowed:
                buttons.append(
                    Button(title=texts.BTN_LEG_DELIVERY, payload=self._cmd("leg", "delivery"))
                )
            if len(allowed) == 2:
                buttons.append(Button(title=texts.BTN_LEG_BOTH, payload=self._cmd("leg", "both")))
            return buttons
        if step in ("street", "hamlet", "house"):
            return [Button(title=texts.BTN_POSTAL_NONE, payload=self._cmd("none"))]
        if step == "date":
            return [
                Button(title=texts.pickup_day_button(d), payload=self._cmd("day", d.isoformat()))
                for d in self._days(ctx)
            ]
        if step == "confirm":
            return [
                Button(title=texts.BTN_POSTAL_CONFIRM, payload=self._cmd("ok")),
                Button(title=texts.BTN_POSTAL_ABORT, payload=self._cmd("no")),
            ]
        return []

    def _days(self, ctx: Context) -> list[date]:
        from chalicelib.domain.calendar import default_calendar, local_date
        from chalicelib.domain.postal import earliest_pickup

        calendar = default_calendar()
        day = earliest_pickup(local_date(ctx.turn.now), calendar)
        days = [day]
        while len(days) < 3:
            day = calendar.next_working_day(day)
            days.append(day)
        return days

    def prompt(self, ctx: Context) -> str:
        step = ctx.step or ""
        if step == "dossier":
            return texts.POSTAL_CHOOSE_DOSSIER
        if step == "leg":
            return texts.ASK_POSTAL_LEG
        if step == "commune":
            return texts.ASK_POSTAL_COMMUNE
        if step == "street":
            return texts.ASK_POSTAL_STREET
        if step == "hamlet":
            return texts.ASK_POSTAL_HAMLET
        if step == "house":
            return texts.ASK_POSTAL_HOUSE
        if step == "name":
            return texts.ASK_POSTAL_RECIPIENT
        if step == "phone":
            return texts.ASK_POSTAL_PHONE
        if step == "date":
            return texts.ask_pickup_date(self._days(ctx)[0])
        if step == "confirm":
            return texts.postal_summary(ctx.data, ctx.settings.postal_postage_vnd)
        if step == "cancel":
            return texts.postal_cancel_question(ctx.data.get("code", ""), ctx.data.get("leg", ""))
        return texts.ASK_POSTAL_COMMUNE

    def _ask(self, ctx: Context) -> None:
        ctx.say(self.prompt(ctx), self._buttons(ctx))

    def ask_again(self, ctx: Context) -> None:
        ctx.say(f"{ctx.unusable_input()}\n{self.prompt(ctx)}", self._buttons(ctx))
        ctx.enter(self.name, ctx.step or "", ctx.data)

    def _go(self, ctx: Context, step: str) -> None:
        ctx.enter(self.name, step, ctx.data)
        self._ask(ctx)

    def _after_address(self, ctx: Context) -> None:
        if ctx.data.get("mode") == "submission":
            self._back_to_submission(ctx)
            return
        self._go(ctx, "name")

    def _after_phone(self, ctx: Context) -> None:
        if "pickup" in ctx.data.get("legs", []) and not ctx.data.get("pickup_date"):
            self._go(ctx, "date")
        else:
            self._go(ctx, "confirm")

    def _back_to_submission(self, ctx: Context) -> None:
        d = ctx.data
        sub = dict(d.get("sub") or {})
        sub["postal_address"] = {
            "commune_code": d["commune_code"],
            "commune_name": d["commune_name"],
            "street": d.get("street", ""),
            "hamlet": d.get("hamlet", ""),
            "house": d.get("house", ""),
        }
        sub["delivery"] = "post"
        ctx.enter("submit", "confirm", sub)
        flow = ctx.flows.get("submit")
        if flow is None:  # a registry without submissions: nothing to go back to
            ctx.not_understood()
            return
        flow.ask_current(ctx)

    # --- answers -----------------------------------------------------------------------
    def on_text(self, ctx: Context, text: str, understood: Understanding) -> bool:
        step = ctx.step or ""
        if step == "commune":
            self._commune(ctx, text)
            return True
        if step in ("street", "hamlet", "house"):
            part = _part(text)
            if part is None:
                ctx.say(texts.POSTAL_ADDRESS_PART_INVALID, self._buttons(ctx))
                ctx.enter(self.name, step, ctx.data)
                return True
            ctx.data[step] = part
            self._next_address_step(ctx, step)
            return True
        if step == "name":
            name = _name(text)
            if name is None:
                ctx.say(f"{texts.POSTAL_NAME_INVALID}\n{texts.ASK_POSTAL_RECIPIENT}")
                ctx.enter(self.name, step, ctx.data)
                return True
            ctx.data["name"] = name
            self._go(ctx, "phone")
            return True
        if step == "phone":
            phone = normalize_mobile(text)
            if phone is None:
                ctx.say(f"{texts.POSTAL_PHONE_INVALID}\n{texts.ASK_POSTAL_PHONE}")
                ctx.enter(self.name, step, ctx.data)
                return True
            ctx.data["phone"] = phone
            self._after_phone(ctx)
            return True
        if step == "date":
            self._date(ctx, text)
            return True
        if step == "dossier" and understood.dossier_code:
            self._choose(ctx, understood.dossier_code)
            return True
        if understood.intent is not Intent.UNKNOWN:
            return False
        self.ask_again(ctx)
        return True

    def _next_address_step(self, ctx: Context, step: str) -> None:
        if step == "hamlet" and not ctx.data.get("street") and not ctx.data.get("hamlet"):
            ctx.say(texts.POSTAL_STREET_OR_HAMLET)
            ctx.enter(self.name, "hamlet", ctx.data)
            return
        following = {"street": "hamlet", "hamlet": "house"}.get(step)
        if following is not None:
            self._go(ctx, following)
        else:
            self._after_address(ctx)

    def _commune(self, ctx: Context, text: str) -> None:
        choices = ctx.lookups.communes(text)
        if len(choices) == 1:
            self._set_commune(ctx, choices[0].code, choices[0].name)
            return
        if not choices:
            ctx.say(texts.postal_commune_unknown(text))
            ctx.enter(self.name, "commune", ctx.data)
            return
        shown = choices[:5]
        lines = [texts.POSTAL_COMMUNE_CHOOSE]
        for i, choice in enumerate(shown, 1):
            matched = f" ({choice.matched})" if choice.matched else ""
            lines.append(f"{i}. {choice.name}{matched}")
        buttons = [
            Button(title=choice.name[:40], payload=self._cmd("c", choice.code)) for choice in shown
        ]
        ctx.say("\n".join(lines), buttons)
        ctx.enter(self.name, "commune", ctx.data)

    def _set_commune(self, ctx: Context, code: str, name: str) -> None:
        ctx.data["commune_code"] = code
        ctx.data["commune_name"] = name
        self._go(ctx, "street")

    def _date(self, ctx: Context, text: str) -> None:
        from chalicelib.domain.calendar import default_calendar, local_date
        from chalicelib.domain.postal import pickup_date_problem

        today = local_date(ctx.turn.now)
        day = parse_day(text, today)
        problem = (
            "unreadable" if day is None else pickup_date_problem(day, today, default_calendar())
        )
        if problem is not None or day is None:
            ctx.say(
                f"{texts.POSTAL_DATE_PROBLEMS[problem or 'unreadable']}\n{self.prompt(ctx)}",
                self._buttons(ctx),
            )
            ctx.enter(self.name, "date", ctx.data)
            return
        ctx.data["pickup_date"] = day.isoformat()
        self._go(ctx, "confirm")

    def on_command(self, ctx: Context, command: Command) -> None:
        if not ctx.consented:
            ctx.end()
            ctx.require_consent(self.title)
            return
        what, arg = command.arg(0), command.arg(1)
        if what == "d" and arg:
            self._choose(ctx, arg)
            return
        if what in ("x", "xok") and arg and command.arg(2) in ("pickup", "delivery"):
            self._cancel(ctx, what, arg, str(command.arg(2)))
            return
        if ctx.flow != self.name:
            self.start(ctx, None, None)
            return
        step = ctx.step
        if what == "leg" and step == "leg" and arg in ("pickup", "delivery", "both"):
            allowed = ctx.data.get("allowed", [])
            legs = allowed if arg == "both" else [arg]
            if not set(legs) <= set(allowed):
                self.ask_again(ctx)
                return
            ctx.data["legs"] = legs
            self._go(ctx, "commune")
        elif what == "c" and step == "commune" and arg:
            choices = ctx.lookups.communes(arg)
            if len(choices) != 1:
                self._go(ctx, "commune")
                return
            self._set_commune(ctx, choices[0].code, choices[0].name)
        elif what == "none" and step in ("street", "hamlet", "house"):
            ctx.data[step] = ""
            self._next_address_step(ctx, step)
        elif what == "day" and step == "date" and arg:
            self._date(ctx, "/".join(reversed(arg.split("-"))))
        elif what == "ok" and step == "confirm":
            self._confirm(ctx)
        elif what == "no":
            ctx.end()
            ctx.menu(texts.POSTAL_ABORTED)
        else:
            self.ask_again(ctx)

    def on_user_info(self, ctx: Context, info: UserInfo | None) -> None:
        if info is None or ctx.step not in ("name", "phone"):
            self.ask_again(ctx)
            return
        name = _name(info.name or "")
        if name and not ctx.data.get("name"):
            ctx.data["name"] = name
        phone = normalize_mobile(info.phone or "")
        if phone and not ctx.data.get("phone"):
            ctx.data["phone"] = phone
        if not ctx.data.get("name"):
            self._go(ctx, "name")
        elif not ctx.data.get("phone"):
            self._go(ctx, "phone")
        else:
            self._after_phone(ctx)

    def _confirm(self, ctx: Context) -> None:
        d = ctx.data
        postage = ctx.settings.postal_postage_vnd
        ctx.actions.append(
            RegisterPostal(
                at=ctx.turn.now,
                code=d["code"],
                legs=d["legs"],
                commune_code=d["commune_code"],
                commune_name=d["commune_name"],
                street=d.get("street", ""),
                hamlet=d.get("hamlet", ""),
                house_number=d.get("house", ""),
                recipient_name=d["name"],
                recipient_phone=d["phone"],
                pickup_date=date.fromisoformat(d["pickup_date"]) if d.get("pickup_date") else None,
                agency_code=d.get("agency_code", ""),
                agency_name=d.get("agency_name", ""),
                agency_address=d.get("agency_address", ""),
                procedure_name=d.get("procedure_name", ""),
                postage_vnd=postage or None,
            )
        )
        ctx.end()
        ctx.say(texts.POSTAL_REGISTERING, [MENU_BUTTON])

    def _cancel(self, ctx: Context, what: str, code: str, leg: str) -> None:
        if what == "x":
            ctx.enter(self.name, "cancel", {"code": code, "leg": leg})
            ctx.say(
                texts.postal_cancel_question(code, leg),
                [
                    Button(title=texts.BTN_POSTAL_CANCEL_YES, payload=self._cmd("xok", code, leg)),
                    Button(title=texts.BTN_POSTAL_CANCEL_NO, payload=commands.build("menu")),
                ],
            )
            return
        if ctx.step != "cancel" or ctx.data.get("code") != code or ctx.data.get("leg") != leg:
            ctx.not_understood()
            return
        ctx.end()
        ctx.actions.append(CancelPostal(at=ctx.turn.now, code=code, leg=cast(_Leg, leg)))
        ctx.menu(texts.POSTAL_CANCELLED)


def owner_buttons(view: DossierView, registry_has_postal: bool) -> list[Button]:
    """The postal buttons of an owner's dossier view: cancel each cancellable leg, register."""
    buttons = []
    for line in view.postal:
        if line.cancellable:
            title = (
                texts.BTN_POSTAL_CANCEL_PICKUP
                if line.leg == "pickup"
                else texts.BTN_POSTAL_CANCEL_DELIVERY
            )
            buttons.append(
                Button(title=title, payload=commands.build("post", "x", view.code, line.leg))
            )
    if registry_has_postal:
        buttons.append(
            Button(title=texts.BTN_POSTAL, payload=commands.build("post", "d", view.code))
        )
    return buttons


def summary_extra(data: dict[str, Any], postage_vnd: int) -> str | None:
    """What a submission's summary adds when the result goes by post (its address)."""
    postal = data.get("postal_address")
    return (
        texts.postal_submission_summary(postal, postage_vnd) if isinstance(postal, dict) else None
    )


def address_line(postal: dict[str, Any]) -> str:
    """One line of a postal address kept in session data (house, street, hamlet, commune)."""
    parts = (
        postal.get("house"),
        postal.get("street"),
        postal.get("hamlet"),
        postal.get("commune_name"),
    )
    return ", ".join(str(p) for p in parts if p) + ", tỉnh Cà Mau"
