"""Satisfaction rating of a dossier's service, after its result (issue 15).

Reached from the invitation the reminders schedule sends after status 10 (its five score
buttons are ``#rate:<code>:<score>``). The score is saved at once (:class:`SubmitRating`);
then the citizen may answer the criteria the rules name, each with buttons (or typed, with or
without diacritics) and "Bỏ qua": time against the promise, number of contacts, officers'
attitude, and a comment; after each answer the rating so far is saved again (replacing the
previous one), so leaving halfway keeps what was given.
Only the dossier's linked owner can rate, once its result exists (checked here from the
lookups and again by the effect, which alone decides).

Commands: ``#rate:<code>:<1..5>``, ``#rate:<code>:more``, ``#rate:<code>:done``,
``#rate:<code>:<time|contacts|attitude>:<value>``, ``#rate:<code>:skip``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from chalicelib.conversation import commands, texts
from chalicelib.conversation.actions import Action, register_action
from chalicelib.conversation.commands import Command
from chalicelib.conversation.flow import Context, Flow
from chalicelib.conversation.intents import Understanding, find_dossier_code
from chalicelib.conversation.model import Button
from chalicelib.domain.rating import MAX_COMMENT_CHARS
from chalicelib.domain.vietnamese import fold


@register_action
class SubmitRating(Action):
    """Store the citizen's rating of dossier ``code`` (replacing an earlier one)."""

    kind: Literal["submit_rating"] = "submit_rating"
    code: str
    score: int = Field(ge=1, le=5)
    time: Literal["early", "on_time", "late"] | None = None
    contacts: int | None = Field(default=None, ge=1, le=3)
    attitude: Literal["good", "fair", "poor"] | None = None
    comment: str = Field(default="", max_length=MAX_COMMENT_CHARS)


# The criteria in the order they are asked: (step, question, {value: button title}).
_CRITERIA: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("time", texts.RATING_ASK_TIME, dict(texts.RATING_TIME_TITLES)),
    (
        "contacts",
        texts.RATING_ASK_CONTACTS,
        {str(k): v for k, v in texts.RATING_CONTACT_TITLES.items()},
    ),
    ("attitude", texts.RATING_ASK_ATTITUDE, dict(texts.RATING_ATTITUDE_TITLES)),
)
_STEPS = [step for step, _, _ in _CRITERIA]
_OPTIONS = {step: options for step, _, options in _CRITERIA}
# Typed "bỏ qua" is the global "cancel" (the answers given so far are already saved); the
# button "Bỏ qua" is a command and skips one question.
_SKIP_WORDS = {"khong", "ko", "k", "skip", "khong co"}
_MORE_WORDS = {"co", "tra loi them", "them", "dong y", "ok"}
_DONE_WORDS = {"ket thuc", "xong", "khong", "ko", "thoi"}


class RatingFlow(Flow):
    name = "rating"
    title = texts.RATING_FLOW_TITLE
    commands = frozenset({"rate"})
    needs_consent = True

    def start(self, ctx: Context, arg: str | None, understood: Understanding | None) -> None:
        # Without a dossier there is nothing to rate: the invitation's buttons carry it.
        ctx.end()
        ctx.menu(texts.RATING_NOT_ALLOWED)

    def on_command(self, ctx: Context, command: Command) -> None:
        if not ctx.consented:
            ctx.end()
            ctx.require_consent(self.title)
            return
        code = find_dossier_code(command.arg(0) or "")
        what = command.arg(1) or ""
        if code is None:
            ctx.not_understood()
            return
        if what in ("1", "2", "3", "4", "5"):
            self._score(ctx, code, int(what))
            return
        if ctx.flow != self.name or ctx.data.get("code") != code:
            # The flow ended (timeout, another request): start again from a score.
            ctx.end()
            ctx.say(texts.RATING_INVALID_SCORE, _score_buttons(code))
            return
        if what == "more":
            self._ask(ctx, "time")
        elif what == "done":
            self._finish(ctx)
        elif what == "skip":
            self._next(ctx)
        elif what in _STEPS:
            self._answer(ctx, what, command.arg(2) or "")
        else:
            self.ask_again(ctx)

    def on_text(self, ctx: Context, text: str, understood: Understanding) -> bool:
        folded = fold(text)
        step = ctx.step or ""
        if step == "comment":
            if folded in _SKIP_WORDS:
                self._finish(ctx)
            elif len(text.strip()) > MAX_COMMENT_CHARS:
                ctx.say(texts.RATING_COMMENT_TOO_LONG, [_skip_button(ctx)])
                ctx.enter(self.name, "comment", ctx.data)
            elif text.strip():
                ctx.data["comment"] = text.strip()
                self._finish(ctx)
            else:
                self.ask_again(ctx)
            return True
        if step == "more":
            if folded in _MORE_WORDS:
                self._ask(ctx, "time")
            elif folded in _DONE_WORDS:
                self._finish(ctx)
            else:
                ctx.say(texts.RATING_CHOOSE_BUTTON, _more_buttons(str(ctx.data["code"])))
                ctx.enter(self.name, "more", ctx.data)
            return True
        if step in _STEPS:
            if folded in _SKIP_WORDS:
                self._next(ctx)
                return True
            options = _OPTIONS[step]
            for value, title in options.items():
                if folded in (fold(title), value.replace("_", " ")) or (
                    step == "contacts" and folded == f"{value} lan"
                ):
                    self._answer(ctx, step, value)
                    return True
            self._ask(ctx, step, lead=texts.RATING_CHOOSE_BUTTON)
            return True
        return False

    def prompt(self, ctx: Context) -> str:
        step = ctx.step or ""
        for name, question, _ in _CRITERIA:
            if name == step:
                return f"{texts.RATING_CHOOSE_BUTTON}\n{question}"
        if step == "comment":
            return texts.RATING_ASK_COMMENT
        return texts.RATING_CHOOSE_BUTTON

    def ask_again(self, ctx: Context) -> None:
        step = ctx.step or "more"
        if step in _STEPS:
            self._ask(ctx, step, lead=ctx.unusable_input())
        elif step == "comment":
            ctx.say(f"{ctx.unusable_input()}\n{texts.RATING_ASK_COMMENT}", [_skip_button(ctx)])
            ctx.enter(self.name, "comment", ctx.data)
        else:
            ctx.say(texts.RATING_CHOOSE_BUTTON, _more_buttons(str(ctx.data.get("code", ""))))
            ctx.enter(self.name, "more", ctx.data)

    # --- steps -------------------------------------------------------------------------------

    def _score(self, ctx: Context, code: str, score: int) -> None:
        view = ctx.lookups.dossier_by_code(code, ctx.turn.user_id)
        if view is None or not view.is_owner or not view.result_ready:
            ctx.end()
            ctx.say(texts.RATING_NOT_ALLOWED)
            return
        ctx.actions.append(SubmitRating(at=ctx.turn.now, code=code, score=score))
        ctx.enter(self.name, "more", {"code": code, "score": score})
        ctx.say(texts.rating_thanks_score(score), _more_buttons(code))

    def _ask(self, ctx: Context, step: str, lead: str = "") -> None:
        code = str(ctx.data["code"])
        for name, question, options in _CRITERIA:
            if name == step:
                buttons = [
                    Button(title=title, payload=commands.build("rate", code, step, value))
                    for value, title in options.items()
                ]
                text = f"{lead}\n{question}" if lead else question
                ctx.say(text, [*buttons, _skip_button(ctx)])
                ctx.enter(self.name, step, ctx.data)
                return
        ctx.say(texts.RATING_ASK_COMMENT, [_skip_button(ctx)])
        ctx.enter(self.name, "comment", ctx.data)

    def _answer(self, ctx: Context, step: str, value: str) -> None:
        options = _OPTIONS[step]
        if value not in options or ctx.step != step:
            self.ask_again(ctx)
            return
        ctx.data[step] = int(value) if step == "contacts" else value
        self._save(ctx)  # each answer is kept at once: a "hủy" later loses nothing given
        self._next(ctx)

    def _next(self, ctx: Context) -> None:
        step = ctx.step or ""
        if step in _STEPS and _STEPS.index(step) + 1 < len(_STEPS):
            self._ask(ctx, _STEPS[_STEPS.index(step) + 1])
        elif step in _STEPS:
            self._ask(ctx, "comment")
        else:
            self._finish(ctx)

    def _save(self, ctx: Context) -> None:
        data: dict[str, Any] = dict(ctx.data)
        details = {k: data[k] for k in ("time", "contacts", "attitude", "comment") if data.get(k)}
        ctx.actions.append(
            SubmitRating(at=ctx.turn.now, code=data["code"], score=data["score"], **details)
        )

    def _finish(self, ctx: Context) -> None:
        if ctx.data.get("comment"):
            self._save(ctx)
        ctx.end()
        ctx.say(texts.RATING_SAVED)


def _score_buttons(code: str) -> list[Button]:
    return [
        Button(title=title, payload=commands.build("rate", code, str(score)))
        for score, title in sorted(texts.RATING_SCORE_TITLES.items())
    ]


def _more_buttons(code: str) -> list[Button]:
    return [
        Button(title=texts.RATING_BTN_MORE, payload=commands.build("rate", code, "more")),
        Button(title=texts.RATING_BTN_DONE, payload=commands.build("rate", code, "done")),
    ]


def _skip_button(ctx: Context) -> Button:
    return Button(
        title=texts.RATING_BTN_SKIP, payload=commands.build("rate", str(ctx.data["code"]), "skip")
    )
