"""detect_script and to_simplified (OpenCC, phrase level)."""

from __future__ import annotations

import pytest

from newscrawl.clean import detect_script, to_simplified

HANT = "長沙公安機關按照省公安廳和市委市政府統一部署，迅速調整警力部署。"
HANS = "长沙公安机关按照省公安厅和市委市政府统一部署，迅速调整警力部署。"


def test_detects_traditional_and_simplified() -> None:
    assert detect_script(HANT) == "Hant"
    assert detect_script(HANS) == "Hans"


def test_majority_wins_on_mixed_text() -> None:
    assert detect_script(HANS * 5 + HANT) == "Hans"
    assert detect_script(HANT * 5 + HANS) == "Hant"


@pytest.mark.parametrize("text", ["", "2021-08-05 GDP", "中国人民"])
def test_no_evidence_means_simplified(text: str) -> None:
    # 中国人民 is the same in both scripts.
    assert detect_script(text) == "Hans"


def test_to_simplified() -> None:
    assert to_simplified(HANT) == HANS
    assert to_simplified(HANS) == HANS


def test_conversion_is_phrase_level() -> None:
    # 乾 is 干 in 乾淨 but stays in the name 乾隆; 頭髮 is 头发, not 头發.
    assert to_simplified("乾隆皇帝很乾淨") == "乾隆皇帝很干净"
    assert to_simplified("頭髮") == "头发"
