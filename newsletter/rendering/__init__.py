"""Issue and system emails: render once per topic mix, fill per reader, build MIME bytes."""
