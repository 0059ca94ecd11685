import pytest

from svodka.settings import load_settings


def test_defaults_need_no_configuration(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings({})
    assert settings.database_url == "sqlite:///var/svodka.db"
    assert settings.allow_private_networks is False


def test_environment_overrides_toml(tmp_path):
    config = tmp_path / "svodka.toml"
    config.write_text('database_url = "sqlite:///from-toml.db"\nper_host_delay = 0.5\n')
    settings = load_settings({"SVODKA_CONFIG": str(config), "SVODKA_DATABASE_URL": "sqlite:///env.db",
                              "SVODKA_ALLOW_PRIVATE_NETWORKS": "1"})
    assert settings.database_url == "sqlite:///env.db"
    assert settings.per_host_delay == 0.5
    assert settings.allow_private_networks is True


def test_unknown_toml_key_is_an_error(tmp_path):
    config = tmp_path / "svodka.toml"
    config.write_text("databse_url = 'typo'\n")
    with pytest.raises(ValueError, match="databse_url"):
        load_settings({"SVODKA_CONFIG": str(config)})
