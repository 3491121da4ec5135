"""`newscrawl.dedup` imports each public name from its module on first use (PEP 562)."""

from __future__ import annotations

import importlib

import pytest

import newscrawl.dedup as dedup


def test_every_public_name_is_its_modules_own_object() -> None:
    assert sorted(dedup.__all__) == sorted(dedup._MODULE_OF)
    for name in dedup.__all__:
        module = importlib.import_module(f"newscrawl.dedup.{dedup._MODULE_OF[name]}")
        assert getattr(dedup, name) is getattr(module, name)
        assert name in dir(dedup)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        dedup.nothing_here  # noqa: B018
