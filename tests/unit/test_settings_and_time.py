"""Settings files and the moments people type."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from app.errors import ConfigError, InvalidInput
from app.settings import Settings
from app.timewords import parse_bound, parse_moment


def test_settings_round_trip_and_defaults(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    assert Settings.load(path) == Settings()
    changed = Settings().with_value("search.default_limit", 25)
    changed.save(path)
    assert Settings.load(path).search.default_limit == 25
    assert "default_limit = 25" in path.read_text()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[search\ndefault_limit = 3", "settings.toml"),
        ("[search]\ndefault_limit = 0", "search.default_limit"),
        ("[search]\ndefault_limit = 'many'", "search.default_limit"),
    ],
)
def test_bad_settings_file_is_one_clear_error(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(body)
    with pytest.raises(ConfigError, match=message) as caught:
        Settings.load(path)
    assert "\n" not in str(caught.value)


def test_unknown_keys_from_a_newer_version_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text("schema_version = 99\nfuture = 1\n[search]\ndefault_limit = 4\nnew = 2\n")
    assert Settings.load(path).search.default_limit == 4


NOW = datetime(2024, 5, 8, 15, 30, tzinfo=timezone(timedelta(hours=1)))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("now", NOW),
        ("today", datetime(2024, 5, 8, tzinfo=NOW.tzinfo)),
        ("yesterday", datetime(2024, 5, 7, tzinfo=NOW.tzinfo)),
        ("3 days ago", NOW - timedelta(days=3)),
        ("2 hours ago", NOW - timedelta(hours=2)),
        ("2023-05-08", datetime(2023, 5, 8, tzinfo=NOW.tzinfo)),
        ("2023-05-08T14:00:00Z", datetime(2023, 5, 8, 14, tzinfo=UTC)),
    ],
)
def test_moments(text: str, expected: datetime) -> None:
    assert parse_moment(text, now=NOW) == expected


def test_a_bare_end_day_includes_the_whole_day() -> None:
    assert parse_bound("2023-05-08", end=True, now=NOW) == datetime(2023, 5, 9, tzinfo=NOW.tzinfo)
    assert parse_bound("2023-05-08T10:00", end=True, now=NOW).hour == 10
    with pytest.raises(InvalidInput):
        parse_moment("next blue moon", now=NOW)
