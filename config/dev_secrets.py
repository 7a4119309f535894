"""Development secrets for the embedded default, generated once and kept under ``var/``.

They are stable across restarts so that data encrypted on a developer's machine stays
readable; they are never used with ``DEBUG`` off (see ``config.settings``).
"""

import base64
import json
import secrets
from pathlib import Path


def load_or_create(path: Path) -> dict[str, str]:
    """Return the development secrets stored at ``path``, creating them on first use."""
    if path.exists():
        return json.loads(path.read_text())
    path.parent.mkdir(parents=True, exist_ok=True)
    values = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "IDENTIFIER_HASH_KEY": secrets.token_urlsafe(32),
    }
    path.write_text(json.dumps(values, indent=2))
    path.chmod(0o600)
    return values
