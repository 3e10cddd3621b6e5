"""Flask extensions, created unbound here and bound to an app in :func:`create_app`."""

from __future__ import annotations

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect

from newsletter.database import Database

db = Database()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Storage and switches come from the app's settings in ``newsletter.ratelimits.init_app``.
limiter = Limiter(key_func=get_remote_address)
