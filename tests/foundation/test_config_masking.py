"""``check-config`` shows every setting but no secret, passwords inside URLs included."""

from __future__ import annotations

from newsletter.config import SECRET_MASK, load_settings


def test_passwords_inside_database_and_redis_urls_are_masked() -> None:
    settings = load_settings(
        {
            "NEWSLETTER_DATABASE_URL": "postgresql+psycopg://app:s3cret-pw@db.internal/news",
            "NEWSLETTER_REDIS_URL": "redis://:redis-pw@cache.internal:6379/0",
            "NEWSLETTER_SMTP_PASSWORD": "smtp-pw",
        }
    )
    shown = settings.masked()
    assert shown["NEWSLETTER_DATABASE_URL"] == (
        f"postgresql+psycopg://app:{SECRET_MASK}@db.internal/news"
    )
    assert shown["NEWSLETTER_REDIS_URL"] == f"redis://:{SECRET_MASK}@cache.internal:6379/0"
    assert shown["NEWSLETTER_SMTP_PASSWORD"] == SECRET_MASK
    assert not any("pw" in value for value in shown.values())


def test_urls_without_a_password_are_shown_as_they_are() -> None:
    url = "postgresql+psycopg://app@db.internal/news"
    assert (
        load_settings({"NEWSLETTER_DATABASE_URL": url}).masked()["NEWSLETTER_DATABASE_URL"] == url
    )
