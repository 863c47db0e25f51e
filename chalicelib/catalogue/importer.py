"""Import of the national procedure catalogue (Cổng DVCQG JSON shape) and of agencies.

Pure functions: they take already-decoded JSON and return models plus a list of problems.
A malformed record is reported by its code and skipped; the rest load. Keys starting with
'_' are provenance remarks and are ignored everywhere.

National shape read here (one record per procedure)::

    MATTHC, TENTTHC, CAPTHUCHIEN [str] | str, LINHVUCTHUCHIEN {MALINHVUC, TENLINHVUC},
    COQUANTHUCHIEN [{TENDONVI, MADONVI?}],
    CACHTHUCTHUCHIEN [{KENH, THOIGIAN [{THOIGIANGIAIQUYET, DONVITINH, MOTA,
                                         PHILEPHI [{SOTIEN, DONVI, MOTA}]}], PHILEPHI?}],
    THANHPHANHOSO [{TRUONGHOP?, GIAYTO [{MAGIAYTO, TENGIAYTO, SOBANCHINH, SOBANSAO}]}],
    KETQUATHUCHIEN [{MAKETQUA, TENKETQUA}], MUCDO ('toan trinh' | 'mot phan' | ...)

Two optional GIAYTO keys are a provincial extension, absent from the national payload:
MAUDON (URL of the form template) and DINHDANG (accepted file types, e.g. "pdf, jpg").
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from chalicelib.domain.agency import Agency, AgencyLevel, normalize_agency_code
from chalicelib.domain.channel_rules import ChannelRules
from chalicelib.domain.dossier import Channel
from chalicelib.domain.procedure import (
    Component,
    Fee,
    OnlineLevel,
    Procedure,
    TimeLimit,
    TimeUnit,
    says_financial_obligation_time_excluded,
    says_same_day,
)
from chalicelib.domain.vietnamese import fold

_T = TypeVar("_T")

UNKNOWN_CODE = "?"
OVERRIDE_KEYS = frozenset(
    {
        "agency_codes",
        "excludes_financial_obligation_time",
        "submit_via_zalo",
        "portal_url",
        "postal_pickup_allowed",
        "postal_delivery_allowed",
    }
)


class RecordError(ValueError):
    """A record cannot be turned into a model; the message is the reason reported."""


class ImportReport(BaseModel):
    """Outcome of a procedure import: the procedures that loaded and, for each record that
    did not, (code or '?', reason)."""

    model_config = ConfigDict(frozen=True)

    procedures: tuple[Procedure, ...]
    errors: tuple[tuple[str, str], ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors


class CatalogueReport(ImportReport):
    """A merged catalogue. ``corrected`` lists (code, reason) for settings that contradicted a
    channel rule (the rule was applied; the data should be fixed); ``notes`` are remarks that
    are not errors, e.g. a detailed record whose name differs from the national list's."""

    corrected: tuple[tuple[str, str], ...] = ()
    notes: tuple[tuple[str, str], ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors and not self.corrected


class AgencyImportReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    agencies: tuple[Agency, ...]
    errors: tuple[tuple[str, str], ...] = ()


# --------------------------------------------------------------------------- hashing


def content_hash(model: BaseModel) -> str:
    """A stable hex SHA-256 of the model's content.

    Same content -> same hash across processes, machines and Python versions (canonical JSON
    with sorted keys, not ``hash()``), so storage can skip unchanged records and re-running an
    import changes nothing.
    """
    payload = json.dumps(
        model.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- small parsers


def _public(record: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not str(k).startswith("_")}


def _as_list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return [value]
    raise RecordError(f"{what} must be a list")


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool):
        raise RecordError(f"{what} is not a number")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        match = re.search(r"\d+(?:[.,]\d+)?", value)
        if match:
            return float(match.group().replace(",", "."))
    raise RecordError(f"{what} is not a number: {value!r}")


def _amount(value: Any) -> int:
    """VND amounts: numbers, or strings with Vietnamese thousands dots ("8.000")."""
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        raise RecordError("SOTIEN is not an amount")
    if isinstance(value, int | float):
        if value < 0:
            raise RecordError("SOTIEN is negative")
        return round(value)
    if isinstance(value, str):
        digits = re.sub(r"[.,\s]", "", value)
        if digits.isdigit():
            return int(digits)
    raise RecordError(f"SOTIEN is not an amount: {value!r}")


def _count(value: Any, what: str) -> int:
    if value is None or value == "":
        return 0
    number = _number(value, what)
    if number < 0 or number != int(number):
        raise RecordError(f"{what} must be a whole number")
    return int(number)


def _channel(value: Any) -> Channel:
    try:
        return Channel(int(value))
    except (TypeError, ValueError):
        raise RecordError(f"KENH must be 1, 2 or 3, got {value!r}") from None


def _fees(items: Any, channel: Channel) -> list[Fee]:
    fees = []
    for item in _as_list(items, "PHILEPHI"):
        item = _public(item)
        fees.append(
            Fee(
                amount=_amount(item.get("SOTIEN")),
                unit=_text(item.get("DONVI")) or "Đồng",
                description=_text(item.get("MOTA")),
                channel=channel,
            )
        )
    return fees


def _methods(record: Mapping[str, Any]) -> tuple[list[Channel], list[TimeLimit], list[Fee]]:
    channels: list[Channel] = []
    limits: list[TimeLimit] = []
    fees: list[Fee] = []
    for method in _as_list(record.get("CACHTHUCTHUCHIEN"), "CACHTHUCTHUCHIEN"):
        method = _public(method)
        channel = _channel(method.get("KENH"))
        if channel not in channels:
            channels.append(channel)
        # The real payload nests PHILEPHI in each THOIGIAN item; some exports put it beside.
        fees.extend(_fees(method.get("PHILEPHI"), channel))
        for period in _as_list(method.get("THOIGIAN"), "THOIGIAN"):
            period = _public(period)
            if period.get("THOIGIANGIAIQUYET") not in (None, ""):
                days = _number(period["THOIGIANGIAIQUYET"], "THOIGIANGIAIQUYET")
                if days <= 1 and says_same_day(_text(period.get("MOTA"))):
                    days = 0  # "trong ngày": due the day of receipt, not the day after
                limits.append(
                    TimeLimit(
                        days=days,
                        unit=TimeUnit.from_vietnamese(period.get("DONVITINH")),
                        channel=channel,
                        description=_text(period.get("MOTA")),
                    )
                )
            fees.extend(_fees(period.get("PHILEPHI"), channel))
    return channels, _unique(limits), _unique(fees)


def _unique(items: Iterable[_T]) -> list[_T]:
    # The portal repeats the same fee under every time-limit case; keep the first of each.
    seen: set[_T] = set()
    unique = []
    for item in items:
        if item not in seen:
            seen.add(item)
            unique.append(item)
    return unique


def _components(record: Mapping[str, Any]) -> list[Component]:
    components = []
    for group in _as_list(record.get("THANHPHANHOSO"), "THANHPHANHOSO"):
        group = _public(group)
        title = _text(group.get("TRUONGHOP")) or None
        for item in _as_list(group.get("GIAYTO"), "GIAYTO"):
            item = _public(item)
            name = _text(item.get("TENGIAYTO"))
            if not name:
                raise RecordError("GIAYTO without TENGIAYTO")
            file_types = tuple(
                t.strip().lower().lstrip(".")
                for t in str(item.get("DINHDANG") or "").split(",")
                if t.strip()
            )
            components.append(
                Component(
                    code=_text(item.get("MAGIAYTO")),
                    name=name,
                    group=title,
                    originals=_count(item.get("SOBANCHINH"), "SOBANCHINH"),
                    copies=_count(item.get("SOBANSAO"), "SOBANSAO"),
                    accepted_file_types=file_types,
                    template_url=_text(item.get("MAUDON")) or None,
                )
            )
    return components


def _levels(value: Any) -> list[AgencyLevel]:
    raw = [value] if isinstance(value, str) else _as_list(value, "CAPTHUCHIEN")
    levels = []
    for text in raw:
        level = AgencyLevel.from_vietnamese(str(text))
        if level is None:
            raise RecordError(f"unknown CAPTHUCHIEN {text!r}")
        if level not in levels:
            levels.append(level)
    return levels


def _field(value: Any) -> tuple[str | None, str]:
    entries = _as_list(value, "LINHVUCTHUCHIEN")
    if not entries:
        return None, ""
    first = _public(entries[0])
    return (_text(first.get("MALINHVUC")) or None, _text(first.get("TENLINHVUC")))


def _agencies(value: Any) -> tuple[list[str], list[str]]:
    names, codes = [], []
    for entry in _as_list(value, "COQUANTHUCHIEN"):
        entry = _public(entry)
        name = _text(entry.get("TENDONVI"))
        if name and name not in names:
            names.append(name)
        raw_code = _text(entry.get("MADONVI"))
        if raw_code:
            code = normalize_agency_code(raw_code)
            if code is None:
                raise RecordError(f"MADONVI is not a QCVN 102 code: {raw_code!r}")
            if code not in codes:
                codes.append(code)
    return names, codes


def _online_level(record: Mapping[str, Any], channels: list[Channel]) -> OnlineLevel:
    raw = record.get("MUCDO")
    if raw in (None, ""):
        # No stated level: the portal only flags "toàn trình"; an online channel means partial.
        return OnlineLevel.PARTIAL if Channel.ONLINE in channels else OnlineLevel.NONE
    level = OnlineLevel.from_vietnamese(str(raw))
    if level is None:
        raise RecordError(f"unknown MUCDO {raw!r}")
    return level


def _apply_override(fields: dict[str, Any], override: Mapping[str, Any]) -> None:
    public = _public(override)
    unknown = set(public) - OVERRIDE_KEYS
    if unknown:
        raise RecordError(f"unknown override keys: {sorted(unknown)}")
    if "agency_codes" in public:
        codes = []
        for raw in _as_list(public["agency_codes"], "agency_codes"):
            code = normalize_agency_code(str(raw))
            if code is None:
                raise RecordError(f"override agency code is not a QCVN 102 code: {raw!r}")
            codes.append(code)
        fields["agency_codes"] = tuple(codes)
    for key in (
        "submit_via_zalo",
        "postal_pickup_allowed",
        "postal_delivery_allowed",
        "excludes_financial_obligation_time",
    ):
        if key in public:
            if not isinstance(public[key], bool):
                raise RecordError(f"override {key} must be true or false")
            fields[key] = public[key]
    if "portal_url" in public:
        url = public["portal_url"]
        if url is not None and not str(url).startswith("https://"):
            raise RecordError("override portal_url must be an https URL")
        fields["portal_url"] = url


def parse_procedure(
    record: Mapping[str, Any], override: Mapping[str, Any] | None = None
) -> Procedure:
    """One national record (plus the province's override) as a Procedure.

    Raises RecordError (a ValueError) with a readable reason when the record is malformed.
    """
    if not isinstance(record, Mapping):
        raise RecordError("record is not an object")
    record = _public(record)
    channels, limits, fees = _methods(record)
    components = _components(record)
    results = [
        _text(_public(r).get("TENKETQUA"))
        for r in _as_list(record.get("KETQUATHUCHIEN"), "KETQUATHUCHIEN")
        if _text(_public(r).get("TENKETQUA"))
    ]
    field_code, field_name = _field(record.get("LINHVUCTHUCHIEN"))
    agency_names, agency_codes = _agencies(record.get("COQUANTHUCHIEN"))
    fields: dict[str, Any] = {
        "code": _text(record.get("MATTHC")),
        "name": _text(record.get("TENTTHC")),
        "field_code": field_code,
        "field_name": field_name,
        "levels": tuple(_levels(record.get("CAPTHUCHIEN"))),
        "agency_names": tuple(agency_names),
        "agency_codes": tuple(agency_codes),
        "online_level": _online_level(record, channels),
        "channels": tuple(channels),
        "time_limits": tuple(limits),
        "excludes_financial_obligation_time": any(
            says_financial_obligation_time_excluded(t.description) for t in limits
        ),
        "fees": tuple(fees),
        "components": tuple(components),
        "results": tuple(results),
        "postal_pickup_allowed": Channel.POSTAL in channels,
        "postal_delivery_allowed": Channel.POSTAL in channels,
        "catalog_only": not (record.get("CACHTHUCTHUCHIEN") or components or results),
    }
    if override:
        _apply_override(fields, override)
    try:
        return Procedure(**fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise RecordError(f"{where}: {first['msg']}") from None


def _record_code(record: Any) -> str:
    if isinstance(record, Mapping):
        code = _text(record.get("MATTHC"))
        if code:
            return code
    return UNKNOWN_CODE


def parse_procedures(
    records: Iterable[Mapping[str, Any]] | Mapping[str, Any],
    province_overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> ImportReport:
    """Parse national records into Procedures, applying the province's overrides.

    ``records`` is the list of procedure objects, or a whole document with a "procedures"
    list. ``province_overrides`` maps a procedure code to its settings (keys in
    OVERRIDE_KEYS); '_'-prefixed keys are ignored. Never raises for bad data: a malformed
    record, a duplicate code or an override for an unknown code is reported in ``errors``
    (code or '?', reason) and the rest load. Deterministic: the same input gives an equal
    report, so re-importing changes nothing.
    """
    if isinstance(records, Mapping):
        records = records.get("procedures") or []
    overrides = {k: v for k, v in (province_overrides or {}).items() if not k.startswith("_")}
    procedures: list[Procedure] = []
    errors: list[tuple[str, str]] = []
    seen: set[str] = set()
    for record in records:
        code = _record_code(record)
        if code in seen:
            errors.append((code, "duplicate code; first record kept"))
            continue
        try:
            override = overrides.get(code)
            if override is not None and not isinstance(override, Mapping):
                raise RecordError("override must be an object")
            procedure = parse_procedure(record, override)
        except RecordError as exc:
            errors.append((code, str(exc)))
            continue
        seen.add(procedure.code)
        procedures.append(procedure)
    for code in overrides:
        if code not in seen and all(code != c for c, _ in errors):
            errors.append((code, "override for a procedure that is not in the catalogue"))
    return ImportReport(procedures=tuple(procedures), errors=tuple(errors))


def parse_agencies(records: Iterable[Mapping[str, Any]] | Mapping[str, Any]) -> AgencyImportReport:
    """Parse agency objects (keys: code, name, level, parent_code, address, phone,
    working_hours; ``level`` may be 'province' or Vietnamese 'Cấp xã'). ``records`` may be a
    document with an "agencies" list. Bad or duplicate records are reported, never raised."""
    if isinstance(records, Mapping):
        records = records.get("agencies") or []
    agencies: list[Agency] = []
    errors: list[tuple[str, str]] = []
    seen: set[str] = set()
    for record in records:
        if not isinstance(record, Mapping):
            errors.append((UNKNOWN_CODE, "record is not an object"))
            continue
        data = _public(record)
        code = _text(data.get("code")) or UNKNOWN_CODE
        level = data.get("level")
        if isinstance(level, str) and level not in {lv.value for lv in AgencyLevel}:
            data["level"] = AgencyLevel.from_vietnamese(level) or level
        try:
            agency = Agency(**data)
        except ValidationError as exc:
            first = exc.errors()[0]
            errors.append((code, f"{'.'.join(map(str, first['loc']))}: {first['msg']}"))
            continue
        if agency.code in seen:
            errors.append((agency.code, "duplicate code; first record kept"))
            continue
        seen.add(agency.code)
        agencies.append(agency)
    for agency in agencies:
        if agency.parent_code and agency.parent_code not in seen:
            errors.append((agency.code, f"unknown parent_code {agency.parent_code}"))
    return AgencyImportReport(agencies=tuple(agencies), errors=tuple(errors))


def parse_national_services(
    document: Mapping[str, Any] | Iterable[Mapping[str, Any]],
) -> ImportReport:
    """Parse the national list of online public services (``national-online-services.json``:
    ``{"procedures": [{code, name, audiences, vertical, popularity}]}``) into catalogue-only
    Procedures: code, name, usage weight, vertical flag and audiences, no details.

    Never raises for bad data: malformed records and duplicate codes are reported in
    ``errors`` and the rest load. Deterministic, so re-importing changes nothing.
    """
    records = document.get("procedures") or [] if isinstance(document, Mapping) else document
    procedures: list[Procedure] = []
    errors: list[tuple[str, str]] = []
    seen: set[str] = set()
    for record in records:
        if not isinstance(record, Mapping):
            errors.append((UNKNOWN_CODE, "record is not an object"))
            continue
        code = _text(record.get("code")) or UNKNOWN_CODE
        if code in seen:
            errors.append((code, "duplicate code; first record kept"))
            continue
        try:
            popularity = record.get("popularity") or 0
            procedure = Procedure(
                code=code,
                name=_text(record.get("name")),
                popularity=int(popularity) if not isinstance(popularity, bool) else 0,
                vertical=bool(record.get("vertical", False)),
                audiences=tuple(str(a) for a in record.get("audiences") or ()),
                catalog_only=True,
            )
        except (ValidationError, TypeError, ValueError) as exc:
            errors.append((code, str(exc).splitlines()[0]))
            continue
        seen.add(code)
        procedures.append(procedure)
    return ImportReport(procedures=tuple(procedures), errors=tuple(errors))


# The national portal's page of a procedure, by code: the pattern the province overrides already
# use for records without a recorded page. It is the old portal's pattern and unverified on the
# new portal (see docs/data-model.md); a detailed record's own portal_url always wins.
NATIONAL_PAGE_URL = (
    "https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc={code}"
)


def is_national_services_document(document: Any) -> bool:
    """True for the national list of online services shape (records keyed ``code``/``name``),
    False for the national database shape (``MATTHC``...)."""
    records = document.get("procedures") if isinstance(document, Mapping) else document
    first = next(iter(records or []), None)
    return isinstance(first, Mapping) and "code" in first and "MATTHC" not in first


def _same_procedure_name(a: str, b: str) -> bool:
    def strip(name: str) -> str:
        folded = fold(name)
        return folded.removeprefix("thu tuc ").strip()

    return strip(a) == strip(b)


def merge_catalogue(
    detailed: ImportReport,
    national: ImportReport | None = None,
    rules: ChannelRules | None = None,
) -> CatalogueReport:
    """The catalogue: the national list of online services merged with the detailed records.

    What wins: a detailed record keeps everything it states (name, agencies, time limits, fees,
    documents, the province's overrides) and takes from the national list only what it lacks:
    the usage weight, the vertical-sector flag and the audiences, and only when both name the
    same procedure (names equal once accents, case and a leading "Thủ tục" are set aside; else
    the detailed record stays as it is and a note says so). A national service without a
    detailed record is catalogue-only, with a link to its page on the national portal.
    ``rules`` (the channel rules) are then applied to every procedure; a setting that
    contradicted a rule is reported in ``corrected`` and the rule wins. Pure and deterministic.
    """
    errors = list(detailed.errors) + list(national.errors if national else ())
    notes: list[tuple[str, str]] = []
    by_code = {p.code: p for p in detailed.procedures}
    merged: list[Procedure] = []
    for service in national.procedures if national else ():
        record = by_code.pop(service.code, None)
        if record is None:
            record = service.model_copy(
                update={"portal_url": NATIONAL_PAGE_URL.format(code=service.code)}
            )
        elif _same_procedure_name(record.name, service.name):
            record = record.model_copy(
                update={
                    "popularity": service.popularity,
                    "vertical": service.vertical,
                    "audiences": service.audiences,
                }
            )
        else:
            notes.append(
                (
                    service.code,
                    f"name differs from the national list ({service.name!r}); "
                    "the detailed record is kept without the national usage weight",
                )
            )
        merged.append(record)
    merged.extend(p for p in detailed.procedures if p.code in by_code)
    corrected: list[tuple[str, str]] = []
    if rules is not None:
        checked = []
        for procedure in merged:
            procedure, problems = rules.apply(procedure)
            corrected.extend((procedure.code, problem) for problem in problems)
            checked.append(procedure)
        merged = checked
    return CatalogueReport(
        procedures=tuple(merged),
        errors=tuple(errors),
        corrected=tuple(corrected),
        notes=tuple(notes),
    )
