"""The enrolment QR code, drawn on the server as SVG and sent as a data URI: no script,
no request to a third party, and allowed by the CSP (img-src 'self' data:)."""

from __future__ import annotations

import base64
import io
from base64 import b32encode

import qrcode
import qrcode.image.svg


def qr_data_uri(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def readable_secret(bin_key: bytes) -> str:
    """The secret in base32 (what authenticator apps ask for), in groups of four."""
    text = b32encode(bin_key).decode("ascii").rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))
