"""Every sentence a citizen reads, in one place, so wording can be reviewed without logic.

Tone: government service, polite and short. The citizen is always addressed as "Ông/Bà".
Zalo does not render markdown but keeps newlines, so layout is plain lines and "- " lists.
Functions here only format; they never decide what to say.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone
from typing import Any

from chalicelib.conversation.model import CentreInfo, DossierView, ProcedureCard, ProcedureHit
from chalicelib.domain.submission import Receipt

# Vietnam has no daylight saving time; a fixed offset avoids needing tzdata on Lambda.
_VIETNAM = timezone(timedelta(hours=7))

DOSSIER_CODE_EXAMPLE = "000.00.17.H12-261126-0007"

# Bump when the personal-data notice below changes in substance: consent is recorded
# against this version.
PRIVACY_NOTICE_VERSION = "2026-12"

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


# Where the data is stored, by the AWS_REGION the app runs with. A deployment elsewhere (a
# provider in Vietnam reached through AWS_ENDPOINT_URL_*, docs/operations.md) adds its region
# here, and bumps PRIVACY_NOTICE_VERSION.
_STORAGE_LOCATIONS = {
    "ap-southeast-1": "Amazon Web Services (AWS), máy chủ đặt tại Singapore",
}


def storage_location(region: str) -> str:
    """Who stores the data and in which country, for the notice."""
    return _STORAGE_LOCATIONS.get(
        region, f"nhà cung cấp dịch vụ điện toán đám mây của Trung tâm (khu vực {region})"
    )


def privacy_notice(centre_name: str, hotline: str) -> str:
    """The short first part of the notice (Luật Bảo vệ dữ liệu cá nhân 91/2025/QH15 and
    Nghị định 356/2025/NĐ-CP): who, why, what needs consent, how to withdraw. The details
    follow in :func:`privacy_notice_details`, which carries the question and the buttons."""
    return (
        "THÔNG BÁO VỀ XỬ LÝ DỮ LIỆU CÁ NHÂN\n"
        f"{centre_name} (bên kiểm soát dữ liệu cá nhân; điện thoại {hotline}) xử lý dữ "
        "liệu cá nhân của Ông/Bà theo Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15 và Nghị định số "
        "356/2025/NĐ-CP, chỉ để tiếp nhận, giải quyết hồ sơ, phản ánh, kiến nghị của Ông/Bà "
        "và thông báo cho Ông/Bà qua Zalo.\n"
        "Tra cứu thủ tục và tra cứu hồ sơ theo mã không cần Ông/Bà đồng ý. Nộp hồ sơ, gửi "
        "phản ánh hay xem hồ sơ của mình qua Zalo cần Ông/Bà đồng ý.\n"
        "Ông/Bà có thể rút lại sự đồng ý hoặc yêu cầu xóa dữ liệu bất cứ lúc nào bằng cách "
        "gõ “xóa dữ liệu”. Chi tiết ở tin nhắn tiếp theo."
    )


def privacy_notice_details(centre_name: str, hotline: str, region: str) -> str:
    """The notice in full: each data type with its purpose and how long it is kept, who
    receives it, every right of the data subject, and the question. Fits one Zalo message."""
    return (
        "CHI TIẾT VỀ DỮ LIỆU CÁ NHÂN\n"
        "1. Dữ liệu, mục đích và thời gian lưu:\n"
        "- Mã định danh Zalo và thời điểm nhắn tin: để trả lời, gửi thông báo hồ sơ và ghi "
        "nhớ lựa chọn của Ông/Bà; lưu trong thời gian kênh này hoạt động (kể cả sau khi xóa "
        "các dữ liệu khác, để ghi nhớ yêu cầu xóa).\n"
        "- Tin nhắn: để hiểu và trả lời yêu cầu; nội dung đang nhập dở xóa sau 1 ngày, tin "
        "nhắn gặp lỗi kỹ thuật giữ tối đa 14 ngày để xử lý lại, thông báo chờ gửi xóa sau "
        "tối đa 90 ngày.\n"
        "- Họ tên, số điện thoại, số căn cước, địa chỉ, ảnh giấy tờ (ảnh giấy tờ tùy thân là "
        "dữ liệu cá nhân nhạy cảm): để giải quyết hồ sơ, phản ánh; lưu theo thời hạn lưu trữ hồ sơ "
        "mà pháp luật về lưu trữ quy định. Tệp gửi lên nhưng không đưa vào hồ sơ xóa sau 7 "
        "ngày.\n"
        "- Vị trí: chỉ dùng khi Ông/Bà chọn làm địa chỉ nhận, gửi giấy tờ; nếu không thì "
        "không lưu.\n"
        "2. Bên nhận dữ liệu: cơ quan có thẩm quyền giải quyết hồ sơ; doanh nghiệp bưu chính "
        "khi Ông/Bà chọn dịch vụ bưu chính công ích; Zalo (Công ty Cổ phần VNG) là kênh "
        f"chuyển tin nhắn; nơi lưu trữ: {storage_location(region)}.\n"
        "3. Quyền của Ông/Bà: được biết, đồng ý hoặc không đồng ý, truy cập (xem), chỉnh "
        "sửa, yêu cầu cung cấp, hạn chế xử lý, phản đối xử lý, rút lại sự đồng ý, yêu cầu "
        "xóa dữ liệu; khiếu nại, tố cáo, khởi kiện, yêu cầu bồi thường thiệt hại theo quy "
        "định. Gõ “xóa dữ liệu” hoặc gọi "
        f"{hotline}; yêu cầu được trả lời trong 2 ngày làm việc.\n"
        "4. Khi cung cấp dữ liệu của người khác (ví dụ của con khi đăng ký khai sinh), "
        "Ông/Bà xác nhận mình có quyền cung cấp (là cha, mẹ, người giám hộ, người đại diện "
        "hoặc đã được người đó đồng ý).\n"
        f"Ông/Bà có đồng ý để {centre_name} xử lý dữ liệu cá nhân theo nội dung trên không?"
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
    "Hệ thống đã ghi nhận Ông/Bà không đồng ý. Hệ thống chỉ giữ mã định danh Zalo của "
    "Ông/Bà để ghi nhớ lựa chọn này; không thu thập họ tên, số điện thoại, số căn cước, "
    "địa chỉ hay ảnh giấy tờ. Ông/Bà vẫn có thể tra cứu thủ tục và tra cứu hồ sơ theo mã. "
    "Khi cần nộp hồ sơ hay xem hồ sơ của mình, Ông/Bà có thể đồng ý sau."
)
CONSENT_WITHDRAWN = (
    "Hệ thống đã ghi nhận Ông/Bà rút lại sự đồng ý; từ nay hệ thống không thu thập thêm dữ "
    "liệu cá nhân của Ông/Bà qua Zalo, ngoài mã định danh Zalo để ghi nhớ lựa chọn này. "
    "Dữ liệu đã cung cấp vẫn được lưu theo quy định; nếu muốn xóa, Ông/Bà vui lòng gõ "
    "“xóa dữ liệu”."
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
    if card.receiving_unit:
        lines.append(f"Nơi tiếp nhận: {card.receiving_unit}")
    if card.details_on_portal:
        lines.append(details_on_portal(card.portal_url or portal_url))
        if card.national_system:
            lines.append(
                national_system(card.national_system, card.national_system_url or portal_url)
            )
        return "\n".join(lines)
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
    if card.in_person:
        lines.append(IN_PERSON)
    if card.national_system:
        lines.append(national_system(card.national_system, card.national_system_url or portal_url))
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
    f"{DOSSIER_CODE_EXAMPLE} hoặc G22.99-261126-000123 (mã đơn vị - ngày nhận - số thứ tự). "
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


def dossier_owner(view: DossierView, hotline: str | None = None) -> str:
    """The applicant's view. A computed due date is labelled "dự kiến" (an estimate): only
    the date on the receipt, set by the agency, is the appointment date."""
    lines = [
        f"HỒ SƠ {view.code}",
        f"Thủ tục: {view.procedure_name}",
        f"Tình trạng: {view.status_name}",
    ]
    if view.received_at:
        lines.append(f"Ngày tiếp nhận: {_datetime(view.received_at)}")
    if view.complete_received_at:
        lines.append(f"Ngày nhận đủ hồ sơ bổ sung: {_datetime(view.complete_received_at)}")
    if view.due_date:
        overdue = " (đã quá hạn)" if view.overdue else ""
        if view.due_date_is_estimate:
            lines.append(f"Ngày hẹn trả kết quả dự kiến: {_date(view.due_date)}{overdue}")
            lines.append(DUE_DATE_ESTIMATE_NOTE)
        else:
            lines.append(f"Ngày hẹn trả kết quả: {_date(view.due_date)}{overdue}")
    if view.overdue:
        lines.append(overdue_notice(hotline))
    if view.result_ready:
        lines.append("Kết quả đã sẵn sàng để nhận.")
    if view.next_step:
        lines.append(f"Bước tiếp theo: {view.next_step}")
    if view.history:
        lines.append("Quá trình xử lý:")
        lines += [f"- {line}" for line in view.history]
    return "\n".join(lines)


DUE_DATE_ESTIMATE_NOTE = (
    "(Ngày dự kiến do hệ thống tính theo thời hạn giải quyết; ngày hẹn chính thức là ngày "
    "ghi trên giấy tiếp nhận hồ sơ và hẹn trả kết quả.)"
)


def overdue_notice(hotline: str | None) -> str:
    """Nghị định 61/2018 (kept by 118/2025): for a late dossier the agency sends a written
    apology with the reason and a new appointment date (phiếu xin lỗi và hẹn lại ngày trả
    kết quả, Mẫu 04), and the date may be re-set only once."""
    call = f" hoặc gọi đường dây nóng {hotline}" if hotline else ""
    return (
        "Hồ sơ đã quá hạn giải quyết. Theo quy định, cơ quan giải quyết phải gửi Ông/Bà "
        "phiếu xin lỗi và hẹn lại ngày trả kết quả, nêu rõ lý do. Nếu chưa nhận được phiếu "
        f"này, Ông/Bà vui lòng liên hệ nơi nộp hồ sơ{call}."
    )


def ask_applicant_proof(code: str) -> str:
    return (
        f"Để xác nhận Ông/Bà là người nộp hồ sơ {code}, vui lòng nhập cả số điện thoại và số "
        "căn cước (12 số) đã khai khi nộp hồ sơ (có thể nhập trong cùng một tin nhắn)."
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


def applicant_link_failed(hotline: str) -> str:
    """Sent instead of APPLICANT_CONFIRMED when the link could not be saved (the dossier was
    linked to another Zalo account meanwhile, or no longer exists)."""
    return (
        "Hệ thống chưa gắn được hồ sơ này với tài khoản Zalo của Ông/Bà. Ông/Bà vui lòng "
        f"liên hệ Trung tâm qua số {hotline} để được hỗ trợ."
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


SAME_DAY_LIMIT = "trong ngày (nhận sau 15 giờ thì trả trong ngày làm việc tiếp theo)"


def time_limit(days: float, unit: str, description: str = "") -> str:
    """'15 ngày làm việc' (a case description, when there are several cases, is left out).
    0 days is a same-day procedure ("trong ngày")."""
    amount = int(days) if float(days).is_integer() else days
    if unit not in _TIME_UNITS:
        return description or f"{amount}"
    if days == 0 and unit in ("working_day", "day"):
        return SAME_DAY_LIMIT
    return f"{amount} {_TIME_UNITS[unit]}"


def time_limits_range(shortest: str, longest: str) -> str:
    if shortest == longest:
        return shortest
    if shortest == SAME_DAY_LIMIT:
        return f"trong ngày hoặc đến {longest} (tùy trường hợp)"
    return f"từ {shortest} đến {longest} (tùy trường hợp)"


def fee(amount: int, unit: str, description: str) -> str:
    """A fee line. An amount of 0 is not "free" in the national data: it usually means the
    province sets the amount, so the description is shown instead."""
    if amount > 0:
        text = f"{amount:,}".replace(",", ".") + f" {unit.lower() if unit else 'đồng'}"
        return f"{text} ({description})" if description else text
    return description or "Theo quy định của tỉnh (liên hệ cơ quan tiếp nhận)"


NO_FEE_INFORMATION = "Chưa có thông tin; Ông/Bà vui lòng liên hệ cơ quan tiếp nhận."


_RECEIVING_UNITS = {
    "province": "Trung tâm Phục vụ hành chính công tỉnh Cà Mau",
    "commune": "Trung tâm Phục vụ hành chính công xã, phường (bất kỳ xã, phường nào trong tỉnh)",
}
RECEIVING_AT_AGENCY = "Trực tiếp tại cơ quan thực hiện, hoặc trực tuyến theo đường dẫn bên dưới"


def receiving_unit(levels: Sequence[str], on_national_system: bool) -> str | None:
    """Nơi tiếp nhận: the provincial or a commune-level service centre (Nghị định 118/2025:
    any commune centre in the province), or the agency itself for a national-system one."""
    if on_national_system:
        return RECEIVING_AT_AGENCY
    units = [_RECEIVING_UNITS[level] for level in levels if level in _RECEIVING_UNITS]
    return " hoặc ".join(dict.fromkeys(units)) or None


_NATIONAL_SYSTEMS = {
    "police": "Thủ tục do cơ quan Công an giải quyết trên hệ thống của Bộ Công an, không nộp qua "
    "Zalo này. Ông/Bà nộp trên ứng dụng VNeID hoặc Cổng Dịch vụ công quốc gia",
    "tax": "Thủ tục do cơ quan Thuế giải quyết trên hệ thống của ngành Thuế, không nộp qua Zalo "
    "này. Ông/Bà nộp trên Cổng Dịch vụ công quốc gia",
    "social_insurance": "Thủ tục do cơ quan Bảo hiểm xã hội giải quyết trên hệ thống của ngành "
    "Bảo hiểm xã hội, không nộp qua Zalo này. Ông/Bà nộp trên Cổng Dịch vụ công quốc gia",
    "business_registration": "Đăng ký doanh nghiệp thực hiện trên Cổng thông tin quốc gia về "
    "đăng ký doanh nghiệp, không nộp qua Zalo này",
}
_OTHER_NATIONAL_SYSTEM = (
    "Thủ tục thuộc ngành quản lý theo ngành dọc, giải quyết trên hệ thống riêng của ngành, "
    "không nộp qua Zalo này. Ông/Bà nộp trên Cổng Dịch vụ công quốc gia"
)


def national_system(rule_id: str, url: str) -> str:
    """Why this procedure is not taken through Zalo, and where it is filed."""
    return f"{_NATIONAL_SYSTEMS.get(rule_id, _OTHER_NATIONAL_SYSTEM)}: {url}"


IN_PERSON = (
    "Thủ tục này yêu cầu các bên có mặt trực tiếp khi đăng ký (Luật Hộ tịch 2014), nên không "
    "nộp hồ sơ và nhận kết quả qua dịch vụ bưu chính công ích (bưu điện)."
)


def details_on_portal(url: str) -> str:
    """The card of a procedure known here only by name and code."""
    return (
        "Thành phần hồ sơ, thời hạn giải quyết, phí và lệ phí của thủ tục này được công bố trên "
        f"Cổng Dịch vụ công quốc gia; Ông/Bà xem chi tiết và nộp trực tuyến tại: {url}"
    )


def history_line(status_name: str, at: datetime, note: str = "") -> str:
    line = f"{_datetime(at)}: {status_name}"
    return f"{line} ({note})" if note else line


_NEXT_STEPS: dict[int, str] = {
    1: (
        "Cơ quan tiếp nhận đang kiểm tra hồ sơ. Ông/Bà sẽ được thông báo khi hồ sơ được "
        "tiếp nhận hoặc nếu cần bổ sung."
    ),
    2: (
        "Hồ sơ đã được tiếp nhận và chuyển giải quyết; Ông/Bà chưa cần làm gì thêm. "
        "Hệ thống sẽ thông báo khi có kết quả hoặc khi cần bổ sung."
    ),
    3: (
        "Hồ sơ không được tiếp nhận; lý do ghi trong phiếu từ chối tiếp nhận (xem quá trình "
        "xử lý). Ông/Bà có thể nộp hồ sơ mới khi đã đáp ứng yêu cầu."
    ),
    4: (
        "Hồ sơ đang được giải quyết; Ông/Bà chưa cần làm gì thêm. Hệ thống sẽ thông báo khi "
        "có kết quả hoặc khi cần bổ sung."
    ),
    6: (
        "Ông/Bà nộp phí, lệ phí hoặc thuế theo thông báo của cơ quan giải quyết (số tiền, "
        "nơi nộp và thời hạn ghi trong thông báo). Sau khi nộp, hồ sơ được tiếp tục giải quyết."
    ),
    7: (
        "Cơ quan giải quyết đã nhận yêu cầu rút hồ sơ của Ông/Bà và sẽ dừng giải quyết. "
        "Về việc nhận lại giấy tờ đã nộp (nếu có), Ông/Bà liên hệ nơi nộp hồ sơ, mang theo "
        "giấy tiếp nhận hồ sơ và căn cước. Khi cần, Ông/Bà có thể nộp hồ sơ mới."
    ),
    8: (
        "Cơ quan giải quyết đã dừng giải quyết hồ sơ; lý do ghi trong thông báo gửi Ông/Bà "
        "(xem quá trình xử lý). Nếu vẫn cần thực hiện thủ tục, Ông/Bà có thể nộp hồ sơ mới; "
        "cần giải thích thêm, Ông/Bà vui lòng liên hệ nơi nộp hồ sơ."
    ),
    9: (
        "Kết quả đã có. Nếu đã đăng ký nhận kết quả qua dịch vụ bưu chính công ích, bưu điện "
        "sẽ giao đến địa chỉ Ông/Bà đã đăng ký (người nhận xuất trình căn cước). Nếu không, "
        "Ông/Bà mang giấy tiếp nhận hồ sơ và hẹn trả kết quả cùng căn cước đến nhận tại nơi "
        "đã nộp hồ sơ; người nhận thay mang thêm văn bản ủy quyền."
    ),
    10: (
        "Kết quả đã được trả; hồ sơ đã hoàn tất. Nếu kết quả có sai sót, Ông/Bà vui lòng "
        "liên hệ nơi nộp hồ sơ để được điều chỉnh."
    ),
}


def next_step(status: int, supplement_items: Sequence[str], result_ready: bool) -> str | None:
    """What the applicant should do now, for every dossier status (1-10)."""
    if status == 5:
        if supplement_items:
            missing = "Ông/Bà cần bổ sung: " + "; ".join(supplement_items) + "."
        else:
            missing = "Ông/Bà cần bổ sung giấy tờ theo phiếu yêu cầu bổ sung đã nhận."
        return (
            f"{missing} Vui lòng nộp phần bổ sung tại nơi đã nộp hồ sơ (mang theo giấy tiếp "
            "nhận hồ sơ), hoặc trên Cổng Dịch vụ công quốc gia nếu đã nộp trực tuyến. Thời hạn "
            "giải quyết được tính lại từ ngày cơ quan nhận đủ hồ sơ."
        )
    if result_ready and status not in (9, 10):
        return _NEXT_STEPS[9]
    return _NEXT_STEPS.get(status)


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


# --- Answers: the aspect asked, the short card (issue 9) ----------------------------------------

BTN_FULL_CARD = "Xem thông tin thủ tục"
BTN_DOCUMENTS = "Thành phần hồ sơ"
BTN_FEES = "Phí, lệ phí"
BTN_TIME = "Thời hạn giải quyết"
BTN_WHERE = "Nơi nộp hồ sơ"

CARD_MAX_CHARS = 600  # one phone screen
_CARD_LINE_CHARS = 160
NO_FEE = "Không thu phí"

# A documents-list line for a special case (listed after the common case): how it starts, or
# words it contains.
_SPECIAL_CASE_STARTS = ("truong hop", "van ban uy quyen", "neu ", "doi voi")
_SPECIAL_CASE_WORDS = ("bi bo roi", "mang thai ho")


def clip(text: str, limit: int) -> str:
    """``text`` on one line, at most ``limit`` characters, cut at a word with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,.;:-") + "…"


def fee_items(fees: list[str]) -> list[str]:
    """The fee lines cleaned (one line each, no bullets) and without repeats."""
    from chalicelib.domain.vietnamese import fold

    seen: set[str] = set()
    items: list[str] = []
    for fee in fees:
        line = " ".join(fee.split()).strip(" -•+*;,.")
        key = fold(line)
        if line and key not in seen:
            seen.add(key)
            items.append(line)
    return items


def _is_free(items: list[str]) -> bool:
    from chalicelib.domain.vietnamese import fold

    free = ("mien", "khong thu", "khong co", "khong")
    return not items or all(fold(i).startswith(free) for i in items)


def fee_line(card: ProcedureCard) -> str:
    items = fee_items(card.fees)
    if _is_free(items):
        return NO_FEE if card.fees else "Chưa có thông tin phí, lệ phí"
    return clip("; ".join(items), _CARD_LINE_CHARS)


def _where(card: ProcedureCard) -> str | None:
    where = card.receiving_unit or card.agency
    if where and card.agency_address and not card.receiving_unit:
        where = f"{where} ({card.agency_address})"
    return where


def _ways(card: ProcedureCard, portal_url: str) -> str:
    ways = []
    if card.submit_in_zalo:
        ways.append("qua Zalo")
    if card.online_level:
        ways.append(f"trực tuyến tại {card.portal_url or portal_url}")
    ways.append("trực tiếp tại nơi tiếp nhận")
    return "Cách nộp: " + "; ".join(ways)


def short_procedure_card(card: ProcedureCard, portal_url: str) -> str:
    """The procedure on one phone screen (at most :data:`CARD_MAX_CHARS`): what it is, who
    handles it and where to file, time limit, fee in one line, how to submit. Documents, fee
    details and the legal basis are behind buttons."""
    url = card.portal_url or portal_url
    head = [clip(card.name, 150), f"Mã thủ tục: {card.code}"]
    where = _where(card)
    if card.details_on_portal:
        tail = [f"Nơi thực hiện: {clip(where, _CARD_LINE_CHARS)}"] if where else []
        if card.national_system:
            tail.append(clip(national_system(card.national_system, url), 260))
        else:
            tail.append(f"Thành phần hồ sơ, thời hạn, phí: xem tại {url}")
    else:
        tail = []
        if card.agency and card.receiving_unit:
            tail.append(f"Cơ quan giải quyết: {clip(card.agency, 110)}")
        if where:
            tail.append(f"Nơi nộp: {clip(where, _CARD_LINE_CHARS)}")
        tail.append(f"Thời hạn: {clip(card.time_limit or 'chưa có thông tin', 100)}")
        tail.append(f"Phí, lệ phí: {fee_line(card)}")
        if card.national_system:
            tail.append(clip(national_system(card.national_system, url), 200))
        elif card.in_person:
            tail.append("Phải có mặt trực tiếp khi đăng ký (không qua bưu điện).")
        tail.append(_ways(card, portal_url))
    lines = head + tail
    text = "\n".join(lines)
    while len(text) > CARD_MAX_CHARS and len(lines) > 2:
        longest = max(range(len(lines)), key=lambda i: len(lines[i]))
        lines[longest] = clip(lines[longest], max(40, len(lines[longest]) - (len(text) - 600)))
        new = "\n".join(lines)
        if new == text:
            lines.pop(longest)
            new = "\n".join(lines)
        text = new
    return text


def _special(name: str) -> bool:
    from chalicelib.domain.vietnamese import fold

    folded = fold(name).strip()
    return folded.startswith(_SPECIAL_CASE_STARTS) or any(w in folded for w in _SPECIAL_CASE_WORDS)


def procedure_documents(card: ProcedureCard, portal_url: str, hotline: str = "") -> str:
    """The documents, the common case first and special cases after."""
    if not card.documents:
        return not_in_catalogue(card, "documents", portal_url, hotline)
    docs = sorted(
        card.documents, key=lambda d: _special(d.name)
    )  # stable: the catalogue order otherwise
    lines = [f"Thành phần hồ sơ — {clip(card.name, 120)}:"]
    for i, doc in enumerate(docs, 1):
        counts = []
        if doc.originals:
            counts.append(f"bản chính: {doc.originals}")
        if doc.copies:
            counts.append(f"bản sao: {doc.copies}")
        suffix = f" ({', '.join(counts)})" if counts else ""
        lines.append(f"{i}. {clip(doc.name, 220)}{suffix}")
    return "\n".join(lines)


def procedure_fees(card: ProcedureCard, portal_url: str, hotline: str = "") -> str:
    items = fee_items(card.fees)
    if not card.fees:
        return not_in_catalogue(card, "fees", portal_url, hotline)
    if _is_free(items):
        return f"{clip(card.name, 150)}: {NO_FEE.lower()} ({'; '.join(items)})."
    lines = [f"Phí, lệ phí — {clip(card.name, 120)}:"] + [f"- {clip(i, 300)}" for i in items]
    return "\n".join(lines)


def procedure_time(card: ProcedureCard, portal_url: str, hotline: str = "") -> str:
    if not card.time_limit:
        return not_in_catalogue(card, "time", portal_url, hotline)
    return f"Thời hạn giải quyết {clip(card.name, 150)}: {card.time_limit}."


def procedure_where(card: ProcedureCard, portal_url: str, hotline: str = "") -> str:
    where = _where(card)
    if not where:
        return not_in_catalogue(card, "where", portal_url, hotline)
    lines = [f"Nơi nộp hồ sơ {clip(card.name, 150)}: {where}."]
    if card.national_system:
        lines.append(national_system(card.national_system, card.national_system_url or portal_url))
    else:
        lines.append(_ways(card, portal_url) + ".")
    return "\n".join(lines)


ASPECT_NAMES = {
    "documents": "thành phần hồ sơ",
    "fees": "phí, lệ phí",
    "time": "thời hạn giải quyết",
    "where": "nơi nộp hồ sơ",
}


def not_in_catalogue(card: ProcedureCard, aspect: str, portal_url: str, hotline: str) -> str:
    """Said plainly when the catalogue does not hold the aspect asked (never a guess)."""
    text = (
        f"Hệ thống chưa có thông tin {ASPECT_NAMES.get(aspect, 'chi tiết')} của thủ tục "
        f"{clip(card.name, 150)} (mã {card.code}). Ông/Bà xem trên Cổng Dịch vụ công quốc gia: "
        f"{card.portal_url or portal_url}"
    )
    return f"{text} hoặc gọi đường dây nóng {hotline}." if hotline else text


# --- Existing dossiers, numbers and small talk (issue 9) ----------------------------------------


def existing_dossier(hotline: str) -> str:
    """A question or complaint about a dossier already filed: status, not a new submission."""
    return (
        "Ông/Bà hỏi về hồ sơ đã nộp. Vui lòng nhập mã hồ sơ in trên giấy tiếp nhận (ví dụ: "
        f'{DOSSIER_CODE_EXAMPLE}) hoặc chọn "Hồ sơ của tôi" để xem các hồ sơ đã liên kết. '
        f"Nếu hồ sơ đã quá hạn, Ông/Bà có thể gọi đường dây nóng {hotline}."
    )


BARE_NUMBER = (
    "Ông/Bà vừa gửi một dãy số. Ông/Bà cần tra cứu hồ sơ (vui lòng nhập mã hồ sơ in trên giấy "
    "tiếp nhận) hay xem các hồ sơ của mình? Vui lòng chọn bên dưới."
)
ACKNOWLEDGED = "Cảm ơn Ông/Bà. Ông/Bà cần hỗ trợ gì thêm, vui lòng chọn bên dưới."


# --- Centres: hours, address, phone (issue 9) ---------------------------------------------------

CENTRES_TITLE = "Thông tin trung tâm hành chính công"
BTN_PROVINCIAL_CENTRE = "Trung tâm cấp tỉnh"


def map_link(name: str, address: str) -> str:
    from urllib.parse import quote_plus

    return "https://www.google.com/maps/search/?api=1&query=" + quote_plus(f"{name}, {address}")


def centre_info(centre: CentreInfo) -> str:
    lines = [centre.name]
    if centre.matched:
        lines.append(f"(tiếp nhận hồ sơ của {centre.matched})")
    lines.append(f"Địa chỉ: {centre.address or 'chưa có thông tin'}")
    lines.append(f"Giờ làm việc: {centre.working_hours or 'chưa có thông tin'}")
    lines.append(f"Điện thoại: {centre.phone or 'chưa có thông tin'}")
    if centre.address:
        lines.append(f"Bản đồ: {map_link(centre.name, centre.address)}")
    return "\n".join(lines)


def centre_choice(centre: CentreInfo) -> str:
    name = centre.name.replace("Trung tâm Phục vụ hành chính công ", "")
    return f"{name} ({centre.matched})" if centre.matched else name


def centre_choose(query: str, count: int, shown: int) -> str:
    text = f'"{query}" có thể là {count} nơi. Ông/Bà vui lòng chọn trung tâm cần xem thông tin'
    if count > shown:
        return f"{text} (hoặc nhập tên xã, phường cụ thể hơn):"
    return f"{text}:"


def centre_place_unknown(query: str) -> str:
    return (
        f'Chưa tìm thấy xã, phường "{query[:60]}". Ông/Bà có thể nhập tên xã, phường hiện '
        "nay hoặc tên cũ. Thông tin trung tâm cấp tỉnh:"
    )


ASK_PROCEDURE_FOR_ASPECT = (
    "Ông/Bà hỏi về thủ tục nào? Vui lòng nhập tên thủ tục, ví dụ: khai sinh, căn cước, "
    "đăng ký kết hôn."
)


# --- Web form (issue 11: chalicelib/api/form.py, chalicelib/services/webform.py) ---------------
WEBFORM_BUTTON = "Điền biểu mẫu trên web"
WEBFORM_TITLE = "Nộp hồ sơ trực tuyến"
WEBFORM_LINK_INVALID = (
    "Đường dẫn này không hợp lệ hoặc đã hết hạn (đường dẫn có hiệu lực 30 phút). "
    "Vui lòng quay lại Zalo và chọn “Nộp hồ sơ” để nhận đường dẫn mới."
)
WEBFORM_LINK_USED = (
    "Đường dẫn này đã được dùng để nộp hồ sơ {code}. Mỗi đường dẫn chỉ dùng một lần."
)
WEBFORM_NOT_SUBMITTABLE = "Thủ tục này chưa nhận hồ sơ qua Zalo. Vui lòng nộp tại {url}"
WEBFORM_ERROR_SUMMARY = "Vui lòng sửa các mục sau:"
WEBFORM_APPLICANT = "Người nộp hồ sơ"
WEBFORM_KIND_PERSON = "Cá nhân"
WEBFORM_KIND_ORGANISATION = "Tổ chức"
WEBFORM_LABELS = {
    "name": "Họ và tên / Tên tổ chức",
    "id_number": "Số định danh cá nhân (12 chữ số)",
    "tax_code": "Mã số thuế (tổ chức)",
    "phone": "Số điện thoại di động",
    "address": "Địa chỉ",
}
WEBFORM_COMPONENTS = "Thành phần hồ sơ"
WEBFORM_FILE_HINT = "Ảnh chụp hoặc tệp JPG, PNG, PDF, DOCX; tối đa {mb} MB mỗi tệp."
WEBFORM_UPLOADING = "Đang tải lên…"
WEBFORM_UPLOADED = "Đã tải lên"
WEBFORM_UPLOAD_FAILED = "Không tải lên được tệp này. Vui lòng thử lại."
WEBFORM_DELIVERY = "Cách nhận kết quả"
WEBFORM_DELIVERY_AT_AGENCY = "Nhận trực tiếp tại nơi nộp hồ sơ"
WEBFORM_DELIVERY_ONLINE = "Nhận kết quả trực tuyến"
WEBFORM_SUBMIT = "Nộp hồ sơ"
WEBFORM_ERRORS = {
    "name": "Vui lòng nhập họ và tên (hoặc tên tổ chức).",
    "id_number": "Số định danh cá nhân phải có 12 chữ số (ví dụ 096090000001).",
    "tax_code": "Mã số thuế không đúng: 10 chữ số (hoặc 13 chữ số dạng 0123456789-001).",
    "phone": "Số điện thoại di động không đúng (ví dụ 0912 345 678).",
    "address": "Vui lòng nhập địa chỉ.",
    "documents": "Vui lòng tải lên ít nhất một tệp của hồ sơ.",
    "file": "Tệp “{name}” ({component}): {reason}",
}
WEBFORM_DONE_TITLE = "Đã nộp hồ sơ"
WEBFORM_DONE = (
    "Hồ sơ của bạn đã được tiếp nhận với mã {code}. "
    "Giấy tiếp nhận hồ sơ và hẹn trả kết quả sẽ được gửi vào Zalo của bạn trong giây lát."
)
WEBFORM_DONE_NOT_SENT = (
    "Hồ sơ của bạn đã được tiếp nhận với mã {code}. "
    "Chưa gửi được giấy tiếp nhận vào Zalo; bạn có thể tra cứu hồ sơ bằng mã này."
)
WEBFORM_FAILED = "Hệ thống đang bận, hồ sơ chưa được nộp. Vui lòng bấm “Nộp hồ sơ” lại sau ít phút."


# --- Erasure (issue 10) -------------------------------------------------------------------------


def erasure_kept_dossiers(codes: list[str]) -> str:
    """After an erasure, the dossiers in progress whose link to this Zalo account is kept, and
    why (the law requires the dossier to be followed through and its result returned)."""
    return (
        "Dữ liệu cá nhân của Ông/Bà trên kênh Zalo đã được xóa. Các hồ sơ đang giải quyết sau "
        "vẫn được giữ liên kết với tài khoản Zalo này để Trung tâm thông báo và trả kết quả theo "
        "quy định của pháp luật về thủ tục hành chính: "
        + ", ".join(codes)
        + ". Liên kết sẽ được gỡ khi hồ sơ được giải quyết xong."
    )


# --- Ownership: proof with both numbers, a dossier linked to another account (issue 9) --------

ASK_APPLICANT_ID = (
    "Vui lòng nhập thêm số căn cước (12 số) của người nộp hồ sơ, như đã khai khi nộp hồ sơ."
)
ASK_APPLICANT_PHONE = (
    "Vui lòng nhập thêm số điện thoại của người nộp hồ sơ, như đã khai khi nộp hồ sơ."
)
BTN_REVIEW = "Đề nghị xem xét"


def applicant_linked_elsewhere(hotline: str) -> str:
    """The proof was right, but the dossier is linked to another Zalo account."""
    return (
        "Thông tin Ông/Bà cung cấp khớp với hồ sơ, nhưng hồ sơ này đang được gắn với một tài "
        "khoản Zalo khác nên hệ thống không thể chuyển sang tài khoản của Ông/Bà. Ông/Bà có "
        "thể bấm “Đề nghị xem xét” để Trung tâm kiểm tra lại, hoặc gọi đường dây nóng "
        f"{hotline}."
    )


OWNERSHIP_REVIEW_REQUESTED = (
    "Đã gửi đề nghị xem xét đến Trung tâm. Cán bộ sẽ kiểm tra và liên hệ lại với Ông/Bà."
)


def ownership_claimed_notice(code: str, hotline: str) -> str:
    """To the account linked to ``code`` when someone else proved to be its applicant."""
    return (
        f"Có người vừa dùng một tài khoản Zalo khác để xác nhận là người nộp hồ sơ {code}. "
        "Hồ sơ vẫn gắn với tài khoản của Ông/Bà. Nếu không phải Ông/Bà hoặc người thân thực "
        f"hiện, vui lòng liên hệ Trung tâm qua số {hotline}."
    )


# --- Consent continuity (issue 9) ---------------------------------------------------------------

PRIVACY_TITLE = "Đồng ý xử lý dữ liệu cá nhân"


# --- Chat submission flow "Nộp hồ sơ" (issue 11, conversation/flows/submission.py) -------------

BTN_PERSON = "Cá nhân"
BTN_ORGANISATION = "Tổ chức"
BTN_DONE = "Xong"
BTN_SKIP = "Bỏ qua"
BTN_CONFIRM = "Xác nhận"
BTN_EDIT = "Sửa"
BTN_CANCEL_SUBMISSION = "Hủy"
BTN_AT_AGENCY = "Nhận tại cơ quan"
BTN_ONLINE = "Nhận trực tuyến"
BTN_POST = "Qua bưu điện"

ASK_SUBMISSION_PROCEDURE = (
    "Ông/Bà muốn nộp hồ sơ cho thủ tục nào? Vui lòng nhập tên hoặc mã thủ tục "
    "(ví dụ: đăng ký khai sinh)."
)
SUBMISSION_CHOOSE_PROCEDURE = "Ông/Bà chọn thủ tục muốn nộp:"
ASK_APPLICANT_KIND = "Ông/Bà nộp hồ sơ với tư cách cá nhân hay tổ chức?"
ASK_PERSON_NAME = "Họ và tên người nộp hồ sơ (ghi đầy đủ, có dấu):"
ASK_PHONE = "Số điện thoại di động liên hệ (ví dụ: 0912 345 678):"
ASK_PERSON_ID = "Số định danh cá nhân (số căn cước, 12 chữ số):"
ASK_ADDRESS = "Địa chỉ liên hệ (số nhà, đường, xã/phường, tỉnh):"
ASK_ORG_NAME = "Tên tổ chức (ghi đầy đủ như trên giấy đăng ký):"
ASK_TAX_CODE = "Mã số thuế của tổ chức (10 chữ số, chi nhánh: 10 chữ số-3 chữ số):"
ASK_REPRESENTATIVE = "Họ và tên người đại diện theo pháp luật:"
USER_INFO_HINT = (
    "Ông/Bà có thể gửi thông tin Zalo (họ tên, số điện thoại, địa chỉ) để điền sẵn, "
    "hoặc nhập trực tiếp."
)
NAME_INVALID = "Tên cần có ít nhất 2 ký tự chữ. Ông/Bà vui lòng nhập lại."
PHONE_INVALID = (
    "Số điện thoại chưa đúng: cần số di động Việt Nam gồm 10 chữ số, bắt đầu bằng 03, 05, 07, "
    "08 hoặc 09 (ví dụ 0912 345 678)."
)
PERSON_ID_INVALID = (
    "Số định danh cá nhân chưa đúng: cần đủ 12 chữ số, 3 chữ số đầu là mã tỉnh nơi đăng ký "
    "khai sinh (in trên thẻ căn cước)."
)
TAX_CODE_INVALID = (
    "Mã số thuế chưa đúng: cần 10 chữ số (chi nhánh: 10 chữ số, gạch ngang, 3 chữ số) và chữ "
    "số kiểm tra phải khớp. Ông/Bà vui lòng kiểm tra lại trên giấy chứng nhận đăng ký."
)
ADDRESS_INVALID = "Địa chỉ quá ngắn. Ông/Bà vui lòng ghi rõ số nhà, đường, xã/phường, tỉnh."
ASK_DELIVERY = "Ông/Bà muốn nhận kết quả bằng cách nào?"
DELIVERY_NAMES = {
    "at_agency": "Nhận tại cơ quan giải quyết",
    "online": "Nhận trực tuyến (bản điện tử)",
    "post": "Nhận qua dịch vụ bưu chính công ích",
}
RESULT_PLACE_ONLINE = "Trực tuyến, qua Zalo và Cổng Dịch vụ công"
SUBMISSION_CANCELLED = "Đã hủy hồ sơ đang soạn. Các tệp đã gửi sẽ tự động bị xóa."
SUBMISSION_CREATING = "Hệ thống đang tạo hồ sơ, Ông/Bà vui lòng chờ giây lát."
DOCUMENT_CHECKING = "Đã nhận tệp, hệ thống đang kiểm tra."


def submission_not_in_zalo(name: str, url: str) -> str:
    return (
        f"Thủ tục «{name}» chưa nộp được qua Zalo (thủ tục thực hiện trên hệ thống quốc gia "
        f"hoặc chưa có đủ thành phần hồ sơ). Ông/Bà vui lòng nộp tại:\n{url}"
    )


def submission_started(name: str, unit: str) -> str:
    return f"Nộp hồ sơ thủ tục «{name}».\nNơi tiếp nhận: {unit}."


def ask_component(index: int, total: int, name: str, sent: int) -> str:
    head = f"Thành phần {index}/{total}: {name}\n"
    if sent:
        return head + f"Đã gửi {sent} tệp. Gửi thêm trang, hoặc bấm «Xong» để sang phần tiếp."
    return head + (
        "Ông/Bà chụp ảnh hoặc gửi tệp (PDF, Word) của giấy tờ này; nhiều trang thì gửi lần "
        "lượt từng trang, xong bấm «Xong»."
    )


COMPONENT_NEEDS_FILE = "Ông/Bà chưa gửi tệp nào cho thành phần này."


def document_received(component: str, files: int) -> str:
    return f"Đã nhận tệp cho «{component}» ({files} tệp đã lưu). Gửi tiếp hoặc bấm «Xong»."


def submission_summary(data: dict[str, object], components: list[tuple[str, int]]) -> str:
    kind = data.get("kind")
    lines = ["THÔNG TIN HỒ SƠ", f"Thủ tục: {data.get('procedure_name')}"]
    if kind == "organisation":
        lines += [
            f"Tổ chức: {data.get('name')}",
            f"Mã số thuế: {data.get('tax_code')}",
            f"Người đại diện: {data.get('representative')}",
        ]
    else:
        lines += [f"Người nộp: {data.get('name')}", f"Số định danh: {data.get('id_number')}"]
    lines += [f"Điện thoại: {data.get('phone')}", f"Địa chỉ: {data.get('address')}"]
    lines.append("Thành phần hồ sơ:")
    lines += [
        f"- {name}: {files} tệp" if files else f"- {name}: không gửi" for name, files in components
    ]
    lines.append(f"Nhận kết quả: {DELIVERY_NAMES.get(str(data.get('delivery')), '')}")
    lines.append("Ông/Bà kiểm tra và bấm «Xác nhận» để nộp, «Sửa» để nhập lại, «Hủy» để bỏ.")
    return "\n".join(lines)


def submission_failed(hotline: str) -> str:
    return (
        "Hệ thống chưa tạo được hồ sơ, hồ sơ CHƯA được nộp. Ông/Bà vui lòng bấm «Xác nhận» "
        f"lại sau ít phút hoặc gọi {hotline}."
    )


# --- Reminders, agency digests and satisfaction ratings (issue 15; chalicelib/reminders/,
# --- conversation/flows/rating.py) -----------------------------------------------------------


def reminder_supplement(code: str, procedure: str, items: tuple[str, ...]) -> str:
    lines = [
        f"NHẮC BỔ SUNG HỒ SƠ {code}",
        f"Thủ tục: {procedure}",
        "Cơ quan giải quyết đang chờ Ông/Bà bổ sung giấy tờ để tiếp tục xử lý hồ sơ:",
    ]
    lines += [f"- {item}" for item in items]
    lines.append(
        "Ông/Bà có thể gửi giấy tờ bổ sung ngay trong Zalo hoặc tại nơi đã nộp hồ sơ. "
        "Thời hạn giải quyết chỉ được tính lại khi nhận đủ giấy tờ."
    )
    return "\n".join(lines)


def reminder_result_pickup(code: str, procedure: str, place: str = "") -> str:
    where = f"đến {place}" if place else "đến nơi đã nộp hồ sơ"
    return (
        f"NHẮC NHẬN KẾT QUẢ HỒ SƠ {code}\n"
        f"Thủ tục: {procedure}\n"
        "Kết quả giải quyết hồ sơ đã có từ mấy ngày trước nhưng Ông/Bà chưa nhận. Ông/Bà vui "
        "lòng mang giấy tiếp nhận hồ sơ và hẹn trả kết quả cùng giấy tờ tùy thân "
        f"{where} để nhận kết quả, hoặc đăng ký nhận qua bưu chính."
    )


def reminder_fees(code: str, procedure: str, amount: int | None = None, purpose: str = "") -> str:
    owed = ""
    if amount is not None:
        owed = f"Số tiền: {amount:,} đồng".replace(",", ".")
        owed += f" ({purpose}).\n" if purpose else ".\n"
    return (
        f"NHẮC THỰC HIỆN NGHĨA VỤ TÀI CHÍNH – HỒ SƠ {code}\n"
        f"Thủ tục: {procedure}\n"
        f"{owed}"
        "Hồ sơ đang chờ Ông/Bà nộp phí, lệ phí hoặc thuế theo thông báo đã gửi. Hồ sơ chỉ được "
        "giải quyết tiếp sau khi cơ quan nhận được khoản nộp."
    )


REMINDER_BUTTON_PAY = "Thanh toán"


def rating_invitation(code: str, procedure: str) -> str:
    return (
        f"ĐÁNH GIÁ MỨC ĐỘ HÀI LÒNG – HỒ SƠ {code}\n"
        f"Thủ tục: {procedure}\n"
        "Cảm ơn Ông/Bà đã sử dụng dịch vụ hành chính công. Ông/Bà vui lòng chấm điểm mức độ "
        "hài lòng từ 1 (rất kém) đến 5 (rất tốt) bằng các nút dưới đây."
    )


REMINDER_BUTTON_SUPPLEMENT = "Bổ sung hồ sơ"
REMINDER_BUTTON_DOSSIER = "Xem hồ sơ"
RATING_SCORE_TITLES = {
    1: "1 – Rất kém",
    2: "2 – Kém",
    3: "3 – Bình thường",
    4: "4 – Tốt",
    5: "5 – Rất tốt",
}
RATING_FLOW_TITLE = "Đánh giá mức độ hài lòng"
RATING_NOT_ALLOWED = (
    "Chỉ người nộp hồ sơ (đã xác nhận chủ hồ sơ trên Zalo) mới đánh giá được hồ sơ này, và chỉ "
    "sau khi đã có kết quả."
)
RATING_INVALID_SCORE = "Ông/Bà vui lòng chọn một mức điểm từ 1 đến 5 bằng các nút bên dưới."


def rating_thanks_score(score: int) -> str:
    return (
        f"Cảm ơn Ông/Bà đã đánh giá {score}/5. Ông/Bà có muốn trả lời thêm 3 câu hỏi ngắn "
        "(thời gian giải quyết, số lần phải liên hệ, thái độ của cán bộ) không?"
    )


RATING_BTN_MORE = "Trả lời thêm"
RATING_BTN_DONE = "Kết thúc"
RATING_BTN_SKIP = "Bỏ qua"
RATING_ASK_TIME = "Hồ sơ được trả kết quả so với ngày hẹn như thế nào?"
RATING_TIME_TITLES = {"early": "Sớm hơn hẹn", "on_time": "Đúng hẹn", "late": "Trễ hẹn"}
RATING_ASK_CONTACTS = (
    "Ông/Bà đã phải liên hệ (đến trực tiếp, gọi điện, nhắn tin) với cơ quan bao nhiêu lần "
    "để hoàn thành hồ sơ?"
)
RATING_CONTACT_TITLES = {1: "1 lần", 2: "2 lần", 3: "3 lần trở lên"}
RATING_ASK_ATTITUDE = "Thái độ phục vụ của cán bộ tiếp nhận và giải quyết hồ sơ?"
RATING_ATTITUDE_TITLES = {"good": "Tốt", "fair": "Bình thường", "poor": "Chưa tốt"}
RATING_ASK_COMMENT = (
    "Ông/Bà có góp ý gì thêm không? Vui lòng nhập góp ý (tối đa 1.000 ký tự), hoặc bấm «Bỏ qua»."
)
RATING_COMMENT_TOO_LONG = "Góp ý dài quá 1.000 ký tự, Ông/Bà vui lòng rút gọn."
RATING_CHOOSE_BUTTON = "Ông/Bà vui lòng chọn một trong các nút bên dưới."
RATING_SAVED = (
    "Đã ghi nhận đánh giá của Ông/Bà. Cảm ơn Ông/Bà đã góp ý để chúng tôi phục vụ tốt hơn. "
    "Nếu đánh giá lại, đánh giá mới sẽ thay thế đánh giá trước."
)


def digest_email_subject(agency: str, day: str, count: int) -> str:
    return f"[Một cửa Cà Mau] Hồ sơ cần xử lý ngày {day} – {agency} ({count} mục)"


DIGEST_CONDITION_TITLES = {
    "due_soon": "Hồ sơ đến hạn trong 1 ngày làm việc (chưa có kết quả, chưa có phiếu xin lỗi)",
    "overdue": "Hồ sơ quá hạn",
    "feedback_overdue": "Phản ánh, kiến nghị quá hạn xử lý",
}


def digest_email_body(agency: str, day: str, sections: list[tuple[str, list[str]]]) -> str:
    lines = [
        f"Tổng hợp ngày {day} của cơ quan {agency}.",
        "Danh sách cũng có trên API tích hợp: GET /integration/v1/digests/" + agency,
        "",
    ]
    for title, rows in sections:
        lines.append(f"{title}: {len(rows)}")
        lines += [f"  - {row}" for row in rows]
        lines.append("")
    lines.append(
        "Thư gửi tự động từ kênh Zalo OA của Trung tâm Phục vụ hành chính công tỉnh Cà Mau."
    )
    return "\n".join(lines)


# --- Questions, feedback and petitions (hỏi đáp, phản ánh, kiến nghị; issue 14) ----------------

FEEDBACK_KIND_NAMES = {
    "question": "Câu hỏi về thủ tục",
    "feedback": "Phản ánh",
    "petition": "Kiến nghị",
    "ownership_review": "Xem xét chủ hồ sơ",
}
FEEDBACK_STATE_NAMES = {
    "new": "Đang xử lý",
    "info_requested": "Chờ Ông/Bà bổ sung thông tin",
    "answered": "Đã trả lời",
    "rejected": "Không tiếp nhận",
    "published": "Đã trả lời và công khai",
}
BTN_FB_QUESTION = "Hỏi về thủ tục"
BTN_FB_FEEDBACK = "Phản ánh"
BTN_FB_PETITION = "Kiến nghị"
BTN_FB_COMPLAINT = "Khiếu nại, tố cáo"
BTN_FB_MINE = "Phản ánh của tôi"
BTN_FB_NEXT = "Tiếp tục"
BTN_FB_SEND = "Gửi"
BTN_FB_CANCEL = "Hủy"
BTN_FB_STILL_SEND = "Vẫn gửi câu hỏi"
BTN_FB_STILL_FEEDBACK = "Vẫn gửi phản ánh"
BTN_FB_THANKS = "Đã rõ, cảm ơn"
BTN_FB_SATISFIED = "Hài lòng"
BTN_FB_UNSATISFIED = "Không hài lòng"
BTN_FB_SUPPLEMENT = "Gửi bổ sung"
BTN_FB_DONE = "Xong"
BTN_FB_COMPLAINT_COMMUNE = "Khiếu nại cấp xã"
BTN_FB_COMPLAINT_PROVINCE = "Khiếu nại cấp tỉnh"

FEEDBACK_ASK_KIND = (
    "HỎI ĐÁP, PHẢN ÁNH KIẾN NGHỊ\n"
    "Ông/Bà muốn gửi:\n"
    "- Câu hỏi về một thủ tục hành chính;\n"
    "- Phản ánh về hành vi, quy định, cách giải quyết thủ tục;\n"
    "- Kiến nghị về quy định hành chính.\n"
    "Vui lòng chọn một mục."
)


def feedback_ask_content(kind: str) -> str:
    what = {
        "question": "câu hỏi",
        "feedback": "nội dung phản ánh",
        "petition": "nội dung kiến nghị",
    }
    return (
        f"Ông/Bà vui lòng nhập {what.get(kind, 'nội dung')} bằng tiếng Việt, nêu rõ sự việc "
        "(ở đâu, khi nào, thủ tục hay hồ sơ nào), trong một tin nhắn."
    )


FEEDBACK_CONTENT_PROBLEMS = {
    "empty": "Nội dung đang trống.",
    "too_short": (
        "Nội dung quá ngắn: cần ít nhất 4 từ nêu rõ sự việc (ví dụ: «Hồ sơ khai sinh của con "
        "tôi nộp ngày 20/11 đã quá hẹn nhưng chưa có kết quả»)."
    ),
    "meaningless": (
        "Nội dung chưa đọc được thành câu có nghĩa (ký tự lặp lại hoặc gõ ngẫu nhiên). "
        "Ông/Bà vui lòng viết lại bằng tiếng Việt."
    ),
    "too_long": "Nội dung dài quá 4.000 ký tự. Ông/Bà vui lòng rút gọn.",
}


def feedback_content_refused(problem: str, kind: str) -> str:
    return f"{FEEDBACK_CONTENT_PROBLEMS.get(problem, FEEDBACK_CONTENT_PROBLEMS['empty'])}\n" + (
        feedback_ask_content(kind)
    )


FEEDBACK_EXTRAS = (
    "Đã ghi nhận nội dung. Nếu có, Ông/Bà có thể gửi thêm:\n"
    "- ảnh chụp hoặc tệp PDF (tối đa 5 tệp);\n"
    "- vị trí sự việc (chia sẻ vị trí trên Zalo);\n"
    "- mã hồ sơ hoặc tên, mã thủ tục liên quan.\n"
    "Xong bấm «Tiếp tục»."
)


def feedback_extra_noted(what: str) -> str:
    return f"Đã ghi nhận {what}. Gửi thêm hoặc bấm «Tiếp tục»."


FEEDBACK_TOO_MANY_FILES = (
    "Mỗi phản ánh nhận tối đa 5 tệp; các tệp sau không được nhận. Bấm «Tiếp tục»."
)
FEEDBACK_CHOOSE_PROCEDURE = "Thủ tục liên quan là thủ tục nào? Chọn một, hoặc bấm «Tiếp tục»."
FEEDBACK_NO_PROCEDURE = (
    "Không tìm thấy thủ tục hoặc mã hồ sơ trong nội dung vừa gửi. Ông/Bà nhập mã hồ sơ, mã hoặc "
    "tên thủ tục, hoặc bấm «Tiếp tục»."
)
FEEDBACK_IDENTITY_REQUIRED = (
    "Theo Nghị định 20/2008/NĐ-CP (Điều 7), phản ánh, kiến nghị phải ghi rõ họ tên, địa chỉ và "
    "số điện thoại của người gửi; thiếu các thông tin này thì phản ánh, kiến nghị không được "
    "tiếp nhận."
)
FEEDBACK_ASK_NAME = "Họ và tên của Ông/Bà:"
FEEDBACK_INFO_CARD_TITLE = "Chia sẻ thông tin người gửi phản ánh"
FEEDBACK_INFO_CARD_SUBTITLE = (
    "Họ tên, số điện thoại và địa chỉ của Ông/Bà được gửi kèm phản ánh, kiến nghị đến cơ quan "
    "giải quyết, theo Nghị định 20/2008/NĐ-CP."
)
FEEDBACK_ASK_PHONE = "Số điện thoại di động liên hệ (ví dụ 0912 345 678):"
FEEDBACK_ASK_ADDRESS = "Địa chỉ liên hệ (số nhà, đường hoặc ấp, xã/phường):"
FEEDBACK_NAME_INVALID = "Họ tên cần có ít nhất 2 chữ cái (tối đa 200 ký tự)."
FEEDBACK_PHONE_INVALID = "Số điện thoại chưa đúng: cần 10 số, bắt đầu bằng 03, 05, 07, 08 hoặc 09."
FEEDBACK_ADDRESS_INVALID = (
    "Địa chỉ cần ghi rõ, ít nhất 8 ký tự (ví dụ: «Số 12 đường Lý Thường Kiệt, phường An Xuyên»)."
)


def feedback_summary(data: dict[str, object]) -> str:
    kind = str(data.get("kind"))
    lines = [
        f"{FEEDBACK_KIND_NAMES.get(kind, '').upper()} SẮP GỬI",
        f"Nội dung: {data.get('content')}",
    ]
    if data.get("files"):
        lines.append(f"Tệp đính kèm: {len(data['files'])}")  # type: ignore[arg-type]
    if data.get("location"):
        lines.append("Vị trí: đã chia sẻ")
    if data.get("dossier_code"):
        lines.append(f"Hồ sơ liên quan: {data.get('dossier_code')}")
    if data.get("procedure_name"):
        lines.append(f"Thủ tục liên quan: {data.get('procedure_name')}")
    if data.get("name"):
        lines += [
            f"Người gửi: {data.get('name')}",
            f"Điện thoại: {data.get('phone')}",
            f"Địa chỉ: {data.get('address')}",
        ]
    lines.append("Bấm «Gửi» để gửi đến cơ quan có thẩm quyền, «Hủy» để bỏ.")
    return "\n".join(lines)


FEEDBACK_SENDING = "Đang gửi, Ông/Bà vui lòng chờ giây lát."
FEEDBACK_CANCELLED = "Đã hủy, nội dung chưa được gửi."


def feedback_received(ref: str, kind: str, target: date | None) -> str:
    due = f"\nThời hạn trả lời dự kiến: {target:%d/%m/%Y}." if target else ""
    return (
        f"Đã tiếp nhận {FEEDBACK_KIND_NAMES.get(kind, '').lower()} của Ông/Bà.\n"
        f"Số tham chiếu: {ref}{due}\n"
        "Câu trả lời sẽ được gửi qua Zalo này. Xem tình trạng: nhắn «phản ánh của tôi»."
    )


def feedback_not_filed(hotline: str) -> str:
    return (
        "Hệ thống chưa gửi được nội dung, nội dung CHƯA được tiếp nhận. Ông/Bà vui lòng thử lại "
        f"sau ít phút hoặc gọi {hotline}."
    )


def feedback_complaint(portal_url: str, hotline: str) -> str:
    return (
        "Khiếu nại và tố cáo là thủ tục pháp lý riêng (Luật Khiếu nại 2011, Luật Tố cáo 2018), "
        "không giải quyết theo hình thức phản ánh, kiến nghị qua Zalo.\n"
        "- Khiếu nại một quyết định hoặc hành vi hành chính: gửi đơn (hoặc trình bày trực tiếp) "
        "đến người đã ra quyết định hoặc cơ quan có người có hành vi đó, trong 90 ngày kể từ khi "
        "biết; thủ tục «Giải quyết khiếu nại lần đầu» ở cấp xã hoặc cấp tỉnh (bấm nút để xem).\n"
        "- Tố cáo hành vi vi phạm pháp luật: gửi đơn hoặc trình bày trực tiếp tại Trụ sở Tiếp công "
        "dân tỉnh Cà Mau, hoặc đến cơ quan quản lý người bị tố cáo.\n"
        f"Thông tin thêm: {portal_url} hoặc đường dây nóng {hotline}."
    )


def feedback_faq_suggestions(questions: Sequence[str]) -> str:
    lines = ["Các câu hỏi tương tự đã được trả lời:"]
    lines += [f"{i}. {q[:150]}" for i, q in enumerate(questions, 1)]
    lines.append("Bấm vào một câu để xem trả lời, hoặc «Vẫn gửi câu hỏi».")
    return "\n".join(lines)


def feedback_faq_answer(question: str, answer: str) -> str:
    return f"HỎI: {question}\nĐÁP: {answer}"


FEEDBACK_FAQ_DONE = "Rất vui vì câu trả lời giúp được Ông/Bà."


def feedback_my_items(items: Sequence[tuple[str, str, str, date | None]]) -> str:
    lines = ["HỎI ĐÁP, PHẢN ÁNH CỦA ÔNG/BÀ"]
    for i, (ref, kind, state, target) in enumerate(items, 1):
        lines.append(f"{i}. {ref} ({FEEDBACK_KIND_NAMES.get(kind, kind)})")
        line = f"   Tình trạng: {FEEDBACK_STATE_NAMES.get(state, state)}"
        if target:
            line += f"; hạn trả lời {target:%d/%m/%Y}"
        lines.append(line)
    return "\n".join(lines)


FEEDBACK_MY_ITEMS_EMPTY = "Ông/Bà chưa gửi câu hỏi hay phản ánh nào qua Zalo."


def feedback_answer_notice(ref: str, answer: str, agency: str) -> str:
    return (
        f"TRẢ LỜI {ref}\n{answer}\n(Cơ quan trả lời: {agency})\n"
        "Ông/Bà có hài lòng với câu trả lời không?"
    )


def feedback_info_request_notice(ref: str, question: str, due: date | None) -> str:
    until = f" trước ngày {due:%d/%m/%Y}" if due else ""
    return (
        f"Cơ quan giải quyết {ref} cần Ông/Bà bổ sung thông tin:\n{question}\n"
        f"Ông/Bà vui lòng trả lời ngay trong khung chat này (nội dung, ảnh hoặc tệp PDF){until}."
    )


def feedback_transfer_notice(ref: str, agency: str, reason: str) -> str:
    return (
        f"{ref} đã được chuyển đến {agency}, cơ quan có thẩm quyền giải quyết.\n"
        f"Lý do: {reason}\nThời hạn trả lời được tính lại từ ngày chuyển."
    )


def feedback_reject_notice(ref: str, reason: str, hotline: str) -> str:
    return (
        f"{ref} không được tiếp nhận.\nLý do: {reason}\n"
        f"Ông/Bà có thể gửi lại nội dung đầy đủ hoặc gọi {hotline}."
    )


FEEDBACK_ASK_SUPPLEMENT = (
    "Ông/Bà gửi nội dung bổ sung (tin nhắn, ảnh hoặc tệp PDF); xong bấm «Xong»."
)


def feedback_supplement_sent(ref: str) -> str:
    return f"Đã chuyển nội dung bổ sung cho {ref} đến cơ quan giải quyết. Gửi thêm hoặc bấm «Xong»."


FEEDBACK_SUPPLEMENT_DONE = "Cảm ơn Ông/Bà đã bổ sung thông tin."
FEEDBACK_SUPPLEMENT_CLOSED = "Mục này hiện không chờ Ông/Bà bổ sung thông tin."
FEEDBACK_RATED = "Cảm ơn Ông/Bà đã đánh giá câu trả lời."
FEEDBACK_NOT_YOURS = "Không tìm thấy mục này trong các câu hỏi, phản ánh của Ông/Bà."


def feedback_file_received(files: int) -> str:
    return f"Đã nhận tệp ({files} tệp). Gửi thêm hoặc bấm «Tiếp tục»."


def ownership_review_for_officers(code: str) -> str:
    """The content of an ownership review item in the officer inbox."""
    return (
        f"Đề nghị xem xét chủ hồ sơ {code}: một tài khoản Zalo đã khai đúng số điện thoại và số "
        "định danh của người nộp hồ sơ, nhưng hồ sơ đang liên kết với tài khoản Zalo khác."
    )


# --- Personal-data rights: what the system holds, the export (issue 15, "ops") ---------------

BTN_MY_DATA = "Dữ liệu của tôi"
BTN_EXPORT_DATA = "Xuất dữ liệu"
BTN_ERASE_DATA = "Xóa dữ liệu"
MY_DATA_HEADER = "DỮ LIỆU CỦA ÔNG/BÀ TRÊN KÊNH ZALO CỦA TRUNG TÂM"
MY_DATA_NOTHING = (
    "Hệ thống không lưu dữ liệu nào về Ông/Bà ngoài mã định danh Zalo dùng để trả lời tin nhắn này."
)
MY_DATA_FOOTER = (
    "Để nhận bản đầy đủ dạng tệp (JSON), Ông/Bà gõ “xuất dữ liệu”. Để yêu cầu xóa, gõ "
    "“xóa dữ liệu”. Hồ sơ thủ tục hành chính được lưu trữ theo quy định của pháp luật."
)
EXPORT_UNAVAILABLE = (
    "Xin lỗi, hiện chưa tạo được tệp dữ liệu của Ông/Bà. Ông/Bà vui lòng thử lại sau hoặc gọi "
    "đường dây nóng {hotline}."
)
EXPORT_LINK_INVALID = "Đường dẫn tải dữ liệu không hợp lệ."
EXPORT_LINK_EXPIRED = (
    "Đường dẫn tải dữ liệu đã hết hạn. Ông/Bà vui lòng gõ “xuất dữ liệu” trong Zalo để nhận "
    "đường dẫn mới."
)
# Labels of items other features keep in a citizen's partition (``USER#<id>``), by the prefix
# of their sort key: a feature that adds a kind adds its label here (summary and export).
HOLDING_LABELS: dict[str, str] = {
    "FEEDBACK#": "Phản ánh, kiến nghị đã gửi",
    "POSTAL#": "Đơn gửi, nhận hồ sơ qua bưu chính",
    "RATING#": "Đánh giá mức độ hài lòng",
}


def my_data_summary(
    *,
    first_seen: datetime | None,
    last_interaction: datetime | None,
    consent_at: datetime | None,
    phone: str | None,
    dossiers: list[tuple[str, str, str]],
    notices: int,
    pending: int,
    uploads: int,
    session_open: bool,
    others: dict[str, int],
) -> list[str]:
    """The readable summary of what is held about the citizen, in parts of at most about
    1,800 characters (one Zalo message each). ``dossiers``: (code, procedure, status)."""
    lines = [MY_DATA_HEADER]
    if first_seen:
        lines.append(f"• Lần đầu nhắn tin: {_datetime(first_seen)}")
    if last_interaction:
        lines.append(f"• Lần nhắn tin gần nhất: {_datetime(last_interaction)}")
    if consent_at:
        lines.append(f"• Đồng ý xử lý dữ liệu cá nhân lúc: {_datetime(consent_at)}")
    else:
        lines.append("• Chưa đồng ý xử lý dữ liệu cá nhân")
    lines.append(f"• Số điện thoại: {phone}" if phone else "• Số điện thoại: không lưu")
    if dossiers:
        lines.append(f"• Hồ sơ liên kết với tài khoản Zalo này ({len(dossiers)}):")
        for n, (code, procedure, status) in enumerate(dossiers, 1):
            lines.append(f"  {n}. {code} – {procedure} – Tình trạng: {status}")
    else:
        lines.append("• Hồ sơ liên kết với tài khoản Zalo này: không có")
    lines.append(f"• Thông báo đã gửi (lưu 90 ngày, không lưu nội dung): {notices}")
    lines.append(f"• Thông báo đang chờ gửi: {pending}")
    lines.append(f"• Tệp giấy tờ đã gửi qua Zalo (tự xóa sau 7 ngày nếu không nộp): {uploads}")
    if session_open:
        lines.append("• Cuộc trò chuyện đang dở (tự xóa sau 1 ngày)")
    for label, count in others.items():
        lines.append(f"• {label}: {count}")
    lines.append(MY_DATA_FOOTER)
    parts: list[str] = []
    current = ""
    for line in lines:
        if current and len(current) + 1 + len(line) > 1800:
            parts.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line[:1800]
    parts.append(current)
    return parts


def export_ready(link: str, minutes: int) -> str:
    return (
        "Tệp dữ liệu cá nhân của Ông/Bà (định dạng JSON) đã sẵn sàng. Ông/Bà mở đường dẫn sau "
        f"để tải về trong vòng {minutes} phút (tệp tự xóa sau 1 ngày):\n{link}"
    )


# --- Live conversation with an officer ("Gặp cán bộ", issue 14; flows/handoff.py) -----------------
HANDOFF_TITLE = "Gặp cán bộ"
BTN_HANDOFF = "Gặp cán bộ"
BTN_END_LIVE = "Kết thúc trò chuyện"
_WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


def _opening_time(opening: datetime, now: datetime) -> str:
    local, today = opening.astimezone(_VIETNAM), now.astimezone(_VIETNAM).date()
    hour = f"{local:%H:%M}"
    if local.date() == today:
        return f"{hour} hôm nay"
    if local.date() == today + timedelta(days=1):
        return f"{hour} ngày mai ({_WEEKDAYS[local.weekday()]}, {local:%d/%m/%Y})"
    return f"{hour} {_WEEKDAYS[local.weekday()]}, ngày {local:%d/%m/%Y}"


def live_opened() -> str:
    return (
        "Ông/Bà đã được kết nối với cán bộ của Trung tâm Phục vụ hành chính công. "
        "Vui lòng nhập câu hỏi hoặc gửi ảnh, tệp cần trao đổi; cán bộ sẽ trả lời tại đây "
        "trong giờ hành chính các ngày làm việc.\n"
        "Trong lúc trò chuyện với cán bộ, hệ thống tự động tạm dừng. Khi xong, Ông/Bà gõ "
        "«kết thúc» hoặc bấm nút «Kết thúc trò chuyện»."
    )


def live_away(opening: datetime, now: datetime) -> str:
    return (
        "Hiện ngoài giờ làm việc. Cán bộ đã nhận được tin nhắn của Ông/Bà và sẽ trả lời từ "
        f"{_opening_time(opening, now)}. Ông/Bà có thể tiếp tục gửi nội dung cần trao đổi."
    )


LIVE_ENDED_BY_CITIZEN = (
    "Đã kết thúc cuộc trò chuyện với cán bộ. Cảm ơn Ông/Bà. Hệ thống tự động tiếp tục hỗ trợ "
    "Ông/Bà."
)
LIVE_ENDED_IDLE = (
    "Cuộc trò chuyện với cán bộ đã tự kết thúc vì không có trao đổi trong 24 giờ. Nếu cần, "
    "Ông/Bà chọn «Gặp cán bộ» để bắt đầu lại."
)
LIVE_ENDED_BY_OFFICER = (
    "Cán bộ đã kết thúc cuộc trò chuyện. Cảm ơn Ông/Bà. Nếu cần trao đổi thêm, Ông/Bà chọn "
    "«Gặp cán bộ» trong menu."
)
LIVE_NOT_OPEN = "Cuộc trò chuyện với cán bộ đã kết thúc."
LIVE_CONTENT_NOT_FORWARDED = (
    "Nội dung này chưa chuyển được cho cán bộ. Ông/Bà vui lòng gửi tin nhắn chữ, ảnh hoặc tệp "
    "(PDF, Word)."
)


def live_officer_reply(text: str) -> str:
    return f"Cán bộ trả lời:\n{text}"


def live_file_refused(reason_text: str) -> str:
    return f"Tệp này chưa được chuyển cho cán bộ. {reason_text}"


# --- Casework: supplement in chat, withdrawal (issue 12), submission gaps (issue 11) ----------
# conversation/flows/supplement.py, flows/withdrawal.py, flows/submission.py (commune centre,
# optional components, reuse of documents, the information card).

BTN_SUPPLEMENT = "Bổ sung hồ sơ"
BTN_WITHDRAW = "Rút hồ sơ"
BTN_CANCEL_SUPPLEMENT = "Dừng bổ sung"
BTN_CONFIRM_WITHDRAWAL = "Xác nhận rút"
BTN_KEEP_DOSSIER = "Không rút"
SUPPLEMENT_TITLE = "Bổ sung hồ sơ"
WITHDRAWAL_TITLE = "Rút hồ sơ"

# History entries that are not status changes (Dossier.note_event), as the owner reads them.
HISTORY_EVENT_LABELS = {
    "supplement_received": "Đã nhận giấy tờ bổ sung qua Zalo",
    "withdrawal_requested": "Công dân đề nghị rút hồ sơ qua Zalo",
}

SUPPLEMENT_HINT = "Ông/Bà có thể gửi giấy tờ bổ sung ngay trong Zalo: bấm «Bổ sung hồ sơ» bên dưới."
SUPPLEMENT_NONE_WAITING = (
    "Chưa có hồ sơ nào của Ông/Bà đang chờ bổ sung. Nếu Ông/Bà đã nhận yêu cầu bổ sung, vui "
    "lòng tra cứu hồ sơ theo mã và xác nhận là người nộp hồ sơ trước."
)
SUPPLEMENT_GENERIC_ITEM = "Giấy tờ bổ sung theo phiếu yêu cầu bổ sung"
SUPPLEMENT_ITEM_NEEDS_FILE = (
    "Ông/Bà chưa gửi tệp nào cho mục này. Vui lòng chụp ảnh hoặc gửi tệp, hoặc bấm «Bỏ qua» "
    "nếu sẽ nộp mục này trực tiếp."
)
SUPPLEMENT_NOTHING_SENT = (
    "Ông/Bà chưa gửi giấy tờ bổ sung nào; hồ sơ vẫn đang chờ bổ sung. Ông/Bà có thể bấm "
    "«Bổ sung hồ sơ» khi xem hồ sơ để gửi sau."
)


def supplement_choose(views: Sequence[DossierView]) -> str:
    lines = ["Các hồ sơ đang chờ bổ sung của Ông/Bà:"]
    lines += [f"{i}. {v.code} – {v.procedure_name}" for i, v in enumerate(views, 1)]
    lines.append("Ông/Bà chọn hồ sơ muốn bổ sung.")
    return "\n".join(lines)


def supplement_owner_only(code: str) -> str:
    return (
        f"Chỉ người nộp hồ sơ {code} mới gửi được giấy tờ bổ sung. Ông/Bà vui lòng bấm «Xác "
        "nhận chủ hồ sơ» và nhập số điện thoại, số căn cước đã khai khi nộp."
    )


def supplement_not_requested(code: str, status_name: str) -> str:
    return (
        f"Hồ sơ {code} hiện không ở trạng thái yêu cầu bổ sung (tình trạng: {status_name}), "
        "nên chưa cần gửi thêm giấy tờ."
    )


def supplement_started(code: str, items: Sequence[str]) -> str:
    lines = [f"BỔ SUNG HỒ SƠ {code}", "Cơ quan yêu cầu bổ sung:"]
    lines += [f"- {item}" for item in items]
    lines.append("Ông/Bà gửi lần lượt từng mục; tệp được kiểm tra như khi nộp hồ sơ.")
    return "\n".join(lines)


def ask_supplement_item(index: int, total: int, item: str, sent: int) -> str:
    head = f"Mục {index}/{total}: {item}\n"
    if sent:
        return head + f"Đã gửi {sent} tệp. Gửi thêm trang, hoặc bấm «Xong» để sang mục tiếp."
    return head + (
        "Ông/Bà chụp ảnh hoặc gửi tệp (PDF, Word) của giấy tờ này; nhiều trang thì gửi lần "
        "lượt, xong bấm «Xong». Mục nào sẽ nộp trực tiếp thì bấm «Bỏ qua»."
    )


def supplement_file_received(item: str, files: int) -> str:
    return (
        f"Đã nhận và lưu tệp vào hồ sơ cho mục «{item}» ({files} tệp). Gửi tiếp trang khác "
        "hoặc bấm «Xong»."
    )


def supplement_closed(code: str, hotline: str) -> str:
    """The dossier left status 5 (or is no longer this user's) before the file arrived."""
    return (
        f"Hồ sơ {code} không còn ở trạng thái chờ bổ sung nên tệp vừa gửi chưa được đưa vào "
        f"hồ sơ. Ông/Bà vui lòng tra cứu lại hồ sơ hoặc gọi {hotline} để được hướng dẫn."
    )


def supplement_finished(code: str, answered: Sequence[str], missing: Sequence[str]) -> str:
    lines = [
        f"Đã ghi nhận giấy tờ bổ sung của Ông/Bà vào hồ sơ {code}:",
        *[f"- {item}" for item in answered],
    ]
    if missing:
        lines.append("Chưa gửi (Ông/Bà nộp trực tiếp tại nơi nộp hồ sơ):")
        lines += [f"- {item}" for item in missing]
    lines.append(
        "Cơ quan sẽ kiểm tra phần bổ sung; tình trạng hồ sơ chỉ thay đổi khi cơ quan xác nhận "
        "đã nhận đủ. Ông/Bà sẽ được thông báo qua Zalo."
    )
    return "\n".join(lines)


def supplement_history_note(items: Sequence[str]) -> str:
    """The note of the history entry (read by the owner and the back office)."""
    return "; ".join(items)[:500]


WITHDRAWAL_NONE = (
    "Chưa có hồ sơ nào của Ông/Bà có thể rút (hồ sơ đã có kết quả hoặc đã kết thúc thì không "
    "rút được). Nếu hồ sơ chưa gắn với tài khoản Zalo, vui lòng tra cứu theo mã và xác nhận "
    "là người nộp hồ sơ trước."
)


def withdrawal_choose(views: Sequence[DossierView]) -> str:
    lines = ["Ông/Bà muốn rút hồ sơ nào?"]
    lines += [f"{i}. {v.code} – {v.procedure_name}" for i, v in enumerate(views, 1)]
    return "\n".join(lines)


def withdrawal_owner_only(code: str) -> str:
    return (
        f"Chỉ người nộp hồ sơ {code} mới đề nghị rút được hồ sơ. Ông/Bà vui lòng bấm «Xác "
        "nhận chủ hồ sơ» và nhập số điện thoại, số căn cước đã khai khi nộp."
    )


def withdrawal_already(code: str) -> str:
    return (
        f"Ông/Bà đã đề nghị rút hồ sơ {code}. Cơ quan đang xem xét và sẽ thông báo qua Zalo "
        "khi xác nhận."
    )


def withdrawal_not_possible(code: str, status_name: str) -> str:
    return (
        f"Hồ sơ {code} không rút được nữa (tình trạng: {status_name}): hồ sơ chỉ rút được "
        "trước khi có kết quả."
    )


def ask_withdrawal(code: str, name: str, reason: str) -> str:
    lines = [f"RÚT HỒ SƠ {code}", f"Thủ tục: {name}"]
    if reason:
        lines.append(f"Lý do: {reason}")
    else:
        lines.append("Ông/Bà có thể nhập lý do rút hồ sơ (không bắt buộc).")
    lines.append(
        "Khi rút, cơ quan sẽ dừng giải quyết hồ sơ; muốn làm lại Ông/Bà phải nộp hồ sơ mới. "
        "Bấm «Xác nhận rút» để gửi đề nghị, hoặc «Không rút» để giữ hồ sơ."
    )
    return "\n".join(lines)


def withdrawal_kept(code: str) -> str:
    return f"Hồ sơ {code} được giữ nguyên, không rút."


def withdrawal_requested(code: str) -> str:
    return (
        f"Đã gửi đề nghị rút hồ sơ {code} đến cơ quan giải quyết. Hồ sơ chỉ được rút khi cơ "
        "quan xác nhận; Ông/Bà sẽ nhận thông báo qua Zalo. Cho đến lúc đó hồ sơ vẫn được giữ "
        "nguyên."
    )


def withdrawal_failed(code: str, hotline: str) -> str:
    return (
        f"Chưa gửi được đề nghị rút hồ sơ {code}: hồ sơ đã có kết quả, đã kết thúc hoặc không "
        f"còn gắn với tài khoản Zalo này. Ông/Bà vui lòng gọi {hotline} để được hỗ trợ."
    )


# Chat submission: the receiving centre, optional components, reuse, the information card.
RECEIVING_CENTRE_TO_CHOOSE = "Trung tâm Phục vụ hành chính công xã, phường do Ông/Bà chọn"


def ask_receiving_centre(province_ok: bool) -> str:
    text = (
        "Thủ tục này nộp tại Trung tâm Phục vụ hành chính công xã, phường (nơi nào trong tỉnh "
        "cũng tiếp nhận). Ông/Bà muốn nộp tại xã, phường nào? Nhập tên xã, phường hiện nay "
        "hoặc tên cũ (ví dụ: Tân Thành, phường 5, Cái Nước); gõ có dấu hay không dấu đều được."
    )
    if province_ok:
        text += " Hoặc bấm «Trung tâm cấp tỉnh» để nộp tại Trung tâm Phục vụ hành chính công tỉnh."
    return text


def receiving_centre_chosen(name: str) -> str:
    return f"Nơi tiếp nhận: {name}."


def receiving_centre_unknown(query: str) -> str:
    return (
        f"Chưa tìm thấy xã, phường «{query}». Ông/Bà vui lòng nhập lại tên xã, phường hiện nay "
        "hoặc tên xã, phường, huyện cũ."
    )


def receiving_centre_choose(found: int, shown: int) -> str:
    more = f" (hiện {shown} nơi đầu tiên; nhập tên cụ thể hơn để thu hẹp)" if found > shown else ""
    return f"Có {found} nơi phù hợp{more}. Ông/Bà chọn nơi nộp hồ sơ:"


COMPONENT_REQUIRED = (
    "Thành phần này bắt buộc, không bỏ qua được. Ông/Bà vui lòng gửi ảnh hoặc tệp của giấy tờ "
    "này (hoặc gõ «hủy» để dừng nộp hồ sơ)."
)


def optional_component(question: str) -> str:
    head, _, rest = question.partition("\n")
    return f"{head} (không bắt buộc)\n{rest}\nKhông có giấy tờ này thì bấm «Bỏ qua»."


def reuse_button(name: str) -> str:
    return f"Dùng lại: {name}"


def reuse_offer(names: Sequence[str]) -> str:
    listed = "; ".join(f"«{name}»" for name in names)
    return (
        f"Ông/Bà đã nộp giấy tờ này trong hồ sơ trước ({listed}): bấm «Dùng lại» để dùng "
        "luôn, không cần gửi lại."
    )


def document_reused(component: str, name: str) -> str:
    return (
        f"Đã dùng lại tệp «{name}» đã nộp trước đây cho «{component}». Gửi thêm trang hoặc bấm "
        "«Xong»."
    )


USER_INFO_CARD_TITLE = "Chia sẻ thông tin để điền hồ sơ"
USER_INFO_CARD_SUBTITLE = (
    "Bấm để gửi họ tên, số điện thoại và địa chỉ trên Zalo; Ông/Bà vẫn kiểm tra và sửa được "
    "trước khi nộp."
)


# --- The web form in the browser: file picker and upload failures (browser) -----------------------

WEBFORM_PICK_FILES = "Chọn tệp hoặc chụp ảnh"
WEBFORM_UPLOAD_TOO_LARGE = "Tệp quá lớn, tối đa {mb} MB mỗi tệp. Vui lòng chọn tệp nhỏ hơn."
WEBFORM_UPLOAD_WRONG_TYPE = (
    "Loại tệp này không được nhận. Vui lòng gửi ảnh JPG, PNG, tệp PDF hoặc DOCX."
)
WEBFORM_TITLE_WITH_ERRORS = "Có lỗi cần sửa – Nộp hồ sơ trực tuyến"


# --- Back-office status notices (issue 12; chalicelib/services/status_notices.py) ---------------

NOTICE_BTN_RESULT = "Xem kết quả"
NOTICE_BTN_PAY = "Thanh toán"
NOTICE_BTN_LOOKUP = "Tra cứu hồ sơ"


def notice_head(code: str, procedure_name: str) -> str:
    return f"HỒ SƠ {code}\nThủ tục: {procedure_name}"


def notice_due(due: date | None, estimate: bool) -> str:
    if due is None:
        return "Cơ quan sẽ thông báo ngày hẹn trả kết quả."
    return f"Ngày hẹn trả kết quả: {_date(due)}" + (" (dự kiến)." if estimate else ".")


def notice_registered() -> str:
    return (
        "Hồ sơ đã được đăng ký trên hệ thống một cửa. Cơ quan sẽ kiểm tra và báo Ông/Bà "
        "khi tiếp nhận hồ sơ."
    )


def notice_accepted(received: datetime | None, due_line: str) -> str:
    when = f" lúc {_datetime(received)}" if received is not None else ""
    return (
        f"Hồ sơ đã được tiếp nhận{when}.\n{due_line}\n"
        "Ông/Bà sẽ nhận thông báo qua Zalo ở từng bước xử lý."
    )


def notice_refused(reason: str, hotline: str) -> str:
    return (
        "Hồ sơ KHÔNG được tiếp nhận.\n"
        f"Lý do: {reason or 'cơ quan chưa nêu lý do'}.\n"
        f"Ông/Bà có thể hoàn thiện và nộp lại, hoặc gọi {hotline} để được hướng dẫn."
    )


def notice_processing(due_line: str) -> str:
    return f"Hồ sơ đang được xử lý.\n{due_line}"


def notice_supplement(items: Sequence[str]) -> str:
    listed = "\n".join(f"- {item}" for item in items)
    return (
        f"Cơ quan yêu cầu BỔ SUNG hồ sơ. Cần bổ sung:\n{listed}\n"
        "Cách bổ sung: gửi ảnh chụp hoặc tệp (PDF, Word) của giấy tờ ngay trong cuộc trò "
        "chuyện Zalo này, hoặc nộp trực tiếp tại nơi đã nộp hồ sơ. Thời hạn giải quyết được "
        "tính lại từ khi cơ quan nhận đủ hồ sơ."
    )


def notice_fee(amount: int, purpose: str, payment_url: str | None, paused: bool) -> str:
    money = f"{amount:,}".replace(",", ".")
    lines = [
        "Hồ sơ cần thực hiện nghĩa vụ tài chính.",
        f"Nội dung: {purpose}",
        f"Số tiền: {money} đồng",
    ]
    if payment_url:
        lines.append(f"Thanh toán trực tuyến tại: {payment_url}")
    else:
        lines.append("Ông/Bà nộp tại nơi đã nộp hồ sơ.")
    if paused:
        lines.append("Thời gian thực hiện nghĩa vụ tài chính không tính vào thời hạn giải quyết.")
    return "\n".join(lines)


def notice_withdrawal(reason: str) -> str:
    why = f"\nLý do: {reason}." if reason else ""
    return (
        f"Cơ quan đã ghi nhận yêu cầu rút hồ sơ của Ông/Bà.{why}\n"
        "Cơ quan sẽ dừng xử lý và báo lại cho Ông/Bà."
    )


def notice_stopped(reason: str) -> str:
    return f"Hồ sơ đã DỪNG xử lý.\nLý do: {reason or 'cơ quan chưa nêu lý do'}."


def notice_result(link: str | None, pickup: str | None) -> str:
    lines = ["Hồ sơ đã có KẾT QUẢ."]
    if link:
        lines.append(f"Kết quả điện tử: {link}")
    if pickup:
        lines.append(
            f"Nhận kết quả tại: {pickup}. Ông/Bà mang theo giấy tiếp nhận hồ sơ và giấy tờ "
            "tùy thân."
        )
    if not link and not pickup:
        lines.append(
            "Ông/Bà nhận kết quả tại nơi đã nộp hồ sơ, mang theo giấy tiếp nhận hồ sơ và giấy "
            "tờ tùy thân."
        )
    return "\n".join(lines)


def notice_delivered() -> str:
    return "Kết quả hồ sơ đã được trả cho Ông/Bà. Cảm ơn Ông/Bà đã sử dụng dịch vụ công."


def notice_apology(old_due: date | None, new_due: date | None, reason: str) -> str:
    late = f" ngày {_date(old_due)}" if old_due is not None else ""
    new = _date(new_due) if new_due is not None else "cơ quan sẽ báo sau"
    return (
        f"Cơ quan thành thật XIN LỖI Ông/Bà: hồ sơ chưa giải quyết được đúng hẹn{late}.\n"
        f"Lý do: {reason}.\n"
        f"Ngày hẹn trả kết quả mới: {new}."
    )


def notice_updated(text: str) -> str:
    return f"CẬP NHẬT: {text}"


# --- Postal pickup and delivery (issue 13: flows/postal.py, postal/service.py) ----------------

POSTAL_LEG_NAMES = {
    "pickup": "Thu gom hồ sơ tại nhà",
    "delivery": "Nhận kết quả tại nhà",
}
POSTAL_STATUS_NAMES = {
    "requested": "Đã đăng ký, đang đặt với bưu điện",
    "booked": "Bưu điện đã nhận đơn",
    "picked_up": "Bưu điện đã thu gom hồ sơ",
    "handed_to_agency": "Đã giao hồ sơ cho cơ quan",
    "out_for_delivery": "Bưu điện đang phát kết quả",
    "delivered": "Đã phát kết quả thành công",
    "failed_attempt": "Phát không thành công, bưu điện sẽ phát lại",
    "returned": "Kết quả đã chuyển về cơ quan",
    "cancelled": "Đã hủy",
    "failed": "Không đặt được với bưu điện",
}
BTN_LEG_PICKUP = "Thu gom hồ sơ"
BTN_LEG_DELIVERY = "Nhận kết quả tại nhà"
BTN_LEG_BOTH = "Cả hai"
BTN_POSTAL_NONE = "Không có"
BTN_POSTAL_CONFIRM = "Xác nhận đăng ký"
BTN_POSTAL_ABORT = "Không đăng ký"
BTN_POSTAL_CANCEL_PICKUP = "Hủy thu gom hồ sơ"
BTN_POSTAL_CANCEL_DELIVERY = "Hủy nhận tại nhà"
BTN_POSTAL_CANCEL_YES = "Đồng ý hủy"
BTN_POSTAL_CANCEL_NO = "Giữ đơn"
BTN_OTHER_COMMUNE = "Nhập lại tên xã"
BTN_DOSSIER_N = "Hồ sơ {n}"

POSTAL_CHOOSE_DOSSIER = (
    "ĐĂNG KÝ BƯU CHÍNH CÔNG ÍCH\nBưu điện có thể đến nhà thu gom hồ sơ, hoặc phát kết quả đến "
    "tận nhà, hoặc cả hai. Ông/Bà chọn hồ sơ muốn đăng ký:"
)
POSTAL_NO_DOSSIERS = (
    "Ông/Bà chưa có hồ sơ nào gắn với tài khoản Zalo này. Ông/Bà tra cứu hồ sơ bằng mã và xác "
    "nhận là người nộp, rồi đăng ký bưu chính cho hồ sơ đó."
)
POSTAL_NOT_OWNER = (
    "Chỉ người nộp hồ sơ mới đăng ký được dịch vụ bưu chính. Ông/Bà tra cứu hồ sơ và bấm "
    "«Xác nhận chủ hồ sơ» trước."
)
ASK_POSTAL_LEG = "Ông/Bà cần bưu điện làm gì cho hồ sơ này?"
ASK_POSTAL_COMMUNE = (
    "Địa chỉ ở xã/phường nào của tỉnh Cà Mau? Ông/Bà nhập tên xã, phường hiện nay (có dấu hoặc "
    "không dấu đều được), hoặc tên xã cũ, huyện cũ, ví dụ: phuong An Xuyen, xa Khanh Binh."
)
POSTAL_COMMUNE_CHOOSE = "Ông/Bà chọn đúng xã/phường:"
ASK_POSTAL_STREET = "Tên đường (nếu có). Không có thì bấm «Không có»."
ASK_POSTAL_HAMLET = "Ấp hoặc khóm (nếu có). Không có thì bấm «Không có»."
ASK_POSTAL_HOUSE = "Số nhà (nếu có). Không có thì bấm «Không có»."
POSTAL_STREET_OR_HAMLET = (
    "Địa chỉ cần có tên đường hoặc tên ấp/khóm để bưu điện tìm được. Ông/Bà nhập tên ấp/khóm."
)
POSTAL_ADDRESS_PART_INVALID = (
    "Phần địa chỉ này quá dài hoặc không đọc được, Ông/Bà nhập lại ngắn gọn."
)
ASK_POSTAL_RECIPIENT = "Họ và tên người giao/nhận hồ sơ với bưu điện:"
ASK_POSTAL_PHONE = "Số điện thoại di động của người đó (bưu điện gọi trước khi đến):"
POSTAL_NAME_INVALID = "Họ tên chưa hợp lệ, Ông/Bà nhập lại họ và tên đầy đủ."
POSTAL_PHONE_INVALID = (
    "Số điện thoại chưa đúng. Số di động gồm 10 số, bắt đầu bằng 03, 05, 07, 08 hoặc 09 "
    "(ví dụ 0912 345 678)."
)
POSTAL_DATE_PROBLEMS = {
    "past": "Ngày này đã qua.",
    "too_soon": "Bưu điện cần ít nhất một ngày làm việc để sắp xếp, Ông/Bà chọn ngày sau.",
    "too_far": "Chỉ hẹn được trong vòng 30 ngày tới.",
    "day_off": "Ngày này là ngày nghỉ (cuối tuần hoặc ngày lễ), bưu điện không thu gom.",
    "unreadable": "Chưa đọc được ngày, Ông/Bà nhập theo dạng ngày/tháng, ví dụ 05/12.",
}
POSTAL_REGISTERING = (
    "Đã ghi nhận đăng ký bưu chính. Hệ thống đang đặt với bưu điện; Ông/Bà sẽ nhận được mã "
    "vận đơn qua Zalo."
)
POSTAL_ABORTED = "Đã bỏ đăng ký bưu chính, chưa có gì được gửi đi."
POSTAL_CANCELLED = "Đã hủy đăng ký bưu chính. Bưu điện sẽ không đến."
POSTAL_PAYS_NOTE = "Cước phí bưu chính do Ông/Bà thanh toán trực tiếp cho bưu điện."


def postal_not_allowed(procedure_name: str, in_person: bool, hotline: str) -> str:
    if in_person:
        return (
            f"Thủ tục «{procedure_name}» yêu cầu người nộp có mặt trực tiếp, nên không dùng được "
            f"dịch vụ bưu chính. Cần hỗ trợ, Ông/Bà gọi {hotline}."
        )
    return (
        f"Hồ sơ này hiện không đăng ký thêm được dịch vụ bưu chính (thủ tục «{procedure_name}» "
        f"không nhận qua bưu điện, hoặc đã đăng ký rồi). Cần hỗ trợ, Ông/Bà gọi {hotline}."
    )


def postal_commune_unknown(query: str) -> str:
    return (
        f"Không tìm thấy xã/phường «{query[:60]}» ở tỉnh Cà Mau. Ông/Bà nhập lại tên xã, phường "
        "hiện nay hoặc tên xã cũ."
    )


def ask_pickup_date(earliest: date) -> str:
    return (
        "Ông/Bà muốn bưu điện đến thu gom vào ngày nào? Chọn một ngày bên dưới hoặc nhập "
        f"ngày/tháng (ngày làm việc, sớm nhất {_date(earliest)})."
    )


def pickup_day_button(day: date) -> str:
    names = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"]
    return f"{names[day.weekday()]} {day.strftime('%d/%m')}"


def postage_text(postage_vnd: int, legs: int) -> str:
    if postage_vnd <= 0:
        return POSTAL_PAYS_NOTE
    total = f"{postage_vnd * legs:,}".replace(",", ".")
    return f"Cước phí dự kiến: {total} đồng. {POSTAL_PAYS_NOTE}"


def postal_summary(data: dict[str, Any], postage_vnd: int) -> str:
    legs = list(data.get("legs") or [])
    address = ", ".join(
        str(p)
        for p in (
            data.get("house"),
            data.get("street"),
            data.get("hamlet"),
            data.get("commune_name"),
            "tỉnh Cà Mau",
        )
        if p
    )
    lines = [
        "THÔNG TIN ĐĂNG KÝ BƯU CHÍNH",
        f"Hồ sơ: {data.get('code')}",
        "Dịch vụ: " + "; ".join(POSTAL_LEG_NAMES[leg] for leg in legs),
        f"Địa chỉ: {address}",
        f"Người giao/nhận: {data.get('name')}, {data.get('phone')}",
    ]
    if data.get("pickup_date"):
        lines.append(f"Ngày thu gom: {_date(date.fromisoformat(str(data['pickup_date'])))}")
    lines.append(postage_text(postage_vnd, len(legs)))
    lines.append("Ông/Bà kiểm tra và bấm «Xác nhận đăng ký».")
    return "\n".join(lines)


def postal_submission_summary(data: dict[str, Any], postage_vnd: int) -> str:
    """The lines a submission's summary adds when the result goes by post."""
    address = ", ".join(
        str(p)
        for p in (
            data.get("house"),
            data.get("street"),
            data.get("hamlet"),
            data.get("commune_name"),
        )
        if p
    )
    return (
        f"Địa chỉ nhận kết quả qua bưu điện: {address}, tỉnh Cà Mau\n{postage_text(postage_vnd, 1)}"
    )


def postal_line(leg: str, status: str, tracking: str, pickup_date: date | None) -> str:
    line = f"- {POSTAL_LEG_NAMES.get(leg, leg)}: {POSTAL_STATUS_NAMES.get(status, status)}"
    if tracking:
        line += f", mã vận đơn {tracking}"
    if pickup_date and status in ("requested", "booked"):
        line += f", hẹn thu gom {_date(pickup_date)}"
    return line


def postal_section(lines: list[str]) -> str:
    return "Bưu chính công ích:\n" + "\n".join(lines)


def postal_cancel_question(code: str, leg: str) -> str:
    return f"Ông/Bà muốn hủy «{POSTAL_LEG_NAMES.get(leg, leg)}» của hồ sơ {code}?"


def postal_cancel_failed(hotline: str) -> str:
    return (
        "Không hủy được: bưu điện đã thu gom hoặc đang phát, hoặc đơn đã kết thúc. Cần hỗ trợ, "
        f"Ông/Bà gọi {hotline}."
    )


def postal_already_registered(leg: str, hotline: str) -> str:
    return (
        f"Hồ sơ này đã có đăng ký «{POSTAL_LEG_NAMES.get(leg, leg)}» đang thực hiện, không đăng ký "
        f"thêm. Muốn đổi, Ông/Bà hủy đăng ký cũ trong «Tra cứu hồ sơ» hoặc gọi {hotline}."
    )


def postal_booked(order: Any) -> str:
    text = (
        f"Bưu điện đã nhận đơn «{POSTAL_LEG_NAMES.get(order.leg.value, '')}» cho hồ sơ "
        f"{order.code}. Mã vận đơn: {order.tracking_number}."
    )
    if order.pickup_date:
        text += f" Bưu điện sẽ đến thu gom ngày {_date(order.pickup_date)}, gọi trước khi đến."
    return f"{text}\n{POSTAL_PAYS_NOTE}"


def postal_failed(order: Any, hotline: str) -> str:
    what = POSTAL_LEG_NAMES.get(order.leg.value, "")
    other = (
        "Ông/Bà có thể nộp trực tiếp tại Trung tâm Phục vụ hành chính công"
        if order.leg.value == "pickup"
        else "Ông/Bà có thể nhận kết quả trực tiếp tại nơi nộp hồ sơ"
    )
    return (
        f"Rất tiếc, hệ thống chưa đặt được «{what}» với bưu điện cho hồ sơ {order.code}; đơn "
        f"đã bị hủy. {other}, đăng ký lại sau, hoặc gọi {hotline} để được hỗ trợ."
    )


def postal_event(order: Any, hotline: str) -> str:
    status = order.status.value
    code = order.code
    tracking = f" (mã vận đơn {order.tracking_number})" if order.tracking_number else ""
    texts_by_status = {
        "picked_up": f"Bưu điện đã thu gom hồ sơ {code}{tracking} và đang chuyển đến cơ quan.",
        "handed_to_agency": (
            f"Bưu điện đã giao hồ sơ {code} cho cơ quan tiếp nhận. Thời điểm này được tính là "
            "thời điểm nộp hồ sơ."
        ),
        "out_for_delivery": f"Bưu điện đang phát kết quả hồ sơ {code}{tracking}. Khi nhận, "
        "Ông/Bà xuất trình căn cước.",
        "delivered": f"Kết quả hồ sơ {code} đã được phát thành công. Cảm ơn Ông/Bà.",
        "failed_attempt": (
            f"Bưu điện phát kết quả hồ sơ {code}{tracking} không thành công. Bưu điện sẽ phát "
            "lại lần nữa; Ông/Bà để ý điện thoại."
        ),
        "returned": (
            f"Bưu điện không phát được kết quả hồ sơ {code} sau hai lần nên đã chuyển về cơ "
            f"quan. Ông/Bà nhận trực tiếp tại nơi nộp hồ sơ hoặc gọi {hotline}."
        ),
    }
    return texts_by_status.get(status, f"Hồ sơ {code}: {POSTAL_STATUS_NAMES.get(status, status)}.")


# --- Postal pickup reminder (issue 15: chalicelib/reminders/postal.py) --------------------------


def reminder_postal_pickup(code: str, pickup: date) -> str:
    """The day before a postal pickup (the working day before it): what to have ready."""
    return (
        f"Nhắc lịch: bưu điện sẽ đến thu gom hồ sơ {code} vào {_WEEKDAYS[pickup.weekday()]}, "
        f"ngày {_date(pickup)}. Ông/Bà vui lòng chuẩn bị sẵn hồ sơ giấy và "
        "để ý điện thoại vì bưu điện sẽ gọi trước khi đến. Nếu không còn cần thu gom, Ông/Bà "
        "hủy đăng ký trong «Tra cứu hồ sơ» trước khi bưu điện đến."
    )
