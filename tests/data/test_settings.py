"""data/settings.py: every URL from its variable (trailing slash dropped) or the Settings default."""

from __future__ import annotations

from fwpulse.data.settings import URL_SETTINGS, Settings, load_settings


def test_urls_default_to_the_settings_class_and_graphql_follows_the_rest_base():
    s = load_settings({})
    assert {attr: getattr(s, attr) for attr, _ in URL_SETTINGS} == {
        attr: getattr(Settings, attr) for attr, _ in URL_SETTINGS
    }
    assert s.github_graphql_url == "https://api.github.com/graphql"
    enterprise = load_settings({"FWPULSE_GITHUB_API_URL": "https://ghe.example/api/v3/", "FWPULSE_TRENDS_URL": ""})
    assert enterprise.github_api_url == "https://ghe.example/api/v3"
    assert enterprise.github_graphql_url == "https://ghe.example/api/v3/graphql"
    assert enterprise.trends_url == "https://trends.google.com"  # empty means unset


def test_every_url_variable_sets_its_attribute():
    env = {name: f"http://127.0.0.1:9/{attr}/" for attr, name in URL_SETTINGS}
    s = load_settings(env)
    assert {attr: getattr(s, attr) for attr, _ in URL_SETTINGS} == {
        attr: f"http://127.0.0.1:9/{attr}" for attr, _ in URL_SETTINGS
    }
    assert s.url_setting_for("http://127.0.0.1:9/clickhouse_url/x") == "FWPULSE_CLICKHOUSE_URL"
