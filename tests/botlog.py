"""What the bot's log writer does to one event, shared by the sample generators (jan_log, mar_log).

The bot writes tracing-subscriber 0.3 JSON (src/market_maker/infra/logging.rs, unchanged from
72976cd to 6c17115; log_format.md §1): keys ``timestamp, level, fields, target[, span, spans]``,
``fields.message`` first, compact separators, raw Unicode; a span object has its fields sorted by
key and ``name`` last, ``span`` is the innermost and ``spans`` lists root to leaf. Numbers the bot
formats with ``{}`` / ``{:?}`` follow Rust's f64 Display / Debug.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any


@dataclass
class Line:
    """One event: ``t`` seconds after the log's start; ``seq`` keeps the order of equal times."""

    t: float
    level: str
    message: str
    target: str
    fields: dict[str, Any] = field(default_factory=dict)
    spans: list[dict[str, Any]] | None = None  # root -> leaf
    seq: int = 0

    def render(self, start: datetime) -> str:
        ts = (start + timedelta(seconds=self.t)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        obj: dict[str, Any] = {
            "timestamp": ts,
            "level": self.level,
            "fields": {"message": self.message, **self.fields},
            "target": self.target,
        }
        if self.spans:
            rendered = [
                {k: sp[k] for k in sorted(sp) if k != "name"} | {"name": sp["name"]} for sp in self.spans
            ]
            obj["span"] = rendered[-1]
            obj["spans"] = rendered
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def display_f64(x: float) -> str:
    """Rust's ``{}`` for an f64: shortest round trip, never an exponent, no trailing ``.0``."""
    text = repr(float(x))
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    return text[:-2] if text.endswith(".0") else text


def debug_f64(x: float) -> str:
    """Rust's ``{:?}`` for an f64 (keeps ``.0``)."""
    text = display_f64(x)
    return text if "." in text else text + ".0"
