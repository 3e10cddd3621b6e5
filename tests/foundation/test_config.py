"""Configuration comes from NEWSLETTER_* variables and refuses bad values with clear messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsletter.config import SECRET_MASK, ConfigError, load_settings

GOOD_PRODUCTION = {
    "NEWSLETTER_ENV": "production",
    "NEWSLETTER_SECRET_KEY": "x" * 40,
    "NEWSLETTER_DATABASE_URL": "postgresql+psycopg://app@db/newsletter",
    "NEWSLETTER_BASE_URL": "https://news.example.org",
    "NEWSLETTER_SENDER": "AI前沿发展日报 <daily@news.example.org>",
    "NEWSLETTER_POSTAL_ADDRESS": "1 Example Road, Shanghai",
}


def test_development_needs_no_variables(tmp_path: Path) -> None:
    settings = load_settings({}, instance_path=tmp_path)
    assert settings.env == "development"
    assert settings.database_url == f"sqlite:///{tmp_path / 'newsletter.db'}"
    assert settings.transport == "outbox"
    assert len(settings.secret_key) >= 32
    assert (tmp_path / "secret_key").read_text() == settings.secret_key


def test_the_development_secret_survives_a_restart(tmp_path: Path) -> None:
    first = load_settings({}, instance_path=tmp_path).secret_key
    assert load_settings({}, instance_path=tmp_path).secret_key == first


def test_derived_defaults_follow_the_sender(tmp_path: Path) -> None:
    settings = load_settings(
        {"NEWSLETTER_SENDER": "Daily <d@mail.example.com>"}, instance_path=tmp_path
    )
    assert settings.list_id == "daily.mail.example.com"
    assert settings.unsubscribe_mailbox == "unsubscribe@mail.example.com"
    assert settings.sender_name == "Daily"


def test_production_with_everything_set_starts(tmp_path: Path) -> None:
    settings = load_settings(GOOD_PRODUCTION, instance_path=tmp_path)
    assert settings.is_production
    assert settings.https


def test_production_names_every_missing_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"NEWSLETTER_ENV": "production"}, instance_path=tmp_path)
    message = str(caught.value)
    for name in ("SECRET_KEY", "DATABASE_URL", "BASE_URL", "SENDER", "POSTAL_ADDRESS"):
        assert f"NEWSLETTER_{name}: is required in production" in message


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("NEWSLETTER_SMTP_PORT", "twenty-five", "expected a whole number, got 'twenty-five'"),
        ("NEWSLETTER_TRACKING", "maybe", "expected on/off"),
        ("NEWSLETTER_TRANSPORT", "pigeon", "expected one of outbox, ses, smtp"),
        ("NEWSLETTER_BASE_URL", "http://news.example.org", "must start with https://"),
        ("NEWSLETTER_BASE_URL", "https://news.example.org/app", "scheme and host only"),
        ("NEWSLETTER_SECRET_KEY", "short", "too short"),
        ("NEWSLETTER_SENDER", "not an address", "has no valid address"),
        ("NEWSLETTER_TIMEZONE", "Mars/Olympus", "not a known IANA time zone"),
        ("NEWSLETTER_BOUNCE_ALARM_RATE", "5", "fraction between 0 and 1"),
        ("NEWSLETTER_REDIS_URL", "localhost:6379", "must start with redis://"),
        ("NEWSLETTER_DATABASE_URL", "newsletter.db", "is not a database URL"),
        ("NEWSLETTER_BATCH_SIZE", "0", "must be at least 1"),
    ],
)
def test_a_malformed_setting_is_refused_by_name(
    tmp_path: Path, variable: str, value: str, expected: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({**GOOD_PRODUCTION, variable: value}, instance_path=tmp_path)
    problem = next(p for p in caught.value.problems if p.startswith(variable))
    assert expected in problem


def test_smtp_transport_requires_a_host(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="NEWSLETTER_SMTP_HOST: is required when"):
        load_settings({"NEWSLETTER_TRANSPORT": "smtp"}, instance_path=tmp_path)


def test_masked_settings_hide_secrets_only(tmp_path: Path) -> None:
    environ = {**GOOD_PRODUCTION, "NEWSLETTER_SMTP_PASSWORD": "hunter2-hunter2"}
    shown = load_settings(environ, instance_path=tmp_path).masked()
    assert shown["NEWSLETTER_SECRET_KEY"] == SECRET_MASK
    assert shown["NEWSLETTER_SMTP_PASSWORD"] == SECRET_MASK
    assert shown["NEWSLETTER_BASE_URL"] == "https://news.example.org"
    assert "hunter2" not in repr(shown)


def test_lists_are_read_comma_separated(tmp_path: Path) -> None:
    arns = "arn:aws:sns:us-east-1:1:a, arn:aws:sns:us-east-1:1:b"
    settings = load_settings({"NEWSLETTER_SNS_TOPIC_ARNS": arns}, instance_path=tmp_path)
    assert settings.sns_topic_arns == ("arn:aws:sns:us-east-1:1:a", "arn:aws:sns:us-east-1:1:b")


def test_env_example_documents_every_setting() -> None:
    from newsletter.config import env_example

    committed = (Path(__file__).parents[2] / ".env.example").read_text()
    assert committed == env_example(), "run: newsletter check-config --example > .env.example"
