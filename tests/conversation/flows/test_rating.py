"""The rating flow on the engine: score buttons, optional criteria, comment; owner only."""

from __future__ import annotations

from chalicelib.conversation.flows.rating import SubmitRating
from chalicelib.conversation.model import DossierView
from tests.conversation.conftest import CODE, USER, Chat, FakeLookups, all_text, payloads


class ResultLookups(FakeLookups):
    result_ready: bool = True

    def dossier_by_code(self, code: str, user_id: str) -> DossierView | None:
        view = super().dossier_by_code(code, user_id)
        return view.model_copy(update={"result_ready": self.result_ready}) if view else None


def _chat(owner: bool = True, result_ready: bool = True) -> Chat:
    lookups = ResultLookups(owners={USER} if owner else set())
    lookups.result_ready = result_ready
    return Chat(lookups=lookups)


def _ratings(outcome) -> list[SubmitRating]:
    return [a for a in outcome.actions if isinstance(a, SubmitRating)]


def test_a_score_is_saved_at_once_and_the_criteria_are_offered():
    chat = _chat()
    out = chat.send(f"#rate:{CODE}:4")
    [saved] = _ratings(out)
    assert (saved.code, saved.score, saved.time, saved.comment) == (CODE, 4, None, "")
    assert "4/5" in all_text(out)
    assert payloads(out) == [f"#rate:{CODE}:more", f"#rate:{CODE}:done"]
    done = chat.send(f"#rate:{CODE}:done")
    assert _ratings(done) == [] and chat.session is None
    assert "Đã ghi nhận đánh giá" in all_text(done)


def test_every_criterion_by_button_or_typed_without_diacritics_then_a_comment():
    chat = _chat()
    chat.send(f"#rate:{CODE}:5")
    asked = chat.send(f"#rate:{CODE}:more")
    assert f"#rate:{CODE}:time:late" in payloads(asked)
    assert f"#rate:{CODE}:skip" in payloads(asked)
    late = chat.send("TRE HEN")  # "Trễ hẹn", typed without diacritics, any case
    assert [(r.score, r.time) for r in _ratings(late)] == [(5, "late")]  # kept at once
    chat.send(f"#rate:{CODE}:contacts:2")
    chat.send("tot")  # "Tốt"
    out = chat.send("Cán bộ hướng dẫn tận tình.")
    [full] = _ratings(out)
    assert (full.score, full.time, full.contacts, full.attitude) == (5, "late", 2, "good")
    assert full.comment == "Cán bộ hướng dẫn tận tình."
    assert chat.session is None


def test_criteria_may_be_skipped_and_unknown_answers_ask_again():
    chat = _chat()
    chat.send(f"#rate:{CODE}:3")
    chat.send("co")  # "có": answer more
    again = chat.send("hôm qua")
    assert "chọn một trong các nút" in all_text(again)
    assert chat.session is not None and chat.session.step == "time"
    chat.send(f"#rate:{CODE}:skip")
    chat.send("khong")
    fair = chat.send(f"#rate:{CODE}:attitude:fair")
    [kept] = _ratings(fair)
    assert (kept.score, kept.time, kept.contacts, kept.attitude) == (3, None, None, "fair")
    out = chat.send(f"#rate:{CODE}:skip")  # no comment: nothing more to save
    assert _ratings(out) == [] and chat.session is None


def test_typed_bo_qua_is_the_global_cancel_and_the_answers_given_stay_saved():
    chat = _chat()
    chat.send(f"#rate:{CODE}:4")
    chat.send(f"#rate:{CODE}:more")
    saved = chat.send(f"#rate:{CODE}:time:on_time")
    assert [r.time for r in _ratings(saved)] == ["on_time"]
    out = chat.send("bỏ qua")
    assert _ratings(out) == [] and chat.session is None


def test_a_long_comment_is_refused_with_the_reason():
    chat = _chat()
    chat.send(f"#rate:{CODE}:2")
    chat.send(f"#rate:{CODE}:more")
    for _ in range(3):
        chat.send(f"#rate:{CODE}:skip")
    out = chat.send("x" * 1001)
    assert _ratings(out) == [] and "1.000" in all_text(out)
    assert chat.session is not None and chat.session.step == "comment"


def test_only_the_owner_rates_and_only_after_the_result():
    for chat in (_chat(owner=False), _chat(result_ready=False)):
        out = chat.send(f"#rate:{CODE}:5")
        assert _ratings(out) == []
        assert "Chỉ người nộp hồ sơ" in all_text(out)


def test_a_stale_criterion_button_starts_again_from_a_score():
    chat = _chat()
    out = chat.send(f"#rate:{CODE}:time:late")  # no rating in progress
    assert _ratings(out) == []
    assert payloads(out) == [f"#rate:{CODE}:{n}" for n in range(1, 6)]


def test_rating_needs_consent():
    chat = _chat()
    chat.consented = False
    out = chat.send(f"#rate:{CODE}:5")
    assert _ratings(out) == []
    assert "#consent:yes" in payloads(out)
