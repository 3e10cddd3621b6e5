"""Reading the settings from ``NEWSLETTER_*`` variables, with a development secret."""

from __future__ import annotations

import dataclasses
import os
import secrets
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, get_args, get_origin, get_type_hints

from newsletter.config.checks import check_settings
from newsletter.config.settings import PREFIX, ConfigError, Settings


def load_settings(
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    instance_path: Path | None = None,
) -> Settings:
    """Read settings from ``environ`` (default ``os.environ``), apply ``overrides``, check them.

    Raises :class:`ConfigError` listing every problem at once.
    """
    environ = os.environ if environ is None else environ
    hints = get_type_hints(Settings)
    values: dict[str, Any] = {}
    provided: set[str] = set()
    problems: list[str] = []
    for spec in dataclasses.fields(Settings):
        variable = PREFIX + spec.name.upper()
        if overrides and spec.name in overrides:
            values[spec.name] = overrides[spec.name]
            provided.add(spec.name)
        elif variable in environ and environ[variable].strip() != "":
            try:
                values[spec.name] = _convert(environ[variable].strip(), hints[spec.name])
                provided.add(spec.name)
            except ValueError as exc:
                problems.append(f"{variable}: {exc}; {spec.metadata['help']}")
    if problems:
        raise ConfigError(problems)
    settings = Settings(**values)
    settings = _fill_defaults(settings, environ, instance_path)
    problems = check_settings(settings, provided)
    if problems:
        raise ConfigError(problems)
    return settings


def _convert(raw: str, annotation: Any) -> Any:
    if annotation is bool:
        lowered = raw.lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
        raise ValueError(f"expected on/off, true/false, yes/no or 1/0, got {raw!r}")
    if annotation is int or annotation is float:
        try:
            return annotation(raw)
        except ValueError:
            kind = "a whole number" if annotation is int else "a number"
            raise ValueError(f"expected {kind}, got {raw!r}") from None
    if get_origin(annotation) is Literal:
        choices = get_args(annotation)
        if raw not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}, got {raw!r}")
        return raw
    if get_origin(annotation) in (tuple, types.GenericAlias) or annotation == tuple[str, ...]:
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    return raw


def _fill_defaults(
    settings: Settings, environ: Mapping[str, str], instance_path: Path | None
) -> Settings:
    """Derive the defaults that depend on other settings or on the instance folder."""
    instance = instance_path or Path.cwd() / "instance"
    changes: dict[str, Any] = {}
    if not settings.database_url and not settings.is_production:
        changes["database_url"] = f"sqlite:///{instance / 'newsletter.db'}"
    if not settings.outbox_dir:
        changes["outbox_dir"] = str(instance / "outbox")
    domain = settings.sender_domain or "localhost"
    if not settings.list_id:
        changes["list_id"] = f"daily.{domain}"
    if not settings.unsubscribe_mailbox:
        changes["unsubscribe_mailbox"] = f"unsubscribe@{domain}"
    if not settings.secret_key and settings.env == "development":
        changes["secret_key"] = _development_secret(instance)
    return dataclasses.replace(settings, **changes) if changes else settings


def _development_secret(instance: Path) -> str:
    """A random key kept in the instance folder, so a laptop needs no setup.

    Never used outside development: production refuses to start without a real key.
    """
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key
