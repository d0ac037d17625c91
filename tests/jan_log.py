"""Build a January-2026-format bot log (``market_maker`` at 72976cd) carrying the seed session's figures.

No real log of the January code is available (the fixtures are all December code), yet the seed
audit (``../shared/seed/mainnet_btc_2026-01-13_audit.md``) is what mmwatch must reproduce. This
module writes such a log line by line from ``log_format.md``: the §1 envelope (key order
``timestamp, level, fields, target, span, spans``; compact JSON; numbers as strings where the bot
formats them with ``%``), the exact §3 message templates, spans on quote_cycle / safety_sync /
fill_processing lines.

Everything is deterministic (one seeded ``random.Random``), and every figure the seed audit quotes
is a parameter of :class:`JanSession`, so a test can build a variant with other figures and check
that the report follows the lines rather than the defaults.

Use: ``write_jan_log(path)`` (returns the :class:`JanSession` it wrote), or
``python -m tests.jan_log PATH``.
"""

from __future__ import annotations

import json
import random
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

BIN = "market_maker"
MM = "hyperliquid_rust_sdk::market_maker"


@dataclass(frozen=True)
class JanSession:
    """The figures of one January session; the defaults are the seed audit's (2026-01-13 mainnet BTC)."""

    seed: int = 20260113
    asset: str = "BTC"
    network: str = "Mainnet"
    start: datetime = datetime(2026, 1, 13, 22, 14, 1, 52371, tzinfo=UTC)
    end: datetime = datetime(2026, 1, 13, 22, 32, 0, 412907, tzinfo=UTC)
    account_value: str = "235.14"
    final_margin: float = 209.10
    final_position_units: int = -1150  # position in 1e-5 BTC: -0.0115
    tracked_fills: int = 9
    untracked_fills: int = 18
    example_untracked_oid: int = 293489830558
    example_untracked_units: int = 103  # sold 0.00103 BTC
    last_tracked_pnl: float = 1.95
    warn_error_total: int = 1698
    crossed_mid_errors: int = 10
    microprice_range: tuple[float, float] = (97000.0, 97400.0)
    crossed_mid: float = 95400.0
    drift_range_bps: tuple[float, float] = (103.2, 213.1)
    drift_events: int = 13
    headroom_range_pct: tuple[float, float] = (1.8, 4.8)
    used_range: tuple[int, int] = (60605, 62558)
    final_cap: int = 65682
    num_levels: int = 25
    min_effective: tuple[int, int] = (17, 13)  # (bid, ask)
    warmup_last_ticks: int = 9
    warmup_required_ticks: int = 10
    median_spread_bps: float = 14.6
    safety_mismatches: int = 21
    changepoints: int = 6
    warmup_incomplete_warns: int = 3
    cycle_seconds: float = 2.0

    @property
    def final_position(self) -> float:
        return self.final_position_units / 1e5

    @property
    def fills(self) -> int:
        return self.tracked_fills + self.untracked_fills


@dataclass
class _Line:
    t: float  # seconds after start
    level: str
    message: str
    target: str
    fields: dict[str, Any] = field(default_factory=dict)
    span: dict[str, Any] | None = None
    seq: int = 0

    def render(self, start: datetime) -> str:
        ts = (start + timedelta(seconds=self.t)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        obj: dict[str, Any] = {
            "timestamp": ts,
            "level": self.level,
            "fields": {"message": self.message, **self.fields},
            "target": self.target,
        }
        if self.span is not None:  # span fields sorted by key, "name" last (log_format.md §1)
            span = {k: self.span[k] for k in sorted(self.span) if k != "name"} | {"name": self.span["name"]}
            obj["span"] = span
            obj["spans"] = [span]
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def _display(x: float) -> str:
    """Rust's ``{}`` for an f64: shortest round trip, no trailing ``.0``."""
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text


class _Builder:
    def __init__(self, s: JanSession) -> None:
        self.s = s
        self.rng = random.Random(s.seed)
        self.lines: list[_Line] = []
        self.duration = (s.end - s.start).total_seconds()

    def add(
        self,
        t: float,
        level: str,
        message: str,
        target: str,
        span: dict[str, Any] | None = None,
        **fields: Any,
    ) -> None:
        self.lines.append(_Line(t, level, message, target, fields, span, len(self.lines)))

    # -- sections ------------------------------------------------------------------------------
    def startup(self) -> float:
        s, a = self.s, self.s.asset
        t = 0.0
        self.add(
            t,
            "INFO",
            "Standard validator perp (cross margin supported)",
            BIN,
            asset=a,
            is_hip3=False,
            is_cross=True,
        )
        self.add(
            t + 0.001,
            "INFO",
            "Leverage: using 20 (max available: 40x)",
            BIN,
            asset=a,
            max_leverage=40,
            using_leverage=20,
        )
        self.add(
            t + 0.002,
            "INFO",
            "Starting market maker",
            BIN,
            asset=a,
            target_liquidity="0.01",
            risk_aversion="0.3",
            max_bps_diff="2",
            max_position_override="None",
            leverage="20",
            decimals="5",
            strategy="Ladder",
            network=s.network,
            dry_run=False,
        )
        self.add(
            t + 0.003,
            "INFO",
            "Using LadderStrategy (multi-level GLFT)",
            BIN,
            gamma_base=0.3,
            num_levels=s.num_levels,
            min_depth_bps="2",
            max_depth_bps="200",
            geometric_spacing="true",
            max_spread_per_side_bps="15",
        )
        self.add(
            t + 0.004,
            "INFO",
            "Kill switch enabled",
            BIN,
            max_daily_loss="500",
            max_drawdown="5.0%",
            max_position_value="10000",
            max_position_contracts="0.1",
            stale_data_threshold="30s",
        )
        self.add(
            t + 0.005,
            "INFO",
            "Live parameter estimation enabled (adaptive warmup)",
            BIN,
            estimation_window_secs=300,
            min_trades=20,
        )
        self.add(
            t + 0.210,
            "INFO",
            "Capital-efficient position limits (use gamma to control risk)",
            BIN,
            account_value=s.account_value,
            leverage="20",
            mark_px="95412.0",
            max_from_leverage="0.04929",
            capped_max_pos="0.04929",
            capped_liquidity="0.01",
            min_viable="0.000157",
        )
        self.add(t + 0.300, "INFO", "Queried initial position", BIN, initial_position="0")
        self.add(t + 0.305, "INFO", "Starting Prometheus metrics endpoint (localhost only)", BIN, port=9090)
        self.add(t + 0.310, "INFO", "Market maker initialized, starting main loop...", BIN)
        self.add(
            t + 0.420,
            "INFO",
            f"Market maker started for {a} with LadderGLFT strategy",
            f"{MM}::orchestrator::event_loop",
        )
        self.add(t + 0.421, "INFO", "Warming up parameter estimator...", f"{MM}::orchestrator::event_loop")
        # progress at ticks 0..4, then every 5th: the last logged before quoting is 9/10 (LF §3.18)
        ticks = [0, 1, 2, 3, 4, s.warmup_last_ticks]
        t = 1.0
        for i, tick in enumerate(ticks):
            t += 2.5 + self.rng.random() * 2
            self.add(
                t,
                "INFO",
                f"Warming up: {tick}/{s.warmup_required_ticks} volume ticks, "
                f"{3 * tick + 2}/20 trade observations",
                f"{MM}::messages::trades",
            )
            if i < s.warmup_incomplete_warns:
                self.add(
                    t + 0.4,
                    "WARN",
                    "Warmup incomplete - no orders placed (waiting for market data)",
                    f"{MM}::orchestrator::quote_engine",
                    volume_ticks=tick,
                    volume_ticks_required=s.warmup_required_ticks,
                    trade_observations=3 * tick + 2,
                    trade_observations_required=20,
                )
        return t + 1.3

    def cycles(self, first: float, last: float) -> list[float]:
        s, rng = self.s, self.rng
        times: list[float] = []
        t = first
        while t < last:
            times.append(t)
            t += s.cycle_seconds * (0.8 + 0.4 * rng.random())
        n = len(times)
        # spread: half at or below the median, half at or above, two exactly on it -> median is exact
        lo = [round(s.median_spread_bps - rng.randint(1, 25) / 10, 1) for _ in range(n // 2 - 1)]
        hi = [round(s.median_spread_bps + rng.randint(1, 25) / 10, 1) for _ in range(n - n // 2 - 1)]
        spreads = lo + hi + [s.median_spread_bps, s.median_spread_bps]
        rng.shuffle(spreads)
        mid = s.crossed_mid
        cut_bid, cut_ask = s.min_effective
        margin0 = float(s.account_value) - 2.0
        qc = {"name": "quote_cycle", "asset": s.asset}
        for i, t in enumerate(times):
            mid += rng.gauss(0.4, 6.0)
            frac = i / max(n - 1, 1)
            crossed = i < s.crossed_mid_errors
            micro = (
                (
                    s.microprice_range[0]
                    + (s.microprice_range[1] - s.microprice_range[0]) * i / max(s.crossed_mid_errors - 1, 1)
                )
                if crossed
                else mid * (1 + rng.gauss(0, 0.00005))
            )
            cmid = round(s.crossed_mid + rng.uniform(-20, 20), 1) if crossed else mid
            self.add(
                t,
                "INFO",
                "[Trace] L1->L2->L3 pipeline",
                f"{MM}::layer3::trace",
                qc,
                l1_sigma=f"{0.00012 + rng.random() * 0.00005:.6f}",
                l1_kappa=f"{1800 + rng.random() * 400:.1f}",
                l1_micro=f"{micro:.2f}",
                l1_vol_regime="Normal",
                l2_edge_mean=f"{rng.gauss(0.3, 0.2):.3f}",
                l2_edge_std="1.210",
                l2_model_health="Good",
                l2_p_positive="0.58",
                l2_decision="Quote",
                l3_trust="0.71",
                l3_cp_prob=f"{rng.random() * 0.1:.3f}",
                l3_action="Quote",
                position=_display(self.position_at(t)),
            )
            self.add(
                t + 0.001,
                "INFO",
                "Quoting capacity: user max_position is for reduce-only only",
                f"{MM}::strategy::ladder_strat",
                qc,
                margin_available=f"{self.margin_at(frac, margin0):.2f}",
                leverage="20",
                max_position="0.04929",
            )
            ebid = cut_bid if rng.random() < 0.7 or i == 0 else cut_bid + rng.randint(1, 3)
            eask = cut_ask if rng.random() < 0.7 or i == 0 else cut_ask + rng.randint(1, 2)
            self.add(
                t + 0.002,
                "WARN",
                "Reducing ladder levels due to tight exchange limits",
                f"{MM}::strategy::ladder_strat",
                qc,
                configured=s.num_levels,
                effective_bid=ebid,
                effective_ask=eask,
                available_bids=f"{ebid * 0.000158:.6f}",
                available_asks=f"{eask * 0.000158:.6f}",
                min_meaningful_size="0.000157",
            )
            for side, active in (("bids", ebid), ("asks", eask)):
                self.add(
                    t + 0.003,
                    "INFO",
                    f"Entropy optimizer applied to {side}",
                    f"{MM}::strategy::ladder_strat",
                    qc,
                    entropy=f"{2.2 + rng.random() * 0.6:.3f}",
                    effective_levels=f"{active * 0.6:.1f}",
                    entropy_floor_active=False,
                    active_levels=active,
                )
            if crossed:
                bid = cmid * (1 - 0.0001)
                self.add(
                    t + 0.004,
                    "ERROR",
                    "CRITICAL: Bid crossed market mid - adjusting to 1bp below",
                    f"{MM}::quoting::ladder::generator",
                    qc,
                    bid_price=f"{bid:.4f}",
                    market_mid=f"{cmid:.1f}",
                    microprice=f"{micro:.1f}",
                    offset=f"{(bid - micro) / micro:.6f}",
                )
            spread = spreads[i]
            bid_bps = round(spread / 2 + rng.choice((-0.3, 0.0, 0.3)), 1)
            self.add(
                t + 0.005,
                "INFO",
                "Quote positions vs market",
                f"{MM}::orchestrator::reconcile",
                qc,
                market_mid=f"{cmid:.4f}",
                our_bid=f"{cmid * (1 - bid_bps / 1e4):.4f}",
                our_ask=f"{cmid * (1 + (spread - bid_bps) / 1e4):.4f}",
                bid_from_mid_bps=f"{bid_bps:.1f}",
                ask_from_mid_bps=f"{spread - bid_bps:.1f}",
                total_spread_bps=f"{spread:.1f}",
            )
            self.mids.append((t, cmid))
        return times

    def margin_at(self, frac: float, margin0: float) -> float:
        return margin0 + (self.s.final_margin - margin0) * frac + self.rng.gauss(0, 0.4) * (1 - frac)

    # fills are planned before the cycles so that cycle lines can print the running position
    def plan_fills(self, first: float, last: float) -> None:
        s, rng = self.s, self.rng
        n = s.fills
        kinds = [True] * s.tracked_fills + [False] * s.untracked_fills
        rng.shuffle(kinds)
        for _ in range(1000):
            sides = [rng.random() < 0.38 for _ in range(n)]  # True = buy
            sizes = [rng.randint(40, 160) for _ in range(n)]
            example = kinds.index(False)
            sides[example], sizes[example] = False, s.example_untracked_units
            fix = next(i for i in range(n - 1, -1, -1) if i != example)
            rest = sum(
                sz if b else -sz for i, (b, sz) in enumerate(zip(sides, sizes, strict=True)) if i != fix
            )
            need = s.final_position_units - rest
            if 10 <= abs(need) <= 300:
                sides[fix], sizes[fix] = need > 0, abs(need)
                break
        else:  # pragma: no cover - the seed above converges
            raise RuntimeError("could not plan fills")
        times = sorted(first + rng.random() * (last - first) for _ in range(n))
        pos = 0
        pnl_steps = [round(rng.uniform(-0.3, 0.6), 2) for _ in range(s.tracked_fills)]
        tracked_seen = 0
        for i in range(n):
            pos += sizes[i] if sides[i] else -sizes[i]
            oid = s.example_untracked_oid if i == example else 293489000000 + rng.randint(1000, 999999)
            tid = 900000000000000 + rng.randint(0, 99999999999)
            side_word = "bought" if sides[i] else "sold"
            size = _display(sizes[i] / 1e5)
            position = _display(round(pos / 1e5, 5))
            span = {"name": "fill_processing", "oid": oid, "tid": tid, "side": "buy" if sides[i] else "sell"}
            if kinds[i]:
                tracked_seen += 1
                # P&L on a tracked line is cumulative (LF §3.10); the last one is the session's figure
                pnl = s.last_tracked_pnl if tracked_seen == s.tracked_fills else sum(pnl_steps[:tracked_seen])
                self.add(
                    times[i],
                    "INFO",
                    f"[Fill] {side_word} {size} {s.asset} | oid={oid} tid={tid} | position: {position} | "
                    f"AS: {rng.uniform(-2, 4):.2f}bps | P&L: ${pnl:.2f}",
                    f"{MM}::fills::processor",
                    span,
                )
            else:
                self.add(
                    times[i],
                    "WARN",
                    f"[Fill] Untracked order filled: oid={oid} tid={tid} cloid=None {side_word} {size} "
                    f"{s.asset} | position updated to {position}",
                    f"{MM}::fills::processor",
                    span,
                )
            self.fill_positions.append((times[i], pos / 1e5))

    def position_at(self, t: float) -> float:
        p = 0.0
        for ft, fp in self.fill_positions:
            if ft > t:
                break
            p = fp
        return round(p, 5)

    def periodic(self, first: float, last: float, cycle_times: list[float]) -> None:
        s, rng = self.s, self.rng
        ss = {"name": "safety_sync", "asset": s.asset}
        syncs = []
        t = first + 3.0
        while t < last:
            syncs.append(t)
            t += 15.0
        mismatch_at = set(rng.sample(range(len(syncs)), min(s.safety_mismatches, len(syncs))))
        for i, t in enumerate(syncs):
            local = rng.randint(20, 30)
            self.add(
                t,
                "INFO",
                "[SafetySync] Order state (OrderManager is source of truth)",
                f"{MM}::orchestrator::recovery",
                ss,
                local_count=local,
                snapshot_count=local,
                snapshot_age_ms=str(rng.randint(200, 2500)),
                orphans_in_snapshot=0,
                orders_not_in_snapshot=0,
            )
            if i in mismatch_at:
                self.add(
                    t + 0.01,
                    "WARN",
                    f"[SafetySync] State mismatch: exchange={local + rng.randint(1, 3)}, "
                    f"local_active={local}",
                    f"{MM}::safety::auditor",
                    ss,
                )
        t = first + 60.0
        while t < last:
            self.add(
                t,
                "INFO",
                "Market maker metrics",
                BIN,
                orders_placed=int(t * 3),
                orders_cancelled=int(t * 2.6),
                orders_filled=sum(1 for ft, _ in self.fill_positions if ft <= t),
                volume_bought=0.0,
                volume_sold=0.0,
                position=self.position_at(t),
                uptime_secs=int(t),
            )
            t += 60.0
        # large price drift: the extremes are exact, the rest in between
        lo, hi = s.drift_range_bps
        drift_times = sorted(rng.sample(cycle_times[s.crossed_mid_errors :], s.drift_events))
        values = [lo, hi] + [round(rng.uniform(lo, hi), 1) for _ in range(s.drift_events - 2)]
        rng.shuffle(values)
        for t, v in zip(drift_times, values, strict=True):
            other = round(rng.uniform(20, v), 1)
            bid, ask = (v, other) if rng.random() < 0.5 else (other, v)
            self.add(
                t + 0.0045,
                "WARN",
                "[Reconcile] Large price drift detected! Forcing full cancel + replace",
                f"{MM}::orchestrator::reconcile",
                {"name": "quote_cycle", "asset": s.asset},
                bid_drift_bps=f"{bid:.1f}",
                ask_drift_bps=f"{ask:.1f}",
                threshold_bps=100.0,
            )
            self.add(
                t + 0.0046,
                "INFO",
                "[Reconcile] Cancelled all stale orders due to drift",
                f"{MM}::orchestrator::reconcile",
                {"name": "quote_cycle", "asset": s.asset},
                cancelled=rng.randint(20, 30),
            )
        for t in sorted(rng.sample(cycle_times, s.changepoints)):
            self.add(
                t + 0.0002,
                "WARN",
                "Changepoint detected - resetting beliefs",
                f"{MM}::layer3::changepoint",
                cp_prob=f"{rng.uniform(0.7, 0.99):.3f}",
                run_length="3",
            )

    def rate_limit(self, first: float, last: float) -> None:
        """Fill the WARN/ERROR total with throttle WARNs, spread over the quoting time."""
        s = self.s
        n = s.warn_error_total - sum(1 for ln in self.lines if ln.level in ("WARN", "ERROR"))
        if n < 2:
            raise ValueError("warn_error_total too small for the other warnings of this session")
        (h0, h1), (u0, u1) = s.headroom_range_pct, s.used_range
        cap0 = round(u0 / (1 - h0 / 100))
        if round((s.final_cap - u1) / s.final_cap * 100, 1) != h1:  # the last headroom follows from used/cap
            raise ValueError(f"headroom {h1}% does not match used {u1} of cap {s.final_cap}")
        rc = {"name": "quote_cycle", "asset": s.asset}
        for k in range(n):
            frac = k / (n - 1)
            t = first + (last - first) * frac + 0.0007
            used = round(u0 + (u1 - u0) * frac)
            cap = round(cap0 + (s.final_cap - cap0) * frac)
            head = (cap - used) / cap * 100
            if k == 0:
                head = h0
            elif k == n - 1:
                used, cap, head = u1, s.final_cap, (s.final_cap - u1) / s.final_cap * 100
            self.add(
                t,
                "WARN",
                "Exchange rate limit low (<5% headroom) - throttling reconciliation",
                f"{MM}::orchestrator::reconcile",
                rc,
                headroom_pct=f"{head:.1f}%",
                used=used,
                cap=cap,
            )

    def shutdown(self, t: float) -> None:
        s, rng = self.s, self.rng
        ev, rec = f"{MM}::orchestrator::event_loop", f"{MM}::orchestrator::recovery"
        end = self.duration
        mid = self.mids[-1][1]
        pos = s.final_position
        self.add(t, "INFO", "Shutdown signal received (SIGINT/Ctrl+C)", ev)
        self.add(t + 0.05, "INFO", "Shutdown flag detected, initiating graceful shutdown...", ev)
        self.add(t + 0.06, "INFO", "Initiating graceful shutdown (5 second timeout)...", ev)
        self.add(t + 0.07, "INFO", "=== GRACEFUL SHUTDOWN INITIATED ===", rec)
        self.add(
            t + 0.08,
            "INFO",
            "Final position state",
            rec,
            position=f"{pos:.6f}",
            mid_price=f"{mid:.1f}",
            position_value=f"${pos * mid:.2f}",
        )
        self.add(
            t + 0.09,
            "INFO",
            "Kill switch was NOT triggered",
            rec,
            daily_pnl=f"${s.final_margin - float(s.account_value):.2f}",
            max_drawdown="0.9%",
        )
        self.add(
            t + 0.10,
            "INFO",
            "Adverse selection summary",
            rec,
            fills_measured=s.tracked_fills,
            realized_as_bps="1.42",
            spread_adjustment_bps="0.00",
        )
        self.add(
            t + 0.11,
            "INFO",
            "Liquidation cascade summary",
            rec,
            total_liquidations=0,
            cascade_severity="0.00",
        )
        n_orders = rng.randint(20, 30)
        self.add(t + 0.2, "INFO", f"Bulk cancelling {n_orders} resting orders (from exchange)...", rec)
        self.add(end - 0.05, "INFO", "Bulk cancel completed", rec, total=n_orders, cancelled=n_orders)
        self.add(end - 0.03, "INFO", "=== GRACEFUL SHUTDOWN COMPLETE ===", rec)
        self.add(end - 0.02, "INFO", "Graceful shutdown completed successfully", ev)
        self.add(end, "INFO", "Market maker stopped.", BIN)

    def build(self) -> list[str]:
        self.mids: list[tuple[float, float]] = []
        self.fill_positions: list[tuple[float, float]] = []
        first_quote = self.startup()
        stop = self.duration - 1.2
        self.plan_fills(first_quote + 20, stop - 5)
        cycle_times = self.cycles(first_quote, stop - 0.5)
        self.periodic(first_quote, stop, cycle_times)
        self.rate_limit(first_quote + 0.5, stop - 0.3)
        self.shutdown(stop)
        self.lines.sort(key=lambda ln: (ln.t, ln.seq))
        return [ln.render(self.s.start) for ln in self.lines]


def jan_log_lines(session: JanSession | None = None) -> list[str]:
    """The log's lines (without newlines), in write order."""
    return _Builder(session or JanSession()).build()


def write_jan_log(path: Path | str, session: JanSession | None = None) -> JanSession:
    """Write the log to ``path`` (``\\n``-terminated JSON lines); return the figures it carries."""
    session = session or JanSession()
    Path(path).write_text("".join(line + "\n" for line in jan_log_lines(session)), encoding="utf-8")
    return session


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: python -m tests.jan_log PATH", file=sys.stderr)
        sys.exit(2)
    write_jan_log(sys.argv[1])
