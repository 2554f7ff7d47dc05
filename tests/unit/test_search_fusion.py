"""Fusion of the full-text and vector channels, and the recency curve."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.search.fusion import convex, minmax, ranked, recency, rrf


def test_minmax_maps_onto_unit_interval_and_singletons_score_one() -> None:
    assert minmax({"a": 2.0, "b": 4.0, "c": 3.0}) == {"a": 0.0, "b": 1.0, "c": 0.5}
    assert minmax({"only": -7.0}) == {"only": 1.0}
    assert minmax({"x": 1.0, "y": 1.0}) == {"x": 1.0, "y": 1.0}
    assert minmax({}) == {}


def test_convex_combination_weights_both_channels() -> None:
    lexical = {"a": 10.0, "b": 5.0, "c": 0.0}
    dense = {"b": 0.9, "d": 0.5}
    fused = convex(lexical, dense, 0.5)
    assert fused == pytest.approx({"a": 0.5, "b": 0.75, "c": 0.0, "d": 0.0})
    assert ranked(fused)[:2] == ["b", "a"]  # strong in both beats strong in one
    # The weight moves the balance.
    assert ranked(convex(lexical, dense, 0.9))[0] == "b"
    assert ranked(convex(lexical, dense, 0.0))[0] == "a"


def test_a_missing_channel_does_not_dilute_the_other() -> None:
    assert convex({"a": 3.0, "b": 1.0}, {}, 0.5) == {"a": 1.0, "b": 0.0}
    assert convex({}, {"a": 0.8, "b": 0.4}, 0.5) == {"a": 1.0, "b": 0.0}
    assert convex({}, {}, 0.5) == {}


def test_reciprocal_rank_fusion_prefers_agreement() -> None:
    assert rrf([["a", "b", "c"], ["b", "c", "a"]]) == ["b", "a", "c"]
    # Weights scale a list's votes.
    assert rrf([["a", "b"], ["b", "a"]], weights=[2.0, 1.0])[0] == "a"
    assert rrf([]) == []


def test_recency_halves_every_half_life() -> None:
    now = datetime(2024, 5, 1, tzinfo=UTC)
    assert recency(now, now, 30) == 1.0
    assert recency(now - timedelta(days=30), now, 30) == pytest.approx(0.5)
    assert recency(now - timedelta(days=90), now, 30) == pytest.approx(0.125)
    assert recency(now + timedelta(days=3), now, 30) == 1.0  # the future is not penalised
