"""The newsletter delivery system: a Flask application and its domain packages."""
