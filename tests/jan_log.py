"""Build a January-2026-format bot log (``market_maker`` at 72976cd) carrying the seed session's figures.

No real log of the January code is available (the fixtures are all December code), yet the seed
audit (``../shared/seed/mainnet_btc_2026-01-13_audit.md``) is what mmwatch must reproduce. This
module writes such a log line by line, and every line is a call site of the bot at commit 72976cd
(the code of that session): the exact format string rendered, its level, its target (module path of
the file, or the macro's explicit ``target:``), the spans entered around the call site
(``#[tracing::instrument]`` on ``update_quotes`` -> ``quote_cycle``, ``safety_sync``,
``place_bulk_orders`` -> ``order_placement`` nested in ``quote_cycle``, ``FillProcessor::process`` ->
``fill_processing``) and the field types the macro gives (``%x``/``?x`` -> string, raw ints/floats/bools
-> JSON numbers/bools, ``Duration::as_millis()`` (u128) -> digit string). Each template below cites
``path:line@72976cd`` of the macro.

The level filter is the shipped default (``--log-level`` absent, ``[logging] level = "info"``; the bot
ignores ``RUST_LOG``), so no DEBUG line is written. The flags are the reference run's
(``--network mainnet --asset BTC --log-file …``): leverage = max available, price decimals
auto-calculated, Ladder strategy, impulse control on (its default), spread profile default.

Shape of a session (what the code does with the seed's figures):

* start-up sequence of ``src/bin/market_maker.rs`` ``main`` and ``sync_open_orders``/``start``;
* warm-up: ``Warmup incomplete`` WARN (quote_cycle span, at most every 10 s) while the estimator is
  not warmed up; progress lines from ``messages::trades`` at the ticks the throttle lets through
  (first trade, then each tick while < 5, then every 5th: 0, 2, 3, 4, 9 for 10 required ticks);
* quote cycles: the first finds no local orders -> ``EMPTY LADDER DETECTED`` WARN and bulk
  placement (``Bulk order placed`` in the ``order_placement`` span = the order-placement marker);
  every later cycle is either a drift correction (cancel all + bulk placement) or stops at the
  impulse-control rate-limit check (``Exchange rate limit low (<5% headroom)``), because the
  headroom the session saw (1.8 -> 4.8 %) is below 5 % throughout; ``Quote cycle complete`` needs a
  successful modify after that check, so this session never writes it;
* every cycle a side is cut (``Reducing ladder levels …`` WARN), so the WARN/ERROR total fixes the
  number of cycles (``2 x cycles`` plus the other warnings; an odd remainder is taken up by the
  shutdown's ``Order count mismatch`` WARN);
* safety sync every 15 s, ``Market maker metrics`` every 60 s from the start, fills in the
  ``fill_processing`` span, graceful shutdown (SIGINT) ending with ``Market maker stopped.``.

Everything is deterministic (one seeded ``random.Random``), and every figure the seed audit quotes
is a parameter of :class:`JanSession`, so a test can build a variant with other figures and check
that the report follows the lines rather than the defaults. :func:`jan_truth` recounts the figures
from the emitted lines.

Use: ``write_jan_log(path)`` (returns the :class:`JanSession` it wrote), or
``python -m tests.jan_log PATH`` (also writes ``PATH`` minus ``.log`` plus ``.truth.json``).
"""

from __future__ import annotations

import json
import math
import random
import re
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.botlog import Line, debug_f64, display_f64

BIN = "market_maker"
MM = "hyperliquid_rust_sdk::market_maker"

COMMIT = "72976cd"

# targets (module path of the file holding the macro, or the macro's explicit `target:`)
T_EVENT_LOOP = f"{MM}::orchestrator::event_loop"
T_QUOTE_ENGINE = f"{MM}::orchestrator::quote_engine"
T_RECONCILE = f"{MM}::orchestrator::reconcile"
T_RECOVERY = f"{MM}::orchestrator::recovery"
T_HANDLERS = f"{MM}::orchestrator::handlers"
T_LADDER_STRAT = f"{MM}::strategy::ladder_strat"
T_GENERATOR = f"{MM}::quoting::ladder::generator"
T_EXECUTOR = f"{MM}::infra::executor"
T_AUDITOR = f"{MM}::safety::auditor"
T_FILLS = f"{MM}::fills::processor"
T_TRADES = f"{MM}::messages::trades"
T_CONTROL = f"{MM}::control"
T_TRACE = "layer3::trace"  # explicit target
T_CP = "layer3::changepoint"  # explicit target
T_CALIB = "layer2::calibration"  # explicit target

PRICE_DECIMALS = 1  # BTC: sz_decimals 5 -> 6 - 5 (src/bin/market_maker.rs:927-941@72976cd)
LEVERAGE = 40  # --leverage not given -> asset_meta.max_leverage (BTC: 40)


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
    cycle_seconds: float = 2.0  # kept for callers; the cadence follows from warn_error_total

    @property
    def final_position(self) -> float:
        return self.final_position_units / 1e5

    @property
    def fills(self) -> int:
        return self.tracked_fills + self.untracked_fills


def _round_px(price: float) -> float:
    """``round_to_significant_and_decimal(price, 5, 1)``: 5 significant figures (whole dollars at ~95k)."""
    digits = int(math.floor(math.log10(abs(price)))) + 1
    return float(round(price, min(PRICE_DECIMALS, 5 - digits)))


class _Builder:
    def __init__(self, s: JanSession) -> None:
        self.s = s
        self.rng = random.Random(s.seed)
        self.lines: list[Line] = []
        self.duration = (s.end - s.start).total_seconds()
        self.qc = {"name": "quote_cycle", "asset": s.asset}
        self.ss = {"name": "safety_sync", "asset": s.asset}

    def add(
        self,
        t: float,
        level: str,
        message: str,
        target: str,
        spans: list[dict[str, Any]] | None = None,
        **fields: Any,
    ) -> None:
        self.lines.append(Line(t, level, message, target, fields, spans, len(self.lines)))

    # -- start-up --------------------------------------------------------------------------------
    def startup(self) -> float:
        s, a, rng = self.s, self.s.asset, self.rng
        acct = float(s.account_value)
        self.mark_px = round(s.crossed_mid + rng.uniform(5, 20), 1)
        max_from_lev = acct * LEVERAGE * 0.5 / self.mark_px
        self.max_position = max_from_lev
        t = 0.0
        # src/bin/market_maker.rs:905@72976cd
        self.add(
            t,
            "INFO",
            "Standard validator perp (cross margin supported)",
            BIN,
            asset=a,
            is_hip3=False,
            is_cross=True,
        )
        # src/bin/market_maker.rs:919@72976cd  "Leverage: using {} (max available: {}x)"
        # (first {} = "max available": no --leverage)
        self.add(
            t + 0.0003,
            "INFO",
            f"Leverage: using max available (max available: {LEVERAGE}x)",
            BIN,
            asset=a,
            max_leverage=LEVERAGE,
            using_leverage=LEVERAGE,
        )
        # src/bin/market_maker.rs:943@72976cd  (--decimals not given)
        self.add(
            t + 0.0005,
            "INFO",
            "Auto-calculated price precision from asset metadata",
            BIN,
            asset=a,
            sz_decimals=5,
            price_decimals=PRICE_DECIMALS,
        )
        # src/bin/market_maker.rs:957@72976cd
        self.add(
            t + 0.0009,
            "INFO",
            "Starting market maker",
            BIN,
            asset=a,
            target_liquidity="0.01",
            risk_aversion="0.3",
            max_bps_diff="5",
            max_position_override="None",
            leverage=str(LEVERAGE),
            decimals=str(PRICE_DECIMALS),
            strategy="Ladder",
            network=s.network,
            dry_run=False,
        )
        self.metrics_t0 = t + 0.0011  # MarketMakerMetrics::new(); interval's first tick is immediate
        t = 0.31 + rng.random() * 0.05
        # src/bin/market_maker.rs:1025@72976cd
        self.add(t, "INFO", "WebSocket posting enabled for low-latency order execution", BIN)
        # src/bin/market_maker.rs:1028@72976cd
        self.add(
            t + 0.0002, "INFO", "Setting leverage on exchange", BIN, leverage=LEVERAGE, asset=a, is_cross=True
        )
        t += 0.25 + rng.random() * 0.05
        # src/bin/market_maker.rs:1062@72976cd
        self.add(t, "INFO", "Leverage set successfully", BIN, leverage=LEVERAGE)
        t += 0.18 + rng.random() * 0.04
        # src/bin/market_maker.rs:1086@72976cd
        self.add(t, "INFO", "Queried initial position", BIN, initial_position="0")
        t += 0.30 + rng.random() * 0.05
        # src/bin/market_maker.rs:1155@72976cd  (no --max-position)
        self.add(
            t,
            "INFO",
            "Using margin-based max_position (capital-efficient default)",
            BIN,
            margin_limit=f"{max_from_lev:.6f}",
        )
        # src/bin/market_maker.rs:1191@72976cd
        self.add(
            t + 0.0001,
            "INFO",
            "Capital-efficient position limits (use gamma to control risk)",
            BIN,
            account_value=f"{acct:.2f}",
            leverage=str(LEVERAGE),
            mark_px=f"{self.mark_px:.4f}",
            max_from_leverage=f"{max_from_lev:.6f}",
            capped_max_pos=f"{max_from_lev:.6f}",
            capped_liquidity=f"{min(max(0.01, 10.0 / (self.mark_px * 0.05)), max_from_lev):.6f}",
            min_viable=f"{10.0 / self.mark_px:.6f}",
        )
        # src/bin/market_maker.rs:1218@72976cd
        self.add(
            t + 0.0002,
            "INFO",
            "Dynamic risk config (position limit = min(equity × leverage, volatility-based))",
            BIN,
            max_leverage=LEVERAGE,
            risk_fraction=0.5,
            num_sigmas=5.0,
            sigma_prior=0.0002,
        )
        # src/bin/market_maker.rs:1414@72976cd  (no --max-spread-bps)
        self.add(
            t + 0.0003,
            "INFO",
            "Max spread cap: using model-driven dynamic ceiling",
            BIN,
            dex="None",
            mode="dynamic",
        )
        # src/bin/market_maker.rs:1421@72976cd  (LadderConfig::default(); max_spread_per_side_bps set to 0.0)
        self.add(
            t + 0.0004,
            "INFO",
            "Using LadderStrategy (multi-level GLFT)",
            BIN,
            gamma_base=0.3,
            num_levels=s.num_levels,
            min_depth_bps=2.0,
            max_depth_bps=200.0,
            geometric_spacing=True,
            max_spread_per_side_bps=0.0,
        )
        # src/bin/market_maker.rs:1486@72976cd
        self.add(
            t + 0.0005, "INFO", "Using default perps kappa", BIN, spread_profile="default", kappa_prior="2500"
        )
        # src/bin/market_maker.rs:1507@72976cd  (no --kappa-floor)
        self.add(
            t + 0.0006,
            "INFO",
            "Kappa floor: using model-driven dynamic floor from Bayesian CI",
            BIN,
            dex="None",
            kappa_prior_mean="2500",
            mode="dynamic",
        )
        # src/bin/market_maker.rs:1522@72976cd
        self.add(
            t + 0.0007,
            "INFO",
            "Live parameter estimation enabled (adaptive warmup)",
            BIN,
            estimation_window_secs=300,
            min_trades=50,
            warmup_decay_secs=300,
            min_warmup_trades=5,
            kappa_floor="None",
            kappa_prior_mean="2500",
        )
        # src/bin/market_maker.rs:1545@72976cd  (max_position_contracts = max_position, Display of the f64)
        self.add(
            t + 0.0008,
            "INFO",
            "Kill switch enabled",
            BIN,
            max_daily_loss="500",
            max_drawdown="5.0%",
            max_position_value="10000",
            max_position_contracts=display_f64(max_from_lev),
            stale_data_threshold="30s",
        )
        # src/bin/market_maker.rs:1561@72976cd
        self.add(
            t + 0.0009,
            "INFO",
            "Margin config from API metadata",
            BIN,
            asset=a,
            max_leverage=float(LEVERAGE),
            isolated_only=False,
        )
        t += 0.20 + rng.random() * 0.05
        # src/market_maker/orchestrator/event_loop.rs:133@72976cd  (sync_position_from_exchange via REST)
        self.add(t, "INFO", "Position verified: 0.000000 (exchange matches local)", T_EVENT_LOOP)
        t += 0.45 + rng.random() * 0.05
        limit = acct * LEVERAGE / self.mark_px
        # src/market_maker/orchestrator/event_loop.rs:42@72976cd
        self.add(t, "INFO", f"Exchange limits initialized: bid={limit:.6f}, ask={limit:.6f}", T_EVENT_LOOP)
        # src/market_maker/orchestrator/event_loop.rs:50@72976cd
        self.add(
            t + 0.0001,
            "INFO",
            "Impulse control status",
            T_EVENT_LOOP,
            impulse_control_enabled="true",
            budget_tokens="100",
            improvement_threshold="0.1",
            queue_lock_threshold="0.3",
        )
        t += 0.15 + rng.random() * 0.05
        # src/bin/market_maker.rs:1625@72976cd  (spawned HTTP task)
        self.add(
            t,
            "INFO",
            "Starting Prometheus metrics endpoint (localhost only)",
            BIN,
            port=9090,
            bind="127.0.0.1",
        )
        # src/bin/market_maker.rs:1658@72976cd
        self.add(t + 0.0002, "INFO", "Market maker initialized, starting main loop...", BIN)
        t += 0.55 + rng.random() * 0.1
        # src/market_maker/orchestrator/event_loop.rs:355@72976cd
        self.add(t, "INFO", "Initialized spot balance cache with 1 assets", T_EVENT_LOOP)
        # src/market_maker/orchestrator/event_loop.rs:365@72976cd  (LadderStrategy::name() = "LadderGLFT")
        self.add(t + 0.0001, "INFO", f"Market maker started for {a} with LadderGLFT strategy", T_EVENT_LOOP)
        # src/market_maker/orchestrator/event_loop.rs:370@72976cd
        self.add(t + 0.0002, "INFO", "Warming up parameter estimator...", T_EVENT_LOOP)
        return t + 0.0003

    # -- warm-up ---------------------------------------------------------------------------------
    def _warmup_ticks(self) -> list[int]:
        """Tick counts at which trades messages arrive, so that the code's throttle logs
        ``warmup_last_ticks`` last (messages/trades.rs:115-133@72976cd)."""
        s = self.s
        req, w = s.warmup_required_ticks, s.warmup_last_ticks

        def logged(observed: list[int]) -> list[int]:
            out, last = [], 0
            for v in observed:
                thr = 1 if v < 5 else 5
                if (last == 0) or v >= last + thr:
                    out.append(v)
                    last = max(v, 1)
            return out

        full = list(range(0, req))
        if logged(full)[-1:] == [w]:
            return full
        for j in range(w - 1, -1, -1):  # a burst of volume: ticks jump from j to w
            cand = list(range(0, j + 1)) + list(range(w, req))
            if logged(cand)[-1] == w:
                return cand
        raise ValueError(f"no tick path logs {w}/{req} last")

    def warmup(self, t0: float) -> float:
        s, rng = self.s, self.rng
        n_warn = s.warmup_incomplete_warns
        warn_times = [t0 + 0.3 + rng.random() * 0.2 + 10.1 * k for k in range(n_warn)]
        done = (warn_times[-1] if warn_times else t0) + 2.0 + rng.random()
        observed = self._warmup_ticks()
        first_trade = t0 + 0.6 + rng.random() * 0.3
        # trade observations grow quickly for BTC (min_trade_observations = 5, estimator/mod.rs:384)
        steps = len(observed)
        tick_times = [first_trade + (done - 0.4 - first_trade) * i / max(steps - 1, 1) for i in range(steps)]
        obs_at = [min(1 + i * 9 + rng.randint(0, 4), 9999) for i in range(steps)]
        req = s.warmup_required_ticks
        last = 0
        self.warm_state: list[tuple[float, int, int]] = []
        for tt, v, ob in zip(tick_times, observed, obs_at, strict=True):
            thr = 1 if v < 5 else 5
            self.warm_state.append((tt, v, ob))
            if last == 0 or v >= last + thr:
                # src/market_maker/messages/trades.rs:131@72976cd
                self.add(
                    tt, "INFO", f"Warming up: {v}/{req} volume ticks, {ob}/5 trade observations", T_TRADES
                )
                last = max(v, 1)
        for wt in warn_times:
            v, ob = 0, 0
            for tt, vv, oo in self.warm_state:
                if tt <= wt:
                    v, ob = vv, oo
            # src/market_maker/orchestrator/quote_engine.rs:29@72976cd  (update_quotes: quote_cycle span)
            self.add(
                wt,
                "WARN",
                "Warmup incomplete - no orders placed (waiting for market data)",
                T_QUOTE_ENGINE,
                [self.qc],
                volume_ticks=v,
                volume_ticks_required=req,
                trade_observations=ob,
                trade_observations_required=5,
            )
        return done + 0.2 + rng.random() * 0.2  # first cycle after the tick that completes warm-up

    # -- fills -------------------------------------------------------------------------------------
    def plan_fills(self, first: float, last: float) -> None:
        s, rng = self.s, self.rng
        n = s.fills
        kinds = [True] * s.tracked_fills + [False] * s.untracked_fills
        rng.shuffle(kinds)
        for _ in range(1000):
            sides = [rng.random() < 0.38 for _ in range(n)]  # True = buy
            sizes = [rng.randint(40, 160) for _ in range(n)]
            example = kinds.index(False) if False in kinds else -1
            if example >= 0:
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
        pnl_steps = [round(rng.uniform(-0.3, 0.6), 2) for _ in range(s.tracked_fills)]
        pos = 0.0  # f64 arithmetic as PositionTracker::process_fill does
        tracked_seen = 0
        self.fills_plan: list[dict[str, Any]] = []
        for i in range(n):
            size = float(display_f64(sizes[i] / 1e5))
            pos = pos + size if sides[i] else pos - size
            oid = s.example_untracked_oid if i == example else 293489000000 + rng.randint(1000, 999999)
            tid = 900000000000000 + rng.randint(0, 99999999999)
            pnl = None
            if kinds[i]:
                tracked_seen += 1
                # P&L on a tracked line is cumulative (LF §3.10); the last one is the session's figure
                pnl = s.last_tracked_pnl if tracked_seen == s.tracked_fills else sum(pnl_steps[:tracked_seen])
            self.fills_plan.append(
                {
                    "t": times[i],
                    "buy": sides[i],
                    "size": size,
                    "pos": pos,
                    "oid": oid,
                    "tid": tid,
                    "tracked": kinds[i],
                    "pnl": pnl,
                }
            )

    def position_at(self, t: float, tracked_only: bool = False) -> float:
        p = 0.0
        for f in self.fills_plan:
            if f["t"] > t:
                break
            if not tracked_only or f["tracked"]:
                p = f["pos"]
        return p

    def emit_fills(self) -> None:
        s, rng = self.s, self.rng
        for f in self.fills_plan:
            span = [
                {
                    "name": "fill_processing",
                    "oid": f["oid"],
                    "tid": f["tid"],
                    "side": "buy" if f["buy"] else "sell",
                }
            ]
            word = "bought" if f["buy"] else "sold"
            if f["tracked"]:
                # src/market_maker/fills/processor.rs:458@72976cd
                self.add(
                    f["t"],
                    "INFO",
                    f"[Fill] {word} {display_f64(f['size'])} {s.asset} | oid={f['oid']} tid={f['tid']} | "
                    f"position: {display_f64(f['pos'])} | AS: {rng.uniform(-2, 4):.2f}bps | "
                    f"P&L: ${f['pnl']:.2f}",
                    T_FILLS,
                    span,
                )
                # src/market_maker/orchestrator/handlers.rs:390@72976cd  (orderUpdates "filled", tracked)
                self.add(
                    f["t"] + 0.004 + rng.random() * 0.01,
                    "INFO",
                    "Order state update: filled (synced to OrderManager)",
                    T_HANDLERS,
                    oid=f["oid"],
                    status="filled",
                )
            else:
                # src/market_maker/fills/processor.rs:326@72976cd  (cloid is always None at 72976cd)
                self.add(
                    f["t"],
                    "WARN",
                    f"[Fill] Untracked order filled: oid={f['oid']} tid={f['tid']} cloid=None {word} "
                    f"{display_f64(f['size'])} {s.asset} | position updated to {display_f64(f['pos'])}",
                    T_FILLS,
                    span,
                )

    # -- quote cycles ----------------------------------------------------------------------------
    def _spread_targets(self, n: int, crossed: set[int]) -> list[float]:
        s, rng = self.s, self.rng
        med = s.median_spread_bps
        n_lo = n // 2 - 1
        free = [i for i in range(n) if i not in crossed]
        rng.shuffle(free)
        exact = set(free[:2])
        lo = set(free[2 : 2 + n_lo])
        out = []
        for i in range(n):
            if i in exact:
                out.append(med)
            elif i in lo:
                out.append(round(med - rng.randint(3, 25) / 10, 1))
            else:
                out.append(round(med + rng.randint(3, 25) / 10, 1))
        return out

    def _ladder(self, micro: float, n: int, side: int) -> list[tuple[float, float]]:
        """n levels at geometric depths 2..200 bps from the microprice, sizes in 1e-5 BTC."""
        out = []
        for k in range(n):
            depth = 2.0 * (100.0 ** (k / 24)) + 2.5
            px = _round_px(micro * (1 - side * depth / 1e4))
            size = round(0.00016 + 0.00001 * self.rng.randint(0, 6), 5)
            out.append((px, size))
        return out

    def cycles(self, first: float, stop: float, n: int, drift_at: dict[int, tuple[float, float]]) -> None:
        s, rng = self.s, self.rng
        qc = [self.qc]
        span_gap = (stop - first) / n
        times = [first + span_gap * i + rng.random() * span_gap * 0.5 for i in range(n)]
        self.cycle_times = times
        crossed = set(range(min(s.crossed_mid_errors, n)))
        spreads = self._spread_targets(n, crossed)
        cut_bid, cut_ask = s.min_effective
        acct = float(s.account_value)
        mid = s.crossed_mid
        # free margin: equity minus the margin the position holds, ending exactly at final_margin
        raw_last = acct - abs(self.s.final_position) * (s.crossed_mid + 200) / LEVERAGE
        cp_cycles = set(rng.sample(range(1, n), min(s.changepoints, n - 1)))
        # rate-limit cache (reconcile.rs:796-818): refreshed on the first throttled cycle, then > 60 s old
        throttle_idx = [i for i in range(1, n) if i not in drift_at]
        refresh_at: list[int] = []
        last_refresh = -1e9
        for i in throttle_idx:
            if times[i] - last_refresh > 60.0:
                refresh_at.append(i)
                last_refresh = times[i]
        (h0, h1), (u0, u1) = s.headroom_range_pct, s.used_range
        if f"{(s.final_cap - u1) / s.final_cap * 100:.1f}" != f"{h1:.1f}":
            raise ValueError(f"headroom {h1}% does not match used {u1} of cap {s.final_cap}")
        cap0 = round(u0 / (1 - h0 / 100))
        while f"{(cap0 - u0) / cap0 * 100:.1f}" != f"{h0:.1f}":
            cap0 += 1 if (cap0 - u0) / cap0 * 100 < h0 else -1
        windows = []
        for k in range(len(refresh_at)):
            frac = k / max(len(refresh_at) - 1, 1)
            used = round(u0 + (u1 - u0) * frac)
            cap = round(cap0 + (s.final_cap - cap0) * frac)
            if k == 0:
                used, cap = u0, cap0
            if k == len(refresh_at) - 1:
                used, cap = u1, s.final_cap
            if k not in (0, len(refresh_at) - 1):  # keep the first the minimum
                while (cap - used) / cap * 100 < h0 + 0.05:
                    cap += 1
            windows.append((used, cap))
        cache: tuple[int, int] | None = None
        local_bids: list[tuple[float, float]] = []
        local_asks: list[tuple[float, float]] = []
        fills = iter(self.fills_plan)
        next_fill = next(fills, None)
        requotes = 0
        for i, t in enumerate(times):
            frac = i / max(n - 1, 1)
            mid = mid + rng.gauss(0.25, 4.0)
            mid = round(mid * 2) / 2  # allMids carry half-dollar mids
            while next_fill is not None and next_fill["t"] <= t:
                if next_fill["tracked"]:  # a tracked fill takes a resting order off the book
                    book = local_bids if next_fill["buy"] else local_asks
                    if book:
                        book.pop(0)
                next_fill = next(fills, None)
            pos = self.position_at(t)
            is_crossed = i in crossed
            if is_crossed:
                k = sorted(crossed).index(i)
                m0, m1 = s.microprice_range
                micro = round(m0 + (m1 - m0) * k / max(len(crossed) - 1, 1), 4)
            else:
                micro = mid * (1 + rng.gauss(0.00002, 0.00004))
            # ---- update_quotes (quote_cycle span) -------------------------------------------------
            requotes += 1
            if requotes % 100 == 0:
                # src/market_maker/orchestrator/quote_engine.rs:88@72976cd  (every 100 requotes)
                self.add(
                    t - 0.0009,
                    "INFO",
                    "Learning module health",
                    T_QUOTE_ENGINE,
                    qc,
                    overall="Good",
                    volatility="Good",
                    adverse_selection="Good",
                    fill_rate="Warning",
                    edge="Good",
                    pending_predictions=rng.randint(0, 3),
                )
                # src/market_maker/learning/mod.rs:409@72976cd
                self.add(
                    t - 0.0008,
                    "INFO",
                    "[Calibration] Model confidence tracker metrics",
                    T_CALIB,
                    qc,
                    vol_rmse=f"{rng.uniform(0.00002, 0.00008):.4f}",
                    vol_bias=f"{rng.uniform(-0.00003, 0.00003):.4f}",
                    as_rmse=f"{rng.uniform(0.5, 3.0):.2f}",
                    as_bias=f"{rng.uniform(-1.0, 1.0):.2f}",
                    edge_rmse=f"{rng.uniform(0.5, 3.0):.2f}",
                    edge_bias=f"{rng.uniform(-1.0, 1.0):.2f}",
                    n_edge_obs=sum(1 for f in self.fills_plan if f["tracked"] and f["t"] <= t),
                )
            if i in cp_cycles:
                # src/market_maker/control/mod.rs:380@72976cd  (act -> update_changepoint)
                self.add(t - 0.0007, "WARN", "Changepoint detected - resetting beliefs", T_CONTROL, qc)
            edge_mean = rng.gauss(0.4, 0.3)
            cp_prob = rng.random() * (0.6 if i in cp_cycles else 0.08)
            ev = edge_mean * 0.1
            action = (
                "Quote { ladder: Ladder { bids: [], asks: [] }, expected_value: "
                f"{debug_f64(round(ev, 6))} }}"
            )
            if requotes % 100 == 0:
                # src/market_maker/control/mod.rs:472@72976cd  (every 100 controller cycles)
                self.add(
                    t - 0.0006,
                    "INFO",
                    "Stochastic controller state",
                    T_CONTROL,
                    qc,
                    cycle=requotes,
                    position=f"{pos:.4f}",
                    time=f"{t / 86400:.3f}",
                    expected_edge=f"{edge_mean:.2f}bp",
                    uncertainty=f"{rng.uniform(0.8, 1.6):.2f}bp",
                    confidence=f"{rng.uniform(0.3, 0.8):.2f}",
                    learning_trust=f"{rng.uniform(0.6, 0.9):.2f}",
                    cp_prob=f"{cp_prob:.3f}",
                    expected_value=f"{ev:.4f}",
                    action=action,
                )
                # src/market_maker/control/mod.rs:487@72976cd
                self.add(
                    t - 0.0005,
                    "INFO",
                    "[Changepoint] BOCD state",
                    T_CP,
                    qc,
                    p_now=f"{cp_prob / 3:.4f}",
                    p_5=f"{cp_prob:.4f}",
                    p_10=f"{min(cp_prob * 1.5, 1):.4f}",
                    run_length=rng.randint(5, 90),
                    entropy=f"{rng.uniform(1.5, 3.5):.4f}",
                    detected=False,
                )
            size_fraction = round(rng.uniform(0.85, 1.0), 4)
            decision = (
                f"Quote {{ size_fraction: {debug_f64(size_fraction)}, confidence: "
                f"{debug_f64(round(rng.uniform(0.5, 0.95), 6))}, "
                f"expected_edge: {debug_f64(round(edge_mean, 6))} }}"
            )
            # src/market_maker/orchestrator/quote_engine.rs:523@72976cd  (explicit target layer3::trace)
            self.add(
                t,
                "INFO",
                "[Trace] L1->L2->L3 pipeline",
                T_TRACE,
                qc,
                l1_sigma=f"{0.00012 + rng.random() * 0.00005:.6f}",
                l1_kappa=f"{1800 + rng.random() * 400:.0f}",
                l1_micro=f"{micro:.2f}",
                l1_vol_regime="Normal",
                l2_edge_mean=f"{edge_mean:.2f}",
                l2_edge_std=f"{rng.uniform(0.9, 1.5):.2f}",
                l2_model_health="Good",
                l2_p_positive=f"{rng.uniform(0.5, 0.7):.3f}",
                l2_decision=decision[:40],
                l3_trust=f"{rng.uniform(0.6, 0.9):.2f}",
                l3_cp_prob=f"{cp_prob:.3f}",
                l3_action=action[:40],
                position=f"{pos:.4f}",
            )
            # ---- LadderStrategy::generate_ladder ----------------------------------------------------
            margin = acct - abs(pos) * mid / LEVERAGE + rng.gauss(0, 0.3) * (1 - frac)
            margin += (s.final_margin - raw_last) * frac if i < n - 1 else 0.0
            if i == n - 1:
                margin = s.final_margin
            mqc = margin * LEVERAGE / mid
            # src/market_maker/strategy/ladder_strat.rs:335@72976cd
            self.add(
                t + 0.0004,
                "INFO",
                "Quoting capacity: user max_position is for reduce-only only",
                T_LADDER_STRAT,
                qc,
                user_max_position=f"{self.max_position:.6f}",
                quoting_capacity=f"{mqc:.6f}",
                margin_quoting_capacity=f"{mqc:.6f}",
                margin_available=f"{margin:.2f}",
                leverage=f"{float(LEVERAGE):.1f}",
                effective_max_position=f"{mqc:.6f}",
            )
            kappa = 1800 + rng.random() * 400
            # src/market_maker/strategy/ladder_strat.rs:379@72976cd  (use_kappa_robust defaults to true)
            self.add(
                t + 0.0005,
                "INFO",
                "Ladder using ROBUST kappa (V3)",
                T_LADDER_STRAT,
                qc,
                kappa_robust=f"{kappa:.0f}",
                legacy_kappa=f"{kappa * rng.uniform(0.9, 1.1):.0f}",
                outlier_count=rng.randint(0, 12),
            )
            # src/market_maker/strategy/ladder_strat.rs:558@72976cd
            self.add(
                t + 0.0006,
                "INFO",
                "Ladder spread diagnostics (gamma includes book_depth + warmup scaling)",
                T_LADDER_STRAT,
                qc,
                gamma=f"{rng.uniform(0.28, 0.45):.3f}",
                kappa=f"{kappa:.1f}",
                sigma=f"{0.00012 + rng.random() * 0.00005:.6f}",
                optimal_spread_bps=f"{spreads[i] / 2 - 1.5:.2f}",
                effective_floor_bps=f"{rng.uniform(4.0, 6.0):.1f}",
                book_depth_usd=f"{rng.uniform(150000, 900000):.0f}",
                warmup_pct=f"{min(100.0, 20 + frac * 400):.0f}%",
                adaptive_mode=True,
            )
            inv = max(-1.0, min(1.0, pos / mqc)) if mqc > 0 else 0.0
            flow = rng.uniform(-0.4, 0.4)
            opposes = pos < 0 and rng.random() < 0.6
            urgency = rng.uniform(0.0, 0.9) if opposes else 0.0
            ask_w = min(0.75, max(0.25, 0.5 + (inv * 0.4) * 0.6 + flow * 0.3 * (1 - abs(inv)) * 0.3))
            usable = margin * 0.5
            # src/market_maker/strategy/ladder_strat.rs:655@72976cd
            self.add(
                t + 0.0007,
                "INFO",
                "Margin allocation (stochastic-weighted split)",
                T_LADDER_STRAT,
                qc,
                available_margin=f"{margin:.2f}",
                usable_margin=f"{usable:.2f}",
                utilization_pct="50%",
                inventory_ratio=f"{inv:.3f}",
                flow_imbalance=f"{flow:.3f}",
                position_opposes="true" if opposes else "false",
                urgency_score=f"{urgency:.2f}",
                margin_for_bids=f"{usable * (1 - ask_w):.2f}",
                margin_for_asks=f"{usable * ask_w:.2f}",
            )
            mms = 10.0 * 1.5 / micro
            ebid = cut_bid if rng.random() < 0.7 or i == 0 else cut_bid + rng.randint(1, 3)
            eask = cut_ask if rng.random() < 0.7 or i == 0 else cut_ask + rng.randint(1, 2)
            ebid, eask = min(ebid, s.num_levels - 1), min(eask, s.num_levels - 1)
            # src/market_maker/strategy/ladder_strat.rs:815@72976cd
            self.add(
                t + 0.0008,
                "WARN",
                "Reducing ladder levels due to tight exchange limits",
                T_LADDER_STRAT,
                qc,
                configured=s.num_levels,
                effective_bid=ebid,
                effective_ask=eask,
                available_bids=f"{(ebid + rng.uniform(0.05, 0.95)) * mms:.6f}",
                available_asks=f"{(eask + rng.uniform(0.05, 0.95)) * mms:.6f}",
                min_meaningful_size=f"{mms:.6f}",
            )
            bids = self._ladder(micro, ebid, +1)
            asks = self._ladder(micro, eask, -1)
            if is_crossed:
                # one level above the exchange mid after the skew: clamped to 1 bp below mid
                offset = micro * rng.uniform(-0.00004, -0.00001)
                crossed_px = _round_px(mid + rng.uniform(3, 40))
                # src/market_maker/quoting/ladder/generator.rs:828@72976cd  (Ladder::generate -> skew check)
                self.add(
                    t + 0.0009,
                    "ERROR",
                    "CRITICAL: Bid crossed market mid - adjusting to 1bp below",
                    T_GENERATOR,
                    qc,
                    bid_price=f"{crossed_px:.4f}",
                    market_mid=f"{mid:.4f}",
                    microprice=f"{micro:.4f}",
                    offset=f"{offset:.6f}",
                )
                bids = [(_round_px(mid * 0.9999), bids[0][1])] + [b for b in bids[1:] if b[0] < mid]
                bids = (bids + self._ladder(mid, ebid, +1))[:ebid]
            for side_name, levels in (("bids", bids), ("asks", asks)):
                active = len(levels)
                # src/market_maker/strategy/ladder_strat.rs:921 (bids) / :1024 (asks) @72976cd
                self.add(
                    t + 0.0010,
                    "INFO",
                    f"Entropy optimizer applied to {side_name}",
                    T_LADDER_STRAT,
                    qc,
                    entropy=f"{math.log(active) * rng.uniform(0.85, 0.97):.3f}",
                    effective_levels=f"{active * rng.uniform(0.55, 0.8):.1f}",
                    entropy_floor_active=False,
                    active_levels=active,
                )
            # ---- reconcile_ladder_smart --------------------------------------------------------------
            spread = spreads[i]
            if is_crossed:
                bid_px = bids[0][0]
                ask_px = asks[0][0]
            else:
                half = spread / 2 + rng.choice((-0.3, 0.0, 0.3))
                bid_px = _round_px(mid * (1 - half / 1e4))
                width = round(spread * mid / 1e4)
                mid_try = mid
                while True:  # integer prices: find the ask that renders the target spread
                    cands = [
                        w
                        for w in (width - 1, width, width + 1)
                        if f"{w / mid_try * 1e4:.1f}" == f"{spread:.1f}"
                    ]
                    if cands:
                        break
                    mid_try += 0.5
                mid = mid_try
                bid_px = _round_px(mid * (1 - half / 1e4))
                ask_px = bid_px + cands[0]
                bids = [(bid_px, bids[0][1])] + [(px - (bids[0][0] - bid_px), sz) for px, sz in bids[1:]]
                asks = [(ask_px, asks[0][1])] + [(px - (asks[0][0] - ask_px), sz) for px, sz in asks[1:]]
            bd = (mid - bid_px) / mid * 10000.0
            ad = (ask_px - mid) / mid * 10000.0
            # src/market_maker/orchestrator/reconcile.rs:584@72976cd
            self.add(
                t + 0.0012,
                "INFO",
                "Quote positions vs market",
                T_RECONCILE,
                qc,
                market_mid=f"{mid:.4f}",
                our_bid=f"{bid_px:.4f}",
                our_ask=f"{ask_px:.4f}",
                bid_from_mid_bps=f"{bd:.1f}",
                ask_from_mid_bps=f"{ad:.1f}",
                total_spread_bps=f"{bd + ad:.1f}",
            )
            self.last_mid = mid

            def fmt(levels: list[tuple[float, float]], sort: bool = False) -> str:
                lv = sorted(levels, key=lambda x: -x[0]) if sort else levels
                return ", ".join(f"{p:.4f}@{z:.4f}" for p, z in lv)

            # src/market_maker/orchestrator/reconcile.rs:628@72976cd
            self.add(
                t + 0.0013,
                "INFO",
                "[Reconcile] Order counts (local vs exchange)",
                T_RECONCILE,
                qc,
                local_bids=len(local_bids),
                local_asks=len(local_asks),
                ws_bids=len(local_bids),
                ws_asks=len(local_asks),
                target_bid_levels=len(bids),
                target_ask_levels=len(asks),
            )
            # src/market_maker/orchestrator/reconcile.rs:640@72976cd
            self.add(
                t + 0.0014,
                "INFO",
                "[Reconcile] BID levels (price@size)",
                T_RECONCILE,
                qc,
                local=fmt(local_bids, True),
                ws=fmt(local_bids, True),
                ladder=fmt(bids),
            )
            # src/market_maker/orchestrator/reconcile.rs:646@72976cd
            self.add(
                t + 0.0015,
                "INFO",
                "[Reconcile] ASK levels (price@size)",
                T_RECONCILE,
                qc,
                local=fmt(local_asks, True),
                ws=fmt(local_asks, True),
                ladder=fmt(asks),
            )
            tp = t + 0.0016
            if not local_bids and not local_asks:
                # src/market_maker/orchestrator/reconcile.rs:661@72976cd
                self.add(
                    tp,
                    "WARN",
                    "EMPTY LADDER DETECTED - forcing immediate replenishment (bypassing all checks)",
                    T_RECONCILE,
                    qc,
                    target_bids=len(bids),
                    target_asks=len(asks),
                )
                tp = self.place(tp, "bid", bids)
                tp = self.place(tp, "ask", asks)
                # src/market_maker/orchestrator/reconcile.rs:685@72976cd
                self.add(
                    tp,
                    "INFO",
                    "[Reconcile] Empty ladder recovery complete",
                    T_RECONCILE,
                    qc,
                    placed=len(bids) + len(asks),
                )
                local_bids, local_asks = list(bids), list(asks)
                continue
            if i in drift_at:
                bdr, adr = drift_at[i]
                # src/market_maker/orchestrator/reconcile.rs:733@72976cd
                self.add(
                    tp,
                    "WARN",
                    "[Reconcile] Large price drift detected! Forcing full cancel + replace",
                    T_RECONCILE,
                    qc,
                    bid_drift_bps=f"{bdr:.1f}",
                    ask_drift_bps=f"{adr:.1f}",
                    threshold_bps=100.0,
                )
                n_cancel = len(local_bids) + len(local_asks)
                # src/market_maker/infra/executor.rs:803@72976cd  (initiate_bulk_cancel -> cancel_bulk_orders)
                self.add(tp + 0.0001, "INFO", f"Bulk cancelling {n_cancel} orders", T_EXECUTOR, qc)
                # src/market_maker/orchestrator/reconcile.rs:749@72976cd
                self.add(
                    tp + 0.09 + rng.random() * 0.05,
                    "INFO",
                    "[Reconcile] Cancelled all stale orders due to drift",
                    T_RECONCILE,
                    qc,
                    cancelled=n_cancel,
                )
                tp = self.place(tp + 0.15, "bid", bids)
                tp = self.place(tp, "ask", asks)
                # src/market_maker/orchestrator/reconcile.rs:770@72976cd
                self.add(
                    tp,
                    "INFO",
                    "[Reconcile] Placed new orders after drift correction",
                    T_RECONCILE,
                    qc,
                    bid_targets=len(bids),
                    ask_targets=len(asks),
                )
                local_bids, local_asks = list(bids), list(asks)
                continue
            if i in refresh_at:
                cache = windows[refresh_at.index(i)]
            assert cache is not None
            used, cap = cache
            # src/market_maker/orchestrator/reconcile.rs:821@72976cd  (impulse control on by default)
            self.add(
                tp,
                "WARN",
                "Exchange rate limit low (<5% headroom) - throttling reconciliation",
                T_RECONCILE,
                qc,
                headroom_pct=f"{(cap - used) / cap * 100:.1f}%",
                used=used,
                cap=cap,
            )
        self.final_local = len(local_bids) + len(local_asks)

    def place(self, t: float, side: str, levels: list[tuple[float, float]]) -> float:
        """``place_bulk_ladder_orders`` for one side, ending with the executor's bulk placement."""
        rng = self.rng
        qc = [self.qc]
        n = len(levels)
        avail = (n + rng.uniform(0.2, 0.9)) * 0.000235
        # src/market_maker/orchestrator/reconcile.rs:1395@72976cd
        self.add(
            t,
            "INFO",
            "[PlaceBulk] Entering place_bulk_ladder_orders",
            T_RECONCILE,
            qc,
            side=side,
            input_orders=n,
            total_available=f"{avail:.6f}",
            limits_initialized=True,
        )
        # src/market_maker/orchestrator/reconcile.rs:1509@72976cd
        self.add(
            t + 0.0002,
            "INFO",
            "[PlaceBulk] Order filtering complete",
            T_RECONCILE,
            qc,
            side=side,
            input_orders=n,
            orders_passed_filter=n,
            orders_filtered_out=0,
            orders_blocked_by_capacity=0,
            cumulative_size=f"{sum(z for _, z in levels):.6f}",
            total_available=f"{avail:.6f}",
        )
        t2 = t + 0.12 + rng.random() * 0.15
        # src/market_maker/infra/executor.rs:580@72976cd  (order_placement span in quote_cycle)
        # -> the order-placement marker: orders are on the exchange
        self.add(
            t2,
            "INFO",
            "Bulk order placed",
            T_EXECUTOR,
            [self.qc, {"name": "order_placement", "count": n, "asset": self.s.asset}],
            resting=n,
            filled=0,
            errors=0,
        )
        self.orders_placed.append((t2, n))
        return t2 + 0.0003

    # -- periodic tasks --------------------------------------------------------------------------
    def periodic(self, loop_start: float, first_quote: float, stop: float) -> None:
        s, rng = self.s, self.rng
        ss = [self.ss]
        syncs = []
        t = loop_start + 15.0  # interval(15 s), first tick skipped (event_loop.rs:378-380)
        while t < stop:
            syncs.append(t + rng.random() * 0.05)
            t += 15.0
        eligible = [k for k, st in enumerate(syncs) if st > first_quote + 1]
        mismatch_at = set(rng.sample(eligible, min(s.safety_mismatches, len(eligible))))
        for k, t in enumerate(syncs):
            quoting = t > first_quote
            local = rng.randint(24, 32) if quoting else 0
            snap = local if k not in mismatch_at else local + rng.randint(1, 3)
            # src/market_maker/orchestrator/recovery.rs:219@72976cd  (safety_sync span; u128 age)
            self.add(
                t + 0.18,
                "INFO",
                "[SafetySync] Order state (OrderManager is source of truth)",
                T_RECOVERY,
                ss,
                local_count=local,
                snapshot_count=snap if quoting else 0,
                snapshot_age_ms=str(rng.randint(200, 2500)),
                orphans_in_snapshot=0,
                orders_not_in_snapshot=0,
            )
            if k in mismatch_at:
                # src/market_maker/safety/auditor.rs:168@72976cd  (log_sync_status, safety_sync span)
                self.add(
                    t + 0.181,
                    "WARN",
                    f"[SafetySync] State mismatch: exchange={snap}, local_active={local}",
                    T_AUDITOR,
                    ss,
                )
        t = self.metrics_t0
        while t < stop:
            tracked = [f for f in self.fills_plan if f["tracked"] and f["t"] <= t]
            placed = sum(c for pt, c in self.orders_placed if pt <= t)
            # MarketMakerMetrics: position stored as (position * 1e8) as i64, read back / 1e8
            pos = int(self.position_at(t, tracked_only=True) * 1e8) / 1e8 if tracked else 0.0
            # src/bin/market_maker.rs:656@72976cd  (tokio interval 60 s, first tick immediate)
            self.add(
                t,
                "INFO",
                "Market maker metrics",
                BIN,
                orders_placed=placed,
                orders_cancelled=max(0, placed - self.resting_estimate(t)),
                orders_filled=len(tracked),
                volume_bought=int(sum(f["size"] for f in tracked if f["buy"]) * 1e8) / 1e8,
                volume_sold=int(sum(f["size"] for f in tracked if not f["buy"]) * 1e8) / 1e8,
                position=pos,
                uptime_secs=int(t - self.metrics_t0),
            )
            t += 60.0

    def resting_estimate(self, t: float) -> int:
        last = [c for pt, c in self.orders_placed if pt <= t]
        return sum(last[-2:]) if last else 0

    # -- shutdown --------------------------------------------------------------------------------
    def shutdown(self, t: float, mismatch: bool) -> None:
        s, rng = self.s, self.rng
        end = self.duration
        mid = self.last_mid
        pos = self.position_at(t)
        # src/market_maker/orchestrator/event_loop.rs:402@72976cd  (signal task)
        self.add(t, "INFO", "Shutdown signal received (SIGINT/Ctrl+C)", T_EVENT_LOOP)
        # src/market_maker/orchestrator/event_loop.rs:421@72976cd
        self.add(t + 0.03, "INFO", "Shutdown flag detected, initiating graceful shutdown...", T_EVENT_LOOP)
        # src/market_maker/orchestrator/event_loop.rs:628@72976cd
        self.add(t + 0.0301, "INFO", "Initiating graceful shutdown (5 second timeout)...", T_EVENT_LOOP)
        # src/market_maker/orchestrator/recovery.rs:19@72976cd
        self.add(t + 0.0302, "INFO", "=== GRACEFUL SHUTDOWN INITIATED ===", T_RECOVERY)
        # src/market_maker/orchestrator/recovery.rs:27@72976cd
        self.add(
            t + 0.0303,
            "INFO",
            "Final position state",
            T_RECOVERY,
            position=f"{pos:.6f}",
            mid_price=f"{mid:.2f}",
            position_value=f"${abs(pos) * mid:.2f}",
        )
        # src/market_maker/orchestrator/recovery.rs:41@72976cd
        self.add(
            t + 0.0304,
            "INFO",
            "Kill switch was NOT triggered",
            T_RECOVERY,
            daily_pnl=f"${s.last_tracked_pnl:.2f}",  # PnL tracker total, as on the last [Fill] line
            max_drawdown=f"{rng.uniform(0.5, 2.5):.1f}%",
        )
        # src/market_maker/orchestrator/recovery.rs:50@72976cd
        self.add(
            t + 0.0305,
            "INFO",
            "Adverse selection summary",
            T_RECOVERY,
            fills_measured=s.tracked_fills,
            realized_as_bps=f"{rng.uniform(0.5, 2.5):.4f}",
            spread_adjustment_bps=f"{0.0:.4f}",
        )
        # src/market_maker/orchestrator/recovery.rs:58@72976cd
        self.add(
            t + 0.0306,
            "INFO",
            "Liquidation cascade summary",
            T_RECOVERY,
            total_liquidations=0,
            cascade_severity="0.00",
        )
        n_orders = max(self.final_local, 1)
        tt = t + 0.25 + rng.random() * 0.1
        if mismatch:
            # src/market_maker/orchestrator/recovery.rs:102@72976cd
            self.add(
                tt,
                "WARN",
                "Order count mismatch detected at shutdown",
                T_RECOVERY,
                exchange=n_orders + 1,
                local=n_orders,
            )
            n_orders += 1
        # src/market_maker/orchestrator/recovery.rs:113@72976cd
        self.add(
            tt + 0.0001, "INFO", f"Bulk cancelling {n_orders} resting orders (from exchange)...", T_RECOVERY
        )
        # src/market_maker/infra/executor.rs:803@72976cd
        self.add(tt + 0.0002, "INFO", f"Bulk cancelling {n_orders} orders", T_EXECUTOR)
        # src/market_maker/orchestrator/recovery.rs:138@72976cd
        self.add(end - 0.004, "INFO", "Bulk cancel completed", T_RECOVERY, total=n_orders, cancelled=n_orders)
        # src/market_maker/orchestrator/recovery.rs:145@72976cd
        self.add(end - 0.003, "INFO", "=== GRACEFUL SHUTDOWN COMPLETE ===", T_RECOVERY)
        # src/market_maker/orchestrator/event_loop.rs:631@72976cd
        self.add(end - 0.002, "INFO", "Graceful shutdown completed successfully", T_EVENT_LOOP)
        # src/market_maker/orchestrator/event_loop.rs:643@72976cd
        self.add(end, "INFO", "Market maker stopped.", T_EVENT_LOOP)

    # -- assembly --------------------------------------------------------------------------------
    def build(self) -> list[str]:
        s, rng = self.s, self.rng
        self.orders_placed: list[tuple[float, int]] = []
        self.last_mid = s.crossed_mid
        loop_start = self.startup()
        first_quote = self.warmup(loop_start)
        stop = self.duration - 0.45
        # WARN/ERROR budget: 2 per cycle (ladder cut + throttle) except the first cycle (empty-ladder
        # placement) and the drift cycles, which have no throttle WARN
        others = (
            s.warmup_incomplete_warns
            + s.untracked_fills
            + s.crossed_mid_errors
            + s.drift_events
            + s.safety_mismatches
            + s.changepoints
            + 1  # EMPTY LADDER DETECTED
        )
        rest = s.warn_error_total - others + 1 + s.drift_events
        mismatch = rest % 2 == 1
        if mismatch:
            rest -= 1
        n = rest // 2
        if n < s.crossed_mid_errors + s.drift_events + 2:
            raise ValueError("warn_error_total too small for the other warnings of this session")
        self.plan_fills(first_quote + 20, stop - 5)
        # drift corrections: the first right after the microprice divergence, the rest spread out
        lo, hi = s.drift_range_bps
        pool = list(range(s.crossed_mid_errors + 1, n))
        drift_idx = (
            [s.crossed_mid_errors] + sorted(rng.sample(pool, s.drift_events - 1)) if s.drift_events else []
        )
        values = [hi, lo] + [round(rng.uniform(lo, hi), 1) for _ in range(max(s.drift_events - 2, 0))]
        values = values[: s.drift_events]
        drift_at: dict[int, tuple[float, float]] = {}
        for k, (ci, v) in enumerate(zip(drift_idx, values, strict=True)):
            other = round(rng.uniform(5, min(v, 95)), 1)
            # right after the divergence the asks placed at the high microprice are the far ones
            drift_at[ci] = (other, v) if k == 0 or rng.random() < 0.5 else (v, other)
        self.cycles(first_quote, stop - 0.6, n, drift_at)
        self.emit_fills()
        self.periodic(loop_start, first_quote, stop)
        self.shutdown(stop, mismatch)
        self.lines.sort(key=lambda ln: (ln.t, ln.seq))
        return [ln.render(s.start) for ln in self.lines]


def jan_log_lines(session: JanSession | None = None) -> list[str]:
    """The log's lines (without newlines), in write order."""
    return _Builder(session or JanSession()).build()


def write_jan_log(path: Path | str, session: JanSession | None = None) -> JanSession:
    """Write the log to ``path`` (``\\n``-terminated JSON lines); return the figures it carries."""
    session = session or JanSession()
    Path(path).write_text("".join(line + "\n" for line in jan_log_lines(session)), encoding="utf-8")
    return session


_FILL = re.compile(
    r"^\[Fill\] (bought|sold) (\S+) \S+ \| oid=\d+ tid=\d+ \| position: (\S+) \| AS: \S+bps \| P&L: \$(\S+)$"
)
_UNTRACKED = re.compile(
    r"^\[Fill\] Untracked order filled: .*? (bought|sold) (\S+) \S+ \| position updated to (\S+)$"
)
_WARMUP = re.compile(r"^Warming up: (\d+)/(\d+) volume ticks")


def jan_truth(lines: list[str], source: str = "") -> dict[str, Any]:
    """The figures of the log, counted from its lines (a check of the generator, not its parameters)."""
    ev = [json.loads(x) for x in lines]
    msgs = [e["fields"]["message"] for e in ev]
    levels = [e["level"] for e in ev]

    def where(pred: Any) -> list[dict[str, Any]]:
        return [e for e in ev if pred(e["fields"]["message"])]

    tracked = [_FILL.match(m) for m in msgs if _FILL.match(m)]
    untracked = [_UNTRACKED.match(m) for m in msgs if _UNTRACKED.match(m)]
    fills_seq = [
        (_FILL.match(m) or _UNTRACKED.match(m)) for m in msgs if _FILL.match(m) or _UNTRACKED.match(m)
    ]
    crossed = where(
        lambda m: (
            m.startswith("CRITICAL: Bid crossed market mid")
            or m.startswith("CRITICAL: Ask crossed market mid")
        )
    )
    drift = where(lambda m: m == "[Reconcile] Large price drift detected! Forcing full cancel + replace")
    drift_max = [max(float(e["fields"]["bid_drift_bps"]), float(e["fields"]["ask_drift_bps"])) for e in drift]
    throttle = where(lambda m: m.startswith("Exchange rate limit low (<5% headroom)"))
    ladder_cut = where(lambda m: m == "Reducing ladder levels due to tight exchange limits")
    configured = where(lambda m: m == "Using LadderStrategy (multi-level GLFT)")
    capital = where(lambda m: m.startswith("Capital-efficient position limits"))
    capacity = where(lambda m: m == "Quoting capacity: user max_position is for reduce-only only")
    final_state = where(lambda m: m == "Final position state")
    placed_idx = next(i for i, m in enumerate(msgs) if m == "Bulk order placed")
    warm_before = [_WARMUP.match(m) for m in msgs[:placed_idx] if _WARMUP.match(m)]
    begin = next(e for e in ev if e["fields"]["message"] == "Starting market maker")
    session = {
        "mode": "live",
        "asset": begin["fields"]["asset"],
        "network": begin["fields"]["network"].lower(),
        "started_at": ev[0]["timestamp"],
        "ended_at": ev[-1]["timestamp"],
        "end": "graceful" if msgs[-1] == "Market maker stopped." else "abrupt",
        "lines": {
            "events": len(ev),
            "info": levels.count("INFO"),
            "warn": levels.count("WARN"),
            "error": levels.count("ERROR"),
            "debug": levels.count("DEBUG"),
        },
        "fills": {
            "total": len(tracked) + len(untracked),
            "tracked": len(tracked),
            "untracked": len(untracked),
            "buys": sum(1 for m in fills_seq if m.group(1) == "bought"),
            "sells": sum(1 for m in fills_seq if m.group(1) == "sold"),
            "tracked_pnl_usd": float(tracked[-1].group(4)) if tracked else None,
        },
        "account": {
            "initial_value": float(capital[0]["fields"]["account_value"]) if capital else None,
            "final_free_margin": float(capacity[-1]["fields"]["margin_available"]) if capacity else None,
        },
        "position": {
            "final": round(float(fills_seq[-1].group(3)), 8) if fills_seq else None,
            "at_shutdown": float(final_state[-1]["fields"]["position"]) if final_state else None,
        },
        "price": {
            "crossed_mid_errors": len(crossed),
            "max_microprice_mid_bps": round(
                max(
                    (float(e["fields"]["microprice"]) - float(e["fields"]["market_mid"]))
                    / float(e["fields"]["market_mid"])
                    * 1e4
                    for e in crossed
                ),
                1,
            )
            if crossed
            else None,
        },
        "drift": {
            "events": len(drift),
            "min_bps": min(drift_max) if drift_max else None,
            "max_bps": max(drift_max) if drift_max else None,
        },
        "rate_limit": {
            "min_headroom_pct": min(float(e["fields"]["headroom_pct"].rstrip("%")) for e in throttle)
            if throttle
            else None,
            "throttle_warnings": len(throttle),
            "min_used": min(e["fields"]["used"] for e in throttle) if throttle else None,
            "max_used": max(e["fields"]["used"] for e in throttle) if throttle else None,
            "cap": throttle[-1]["fields"]["cap"] if throttle else None,
        },
        "ladder": {
            "configured_levels": configured[0]["fields"]["num_levels"] if configured else None,
            "min_effective_bid": min(e["fields"]["effective_bid"] for e in ladder_cut)
            if ladder_cut
            else None,
            "min_effective_ask": min(e["fields"]["effective_ask"] for e in ladder_cut)
            if ladder_cut
            else None,
        },
        "warmup": {
            "first_quote_volume_ticks": int(warm_before[-1].group(1)) if warm_before else None,
            "required_volume_ticks": int(warm_before[-1].group(2)) if warm_before else None,
            "first_quote_ts": ev[placed_idx]["timestamp"],
            "first_quote_line": placed_idx + 1,
        },
        "kill_switch": {
            "triggered": any(m.startswith("KILL SWITCH TRIGGERED") for m in msgs)
            or "Kill switch was triggered during session" in msgs
        },
        "safety_sync": {"mismatches": sum(1 for m in msgs if m.startswith("[SafetySync] State mismatch:"))},
    }
    return {"source": source, "commit": COMMIT, "sessions": [session]}


def truth_path(log_path: Path | str) -> Path:
    p = Path(log_path)
    return p.with_name((p.name[:-4] if p.name.endswith(".log") else p.name) + ".truth.json")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: python -m tests.jan_log PATH", file=sys.stderr)
        sys.exit(2)
    out = Path(sys.argv[1])
    write_jan_log(out)
    src = out.as_posix()
    src = src[src.index("samples/") :] if "samples/" in src else out.name
    truth = jan_truth(out.read_text(encoding="utf-8").splitlines(), src)
    truth_path(out).write_text(json.dumps(truth, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
