"""Procedure search over the sample catalogue, as citizens type in the chat."""

import json
from pathlib import Path

import pytest

from chalicelib.catalogue.sample import load_sample_catalogue
from chalicelib.catalogue.search import SearchIndex, build_index
from chalicelib.domain.procedure import Procedure

DATA = Path(__file__).resolve().parents[2] / "data" / "catalogue"


@pytest.fixture(scope="module")
def index():
    _, report = load_sample_catalogue(DATA)
    # Stored as JSON, loaded back: exactly what the Lambda does.
    return SearchIndex.from_dict(json.loads(json.dumps(build_index(report.procedures))))


FIRST_RESULT = [
    # the four the product brief names
    ("giay phep xay dung", "1.013225"),
    ("cap lai can cuoc", "1.014064"),
    ("khai sinh", "1.001193"),
    ("dang ky ket hon", "1.000894"),
    # diacritics and case
    ("Đăng ký khai sinh", "1.001193"),
    ("DANG KY KHAI SINH", "1.001193"),
    ("đĂnG kÝ tẠm TrÚ", "1.004194"),
    ("Xác nhận tình trạng hôn nhân", "1.004873"),
    # word order
    ("ket hon dang ky", "1.000894"),
    ("khai sinh lai dang ky", "1.004884"),
    ("thuong tru xoa", "1.004206"),
    ("san thuy khai thac", "1.004359"),
    # small typos (one edit, swaps included)
    ("khai sihn", "1.001193"),
    ("giay phep xay dugn", "1.013225"),
    ("tro cap that nghep", "1.001978"),
    ("chung thuc chu kyy", "2.000884"),
    ("karaoke kinh doanhh", "1.001029"),
    ("dang ki ket hon", "1.000894"),  # "kí" is a correct spelling of "ký"
    # abbreviations and everyday words
    ("gpxd", "1.013225"),
    ("cap lai cccd", "1.014064"),
    ("đk tạm trú", "1.004194"),
    ("dk thuong tru", "1.004222"),
    ("hs ket hon", "1.000894"),
    ("lltp", "3.000333"),
    ("so do bi mat", "1.012774"),
    ("doi bang lai xe", "3.000347"),
    ("tthn", "1.004873"),
    # more specific procedures when the query says so
    ("dang ky lai khai sinh", "1.004884"),
    ("khai sinh co yeu to nuoc ngoai", "1.001695"),
    ("ban sao giay khai sinh", "2.000635"),
    ("giay phep lai xe quoc te", "2.001885"),
    ("thanh lap doanh nghiep tu nhan", "2.001610"),
    ("cong ty tnhh mot thanh vien", "2.002032"),
    ("chuyen truong trung hoc co so", "1.004979"),
    ("tach ho", "1.010038"),
    ("khai bao tam vang", "1.003677"),
    ("nhan cha me con", "1.001022"),
    ("tro cap xa hoi hang thang", "1.001776"),
    ("toi muon lam giay khai sinh cho con", "1.001193"),
    # codes
    ("1.001193", "1.001193"),
    (" 2.000635 ", "2.000635"),
    ("1.001193.000.00.00.H12", "1.001193"),
]


@pytest.mark.parametrize(("query", "expected"), FIRST_RESULT)
def test_first_result(index, query, expected):
    page = index.search(query)
    assert page.hits, f"no result for {query!r}"
    assert page.hits[0].code == expected, [(h.code, h.name[:50]) for h in page.hits]


def test_birth_registration_ranks_before_re_registration(index):
    codes = [hit.code for hit in index.search("khai sinh", limit=10).hits]
    assert codes.index("1.001193") < codes.index("1.004884")


def test_phrase_match_beats_scattered_words(index):
    # "đăng ký thường trú" is a phrase in 1.004222 and scattered in the joint procedure 1.011604.
    codes = [hit.code for hit in index.search("dang ky thuong tru", limit=10).hits]
    assert codes.index("1.004222") < codes.index("1.011604")


def test_national_code_returns_that_procedure_alone(index):
    page = index.search("1.004873")
    assert page.total == 1 and [h.code for h in page.hits] == ["1.004873"]


def test_unknown_national_code_returns_nothing(index):
    assert index.search("9.999999").total == 0


@pytest.mark.parametrize("query", ["", "   ", "?!", "xyzzy qwerty", "toi muon"])
def test_meaningless_query_gives_an_empty_page(index, query):
    page = index.search(query)
    assert page.hits == [] and page.total == 0


def test_short_words_are_not_fuzzy_matched(index):
    # "kho" is one edit from "ho" but three-letter words are matched exactly only.
    assert all("kho" in h.name.lower() for h in index.search("kho").hits)


def test_pagination_walks_through_all_results(index):
    first = index.search("giay phep", offset=0, limit=3)
    second = index.search("giay phep", offset=3, limit=3)
    assert first.total == second.total > 6
    assert len(first.hits) == len(second.hits) == 3
    assert not {h.code for h in first.hits} & {h.code for h in second.hits}
    everything = index.search("giay phep", limit=first.total)
    assert [h.code for h in everything.hits[:6]] == [h.code for h in first.hits + second.hits]


def test_scores_are_non_increasing(index):
    scores = [h.score for h in index.search("dang ky", limit=50).hits]
    assert scores == sorted(scores, reverse=True)


def test_hits_carry_name_and_field(index):
    hit = index.search("tach ho").hits[0]
    assert hit.name == "Tách hộ" and hit.field == "Đăng ký, quản lý cư trú"


def test_bad_paging_arguments_raise(index):
    with pytest.raises(ValueError):
        index.search("khai sinh", offset=-1)
    with pytest.raises(ValueError):
        index.search("khai sinh", limit=0)


def test_index_is_deterministic_and_rejects_other_versions():
    procedures = [Procedure(code="1.001193", name="Thủ tục đăng ký khai sinh")]
    assert build_index(procedures) == build_index(procedures)
    with pytest.raises(ValueError):
        SearchIndex.from_dict({**build_index(procedures), "version": 99})


def test_duplicate_codes_are_indexed_once():
    procedures = [
        Procedure(code="1.001193", name="Thủ tục đăng ký khai sinh"),
        Procedure(code="1.001193", name="Bản trùng"),
    ]
    index = SearchIndex.from_dict(build_index(procedures))
    assert len(index) == 1


def test_issuing_procedure_beats_a_shorter_variant_of_it():
    # A name that is "Cấp" + the query is what people mean, even when it is much longer.
    procedures = [
        Procedure(code="1.000001", name="Gia hạn giấy phép xây dựng"),
        Procedure(
            code="1.000002",
            name="Cấp giấy phép xây dựng mới đối với công trình cấp III, cấp IV và nhà ở "
            "riêng lẻ theo tuyến trong đô thị",
        ),
    ]
    index = SearchIndex.from_dict(build_index(procedures))
    assert [h.code for h in index.search("giay phep xay dung").hits] == ["1.000002", "1.000001"]
