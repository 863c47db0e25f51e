"""Every sentence a citizen reads, in one place, so wording can be reviewed without logic.

Tone: government service, polite and short. The citizen is always addressed as "Ông/Bà".
Zalo does not render markdown but keeps newlines, so layout is plain lines and "- " lists.
Functions here only format; they never decide what to say.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone

from chalicelib.conversation.model import DossierView, ProcedureCard, ProcedureHit
from chalicelib.domain.submission import Receipt

# Vietnam has no daylight saving time; a fixed offset avoids needing tzdata on Lambda.
_VIETNAM = timezone(timedelta(hours=7))

DOSSIER_CODE_EXAMPLE = "000.00.17.H12-261126-0007"

# Bump when the personal-data notice below changes in substance: consent is recorded
# against this version.
PRIVACY_NOTICE_VERSION = "2026-01"

# --- Button titles (keep to about 20 characters) -----------------------------------------------
BTN_SUBMIT = "Nộp hồ sơ"
BTN_DOSSIER = "Tra cứu hồ sơ"
BTN_PROCEDURES = "Tra cứu thủ tục"
BTN_FEEDBACK = "Hỏi đáp, phản ánh"
BTN_POSTAL = "Đăng ký bưu chính"
BTN_MINE = "Hồ sơ của tôi"
BTN_HELP = "Trợ giúp"
BTN_MENU = "Menu chính"
BTN_AGREE = "Đồng ý"
BTN_DECLINE = "Không đồng ý"
BTN_VERIFY = "Xác nhận chủ hồ sơ"
BTN_ERASE_CONFIRM = "Xác nhận xóa"
BTN_ERASE_KEEP = "Không xóa"
BTN_SUBMIT_HERE = "Nộp qua Zalo"
BTN_OTHER_PROCEDURE = "Tìm thủ tục khác"
MORE_BUTTON = "Xem thêm"

# --- What each flow is called when it is cancelled or expires ----------------------------------
FLOW_TITLES = {
    "procedures": "Tra cứu thủ tục",
    "dossier": "Tra cứu hồ sơ",
    "dossier.verify": "Xác nhận chủ hồ sơ",
    "mine": "Hồ sơ của tôi",
    "submit": "Nộp hồ sơ",
    "feedback": "Hỏi đáp, phản ánh kiến nghị",
    "postal": "Đăng ký dịch vụ bưu chính công ích",
}

# --- Greeting, menu, help ------------------------------------------------------------------------


def greeting(centre_name: str) -> str:
    return (
        f"Xin chào Ông/Bà! Đây là kênh Zalo của {centre_name}.\n"
        "Tại đây Ông/Bà có thể tra cứu thủ tục hành chính, tra cứu tình trạng hồ sơ "
        "và nhận thông báo về hồ sơ của mình."
    )


MENU_TEXT = (
    "Ông/Bà cần hỗ trợ gì? Vui lòng chọn một mục bên dưới hoặc gõ yêu cầu, ví dụ:\n"
    "- tra cứu hồ sơ (hoặc gõ thẳng mã hồ sơ)\n"
    "- thủ tục khai sinh\n"
    "- trợ giúp"
)
MORE_OPTIONS = "Các mục khác:"
EMPTY_FALLBACK = "Ông/Bà vui lòng chọn một mục bên dưới."


def help_text(hotline: str, portal_url: str) -> str:
    return (
        "HƯỚNG DẪN SỬ DỤNG\n"
        "- Tra cứu thủ tục: gõ “thủ tục” kèm từ khóa, ví dụ “thủ tục khai sinh”.\n"
        "- Tra cứu hồ sơ: gõ mã hồ sơ in trên giấy tiếp nhận, "
        f"ví dụ {DOSSIER_CODE_EXAMPLE}.\n"
        "- Hồ sơ của tôi: xem các hồ sơ đã gắn với tài khoản Zalo này.\n"
        "- Gõ “menu” để mở danh mục, “hủy” để dừng việc đang làm.\n"
        "- Gõ “xóa dữ liệu” để yêu cầu xóa dữ liệu cá nhân.\n"
        f"Cần hỗ trợ thêm, Ông/Bà vui lòng gọi đường dây nóng {hotline} "
        f"hoặc truy cập Cổng Dịch vụ công quốc gia {portal_url}."
    )


NOT_UNDERSTOOD = (
    "Xin lỗi, hệ thống chưa hiểu yêu cầu của Ông/Bà. "
    "Vui lòng chọn một mục bên dưới hoặc gõ “trợ giúp” để xem hướng dẫn."
)
OTHER_MESSAGE = "Cảm ơn Ông/Bà đã nhắn tin. Hệ thống chỉ đọc được tin nhắn chữ và các nút chọn."


def attachment_not_used(kind: str) -> str:
    what = {"image": "ảnh", "file": "tệp", "location": "vị trí"}.get(kind, "nội dung")
    return (
        f"Xin lỗi, ở bước này hệ thống chưa sử dụng được {what} Ông/Bà gửi, "
        "nên nội dung đó không được lưu."
    )


# --- Cancel and timeout --------------------------------------------------------------------------


def cancelled(title: str) -> str:
    return f"Đã hủy “{title}”. Thông tin Ông/Bà đã nhập cho việc này chưa được lưu."


def stopped(title: str) -> str:
    return f"Đã dừng “{title}”; thông tin đã nhập cho việc này chưa được lưu."


YOU_ARE_WELCOME = (
    "Cảm ơn Ông/Bà đã liên hệ. Khi cần tra cứu thủ tục hoặc hồ sơ, Ông/Bà chỉ cần nhắn tin "
    "hoặc gõ “menu”."
)
NOTHING_TO_CANCEL = "Hiện không có việc nào đang thực hiện."


def session_expired(title: str, minutes: int) -> str:
    return (
        f"Phiên làm việc “{title}” đã hết hạn sau {minutes} phút không hoạt động; "
        "thông tin Ông/Bà đã nhập cho việc này chưa được lưu. "
        "Ông/Bà vui lòng bắt đầu lại khi cần."
    )


# --- Personal data -------------------------------------------------------------------------------


def privacy_notice(centre_name: str, hotline: str) -> str:
    return (
        "THÔNG BÁO VỀ XỬ LÝ DỮ LIỆU CÁ NHÂN\n"
        f"{centre_name} xử lý dữ liệu cá nhân của Ông/Bà theo Luật Bảo vệ dữ liệu cá nhân "
        "số 91/2025/QH15 và Nghị định số 356/2025/NĐ-CP.\n"
        "- Dữ liệu thu thập: họ tên, số điện thoại, số căn cước, địa chỉ và ảnh giấy tờ "
        "Ông/Bà gửi (ảnh giấy tờ tùy thân là dữ liệu cá nhân nhạy cảm).\n"
        "- Mục đích: tiếp nhận, giải quyết hồ sơ thủ tục hành chính và phản ánh, kiến nghị; "
        "thông báo tình trạng và kết quả cho Ông/Bà qua Zalo.\n"
        "- Thời gian lưu: trong thời gian giải quyết hồ sơ, sau đó tiếp tục lưu trong thời hạn "
        "mà pháp luật về lưu trữ quy định; hết thời hạn này dữ liệu được xóa.\n"
        "- Quyền của Ông/Bà: rút lại sự đồng ý hoặc yêu cầu xóa dữ liệu bất cứ lúc nào bằng "
        f"cách gõ “xóa dữ liệu” hoặc liên hệ Trung tâm qua số {hotline}. "
        "Yêu cầu được trả lời trong 2 ngày làm việc.\n"
        "- Nếu không đồng ý, Ông/Bà vẫn tra cứu được thủ tục và tra cứu hồ sơ theo mã, "
        "nhưng chưa thể nộp hồ sơ, gửi phản ánh hay xem hồ sơ của mình qua Zalo.\n"
        "Ông/Bà có đồng ý để Trung tâm xử lý dữ liệu cá nhân theo nội dung trên không?"
    )


CONSENT_THANKS = (
    "Cảm ơn Ông/Bà đã đồng ý. Ông/Bà có thể rút lại sự đồng ý hoặc yêu cầu xóa dữ liệu "
    "bất cứ lúc nào bằng cách gõ “xóa dữ liệu”."
)
CONSENT_ALREADY = "Ông/Bà đã đồng ý trước đó; không cần xác nhận lại."


def consent_needed(title: str) -> str:
    return (
        f"Để sử dụng chức năng “{title}”, hệ thống cần thu thập một số thông tin cá nhân "
        "của Ông/Bà. Vui lòng đọc thông báo về xử lý dữ liệu cá nhân và chọn “Đồng ý” "
        "để tiếp tục."
    )


CONSENT_DECLINED = (
    "Hệ thống đã ghi nhận Ông/Bà chưa đồng ý; không có dữ liệu cá nhân nào được thu thập. "
    "Ông/Bà vẫn có thể tra cứu thủ tục và tra cứu hồ sơ theo mã. "
    "Khi cần nộp hồ sơ hay xem hồ sơ của mình, Ông/Bà có thể đồng ý sau."
)
CONSENT_WITHDRAWN = (
    "Hệ thống đã ghi nhận Ông/Bà rút lại sự đồng ý; từ nay hệ thống không thu thập thêm dữ "
    "liệu cá nhân của Ông/Bà qua Zalo. Dữ liệu đã cung cấp vẫn được lưu theo quy định; "
    "nếu muốn xóa, Ông/Bà vui lòng gõ “xóa dữ liệu”."
)
ERASE_CONFIRM = (
    "Ông/Bà muốn yêu cầu xóa dữ liệu cá nhân đã cung cấp qua Zalo (họ tên, số điện thoại, "
    "số căn cước, địa chỉ, ảnh giấy tờ) và ngừng nhận thông báo về hồ sơ qua Zalo?\n"
    "Lưu ý: hồ sơ thủ tục hành chính đã nộp vẫn được lưu trữ theo quy định của pháp luật "
    "về lưu trữ."
)
ERASE_KEPT = "Dữ liệu của Ông/Bà được giữ nguyên."
ERASE_RECEIVED = (
    "Đã tiếp nhận yêu cầu xóa dữ liệu cá nhân của Ông/Bà. Trung tâm sẽ xử lý trong 2 ngày làm việc."
)

# --- Failures -----------------------------------------------------------------------------------


def request_failed(hotline: str | None = None) -> str:
    """Sent by the processing layer when a turn could not be handled."""
    text = (
        "Xin lỗi, hệ thống chưa xử lý được tin nhắn của Ông/Bà do sự cố kỹ thuật. "
        "Ông/Bà vui lòng thử lại sau ít phút"
    )
    return f"{text} hoặc gọi đường dây nóng {hotline}." if hotline else f"{text}."


# --- Capabilities not yet available in Zalo ----------------------------------------------------


def submission_unavailable(portal_url: str, hotline: str) -> str:
    return (
        "Chức năng nộp hồ sơ qua Zalo đang được xây dựng, hiện chưa sử dụng được; "
        "hệ thống chưa tiếp nhận hay lưu thông tin nào.\n"
        f"Ông/Bà có thể nộp hồ sơ trực tuyến tại Cổng Dịch vụ công quốc gia {portal_url} "
        "hoặc nộp trực tiếp tại Trung tâm Phục vụ hành chính công.\n"
        f"Cần hỗ trợ, vui lòng gọi {hotline}."
    )


def feedback_unavailable(portal_url: str, hotline: str) -> str:
    return (
        "Chức năng hỏi đáp, phản ánh kiến nghị qua Zalo đang được xây dựng, hiện chưa sử dụng "
        "được; nội dung gửi tại đây chưa được chuyển đến cơ quan giải quyết.\n"
        "Ông/Bà vui lòng gửi phản ánh, kiến nghị tại Cổng Dịch vụ công quốc gia "
        f"{portal_url} (mục Phản ánh kiến nghị) hoặc gọi đường dây nóng {hotline}."
    )


def postal_unavailable(portal_url: str, hotline: str) -> str:
    return (
        "Chức năng đăng ký dịch vụ bưu chính công ích qua Zalo đang được xây dựng, hiện chưa "
        "sử dụng được; hệ thống chưa ghi nhận đăng ký nào.\n"
        "Ông/Bà có thể chọn nhận kết quả qua bưu điện khi nộp hồ sơ tại Cổng Dịch vụ công "
        f"quốc gia {portal_url}, tại Trung tâm Phục vụ hành chính công hoặc bưu điện gần "
        f"nhất. Cần hỗ trợ, vui lòng gọi {hotline}."
    )


# --- Procedures ----------------------------------------------------------------------------------

ASK_PROCEDURE_QUERY = (
    "Ông/Bà vui lòng gõ tên hoặc từ khóa của thủ tục cần tra cứu, ví dụ: “khai sinh”, "
    "“đăng ký thường trú”, “giấy phép xây dựng”."
)


NO_MORE_RESULTS = "Không còn kết quả nào khác."


def no_procedure_found(query: str) -> str:
    return (
        f"Không tìm thấy thủ tục nào phù hợp với “{query}”. Ông/Bà vui lòng thử từ khóa khác "
        "(ngắn hơn, ví dụ “khai sinh”) hoặc gõ “hủy” để dừng."
    )


def procedure_results(hits: Sequence[ProcedureHit], offset: int, total: int) -> str:
    first, last = offset + 1, offset + len(hits)
    lines = [f"Kết quả tra cứu thủ tục ({first}–{last} trong {total} thủ tục):"]
    lines += [f"{offset + i}. {hit.name} (mã {hit.code})" for i, hit in enumerate(hits, 1)]
    lines.append("Vui lòng chọn một thủ tục bên dưới để xem chi tiết.")
    return "\n".join(lines)


def procedure_not_found(code: str) -> str:
    return f"Không tìm thấy thủ tục có mã {code}. Ông/Bà vui lòng tra cứu theo tên thủ tục."


_ONLINE_LEVELS = {"full": "Toàn trình", "partial": "Một phần"}


def procedure_card(card: ProcedureCard, portal_url: str) -> str:
    lines = [f"THỦ TỤC: {card.name}", f"Mã thủ tục: {card.code}"]
    if card.field:
        lines.append(f"Lĩnh vực: {card.field}")
    if card.agency:
        lines.append(f"Cơ quan thực hiện: {card.agency}")
    if card.agency_address:
        lines.append(f"Địa chỉ: {card.agency_address}")
    if card.time_limit:
        lines.append(f"Thời hạn giải quyết: {card.time_limit}")
    if card.fees:
        lines.append("Phí, lệ phí: " + "; ".join(card.fees))
    level = _ONLINE_LEVELS.get(card.online_level or "", "Chưa cung cấp trực tuyến")
    lines.append(f"Dịch vụ công trực tuyến: {level}")
    if card.documents:
        lines.append("Thành phần hồ sơ:")
        for i, doc in enumerate(card.documents, 1):
            counts = []
            if doc.originals:
                counts.append(f"bản chính: {doc.originals}")
            if doc.copies:
                counts.append(f"bản sao: {doc.copies}")
            suffix = f" ({', '.join(counts)})" if counts else ""
            lines.append(f"{i}. {doc.name}{suffix}")
    if card.submit_in_zalo:
        lines.append("Thủ tục này có thể nộp qua Zalo.")
    if card.online_level:
        lines.append(f"Nộp trực tuyến tại: {card.portal_url or portal_url}")
    else:
        lines.append(f"Thông tin chi tiết: {card.portal_url or portal_url}")
    return "\n".join(lines)


# --- Dossiers ------------------------------------------------------------------------------------

ASK_DOSSIER_CODE = (
    "Ông/Bà vui lòng nhập mã hồ sơ in trên giấy tiếp nhận hồ sơ và hẹn trả kết quả, "
    f"ví dụ: {DOSSIER_CODE_EXAMPLE}"
)
DOSSIER_CODE_INVALID = (
    "Hệ thống chưa nhận ra mã hồ sơ. Mã hồ sơ có dạng "
    f"{DOSSIER_CODE_EXAMPLE} (mã đơn vị - ngày nhận - số thứ tự). "
    "Ông/Bà vui lòng nhập lại hoặc gõ “hủy” để dừng."
)


def dossier_not_found(code: str) -> str:
    return (
        f"Không tìm thấy hồ sơ có mã {code}. Mã hồ sơ có dạng {DOSSIER_CODE_EXAMPLE}; "
        "Ông/Bà vui lòng kiểm tra lại trên giấy tiếp nhận và nhập lại, hoặc gõ “hủy” để dừng."
    )


def dossier_public(view: DossierView) -> str:
    """Only the procedure and the status: the caller has not proved to be the applicant."""
    return (
        f"HỒ SƠ {view.code}\n"
        f"Thủ tục: {view.procedure_name}\n"
        f"Tình trạng: {view.status_name}\n"
        "Nếu Ông/Bà là người nộp hồ sơ, vui lòng chọn “Xác nhận chủ hồ sơ” và nhập số điện "
        "thoại hoặc số căn cước đã khai khi nộp để xem lịch sử xử lý và ngày hẹn trả kết quả."
    )


def dossier_owner(view: DossierView) -> str:
    lines = [
        f"HỒ SƠ {view.code}",
        f"Thủ tục: {view.procedure_name}",
        f"Tình trạng: {view.status_name}",
    ]
    if view.received_at:
        lines.append(f"Ngày tiếp nhận: {_datetime(view.received_at)}")
    if view.due_date:
        overdue = " (đã quá hạn)" if view.overdue else ""
        lines.append(f"Ngày hẹn trả kết quả: {_date(view.due_date)}{overdue}")
    elif view.overdue:
        lines.append("Hồ sơ đã quá hạn giải quyết.")
    if view.result_ready:
        lines.append("Kết quả đã sẵn sàng để nhận.")
    if view.next_step:
        lines.append(f"Bước tiếp theo: {view.next_step}")
    if view.history:
        lines.append("Quá trình xử lý:")
        lines += [f"- {line}" for line in view.history]
    return "\n".join(lines)


def ask_applicant_proof(code: str) -> str:
    return (
        f"Để xác nhận Ông/Bà là người nộp hồ sơ {code}, vui lòng nhập số điện thoại hoặc số "
        "căn cước (12 số) đã khai khi nộp hồ sơ."
    )


APPLICANT_PROOF_INVALID = (
    "Hệ thống chưa nhận ra số điện thoại hoặc số căn cước. Số điện thoại gồm 10 số "
    "(ví dụ 0912345678); số căn cước gồm 12 số. Vui lòng nhập lại hoặc gõ “hủy” để dừng."
)


def applicant_mismatch(attempts_left: int) -> str:
    return (
        "Thông tin chưa khớp với hồ sơ. Ông/Bà vui lòng kiểm tra và nhập lại "
        f"(còn {attempts_left} lần thử)."
    )


def applicant_locked(hotline: str) -> str:
    return (
        "Thông tin chưa khớp quá số lần cho phép. Để bảo vệ dữ liệu của người nộp hồ sơ, "
        f"Ông/Bà vui lòng liên hệ Trung tâm qua số {hotline} để được hỗ trợ."
    )


APPLICANT_CONFIRMED = (
    "Đã xác nhận Ông/Bà là người nộp hồ sơ. Hồ sơ này đã được gắn với tài khoản Zalo của "
    "Ông/Bà và sẽ hiển thị trong mục “Hồ sơ của tôi”."
)
MY_DOSSIERS_EMPTY = (
    "Chưa có hồ sơ nào gắn với tài khoản Zalo của Ông/Bà. Ông/Bà có thể tra cứu hồ sơ theo "
    "mã rồi chọn “Xác nhận chủ hồ sơ” để gắn hồ sơ vào tài khoản."
)


def my_dossiers(views: Sequence[DossierView]) -> str:
    lines = ["HỒ SƠ CỦA ÔNG/BÀ"]
    for i, view in enumerate(views, 1):
        lines.append(f"{i}. {view.code}")
        lines.append(f"   {view.procedure_name}")
        lines.append(f"   Tình trạng: {view.status_name}")
    lines.append("Chọn một hồ sơ bên dưới để xem chi tiết.")
    return "\n".join(lines)


def dossier_button(index: int) -> str:
    return f"Hồ sơ {index}"


def _datetime(value: datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(_VIETNAM)
    return value.strftime("%H:%M %d/%m/%Y")


def _date(value: date) -> str:
    return value.strftime("%d/%m/%Y")


# --- Wording of catalogue and dossier data (used by the lookups adapter) -------------------------

_TIME_UNITS = {
    "working_day": "ngày làm việc",
    "day": "ngày",
    "hour": "giờ",
}
_LEVEL_AGENCIES = {
    "commune": "Ủy ban nhân dân xã, phường (bất kỳ xã, phường nào trong tỉnh)",
    "province": "Trung tâm Phục vụ hành chính công tỉnh Cà Mau",
}


def time_limit(days: float, unit: str, description: str = "") -> str:
    """'15 ngày làm việc' (a case description, when there are several cases, is left out)."""
    amount = int(days) if float(days).is_integer() else days
    if unit not in _TIME_UNITS:
        return description or f"{amount}"
    return f"{amount} {_TIME_UNITS[unit]}"


def time_limits_range(shortest: str, longest: str) -> str:
    return shortest if shortest == longest else f"từ {shortest} đến {longest} (tùy trường hợp)"


def fee(amount: int, unit: str, description: str) -> str:
    """A fee line. An amount of 0 is not "free" in the national data: it usually means the
    province sets the amount, so the description is shown instead."""
    if amount > 0:
        text = f"{amount:,}".replace(",", ".") + f" {unit.lower() if unit else 'đồng'}"
        return f"{text} ({description})" if description else text
    return description or "Theo quy định của tỉnh (liên hệ cơ quan tiếp nhận)"


NO_FEE_INFORMATION = "Chưa có thông tin; Ông/Bà vui lòng liên hệ cơ quan tiếp nhận."


def level_agency(level: str) -> str | None:
    """Who receives a procedure of a given level when no specific agency is named."""
    return _LEVEL_AGENCIES.get(level)


def history_line(status_name: str, at: datetime, note: str = "") -> str:
    line = f"{_datetime(at)}: {status_name}"
    return f"{line} ({note})" if note else line


def next_step(status: int, supplement_items: Sequence[str], result_ready: bool) -> str | None:
    """What the applicant should do now, by dossier status (1-10)."""
    if status == 5 and supplement_items:
        items = "; ".join(supplement_items)
        return f"Bổ sung các giấy tờ sau: {items}."
    if status == 6:
        return "Thực hiện nghĩa vụ tài chính (nộp phí, lệ phí, thuế) theo thông báo."
    if status == 1:
        return "Chờ cơ quan tiếp nhận kiểm tra hồ sơ."
    if status in (2, 4):
        return "Hồ sơ đang được xử lý; Ông/Bà sẽ nhận thông báo khi có kết quả."
    if status == 9 or (result_ready and status != 10):
        return "Kết quả đã sẵn sàng: nhận tại nơi nộp hồ sơ hoặc qua bưu điện nếu đã đăng ký."
    if status == 3:
        return "Hồ sơ không được tiếp nhận; xem lý do trong lịch sử xử lý."
    return None


def procedure_short_name(name: str) -> str:
    """A procedure's name for a button: without the leading "Thủ tục" most names share, so
    the buttons of a result page do not all read the same."""
    words = name.split()
    if len(words) > 2 and words[0].lower() == "thủ" and words[1].lower() == "tục":
        rest = " ".join(words[2:])
        return rest[:1].upper() + rest[1:]
    return name


# ================================================================================================
# --- Dossier submission: refused files and the receipt (issue 11) -------------------------------
# Kept together at the end of the file so the submission work merges cleanly with the flows.

# Why a file was refused, by DocumentRejected.reason (chalicelib/documents/rejection.py). Each
# sentence ends by saying what to do next: the flow asks for the component again.
DOCUMENT_REJECTED: dict[str, str] = {
    "scheme_not_allowed": (
        "Không thể tải tệp này. Ông/Bà vui lòng gửi lại tệp trực tiếp trong Zalo."
    ),
    "host_not_allowed": (
        "Hệ thống chỉ nhận ảnh và tệp gửi trực tiếp trong Zalo, không nhận đường liên kết. "
        "Ông/Bà vui lòng gửi lại tệp."
    ),
    "address_not_allowed": (
        "Hệ thống chỉ nhận ảnh và tệp gửi trực tiếp trong Zalo. Ông/Bà vui lòng gửi lại tệp."
    ),
    "too_many_redirects": "Không thể tải tệp này. Ông/Bà vui lòng gửi lại tệp.",
    "too_large": (
        "Tệp quá lớn (tối đa {max_mb} MB). Ông/Bà vui lòng chụp lại hoặc nén tệp rồi gửi lại."
    ),
    "empty": "Tệp nhận được không có nội dung. Ông/Bà vui lòng gửi lại tệp.",
    "unavailable": (
        "Hệ thống chưa tải được tệp (đường truyền gián đoạn hoặc tệp đã hết hạn). "
        "Ông/Bà vui lòng gửi lại tệp."
    ),
    "unknown_type": (
        "Tệp này không phải ảnh (JPG, PNG), PDF hay Word (DOCX) nên không thể nhận. "
        "Ông/Bà vui lòng gửi lại đúng loại tệp."
    ),
    "type_not_allowed": (
        "Giấy tờ này chỉ nhận tệp {allowed}. Ông/Bà vui lòng gửi lại đúng loại tệp."
    ),
    "type_mismatch": (
        "Nội dung tệp không đúng với loại tệp được khai báo nên không thể nhận. "
        "Ông/Bà vui lòng gửi lại tệp gốc."
    ),
}

_FILE_TYPE_NAMES = {"jpeg": "JPG", "png": "PNG", "pdf": "PDF", "docx": "Word (DOCX)"}


def document_rejected(reason: str, *, max_mb: int = 10, allowed: Sequence[str] = ()) -> str:
    """The sentence for a refused file; ``allowed`` are the component's types (``"pdf"``…)."""
    names = ", ".join(_FILE_TYPE_NAMES.get(t, t.upper()) for t in allowed) or "ảnh hoặc PDF"
    template = DOCUMENT_REJECTED.get(reason, DOCUMENT_REJECTED["unavailable"])
    return template.format(max_mb=max_mb, allowed=names)


RESULT_DELIVERY_NAMES = {
    "at_agency": "Nhận trực tiếp tại nơi nộp hồ sơ",
    "online": "Nhận kết quả trực tuyến",
    "post": "Nhận qua dịch vụ bưu chính công ích",
}


def submission_receipt(receipt: Receipt) -> str:
    """The receipt message: the content of the "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"."""
    lines = [
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        f"Mã hồ sơ: {receipt.code}",
        f"Thủ tục: {receipt.procedure_name}",
        f"Nơi tiếp nhận: {receipt.receiving_agency_name}",
        f"Thời gian nộp: {_datetime(receipt.received_at)}",
        "Thành phần hồ sơ đã nhận:",
    ]
    lines += [f"- {c.name}: {c.files} tệp" for c in receipt.components] or ["- (không có tệp)"]
    if receipt.expected_result_date is not None:
        lines.append(
            f"Ngày hẹn trả kết quả (dự kiến): {_date(receipt.expected_result_date)}. "
            "Ngày hẹn chính thức được xác định khi cơ quan tiếp nhận hồ sơ."
        )
    else:
        lines.append("Ngày hẹn trả kết quả: cơ quan sẽ thông báo khi tiếp nhận hồ sơ.")
    delivery = RESULT_DELIVERY_NAMES.get(str(receipt.result_delivery), "")
    place = f"{delivery}: {receipt.result_place}" if receipt.result_place else delivery
    lines.append(f"Nơi trả kết quả: {place}")
    lines.append(f"Tra cứu hồ sơ: {receipt.lookup_url}")
    return "\n".join(lines)
