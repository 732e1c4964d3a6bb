"""The onboarding page's security headers: it collects a client's password, so it gets what the
dashboard pages get (a strict Content-Security-Policy, no framing, no caching), adapted to
what it legitimately loads and where its forms lead.

- ``img-src``: the page shows the partner's ``logo_url``, so that one origin is allowed (and
  only for images); the favicon is ours.
- ``form-action``: a saved form answers with a 303 to the partner's redirect URL, and browsers
  apply ``form-action`` to the redirects that follow a submission, so the redirect URL's origin
  is allowed besides ``'self'``.
- ``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``: nobody may frame the password form
  (clickjacking). 360dialog's Connect Button opens the page in a *popup* window, which framing
  rules do not touch; no ``Cross-Origin-Opener-Policy`` is sent, so the popup keeps its opener.
- ``Referrer-Policy: same-origin``: the page's URL holds the IO signature and ``state``; the
  logo request must not carry them to the logo's host.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from partnerhub.domain.partners.model import Partner


def origin(url: str | None) -> str | None:
    """``scheme://host[:port]`` of an http(s) URL, or None."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    # A CSP source expression has no room for quotes, semicolons or commas.
    if any(ch in host for ch in "';, "):
        return None
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


def onboarding_headers(partner: Partner | None) -> dict[str, str]:
    images = ["'self'"]
    forms = ["'self'"]
    if partner is not None:
        logo = origin(partner.logo_url)
        if logo:
            images.append(logo)
        redirect = origin(partner.partner_redirect_url)
        if redirect:
            forms.append(redirect)
    policy = (
        f"default-src 'none'; style-src 'self'; img-src {' '.join(images)}; "
        f"form-action {' '.join(forms)}; frame-ancestors 'none'; base-uri 'none'"
    )
    return {
        "Content-Security-Policy": policy,
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cache-Control": "no-store",
    }
