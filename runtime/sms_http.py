"""An SMS gateway that calls a provider over HTTP (``BANSHI_SMS_GATEWAY=http``).

One POST per message to ``BANSHI_SMS_HTTP_URL`` with a JSON body
``{"to", "text", "signature", "sender", "id"}``, the key as a bearer token and the
message's idempotency key in ``Idempotency-Key`` (a provider that honours it never sends
a message twice, even when our worker dies between its call and our mark). What the
answer means:

* 2xx — delivered;
* 4xx — the provider refuses this message itself (bad number, bad signature, no
  balance): retrying cannot help, it goes to the dead-letter list at once
  (:class:`runtime.outbox.GatewayRejected`);
* 5xx, a timeout or a broken connection — temporary: the worker retries with
  exponential backoff (runtime/outbox.py) and after the last try keeps the message as
  ``failed``, where an operator sees it (``/sms/dead-letters``).

The key is never defaulted: the gateway refuses to start without URL and key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy.orm import Session

from runtime.outbox import GatewayError, GatewayRejected


@dataclass(frozen=True)
class HttpSmsConfig:
    url: str
    key: str
    signature: str
    sender: str | None = None
    timeout_s: float = 5.0

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise ValueError("BANSHI_SMS_HTTP_URL must be an http(s) URL")
        if not self.key:
            raise ValueError("BANSHI_SMS_HTTP_KEY must be set for the http SMS gateway")


def idempotency_key(message: Any) -> str:
    key = getattr(message, "key", None)
    return str(key) if key else f"o{message.id}"


class HttpGateway:
    """Sends each message with one HTTP call; see the module's notes for the answers."""

    def __init__(self, config: HttpSmsConfig, client: httpx.Client | None = None) -> None:
        self.config = config
        self.client = client or httpx.Client(timeout=config.timeout_s)

    def send(self, session: Session, message: Any) -> None:
        c = self.config
        body = message.body
        signature = f"【{c.signature}】"
        if body.startswith(signature):  # the templates already carry it
            body = body[len(signature) :]
        payload = {
            "to": message.recipient,
            "text": body,
            "signature": c.signature,
            "sender": c.sender,
            "id": idempotency_key(message),
        }
        try:
            answer = self.client.post(
                c.url,
                json=payload,
                headers={
                    "Authorization": f"Bearer {c.key}",
                    "Idempotency-Key": idempotency_key(message),
                },
                timeout=c.timeout_s,
            )
        except httpx.TimeoutException as exc:
            raise GatewayError(f"SMS provider timed out: {exc}") from None
        except httpx.HTTPError as exc:
            raise GatewayError(f"SMS provider unreachable: {exc}") from None
        if answer.status_code >= 500:
            raise GatewayError(f"SMS provider answered {answer.status_code}: {answer.text[:200]}")
        if answer.status_code >= 400:
            raise GatewayRejected(
                f"SMS provider refused the message ({answer.status_code}): {answer.text[:200]}"
            )

    def close(self) -> None:
        self.client.close()
