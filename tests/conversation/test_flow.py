"""The flow registry: every table the engine uses is derived from the registered flows."""

from __future__ import annotations

import pytest

from chalicelib.conversation.flow import Context, Flow, FlowRegistry
from chalicelib.conversation.flows import default_flows
from chalicelib.conversation.flows.procedures import ProcedureFlow
from chalicelib.conversation.intents import Intent, Phrases, Understanding

from .conftest import CARD, Chat, payloads


class Plain(Flow):
    """A flow that only answers: enough to exercise the registry."""

    def __init__(
        self,
        name: str,
        *,
        rank: int = 100,
        phrases: tuple[Phrases, ...] = (),
        commands: frozenset[str] = frozenset(),
        available: bool = True,
    ) -> None:
        self.name = name
        self.title = f"Việc {name}"
        self.menu_title = f"Mục {name}"
        self.menu_rank = rank
        self.phrases = phrases
        self.commands = commands
        self.available = available

    def start(self, ctx: Context, arg: str | None, understood: Understanding | None) -> None:
        ctx.end()
        ctx.say(f"Bắt đầu {self.name}")


def test_the_products_menu_is_what_works_in_rank_order_with_help_last() -> None:
    assert [b.payload for b in default_flows().menu] == [
        "#flow:dossier",
        "#flow:procedures",
        "#flow:mine",
        "#flow:submit",
        "#flow:feedback",
        "#flow:handoff",
        "#help",
    ]


def test_placeholders_still_answer_their_phrases_but_have_no_menu_entry() -> None:
    flows = default_flows()
    for name, intent in (("postal", Intent.POSTAL),):
        assert name in flows and not flows.available(name)
        assert flows.for_intent(intent) is flows.get(name)


def test_menu_ranks_order_entries_and_unavailable_flows_are_left_out() -> None:
    flows = FlowRegistry([Plain("b", rank=2), Plain("a", rank=1), Plain("x", available=False)])
    assert [b.payload for b in flows.menu] == ["#flow:a", "#flow:b", "#help"]


def test_a_long_menu_pages_behind_xem_them() -> None:
    chat = Chat(flows=FlowRegistry([Plain(f"f{i}", rank=i) for i in range(6)]))
    first = chat.send("menu")
    assert payloads(first)[-5:] == ["#flow:f0", "#flow:f1", "#flow:f2", "#flow:f3", "#more:menu:1"]
    assert payloads(chat.send("#more:menu:1")) == ["#flow:f4", "#flow:f5", "#help"]


@pytest.mark.parametrize(
    "flows",
    [
        [Plain("a"), Plain("a")],
        [Plain("a", phrases=(Phrases("x", False, ("xx",)),)),
         Plain("b", phrases=(Phrases("x", False, ("yy",)),))],
        [Plain("a", phrases=(Phrases(Intent.CANCEL, True, ("bo",)),))],
        [Plain("a", commands=frozenset({"go"})), Plain("b", commands=frozenset({"go"}))],
        [Plain("a", commands=frozenset({"menu"}))],
    ],
    ids=["name", "intent", "global intent", "command", "global command"],
)  # fmt: skip
def test_two_flows_cannot_claim_the_same_name_intent_or_command(flows: list[Flow]) -> None:
    with pytest.raises(ValueError, match=r"taken|two flows"):
        FlowRegistry(flows)


def test_a_flows_phrases_route_free_text_to_it() -> None:
    flows = FlowRegistry([Plain("a", phrases=(Phrases("a", False, ("gia han giay phep",)),))])
    understood = flows.classify("xin gia hạn giấy phép lái xe")
    assert understood.intent == "a"
    assert understood.remainder == "lai xe"
    assert flows.for_intent("a") is flows.get("a")


def test_command_names_are_the_global_ones_and_those_flows_declare() -> None:
    flows = FlowRegistry([Plain("a", commands=frozenset({"go"}))])
    assert flows.command_names == {"menu", "help", "cancel", "more", "flow", "go"}
    assert Chat(flows=flows).send("#go").replies[0].text == "Bắt đầu a"


def test_titles_come_from_the_flow_with_step_titles_first() -> None:
    flows = default_flows()
    assert flows.title("dossier", "verify") == "Xác nhận chủ hồ sơ"
    assert flows.title("dossier", "code") == "Tra cứu hồ sơ"
    assert flows.title("gone", None) == "gone"  # a session of a flow no longer registered
    assert flows.title(None, None) == ""


def test_a_submittable_card_offers_submission_only_when_a_working_submit_flow_exists() -> None:
    submittable = CARD.model_copy(update={"submit_in_zalo": True})
    without_submit = Chat(flows=FlowRegistry([ProcedureFlow()]))
    without_submit.lookups.cards[CARD.code] = submittable
    assert "#flow:submit:1.001193" not in payloads(without_submit.send("#proc:1.001193"))

    with_submit = Chat(flows=FlowRegistry([ProcedureFlow(), Plain("submit")]))
    with_submit.lookups.cards[CARD.code] = submittable
    assert "#flow:submit:1.001193" in payloads(with_submit.send("#proc:1.001193"))


def test_find_returns_the_registered_flow_of_a_type() -> None:
    assert isinstance(default_flows().find(ProcedureFlow), ProcedureFlow)
    with pytest.raises(LookupError):
        FlowRegistry([]).find(ProcedureFlow)


def test_the_privacy_flow_is_not_started_by_a_bare_flow_payload() -> None:
    outcome = Chat().send("#flow:privacy")
    assert outcome.replies[-1].text.startswith("Xin lỗi, hệ thống chưa hiểu")
    assert outcome.actions == []
