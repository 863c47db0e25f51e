"""Capabilities not built yet (postal registration): an honest answer, no menu entry.

Each placeholder understands its phrases and says plainly that the capability does not work
in Zalo yet, pointing to the national portal and the hotline; it collects nothing (hence no
consent). It is never offered as a button (``available = False``). When a capability lands,
its own flow module replaces the placeholder in :mod:`chalicelib.conversation.flows`.
"""

from __future__ import annotations

from collections.abc import Callable

from chalicelib.conversation import texts
from chalicelib.conversation.flow import Context, Flow
from chalicelib.conversation.intents import Intent, Phrases, Understanding


class UnavailableFlow(Flow):
    """Answers with ``message(portal_url, hotline)`` and the menu; keeps no session."""

    available = False

    def __init__(self, name: str, phrases: Phrases, message: Callable[[str, str], str]) -> None:
        self.name = name
        self.title = texts.FLOW_TITLES[name]
        self.phrases = (phrases,)
        self._message = message

    def start(self, ctx: Context, arg: str | None, understood: Understanding | None) -> None:
        ctx.end()
        ctx.menu(self._message(ctx.settings.portal_url, ctx.settings.hotline))


# fmt: off
POSTAL = UnavailableFlow("postal", Phrases(Intent.POSTAL, False, (
    "buu dien", "buu chinh", "dang ky buu chinh", "buu chinh cong ich", "gui buu dien",
    "chuyen phat", "tra ket qua tai nha", "nhan ket qua tai nha")), texts.postal_unavailable)
# fmt: on
