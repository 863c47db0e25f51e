"""Procedures: search the catalogue by keywords, page through results, show a details card."""

from __future__ import annotations

from chalicelib.conversation import commands, texts
from chalicelib.conversation.commands import Command
from chalicelib.conversation.flow import MENU_BUTTON, Context, Flow
from chalicelib.conversation.intents import Intent, Phrases, Understanding
from chalicelib.conversation.model import Button, ProcedureCard
from chalicelib.conversation.replies import short_title
from chalicelib.domain.vietnamese import fold

# Result buttons are shown full width by Zalo: long enough to tell procedures apart.
RESULT_TITLE_CHARS = 35
# Shorter free text is not worth a procedure search ("ok", "a").
_MIN_FREE_TEXT_QUERY = 4

SEARCH_PAGE = 5  # results fetched per page; 4 shown plus "Xem thêm" when more remain
_MAX_QUERY_CHARS = 200  # keeps "#page:procedures:<offset>:<query>" far below 1,000
_MAX_SHOWN_QUERY = 100

# The aspect a question asks about, recognised from folded words (longest phrase first).
# fmt: off
ASPECT_PHRASES: dict[str, tuple[str, ...]] = {
    "fees": ("le phi", "phi", "bao nhieu tien", "het bao nhieu", "ton bao nhieu", "chi phi",
             "mat bao nhieu tien"),
    "documents": ("giay to", "thanh phan ho so", "ho so gom", "can nhung gi", "can gi",
                  "chuan bi gi", "mang theo gi", "chuan bi nhung gi"),
    "time": ("mat bao lau", "bao lau", "bao nhieu ngay", "thoi han", "may ngay",
             "thoi gian giai quyet"),
    "where": ("nop o dau", "lam o dau", "o dau", "noi nop", "den dau", "cho nao", "nop tai dau"),
}
# Words of a question that are not a procedure's name.
_QUESTION_WORDS = frozenset((
    "lam", "nhung", "gi", "bao", "nhieu", "la", "the", "nao", "sao", "vay", "a", "ha",
    "nhi", "khong", "ko", "ak", "mat", "het", "ton", "thi", "de", "xin", "cho", "toi", "minh",
    "em", "hoi", "muon", "phai"))
# fmt: on
ASPECTS = tuple(ASPECT_PHRASES)
PROCEDURE_ASPECT = "procedure_aspect"


class ProcedureFlow(Flow):
    """Search the catalogue by keywords, page through results, show a details card.

    Commands: ``#proc:<code>`` (details card), ``#page:procedures:<offset>[:<query>]``.
    Free text nothing else understood is tried as a search (:meth:`on_free_text`)."""

    name = "procedures"
    title = texts.FLOW_TITLES["procedures"]
    menu_title = texts.BTN_PROCEDURES
    menu_rank = 20
    # fmt: off
    phrases = (
        Phrases(Intent.PROCEDURE_LOOKUP, False, (
            "thu tuc", "tra cuu thu tuc", "thu tuc hanh chinh", "tim thu tuc", "xem thu tuc",
            "can giay to gi", "can nhung giay to gi")),
        Phrases(PROCEDURE_ASPECT, False, (
            "nop o dau", "nop tai dau", "lam o dau", "mat bao lau", "bao lau", "bao nhieu tien",
            "le phi", "het bao nhieu", "mat bao nhieu", "bao nhieu ngay", "thoi han giai quyet",
            "phi bao nhieu")),
    )
    # fmt: on
    commands = frozenset({"proc", "page"})

    def start(self, ctx: Context, arg: str | None, understood: Understanding | None) -> None:
        if arg:
            self.show_card(ctx, arg)
        elif understood and understood.procedure_code:
            self.show_card(ctx, understood.procedure_code)
        elif understood and self.answer_aspect(ctx, ctx.turn.text or ""):
            return
        elif understood and understood.intent == PROCEDURE_ASPECT:
            self.ask_which(ctx, split_aspect(ctx.turn.text or "")[0])
        elif understood and understood.intent is Intent.PROCEDURE_LOOKUP and understood.remainder:
            self.search(ctx, understood.remainder, 0, typed=ctx.turn.text)
        else:
            ctx.enter(self.name, "query")
            ctx.say(texts.ASK_PROCEDURE_QUERY)

    def on_command(self, ctx: Context, command: Command) -> None:
        if command.name == "proc" and command.arg(0) and command.arg(1) in ASPECTS:
            self.show_aspect(ctx, command.arg(0) or "", command.arg(1) or "")
        elif command.name == "proc" and command.arg(0):
            self.show_card(ctx, command.arg(0) or "")
        elif command.name == "page" and command.arg(0) == self.name:
            self.search(ctx, command.arg(2) or "", _offset(command.arg(1)))
        else:
            ctx.not_understood()

    def on_text(self, ctx: Context, text: str, understood: Understanding) -> bool:
        if understood.intent not in (Intent.UNKNOWN, Intent.PROCEDURE_LOOKUP, PROCEDURE_ASPECT):
            return False
        if understood.procedure_code:
            self.show_card(ctx, understood.procedure_code)
        elif self.answer_aspect(ctx, text) or self.aspect_pending(ctx, text):
            pass
        else:
            self.search(ctx, understood.remainder or fold(text), 0, typed=text)
        return True

    def prompt(self, ctx: Context) -> str:
        return texts.ASK_PROCEDURE_QUERY

    def on_free_text(self, ctx: Context, text: str) -> bool:
        """Free text nothing else understood is tried as words of a procedure's name (citizens
        often just type "giay phep xay dung"): True when results were found and shown."""
        if self.answer_aspect(ctx, text):
            return True
        query = fold(text)[:_MAX_QUERY_CHARS].strip()
        if len(query) < _MIN_FREE_TEXT_QUERY or not ctx.lookups.search_procedures(query, 0, 1).hits:
            return False
        self.search(ctx, query, 0, typed=text)
        return True

    def search(self, ctx: Context, query: str, offset: int, typed: str | None = None) -> None:
        """Results ``offset``.. for the folded ``query``; ``typed`` is what the citizen wrote
        (quoted back when nothing is found, since the folded form has no diacritics)."""
        query = fold(query)[:_MAX_QUERY_CHARS].strip()
        if not query:
            ctx.enter(self.name, "query")
            ctx.say(texts.ASK_PROCEDURE_QUERY)
            return
        page = ctx.lookups.search_procedures(query, offset, SEARCH_PAGE)
        hits = list(page.hits[:SEARCH_PAGE])
        if not hits:
            if offset > 0:
                ctx.end()
                ctx.menu(texts.NO_MORE_RESULTS)
            else:
                ctx.enter(self.name, "query")  # let the citizen try other words
                shown = " ".join((typed or query).split())[:_MAX_SHOWN_QUERY]
                ctx.say(texts.no_procedure_found(shown))
            return
        more = page.total > offset + len(hits) and len(hits) == SEARCH_PAGE
        if more:
            hits = hits[: SEARCH_PAGE - 1]
        buttons = [
            Button(
                title=short_title(
                    f"{offset + i}. {texts.procedure_short_name(hit.name)}", RESULT_TITLE_CHARS
                ),
                payload=commands.build("proc", hit.code),
            )
            for i, hit in enumerate(hits, 1)
        ]
        if more:
            next_page = commands.build("page", self.name, offset + len(hits), query)
            buttons.append(Button(title=texts.MORE_BUTTON, payload=next_page))
        ctx.end()  # paging and details are stateless: their payloads carry what they need
        ctx.say(texts.procedure_results(hits, offset, page.total), buttons)

    def show_card(self, ctx: Context, code: str) -> None:
        ctx.end()
        card = ctx.lookups.procedure_card(code)
        if card is None:
            ctx.menu(texts.procedure_not_found(code))
            return
        buttons = []
        if not card.details_on_portal:
            for aspect, title in (("documents", texts.BTN_DOCUMENTS), ("fees", texts.BTN_FEES)):
                payload = commands.build("proc", card.code, aspect)
                buttons.append(Button(title=title, payload=payload))
        buttons += _submit_button(ctx, card)
        buttons.append(
            Button(title=texts.BTN_OTHER_PROCEDURE, payload=commands.build("flow", self.name))
        )
        buttons.append(MENU_BUTTON)
        ctx.say(texts.short_procedure_card(card, ctx.settings.portal_url), buttons)

    def answer_aspect(self, ctx: Context, text: str) -> bool:
        """A question about one aspect of a procedure ("le phi lam can cuoc bao nhieu"):
        answer that aspect of the best match first. False when no aspect is asked or no
        procedure is named."""
        aspect, query = split_aspect(text)
        if aspect is None or len(query) < 2:
            return False
        page = ctx.lookups.search_procedures(query[:_MAX_QUERY_CHARS], 0, 1)
        if not page.hits or not _names_it(query, page.hits[0].name):
            return False
        self.show_aspect(ctx, page.hits[0].code, aspect)
        return True

    def ask_which(self, ctx: Context, aspect: str | None) -> None:
        """An aspect asked without a procedure ("nop o dau"): where to file in general is the
        centres' information; otherwise ask which procedure, and answer that aspect next."""
        centres = ctx.flows.get("centres")
        if aspect == "where" and centres is not None:
            centres.start(ctx, None, None)
            return
        ctx.enter(self.name, "query", {"aspect": aspect} if aspect else None)
        ctx.say(texts.ASK_PROCEDURE_FOR_ASPECT)

    def aspect_pending(self, ctx: Context, text: str) -> bool:
        """The procedure named after "which procedure?": its pending aspect, best match."""
        aspect = ctx.data.get("aspect")
        if aspect not in ASPECTS:
            return False
        query = fold(text)[:_MAX_QUERY_CHARS].strip()
        page = ctx.lookups.search_procedures(query, 0, 1) if query else None
        if page is None or not page.hits or not _names_it(query, page.hits[0].name):
            return False
        self.show_aspect(ctx, page.hits[0].code, aspect)
        return True

    def show_aspect(self, ctx: Context, code: str, aspect: str) -> None:
        ctx.end()
        card = ctx.lookups.procedure_card(code)
        if card is None:
            ctx.menu(texts.procedure_not_found(code))
            return
        s = ctx.settings
        if card.details_on_portal and aspect != "where":
            text = texts.not_in_catalogue(card, aspect, s.portal_url, s.hotline)
        else:
            text = _ASPECT_TEXTS[aspect](card, s.portal_url, s.hotline)
        buttons = [Button(title=texts.BTN_FULL_CARD, payload=commands.build("proc", card.code))]
        if aspect != "documents" and card.documents:
            payload = commands.build("proc", card.code, "documents")
            buttons.append(Button(title=texts.BTN_DOCUMENTS, payload=payload))
        buttons += _submit_button(ctx, card)
        buttons.append(MENU_BUTTON)
        ctx.say(text, buttons)


_ASPECT_TEXTS = {
    "documents": texts.procedure_documents,
    "fees": texts.procedure_fees,
    "time": texts.procedure_time,
    "where": texts.procedure_where,
}


def split_aspect(text: str) -> tuple[str | None, str]:
    """The aspect ``text`` asks about (None when none) and the words left for the search."""
    words = fold(text).split()
    found: str | None = None
    best = 0
    for aspect, phrases in ASPECT_PHRASES.items():
        for phrase in phrases:
            n = len(phrase.split())
            if n > best and _find(words, phrase.split()) >= 0:
                found, best = aspect, n
    if found is None:
        return None, ""
    for phrase in sorted(ASPECT_PHRASES[found], key=len, reverse=True):
        at = _find(words, phrase.split())
        while at >= 0:
            del words[at : at + len(phrase.split())]
            at = _find(words, phrase.split())
    rest = [
        w
        for i, w in enumerate(words)
        if w not in _QUESTION_WORDS
        # "can" is "cần" (need) unless "căn cước" follows
        and not (w == "can" and words[i + 1 : i + 2] != ["cuoc"])
    ]
    return found, " ".join(rest)


def _names_it(query: str, name: str) -> bool:
    """Whether at least half the words of ``query`` are in the procedure's ``name`` (the top
    search hit is not answered for when it is only a distant match)."""
    words = set(fold(name).split())
    asked = query.split()
    return bool(asked) and 2 * sum(w in words for w in asked) >= len(asked)


def _find(words: list[str], phrase: list[str]) -> int:
    for i in range(len(words) - len(phrase) + 1):
        if words[i : i + len(phrase)] == phrase:
            return i
    return -1


def _submit_button(ctx: Context, card: ProcedureCard) -> list[Button]:
    # Only a submission that works gets a button (no "not built yet" dead ends).
    if card.submit_in_zalo and ctx.flows.available("submit"):
        payload = commands.build("flow", "submit", card.code)
        return [Button(title=texts.BTN_SUBMIT_HERE, payload=payload)]
    return []


def _offset(value: str | None) -> int:
    try:
        return max(0, int(value or 0))
    except ValueError:
        return 0
