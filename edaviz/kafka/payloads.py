"""Realistic fake event payloads for the simulator.

A payload is a JSON object shaped by the words in the event's name: an
`order.created` carries an order id, a customer, line items and a total; a
`payment.failed` carries a payment id, the amount and a failure reason. Every
payload has an `event_id`, `event_type`, an ISO 8601 `occurred_at` and, when it
follows another event, the `correlation_id` and `causation_id` that tie a saga
together. Keys are entity ids drawn from a pool large enough to spread over
every partition.
"""

from __future__ import annotations

import functools
import json
import random
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

#: Distinct entity keys per key space: enough to cover 3-100 partitions evenly,
#: few enough that the same order shows up again in later events.
KEY_POOL = 5000

_CURRENCIES = ("EUR", "USD", "GBP", "SEK")
_CARRIERS = ("DHL", "UPS", "PostNL", "FedEx", "La Poste")
_METHODS = ("card", "paypal", "sepa_debit", "apple_pay")
_FAILURES = (
    "card_declined",
    "insufficient_funds",
    "timeout",
    "out_of_stock",
    "address_invalid",
)
_PRODUCTS = (
    ("SKU-1001", "espresso beans 1kg", 18.90),
    ("SKU-2040", "ceramic mug", 9.50),
    ("SKU-3312", "milk frother", 34.00),
    ("SKU-4100", "grinder", 129.00),
    ("SKU-5007", "paper filters x100", 4.20),
    ("SKU-6021", "travel tumbler", 21.75),
)
_CITIES = ("Amsterdam", "Berlin", "Lyon", "Porto", "Gothenburg", "Leeds")

Fields = Callable[[random.Random, str], dict[str, Any]]


def _money(rng: random.Random, low: float = 5, high: float = 400) -> float:
    return round(rng.uniform(low, high), 2)


def _order(rng: random.Random, key: str) -> dict[str, Any]:
    items = []
    for sku, name, price in rng.sample(_PRODUCTS, rng.randint(1, 3)):
        items.append(
            {"sku": sku, "name": name, "quantity": rng.randint(1, 4), "price": price}
        )
    total = round(sum(i["quantity"] * i["price"] for i in items), 2)
    return {
        "order_id": key,
        "customer_id": f"cus-{rng.randrange(KEY_POOL):05d}",
        "items": items,
        "total": total,
        "currency": rng.choice(_CURRENCIES),
    }


def _payment(rng: random.Random, key: str) -> dict[str, Any]:
    return {
        "payment_id": f"pay-{uuid.UUID(int=rng.getrandbits(128)).hex[:12]}",
        "order_id": key,
        "amount": _money(rng),
        "currency": rng.choice(_CURRENCIES),
        "method": rng.choice(_METHODS),
    }


def _shipment(rng: random.Random, key: str) -> dict[str, Any]:
    return {
        "shipment_id": f"shp-{rng.randrange(10**8):08d}",
        "order_id": key,
        "carrier": rng.choice(_CARRIERS),
        "tracking_number": f"{rng.randrange(10**12):012d}",
        "city": rng.choice(_CITIES),
    }


def _inventory(rng: random.Random, key: str) -> dict[str, Any]:
    sku, name, _ = rng.choice(_PRODUCTS)
    return {
        "reservation_id": f"res-{rng.randrange(10**8):08d}",
        "order_id": key,
        "sku": sku,
        "name": name,
        "quantity": rng.randint(1, 4),
        "warehouse": rng.choice(("AMS-1", "BER-2", "LYS-1")),
    }


def _customer(rng: random.Random, key: str) -> dict[str, Any]:
    n = rng.randrange(KEY_POOL)
    return {
        "customer_id": key,
        "email": f"customer{n}@example.com",
        "city": rng.choice(_CITIES),
    }


def _notification(rng: random.Random, key: str) -> dict[str, Any]:
    return {
        "notification_id": f"ntf-{rng.randrange(10**8):08d}",
        "recipient": f"customer{rng.randrange(KEY_POOL)}@example.com",
        "channel": rng.choice(("email", "sms", "push")),
        "subject_id": key,
    }


def _generic(rng: random.Random, key: str) -> dict[str, Any]:
    return {"entity_id": key, "value": _money(rng, 1, 1000)}


#: Which fields an event gets, by the first of these words its name contains.
_SHAPES: tuple[tuple[tuple[str, ...], str, Fields], ...] = (
    (("payment", "charge", "refund", "invoice", "billing"), "ord", _payment),
    (("ship", "deliver", "dispatch", "parcel"), "ord", _shipment),
    (("inventory", "stock", "reserv", "warehouse"), "ord", _inventory),
    (("order", "cart", "checkout", "purchase"), "ord", _order),
    (("user", "customer", "account", "signup"), "cus", _customer),
    (("notif", "email", "sms", "mail"), "ord", _notification),
)


@functools.lru_cache(maxsize=1024)
def _shape(event_name: str) -> tuple[str, Fields]:
    lowered = event_name.lower()
    for words, key_space, fields in _SHAPES:
        if any(word in lowered for word in words):
            return key_space, fields
    return "ent", _generic


class PayloadFactory:
    """Makes keys and JSON payloads for events; seeded for reproducible runs."""

    def __init__(self, seed: int | None = None) -> None:
        self.rng = random.Random(seed)

    def new_key(self, event_name: str) -> str:
        """A fresh entity key for a source event (e.g. `ord-00417`)."""
        key_space, _ = _shape(event_name)
        return f"{key_space}-{self.rng.randrange(KEY_POOL):05d}"

    def payload(
        self,
        event_name: str,
        key: str,
        *,
        cause: Mapping[str, Any] | None = None,
        failed: bool = False,
        now: datetime | None = None,
    ) -> dict[str, Any]:
        """The payload of one `event_name` event about entity `key`.

        Args:
            cause: the payload of the event being handled, if any; its ids carry
                over so a saga can be followed end to end.
            failed: add a failure `reason` (for events on a failure path).
            now: the event time (default: the current UTC time).
        """
        _, fields = _shape(event_name)
        when = (now or datetime.now(UTC)).isoformat(timespec="milliseconds")
        body: dict[str, Any] = {
            "event_id": str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
            "event_type": event_name,
            "occurred_at": when.replace("+00:00", "Z"),
        }
        if cause is not None:
            body["correlation_id"] = cause.get("correlation_id") or cause.get(
                "event_id"
            )
            body["causation_id"] = cause.get("event_id")
        body.update(fields(self.rng, key))
        if cause is not None and "amount" in body:
            # A payment for an order charges that order's total, not a new sum.
            for name in ("total", "amount"):
                if isinstance(cause.get(name), int | float):
                    body["amount"] = cause[name]
                    body["currency"] = cause.get("currency", body.get("currency"))
                    break
        if failed or "fail" in event_name.lower() or "reject" in event_name.lower():
            body["reason"] = self.rng.choice(_FAILURES)
        return body

    def encode(self, payload: Mapping[str, Any]) -> bytes:
        """Compact UTF-8 JSON bytes of a payload."""
        return json.dumps(payload, separators=(",", ":")).encode()
