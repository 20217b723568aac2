from __future__ import annotations

from pathlib import Path

import pytest

from syncsvc.config import load_settings, resolve_home
from syncsvc.errors import ConfigError


def write(path: Path, text: str) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / "settings.toml").write_text(text)
    return path


def test_a_flag_beats_the_environment_which_beats_the_file(tmp_path: Path) -> None:
    home = write(
        tmp_path, "[strava]\npage_size = 100\nread_limit_daily = 900\ncursor_overlap_s = 60\n"
    )
    environ = {"SYNCSVC_STRAVA__PAGE_SIZE": "150", "SYNCSVC_STRAVA__READ_LIMIT_DAILY": "800"}
    settings = load_settings(home=home, environ=environ, flags={"strava": {"page_size": 50}})
    assert settings.strava.page_size == 50  # flag
    assert settings.strava.read_limit_daily == 800  # environment over file


def test_file_values_apply_when_nothing_overrides_them(tmp_path: Path) -> None:
    home = write(tmp_path, "log_level = 'info'\n[strava]\ncursor_overlap_s = 60\n")
    settings = load_settings(home=home, environ={})
    assert settings.strava.cursor_overlap_s == 60
    assert settings.log_level == "info"


def test_ecosystem_variables_are_aliases_below_their_syncsvc_spelling(tmp_path: Path) -> None:
    environ = {"STRAVA_CLIENT_ID": "111", "STRAVA_CLIENT_SECRET": "s3cret", "GARMINTOKENS": "/t"}
    settings = load_settings(home=tmp_path, environ=environ)
    assert settings.strava.client_id == "111"
    assert settings.strava.client_secret is not None
    assert settings.strava.client_secret.get_secret_value() == "s3cret"
    assert settings.garmin.tokens == "/t"
    both = load_settings(home=tmp_path, environ={**environ, "SYNCSVC_STRAVA__CLIENT_ID": "222"})
    assert both.strava.client_id == "222"


def test_an_alias_does_not_beat_the_file_precedence_of_a_flag(tmp_path: Path) -> None:
    settings = load_settings(
        home=tmp_path, environ={"STRAVA_CLIENT_ID": "111"}, flags={"strava": {"client_id": "9"}}
    )
    assert settings.strava.client_id == "9"


def test_secrets_do_not_show_in_the_settings_repr(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path, environ={"STRAVA_CLIENT_SECRET": "hunter2-secret"})
    assert "hunter2-secret" not in repr(settings)


def test_malformed_settings_file_names_the_file_and_line(tmp_path: Path) -> None:
    home = write(tmp_path, "[strava]\npage_size = = 3\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(home=home, environ={})
    assert str(home / "settings.toml") in caught.value.message
    assert "line 2" in caught.value.message


def test_unknown_setting_is_named(tmp_path: Path) -> None:
    home = write(tmp_path, "[strava]\npage_sise = 3\n")
    with pytest.raises(ConfigError, match=r"unknown setting 'strava.page_sise'"):
        load_settings(home=home, environ={})


def test_out_of_range_setting_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"strava.page_size"):
        load_settings(home=tmp_path, environ={"SYNCSVC_STRAVA__PAGE_SIZE": "500"})


def test_an_explicit_settings_file_that_is_missing_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(home=tmp_path, config_file=tmp_path / "nope.toml", environ={})


def test_home_comes_from_the_flag_then_the_environment_then_the_platform(tmp_path: Path) -> None:
    assert (
        resolve_home(tmp_path / "flag", {"SYNCSVC_HOME": str(tmp_path / "env")})
        == tmp_path / "flag"
    )
    assert resolve_home(None, {"SYNCSVC_HOME": str(tmp_path / "env")}) == tmp_path / "env"
    assert resolve_home(None, {}).name == "syncsvc"


def test_database_defaults_to_sqlite_in_the_home_folder(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path, environ={})
    assert settings.sqlite_path == tmp_path / "syncsvc.db"
    pg = load_settings(home=tmp_path, environ={"SYNCSVC_STORE__URL": "postgresql+psycopg://u@h/db"})
    assert pg.sqlite_path is None
    assert pg.database_url == "postgresql+psycopg://u@h/db"
