"""The web page's cookies, CSRF check, security headers and signed one-time messages.

- The session cookie is HttpOnly, SameSite=Lax, and Secure when
  `service.public_url` is https.
- Every POST carries a CSRF token: the session's own (a hidden form field, or
  the `X-CSRF-Token` header), or before sign-in a double-submit cookie.
- The Content-Security-Policy allows scripts and styles from this origin only
  (no inline script), and forms may post only here and to Strava's consent page.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets as random_secrets

from starlette.requests import Request
from starlette.responses import Response

from syncsvc.config import Settings

SESSION_COOKIE = "syncsvc_session"
PRE_SESSION_COOKIE = "syncsvc_presession"
FLASH_COOKIE = "syncsvc_flash"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self' https://www.strava.com",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    )
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


def secure_cookies(settings: Settings) -> bool:
    return (settings.service.public_url or "").startswith("https://")


def add_security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if response.media_type == "text/html":
        response.headers["cache-control"] = "no-store"
    return response


def set_cookie(
    response: Response, settings: Settings, name: str, value: str, *, max_age: int | None
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure_cookies(settings),
    )


def clear_cookie(response: Response, settings: Settings, name: str) -> None:
    response.delete_cookie(
        name, path="/", httponly=True, samesite="lax", secure=secure_cookies(settings)
    )


def new_pre_session_token() -> str:
    return random_secrets.token_urlsafe(24)


def csrf_matches(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


def submitted_csrf(request: Request, form_value: str | None) -> str | None:
    return form_value or request.headers.get(CSRF_HEADER)


def sign_flash(key: str, message: str) -> str:
    """A one-time message for the page after a redirect, signed so no one else can plant one."""
    body = base64.urlsafe_b64encode(message.encode()).decode()
    mac = hmac.new(key.encode(), body.encode(), hashlib.sha256).hexdigest()[:32]
    return f"{body}.{mac}"


def read_flash(key: str, value: str | None) -> str | None:
    if not value or "." not in value:
        return None
    body, mac = value.rsplit(".", 1)
    expected = hmac.new(key.encode(), body.encode(), hashlib.sha256).hexdigest()[:32]
    if not hmac.compare_digest(mac, expected):
        return None
    try:
        return base64.urlsafe_b64decode(body.encode()).decode()
    except ValueError:
        return None
