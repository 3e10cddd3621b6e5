"""Configuration: ``NEWSLETTER_*`` environment variables over documented defaults.

Every setting is one field of :class:`Settings` with its help text, so ``.env.example``,
``newsletter check-config`` and the start-up checks all come from this one place. Outside
development a missing or malformed setting stops start-up with a message that names the
variable and says what to set.

:mod:`.settings` declares the settings, :mod:`.loading` reads them from the environment and
:mod:`.checks` judges them.
"""

from newsletter.config.checks import check_settings
from newsletter.config.loading import load_settings
from newsletter.config.settings import (
    PREFIX,
    SECRET_MASK,
    ConfigError,
    Settings,
    env_example,
    setting,
)

__all__ = [
    "PREFIX",
    "SECRET_MASK",
    "ConfigError",
    "Settings",
    "check_settings",
    "env_example",
    "load_settings",
    "setting",
]
