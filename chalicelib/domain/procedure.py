"""Administrative procedures (thủ tục hành chính) as the chat presents them.

A procedure comes from the national catalogue (see chalicelib.catalogue.importer) plus the
province's own settings: which agencies implement it here, whether the Zalo channel accepts
submissions for it or hands the citizen a link to the national portal, postal options.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chalicelib.domain.agency import Agency, AgencyLevel
from chalicelib.domain.dossier import Channel
from chalicelib.domain.vietnamese import fold

PROCEDURE_CODE_PATTERN = re.compile(r"^\d\.\d{6}$")


class OnlineLevel(StrEnum):
    """Online service level: the old levels 4 and 3 became "toàn trình" and "một phần"."""

    FULL = "full"  # toàn trình: submit, pay and receive online
    PARTIAL = "partial"  # một phần: some steps need a visit
    NONE = "none"

    @classmethod
    def from_vietnamese(cls, text: str | None) -> OnlineLevel | None:
        """'toan trinh' / 'Toàn trình' / 'mot phan' / level '4' / '3'... -> a level; else None."""
        if text is None:
            return None
        folded = fold(str(text))
        if folded in {"toan trinh", "4", "muc do 4", "full"}:
            return cls.FULL
        if folded in {"mot phan", "3", "muc do 3", "partial"}:
            return cls.PARTIAL
        if folded in {"", "khong", "none", "1", "2", "muc do 2", "muc do 1"}:
            return cls.NONE
        return None


class TimeUnit(StrEnum):
    WORKING_DAY = "working_day"  # "Ngày làm việc"
    DAY = "day"  # "Ngày": calendar days
    HOUR = "hour"  # "Giờ" / "Giờ làm việc"
    OTHER = "other"

    @classmethod
    def from_vietnamese(cls, text: str | None) -> TimeUnit:
        folded = fold(text or "")
        if folded in {"ngay lam viec", "ngay lv"}:
            return cls.WORKING_DAY
        if folded == "ngay":
            return cls.DAY
        if folded.startswith("gio"):
            return cls.HOUR
        return cls.OTHER


class TimeLimit(BaseModel):
    """A statutory time limit for one channel and/or case. Immutable."""

    model_config = ConfigDict(frozen=True)

    days: float = Field(ge=0)
    unit: TimeUnit = TimeUnit.WORKING_DAY
    channel: Channel | None = None
    description: str = ""

    @property
    def whole_working_days(self) -> int | None:
        """The limit as whole working days, or None if the unit is not days.

        0 is a same-day limit ("trong ngày", "giải quyết ngay"): due on the day of receipt.
        A fraction is rounded up (half a day is one), so a promise made from it is kept.
        Calendar days are returned as is: callers that need working days for a calendar-day
        limit must convert with the calendar."""
        if self.unit not in (TimeUnit.WORKING_DAY, TimeUnit.DAY):
            return None
        return math.ceil(self.days)


# "trong ngày", "ngay trong ngày", "giải quyết ngay", "trả kết quả ngay" - but not "trong
# ngày làm việc tiếp theo", which is the next day.
_SAME_DAY = re.compile(
    r"\b(?:ngay trong ngay|trong ngay|giai quyet ngay|tra ket qua ngay)\b"
    r"(?! lam viec tiep theo| tiep theo)"
)


def says_same_day(text: str) -> bool:
    """True when a time-limit text decides the dossier the day it is received."""
    return bool(_SAME_DAY.search(fold(text)))


def says_financial_obligation_time_excluded(text: str) -> bool:
    """True for "(không kể / không tính) thời gian thực hiện nghĩa vụ tài chính"."""
    folded = fold(text)
    return "nghia vu tai chinh" in folded and ("khong ke" in folded or "khong tinh" in folded)


class Fee(BaseModel):
    """A fee or charge. ``amount`` 0 does NOT mean free: often the province sets it; read
    ``description``. Immutable."""

    model_config = ConfigDict(frozen=True)

    amount: int = Field(ge=0)
    unit: str = "Đồng"
    description: str = ""
    channel: Channel | None = None

    @property
    def amount_known(self) -> bool:
        """True when the record states an amount; False means "see the description"."""
        return self.amount > 0


class Component(BaseModel):
    """One document of the dossier (thành phần hồ sơ). Immutable.

    ``accepted_file_types`` empty means whatever the upload channel accepts.
    """

    model_config = ConfigDict(frozen=True)

    code: str = ""
    name: str
    group: str | None = None
    originals: int = Field(default=0, ge=0)
    copies: int = Field(default=0, ge=0)
    accepted_file_types: tuple[str, ...] = ()
    template_url: str | None = None

    @property
    def optional(self) -> bool:
        """Whether an applicant may go without it: the record makes it conditional in words
        ("… (nếu có)", "Trường hợp …", "… trong trường hợp …", "… (nếu …)"), in its name or
        in its group's title (the case it belongs to), or it is only shown at the counter
        ("Giấy tờ phải xuất trình"). "Giấy chứng sinh; trường hợp không có … thì …" names an
        alternative, not a condition: it stays required."""
        from chalicelib.domain.vietnamese import fold

        raw = " ".join(self.name.lower().split())
        name, group = fold(self.name), fold(self.group or "")
        conditional = ("truong hop ", "doi voi truong hop ")
        return (
            "neu co" in name
            or "trong truong hop" in name
            or "(nếu " in raw
            or name.startswith(conditional)
            or group.startswith(conditional)
            or "neu co" in group
            or group.startswith("giay to phai xuat trinh")
        )


def _most_common(limits: list[TimeLimit]) -> TimeLimit | None:
    if not limits:
        return None
    counts = Counter((t.days, t.unit) for t in limits)
    (days, unit), _ = max(counts.items(), key=lambda item: (item[1], item[0][0]))
    return next(t for t in limits if (t.days, t.unit) == (days, unit))


class Procedure(BaseModel):
    """A procedure with the province's settings applied. Immutable.

    ``agency_codes`` empty means "the agencies of ``levels``": since Nghị định 118/2025 any
    commune-level centre accepts a commune procedure, whatever the applicant's address.
    ``catalog_only`` marks a record with code, name, field and agency but no details.
    """

    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    field_code: str | None = None
    field_name: str = ""
    levels: tuple[AgencyLevel, ...] = ()
    agency_names: tuple[str, ...] = ()
    agency_codes: tuple[str, ...] = ()
    online_level: OnlineLevel = OnlineLevel.NONE
    channels: tuple[Channel, ...] = ()
    submit_via_zalo: bool = False
    portal_url: str | None = None
    time_limits: tuple[TimeLimit, ...] = ()
    fees: tuple[Fee, ...] = ()
    components: tuple[Component, ...] = ()
    results: tuple[str, ...] = ()
    postal_pickup_allowed: bool = False
    postal_delivery_allowed: bool = False
    catalog_only: bool = False
    # From the national list of online services (national-online-services.json): how often
    # the portal's users use it (a ranking prior), whether the portal flags it as a
    # vertically managed sector (police, tax, social insurance...), and its audiences.
    popularity: int = Field(default=0, ge=0)
    vertical: bool = False
    audiences: tuple[str, ...] = ()
    # "Không kể thời gian thực hiện nghĩa vụ tài chính" (land procedures...): time in status 6
    # does not count towards the due date of this procedure's dossiers.
    excludes_financial_obligation_time: bool = False
    # Set from data/catalogue/channel-rules.json (chalicelib.domain.channel_rules): the rule id
    # of the national system the procedure runs on (then it is not submitted through Zalo and
    # ``national_system_url`` is where it is filed), and whether the applicant must be present.
    national_system: str | None = None
    national_system_url: str | None = None
    in_person: bool = False

    @field_validator("code")
    @classmethod
    def _national_code(cls, value: str) -> str:
        code = value.strip()
        if not PROCEDURE_CODE_PATTERN.match(code):
            raise ValueError(f"not a national procedure code: {value!r}")
        return code

    @field_validator("name")
    @classmethod
    def _non_blank(cls, value: str) -> str:
        # The portal wraps long names with hard line breaks; a card needs one line.
        name = " ".join(value.split())
        if not name:
            raise ValueError("name must not be blank")
        return name

    # ----------------------------------------------------------------- card helpers

    def _day_limits(self) -> list[TimeLimit]:
        return [t for t in self.time_limits if t.whole_working_days is not None]

    def shortest_time_limit(self) -> TimeLimit | None:
        """The fastest case (e.g. "from 1 working day"), or None when no limit is in days."""
        limits = self._day_limits()
        return min(limits, key=lambda t: (t.days, t.unit != TimeUnit.WORKING_DAY), default=None)

    def longest_time_limit(self) -> TimeLimit | None:
        """The slowest case, or None when no limit is in days."""
        limits = self._day_limits()
        return max(limits, key=lambda t: (t.days, t.unit == TimeUnit.WORKING_DAY), default=None)

    def typical_time_limit(self) -> TimeLimit | None:
        """The limit most cases and channels share (ties: the longer one, so a promise made
        from it is kept). None when no limit is in days."""
        return _most_common(self._day_limits())

    def time_limit_for(self, channel: Channel) -> TimeLimit | None:
        """The typical limit among those for ``channel`` (or for every channel)."""
        return _most_common([t for t in self._day_limits() if t.channel in (channel, None)])

    @property
    def component_count(self) -> int:
        return len(self.components)

    @property
    def originals_count(self) -> int:
        """Originals to bring or upload across all components (every case counted)."""
        return sum(c.originals for c in self.components)

    @property
    def copies_count(self) -> int:
        return sum(c.copies for c in self.components)

    def component_groups(self) -> dict[str | None, list[Component]]:
        """Components by group title (case), in source order; ungrouped under None."""
        groups: dict[str | None, list[Component]] = {}
        for component in self.components:
            groups.setdefault(component.group, []).append(component)
        return groups

    def fee_amounts(self) -> tuple[int, int] | None:
        """(lowest, highest) stated amount, or None when no fee states an amount."""
        amounts = [f.amount for f in self.fees if f.amount_known]
        return (min(amounts), max(amounts)) if amounts else None

    @property
    def online_submission_possible(self) -> bool:
        """True when the Zalo channel may take the dossier (else show ``portal_url``)."""
        return self.submit_via_zalo and not self.catalog_only

    def implementing_agencies(self, agencies: Iterable[Agency]) -> list[Agency]:
        """The agencies that handle this procedure: ``agency_codes`` when given, else every
        agency at one of ``levels``. Order follows ``agencies``."""
        if self.agency_codes:
            wanted = set(self.agency_codes)
            return [a for a in agencies if a.code in wanted]
        return [a for a in agencies if a.level in self.levels]
