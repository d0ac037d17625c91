"""Build a March-2026-format bot log (``market_maker`` at 6c17115) of one ``scripts/test_hip3.sh`` run.

``scripts/test_hip3.sh HYPE hyna 3600 hip3`` starts ``market_maker --config market_maker_live.toml
--network mainnet --asset HYPE --dex hyna --spread-profile hip3
--log-file logs/mm_hip3_hyna_HYPE_hip3_<ts>.log``
without ``--force``. No calibrated prior exists yet, so ``main`` (src/bin/market_maker.rs:928-1025) first runs
``run_paper_mode(&cli, cli.calibration_duration)`` (default 1800 s; the script has no way to change it). That
function calls ``setup_logging`` itself (bin:2591), so the log file is opened by the paper run; the live run's
``setup_logging`` returns early because ``LOG_GUARDS`` is already set (bin:2422), and both runs go to one
file.

Two sessions, in write order:

* **paper** (observation loop, ``MarketMaker::run``): start-up lines of ``run_paper_mode``; the warm-up
  (``Observation phase`` / ``CalibrationGate`` / ``Startup → Quoting: TIMEOUT forced``); quote cycles;
  ``[SIM] Fill decided`` for every simulated fill, each followed by the same ``[Fill] bought/sold …`` line a
  live fill writes (the paper environment turns simulated fills into ``UserFills`` observations that go
  through ``FillProcessor``); ``[EDGE RESOLVED]``; every 30 s the analytics trio with ``[PnL] session
  decomposition``. After 1800 s ``tokio::time::timeout`` drops ``run()``'s future, so the paper run never
  prints ``Initiating graceful shutdown`` nor ``Market maker stopped.``; ``run_paper_mode`` then prints
  ``Paper trading duration elapsed, extracting prior...``, runs ``shutdown()`` (close-on-exit included) and
  prints ``Prior readiness assessed`` and ``Paper prior saved (canonical path)``.
* **live** (``MarketMaker::start``): the bin start-up sequence (HIP-3 line instead of the standard validator
  line, leverage, price precision, ``Starting market maker (None values will be auto-derived)``, capacity,
  trading parameters, ladder, kill switch, feeds, ``Injected paper prior into live state …``), warm-up,
  quoting with real fills, and a Ctrl+C shutdown that closes the short position.

Every template carries a ``# path:line@6c17115`` comment (the line of the macro's message literal or of the
macro). Field names, JSON types (``%x``/``?x`` → string, raw integers/floats/bools → JSON numbers/bools),
targets and spans follow the call sites; spans are ``quote_cycle`` {asset} (``#[instrument]`` on
``update_quotes``, so every event the cycle reaches, ladder strategy included), ``order_placement``
{asset, count} nested in it (``HyperliquidExecutor::place_bulk_orders``), ``safety_sync`` {asset} and
``fill_processing`` {oid, side, tid}.

The truth file records figures counted or read back from the emitted lines (see :func:`truth`); two
derived figures need a definition: ``edge.toxic_share`` = share of ``[EDGE RESOLVED]`` lines whose
``edge_bps`` is negative, and ``warmup.first_quote_*`` = first cycle that puts orders on the book (live:
first ``Bulk order placed`` line; paper, whose simulated executor writes no placement line at INFO: the
first ``cycle_summary`` without ``blocking`` and with resting orders).

Use: ``python -m tests.mar_log PATH`` writes PATH and ``PATH`` with ``.log`` replaced by ``.truth.json``.
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

COMMIT = "6c17115"
BIN = "market_maker"
MM = "hyperliquid_rust_sdk::market_maker"
EV = f"{MM}::orchestrator::event_loop"
QE = f"{MM}::orchestrator::quote_engine"
RC = f"{MM}::orchestrator::reconcile"
REC = f"{MM}::orchestrator::recovery"
HD = f"{MM}::orchestrator::handlers"
DG = f"{MM}::orchestrator::diagnosis"
LS = f"{MM}::strategy::ladder_strat"
EX = f"{MM}::infra::executor"
FP = f"{MM}::fills::processor"


@dataclass(frozen=True)
class MarSession:
    """Inputs of the generated run (mainnet, hyna:HYPE, market_maker_live.toml, profile hip3)."""

    seed: int = 20260313
    base: str = "HYPE"
    dex: str = "hyna"
    file_stamp: str = "2026-03-13_09-00-00"  # test_hip3.sh's $(date +%Y-%m-%d_%H-%M-%S), host clock in UTC
    start: datetime = datetime(2026, 3, 13, 9, 0, 9, 318402, tzinfo=UTC)  # after build + Enter prompt
    paper_duration_s: int = 1800  # --calibration-duration default (bin:286); the script cannot pass it
    paper_balance: float = 1000.0  # --paper-balance default (bin:296)
    live_seconds: float = 1032.0  # live run from its first line to Ctrl+C (~17 min)
    max_leverage: int = 5  # hyna:HYPE asset metadata (isolated only)
    sz_decimals: int = 2
    capital_usd: float = 100.0  # market_maker_live.toml [trading] capital_usd
    spot_usde: float = 54.0  # HIP-3 account value = USDE spot total (bin:1425-1443)
    paper_mid0: float = 29.812
    live_mid0: float = 29.946
    live_mid_end: float = 30.318  # rising price during the live run
    live_final_position: float = -3.2  # short at Ctrl+C (< 75% of max_position, so no threshold WARN)
    live_tracked_fills: int = 21  # incl. the cancel-race fill
    live_untracked_fills: int = 2
    paper_fills: int = 34
    bbo_filtered: int = 10  # all "BBO crossing: filtered" WARNs, incl. the ones before a skip
    bbo_skipped: int = 2
    drift_events: int = 3
    rate_exhausted: int = 2
    safety_mismatches: int = 3
    paper_cycle_s: float = 10.0
    live_cycle_s: float = 4.6

    @property
    def coin(self) -> str:
        return f"{self.dex}:{self.base}"

    @property
    def log_name(self) -> str:
        return f"mm_hip3_{self.dex}_{self.base}_hip3_{self.file_stamp}.log"


# ------------------------------------------------------------------------------------------------
def _money(x: float) -> str:
    return f"${x:.2f}"


class _Book:
    """P&L bookkeeping of one session (average cost; realized is net of fees)."""

    def __init__(self) -> None:
        self.pos = 0.0
        self.avg = 0.0
        self.realized = 0.0
        self.fees = 0.0
        self.spread_capture = 0.0
        self.adverse = 0.0
        self.fills = 0

    def fill(self, is_buy: bool, px: float, sz: float, mid: float, fee_bps: float = 1.5) -> None:
        d = 1.0 if is_buy else -1.0
        fee = px * sz * fee_bps / 1e4
        self.fees += fee
        self.realized -= fee
        self.spread_capture += sz * abs(px - mid)
        self.fills += 1
        if self.pos == 0 or (self.pos > 0) == is_buy:
            new = self.pos + d * sz
            self.avg = (self.avg * abs(self.pos) + px * sz) / abs(new)
            self.pos = new
            return
        close = min(sz, abs(self.pos))
        self.realized += close * (px - self.avg) * (1 if self.pos > 0 else -1)
        rest = sz - close
        self.pos = round(self.pos + d * close, 8)
        if abs(self.pos) < 1e-9:
            self.pos, self.avg = 0.0, 0.0
        if rest > 1e-9:
            self.pos, self.avg = d * rest, px

    def unrealized(self, mid: float) -> float:
        return self.pos * (mid - self.avg) if self.pos else 0.0

    def total(self, mid: float) -> float:
        return self.realized + self.unrealized(mid)


class _Builder:
    def __init__(self, s: MarSession) -> None:
        self.s = s
        self.rng = random.Random(s.seed)
        self.lines: list[Line] = []
        self.qc = {"name": "quote_cycle", "asset": s.coin}
        self.ss = {"name": "safety_sync", "asset": s.coin}
        self.session_bounds: list[tuple[str, float, float]] = []
        self.oid_live = 45_872_310_114
        self.periodic_count = 0  # PERIODIC_COUNTER is a process-wide static (handlers.rs:2713)

    def add(
        self, t: float, level: str, message: str, target: str, spans: list | None = None, **f: Any
    ) -> None:
        self.lines.append(Line(t, level, message, target, f, list(spans or []), len(self.lines)))

    # -- market ------------------------------------------------------------------------------------
    def price_path(self, t0: float, t1: float, p0: float, p1: float | None, vol: float) -> list[float]:
        """One mid per second from t0 to t1 (a bridge to p1 when given); 3 decimals like HYPE prices."""
        n = int(t1 - t0) + 2
        walk = [0.0]
        for _ in range(n - 1):
            walk.append(walk[-1] + self.rng.gauss(0, vol))
        if p1 is not None:
            walk = [w - walk[-1] * i / (n - 1) + (p1 - p0) * i / (n - 1) for i, w in enumerate(walk)]
        return [round(p0 + w, 3) for w in walk]

    def mid(self, t: float) -> float:
        t0, path = self.path_t0, self.path
        i = min(max(int(t - t0), 0), len(path) - 1)
        return path[i]

    # -- paper run ---------------------------------------------------------------------------------
    def paper_startup(self) -> float:
        s, b = self.s, self.s.base
        mark = s.paper_mid0
        lev = s.max_leverage
        self.paper_max = s.paper_balance * lev * 0.5 / mark
        min_order = 10.0 * 1.15 / mark
        target = min(max(self.paper_max * 0.30, min_order * 5.0), self.paper_max)
        levels = math.floor(self.paper_max * mark / 2.0 / 11.5)
        t = 0.0
        # src/bin/market_maker.rs:2700@6c17115
        self.add(
            t,
            "INFO",
            "Paper auto-derive (same pipeline as live)",
            BIN,
            paper_balance=_money(s.paper_balance),
            mark_px=_money(mark),
            derived_max_position=f"{self.paper_max:.4f}",
            capital_tier="Large",
            viable_levels=levels,
            derived_target_liquidity=f"{target:.4f}",
            derived_risk_aversion="0.150",
        )
        # src/bin/market_maker.rs:2821@6c17115
        self.add(
            t + 0.412,
            "INFO",
            "Starting paper trading mode (auto-derived)",
            BIN,
            asset=s.coin,
            duration_s=s.paper_duration_s,
            paper_balance=_money(s.paper_balance),
            max_position=f"{self.paper_max:.4f}",
            target_liquidity=f"{target:.4f}",
            risk_aversion="0.150",
            decimals=6 - s.sz_decimals,
        )
        # src/bin/market_maker.rs:2831@6c17115
        self.add(
            t + 0.4121,
            "INFO",
            "Paper: Using HIP-3 RiskConfig for tighter spreads",
            BIN,
            spread_profile="hip3",
            gamma_base=0.15,
            fee_bps="1.5",
        )
        # src/bin/market_maker.rs:2882@6c17115
        self.add(
            t + 0.4123,
            "INFO",
            "Paper: LadderStrategy config",
            BIN,
            gamma_base=0.15,
            maker_fee_rate=0.00015,
            fee_bps="1.5",
            spread_profile="Hip3",
        )
        # src/bin/market_maker.rs:2913@6c17115
        self.add(
            t + 0.4127,
            "INFO",
            "Paper: Using HIP-3 kappa prior",
            BIN,
            spread_profile="hip3",
            kappa_prior=1500.0,
        )
        # src/bin/market_maker.rs:3000@6c17115
        self.add(t + 0.431, "INFO", "Paper: HL perp lead-lag feed active", BIN, asset=s.coin, perp_coin=b)
        # src/bin/market_maker.rs:3014@6c17115
        self.add(t + 0.4312, "INFO", "Paper: BTC systematic risk feed active", BIN)
        self.feed_connects(t + 0.4313, [b, "BTC"])
        # src/bin/market_maker.rs:3022@6c17115
        self.add(t + 0.4315, "INFO", "Paper: Changepoint detector set to ThinDex regime", BIN)
        # src/market_maker/infra/exchange_limits.rs:124@6c17115
        self.add(
            t + 0.4316,
            "INFO",
            "Exchange limits initialized for paper trading",
            f"{MM}::infra::exchange_limits",
            max_position=f"{self.paper_max:.6f}",
        )
        # src/bin/market_maker.rs:3083@6c17115
        self.add(
            t + 0.4331,
            "INFO",
            "Starting dashboard + metrics server",
            BIN,
            port=9090,
            bind="127.0.0.1",
            mode="paper",
        )
        # src/bin/market_maker.rs:3101@6c17115
        self.add(t + 0.4319, "INFO", "Paper trading with time limit", BIN, duration_s=s.paper_duration_s)
        t_run = 0.4320
        # src/market_maker/orchestrator/event_loop.rs:878@6c17115
        self.add(
            t_run + 0.55,
            "INFO",
            "Market maker started (observation loop)",
            EV,
            asset=s.coin,
            strategy="LadderGLFT",
            is_live=False,
        )
        # src/market_maker/orchestrator/event_loop.rs:880@6c17115
        self.add(t_run + 0.5501, "INFO", "Warming up parameter estimator...", EV)
        return t_run

    def feed_connects(self, t: float, coins: list[str]) -> None:
        """Lines of the spawned HlPerpFeed tasks (infra/hl_perp_feed.rs), a few ms after the spawn."""
        tg = f"{MM}::infra::hl_perp_feed"
        for k, c in enumerate(coins):
            u = t + 0.0004 + 0.0002 * k
            # src/market_maker/infra/hl_perp_feed.rs:216@6c17115
            self.add(u, "INFO", "Starting HL perp feed", tg, coin=c)
            # src/market_maker/infra/hl_perp_feed.rs:256@6c17115
            self.add(
                u + 0.0001,
                "INFO",
                "Connecting to HL perp WebSocket...",
                tg,
                url="wss://api.hyperliquid.xyz/ws",
                coin=c,
            )
            v = t + 0.21 + 0.03 * k
            # src/market_maker/infra/hl_perp_feed.rs:261@6c17115
            self.add(v, "INFO", "Connected to HL perp WebSocket", tg, status="101 Switching Protocols")
            # src/market_maker/infra/hl_perp_feed.rs:275@6c17115
            self.add(v + 0.0002, "INFO", "Subscribed to HL perp BBO", tg, coin=c)
            # src/market_maker/infra/hl_perp_feed.rs:286@6c17115
            self.add(v + 0.0003, "INFO", "Subscribed to HL perp trades", tg, coin=c)

    # -- warm-up (quote_engine.rs:63-195, messages/trades.rs:116-146) -------------------------------
    def warmup(self, t_first: float, session_age: int, tier: str, met: bool) -> float:
        """Returns the time of the first quoting cycle. Observation 60 s, gate up to 120 s (Large/Medium)."""
        qc = [self.qc]
        # src/market_maker/orchestrator/quote_engine.rs:68@6c17115
        self.add(
            t_first,
            "INFO",
            "First market data received — startup phase timing starts now",
            QE,
            qc,
            session_age_s=session_age,
        )
        # src/market_maker/orchestrator/quote_engine.rs:96@6c17115
        self.add(
            t_first + 0.0002,
            "INFO",
            "Startup timing configured from capital tier",
            QE,
            qc,
            capital_tier=tier,
            observation_phase_secs=60,
            gate_timeout_secs=120,
        )
        end = t_first + (75.4 if met else 180.2)
        # trade messages drive volume ticks: logged at the first trade, 2/10, 3/10, 4/10, then 9/10
        # (trades.rs:124-135)
        ticks = [(0, 1), (2, 3), (3, 4), (4, 5), (9, 5 if met else 5)]
        tt = t_first + 1.7
        for vt, obs in ticks:
            # src/market_maker/messages/trades.rs:132@6c17115
            self.add(
                tt,
                "INFO",
                f"Warming up: {vt}/10 volume ticks, {obs}/5 trade observations",
                f"{MM}::messages::trades",
            )
            tt += self.rng.uniform(6.0, 11.0) if vt < 4 else self.rng.uniform(25.0, 40.0)
        k = 0
        t = t_first + 0.0004
        while t < end - 1.0:
            el = int(t - t_first)
            vt = min(9, el // 12)
            if el < 60:
                # src/market_maker/orchestrator/quote_engine.rs:128@6c17115
                self.add(
                    t,
                    "INFO",
                    "Observation phase — collecting market data, no orders placed",
                    QE,
                    qc,
                    phase="Observation",
                    elapsed_secs=el,
                    volume_ticks=vt,
                    volume_ticks_required=10,
                    trade_observations=min(5, 1 + el // 8),
                    trade_observations_required=5,
                )
            else:
                n = 40 + 3 * k
                # src/market_maker/orchestrator/quote_engine.rs:154@6c17115
                self.add(
                    t,
                    "INFO",
                    "CalibrationGate — waiting for estimation quality",
                    QE,
                    qc,
                    phase="CalibrationGate",
                    elapsed_secs=el,
                    sigma_cv=f"{0.61 - 0.02 * k:.3f}",
                    sigma_cv_threshold="0.300",
                    sigma_samples=n,
                    kappa_rel_ci=f"{0.88 - 0.03 * k:.3f}",
                    kappa_ci_threshold="0.500",
                    kappa_samples=max(1, k // 2),
                    gate_ready=False,
                )
            k += 1
            t += 10.0 + self.rng.uniform(0.05, 0.9)
        el = int(end - t_first)
        if met:
            # src/market_maker/orchestrator/quote_engine.rs:174@6c17115
            self.add(
                end,
                "INFO",
                "Startup → Quoting: calibration quality MET",
                QE,
                qc,
                phase="Quoting",
                elapsed_secs=el,
                sigma_cv="0.284",
                sigma_samples=97,
                kappa_rel_ci="0.463",
                kappa_samples=6,
            )
        else:
            # src/market_maker/orchestrator/quote_engine.rs:184@6c17115
            self.add(
                end,
                "WARN",
                "Startup → Quoting: TIMEOUT forced (quality not met), using Bayesian prior parameters",
                QE,
                qc,
                phase="Quoting",
                elapsed_secs=el,
                sigma_cv="0.412",
                sigma_samples=131,
                kappa_rel_ci="0.702",
                kappa_samples=3,
            )
        return end

    # -- quote cycles --------------------------------------------------------------------------------
    def cycle_times(self, first: float, last: float, mean: float) -> list[float]:
        out, t = [], first
        while t < last:
            out.append(t)
            t += mean * self.rng.uniform(0.55, 1.45)
        return out

    def cycle(self, t: float, st: dict[str, Any]) -> None:
        """One steady-state update_quotes() pass; st carries session state and the per-cycle extras."""
        s, rng, qc = self.s, self.rng, [self.qc]
        live = st["live"]
        mid = self.mid(t)
        pos = st["book"].pos
        u = t
        if st.get("regime"):
            regime, kappa, floor_bps = st["regime"]
            # src/market_maker/orchestrator/quote_engine.rs:1752@6c17115
            self.add(
                u,
                "INFO",
                "Regime transition",
                QE,
                qc,
                regime=regime,
                kappa=f"{kappa:.0f}",
                floor_bps=f"{floor_bps:.1f}",
                confidence=f"{rng.uniform(0.55, 0.9):.2f}",
            )
        u += 0.0031
        p = rng.uniform(0.45, 0.62)
        frac, conf = round(1 - abs(p - 0.5) * 2, 4), round(rng.uniform(0.3, 0.9), 4)
        dec = f"Quote {{ size_fraction: {debug_f64(frac)}, confidence: {debug_f64(conf)}"
        act = f"Quote {{ ladder: Ladder {{ bids: [LadderLevel {{ price: {debug_f64(round(mid * 0.9996, 3))}"
        # src/market_maker/orchestrator/quote_engine.rs:2961@6c17115
        self.add(
            u,
            "INFO",
            "[Trace] L1->L2->L3 pipeline",
            "layer3::trace",
            qc,
            l1_sigma=f"{rng.uniform(0.00008, 0.00019):.6f}",
            l1_kappa=f"{rng.uniform(1200, 1900):.0f}",
            l1_micro=f"{mid + rng.uniform(-0.004, 0.004):.2f}",
            l1_vol_regime=st.get("vol", "Normal"),
            l2_edge_mean=f"{rng.gauss(0.4, 0.5):.2f}",
            l2_edge_std=f"{rng.uniform(1.4, 2.6):.2f}",
            l2_model_health="Good",
            l2_p_positive=f"{p:.3f}",
            l2_decision=dec[:40],
            l3_trust=f"{rng.uniform(0.35, 0.6):.2f}",
            l3_cp_prob=f"{rng.uniform(0.0, 0.08):.3f}",
            l3_action=act[:40],
            position=f"{pos:.4f}",
        )
        head = st.get("headroom")
        if head is not None and head < 0.5:
            shadow = min(0.5 / max(head, 0.002), 25.0)
            if shadow > 1.0:
                # src/market_maker/orchestrator/quote_engine.rs:3270@6c17115
                self.add(
                    u + 0.0004,
                    "INFO",
                    "Quota shadow spread applied (continuous pricing)",
                    QE,
                    qc,
                    headroom_pct=f"{head * 100:.1f}%",
                    shadow_spread_bps=f"{shadow:.2f}",
                )
        u += 0.0011
        maxp = st["max_position"]
        lev = s.max_leverage
        margin = st["margin0"] - abs(pos) * mid / lev + st["book"].total(mid)
        st["last_margin"] = round(margin, 2)
        cap = margin * lev * 0.5 / mid
        eff = min(cap, maxp)
        # src/market_maker/strategy/ladder_strat.rs:748@6c17115
        self.add(
            u,
            "INFO",
            "Quoting capacity: capped by config.max_position",
            LS,
            qc,
            user_max_position=f"{maxp:.6f}",
            quoting_capacity=f"{cap:.6f}",
            margin_quoting_capacity=f"{cap:.6f}",
            margin_available=f"{margin:.2f}",
            leverage=f"{lev:.1f}",
            margin_effective=f"{cap:.6f}",
            effective_max_position=f"{eff:.6f}",
        )
        nb, na = st["levels"]
        if not live:  # Large tier (paper balance $1000): entropy allocation runs (ladder_strat.rs:2462)
            for side, n in (("bids", nb), ("asks", na)):
                # src/market_maker/strategy/ladder_strat.rs:2506/2596@6c17115
                self.add(
                    u + 0.0003,
                    "INFO",
                    f"Entropy optimizer applied to {side}",
                    LS,
                    qc,
                    entropy=f"{rng.uniform(1.9, 2.25):.3f}",
                    effective_levels=f"{n * rng.uniform(0.7, 0.92):.1f}",
                    entropy_floor_active=False,
                    active_levels=n,
                )
        half = st["half_bps"] + rng.uniform(-0.6, 0.8)
        bid = round(mid * (1 - half / 1e4), 3)
        ask = round(mid * (1 + (half + rng.uniform(-0.4, 0.4)) / 1e4), 3)
        size = st["size"]()
        u += 0.0042
        # src/market_maker/orchestrator/quote_engine.rs:4029@6c17115
        self.add(
            u,
            "INFO",
            "Calculated ladder quotes",
            QE,
            qc,
            bid_levels=nb,
            ask_levels=na,
            best_bid=f"Some(({debug_f64(bid)}, {debug_f64(size)}))",
            best_ask=f"Some(({debug_f64(ask)}, {debug_f64(size)}))",
            defense_bid_mult=f"{st.get('def_bid', 1.0):.2f}",
            defense_ask_mult=f"{st.get('def_ask', 1.0):.2f}",
        )
        u += 0.0009
        resting = st["resting"]
        blocking = None
        extra = st.get("extra")
        if extra == "bbo_filter":
            fb, fa = (1, 0) if rng.random() < 0.5 else (0, 1)
            # src/market_maker/orchestrator/reconcile.rs:2114@6c17115
            self.add(
                u,
                "WARN",
                "BBO crossing: filtered crossing levels instead of skipping cycle",
                RC,
                qc,
                bids_filtered=fb,
                asks_filtered=fa,
                bids_remaining=nb - fb,
                asks_remaining=na - fa,
            )
        elif extra == "bbo_skip":
            # src/market_maker/orchestrator/reconcile.rs:2114@6c17115
            self.add(
                u,
                "WARN",
                "BBO crossing: filtered crossing levels instead of skipping cycle",
                RC,
                qc,
                bids_filtered=nb,
                asks_filtered=na,
                bids_remaining=0,
                asks_remaining=0,
            )
            # src/market_maker/orchestrator/reconcile.rs:2120@6c17115
            self.add(u + 0.0001, "WARN", "Skipping quote cycle: ALL levels filtered by BBO crossing", RC, qc)
        elif extra == "rate":
            # src/market_maker/orchestrator/reconcile.rs:2310@6c17115
            self.add(
                u + 0.0003,
                "WARN",
                "Rate limit exhausted (<1%) - hard throttling",
                RC,
                qc,
                headroom_pct=f"{head * 100:.1f}%",
            )
        if extra == "drift":
            bd, ad = st["drift"]
            # src/market_maker/orchestrator/reconcile.rs:2253@6c17115
            self.add(
                u,
                "WARN",
                "[Unified] Large drift - forcing full cancel + replace",
                RC,
                qc,
                bid_drift_bps=f"{bd:.1f}",
                ask_drift_bps=f"{ad:.1f}",
            )
            n_old = resting[0] + resting[1]
            # src/market_maker/infra/executor.rs:820@6c17115
            self.add(u + 0.0002, "INFO", f"Bulk cancelling {n_old} orders", EX, qc)
            st["placements"] = [nb, na]
            resting = [0, 0]
        # a filled order leaves its level empty until a later cycle re-places it
        for ft, is_buy in self.fill_events:
            if st["prev_t"] < ft <= t:
                k = 0 if is_buy else 1
                resting[k] = max(0, resting[k] - 1)
        st["prev_t"] = t
        if live and extra is None and resting != [0, 0] and rng.random() < 0.16:
            k = rng.randint(0, 1)  # CancelPlace action: one order cancelled, re-placed below
            # src/market_maker/infra/executor.rs:820@6c17115
            self.add(u + 0.05, "INFO", "Bulk cancelling 1 orders", EX, qc)
            resting[k] -= 1
        if extra not in ("bbo_skip", "rate") and live:
            if extra != "drift" and resting != [0, 0] and rng.random() < 0.45:
                n_mod = rng.randint(1, max(1, nb + na - 1))
                # src/market_maker/infra/executor.rs:1073@6c17115
                self.add(u + 0.09, "INFO", "Bulk modify completed", EX, qc, success=n_mod, errors=0)
                # src/market_maker/orchestrator/reconcile.rs:2975@6c17115
                self.add(
                    u + 0.0901,
                    "INFO",
                    "Quote cycle complete",
                    RC,
                    qc,
                    modified=n_mod,
                    oid_remaps=0,
                    spread_bps=f"{(ask - bid) / mid * 1e4:.2f}",
                    bid_levels=resting[0],
                    ask_levels=resting[1],
                    position=f"{pos:.6f}",
                )
            places = st.get("placements") or [max(0, nb - resting[0]), max(0, na - resting[1])]
            for k, n in enumerate(places):
                if n > 0:
                    op = [self.qc, {"name": "order_placement", "asset": s.coin, "count": n}]
                    # src/market_maker/infra/executor.rs:584@6c17115
                    self.add(
                        u + 0.17 + 0.11 * k,
                        "INFO",
                        "Bulk order placed",
                        EX,
                        op,
                        resting=n,
                        filled=0,
                        errors=0,
                    )
                    st["placed_orders"] += n
                    if st.get("first_quote") is None:
                        st["first_quote"] = u + 0.17 + 0.11 * k
            resting = [max(resting[0], nb), max(resting[1], na)]
        elif not live and extra is None:
            if resting != [0, 0] and rng.random() < 0.3:
                n_mod = rng.randint(1, 3)
                # src/market_maker/orchestrator/reconcile.rs:2975@6c17115
                self.add(
                    u + 0.002,
                    "INFO",
                    "Quote cycle complete",
                    RC,
                    qc,
                    modified=n_mod,
                    oid_remaps=0,
                    spread_bps=f"{(ask - bid) / mid * 1e4:.2f}",
                    bid_levels=resting[0],
                    ask_levels=resting[1],
                    position=f"{pos:.6f}",
                )
            resting = [nb, na]
            if st.get("first_quote") is None:
                st["first_quote"] = u + 0.004
        st["placements"] = None
        st["resting"] = resting
        spread = st["mkt_spread_bps"] + rng.uniform(-0.8, 1.2)
        if blocking is None:
            # src/market_maker/orchestrator/diagnosis.rs:123@6c17115
            self.add(
                u + 0.45,
                "INFO",
                "cycle_summary",
                DG,
                qc,
                phase="steady",
                spread_bps=f"{spread:.1f}",
                bids=resting[0],
                asks=resting[1],
                mode="Maker(both)",
                reduce_only=False,
            )
        st["summaries"] += 1
        if resting[0] > 0 and resting[1] > 0:
            st["both"] += 1

    # -- fills ---------------------------------------------------------------------------------------
    def plan_sides(self, n: int, final_units: int, unit_lo: int, unit_hi: int, cap_units: int) -> list[int]:
        """Signed sizes (in 0.01 HYPE) summing to final_units, running position within ±cap_units."""
        for _ in range(5000):
            sizes = [self.rng.randint(unit_lo, unit_hi) for _ in range(n)]
            need_sells = (sum(sizes) - final_units) / 2  # sum(buys) - sum(sells) = final
            order = list(range(n))
            self.rng.shuffle(order)
            signs = [1] * n
            acc = 0
            for i in order:
                if acc + sizes[i] <= need_sells:
                    signs[i] = -1
                    acc += sizes[i]
            diff = final_units - sum(sz * sg for sz, sg in zip(sizes, signs, strict=True))
            last = n - 1
            sizes[last] += diff * signs[last]
            if not (unit_lo - 5 <= sizes[last] <= unit_hi + 8):
                continue
            signed = [sz * sg for sz, sg in zip(sizes, signs, strict=True)]
            run, ok = 0, True
            for x in signed:
                run += x
                ok = ok and abs(run) <= cap_units
            if ok and sum(signed) == final_units:
                return signed
        raise RuntimeError("could not plan fills")

    def fill_line(
        self, t: float, oid: int, tid: int, signed: float, mid: float, book: _Book, as_bps: float
    ) -> None:
        buy = signed > 0
        word = "bought" if buy else "sold"
        span = [{"name": "fill_processing", "oid": oid, "tid": tid, "side": "buy" if buy else "sell"}]
        # src/market_maker/fills/processor.rs:1055@6c17115
        self.add(
            t,
            "INFO",
            f"[Fill] {word} {display_f64(abs(signed))} {self.s.coin} | oid={oid} tid={tid} | position: "
            f"{display_f64(round(book.pos, 8))} | AS: {as_bps:.2f}bps | P&L: ${book.total(mid):.2f}",
            FP,
            span,
        )

    def edge_line(
        self, t: float, buy: bool, px: float, mid_place: float, mid_fill: float, mid_5s: float
    ) -> float:
        d = 1 if buy else -1
        spread = abs(px - mid_place) / mid_place * 1e4
        markout = -(mid_5s - mid_fill) * d / mid_fill * 1e4
        gross = spread - markout
        edge = gross - 1.5
        # src/market_maker/orchestrator/handlers.rs:634@6c17115
        self.add(
            t,
            "INFO",
            "[EDGE RESOLVED] markout-based edge measurement",
            HD,
            spread_bps=f"{spread:.2f}",
            markout_as_bps=f"{markout:.2f}",
            edge_bps=f"{edge:.2f}",
            gross_bps=f"{gross:.2f}",
            mid_at_placement=f"{mid_place:.4f}",
        )
        if markout > 2.5:
            # src/market_maker/orchestrator/handlers.rs:745@6c17115
            self.add(
                t + 0.0002,
                "INFO",
                "[AS OUTCOME] adverse fill detected via 5s markout",
                HD,
                side="Buy" if buy else "Sell",
                magnitude_bps=f"{markout:.1f}",
                mid_at_fill=f"{mid_fill:.4f}",
                mid_now=f"{mid_5s:.4f}",
            )
        return markout

    def do_fills(
        self, times: list[float], signed: list[float], kinds: list[str], live: bool, book: _Book
    ) -> None:
        rng = self.rng
        as_acc = self.as_acc
        for t, x, kind in zip(times, signed, kinds, strict=True):
            buy = x > 0
            mid = self.mid(t)
            half = rng.uniform(2.2, 5.5)
            px = round(mid * (1 - half / 1e4) if buy else mid * (1 + half / 1e4), 3)
            mid_place = round(mid + rng.uniform(-0.006, 0.006), 3)
            if live:
                oid = self.oid_live + int((t - self.live_t0) * 37) + rng.randint(0, 30)
                tid = 812_004_551_200_000 + int(t * 1000) + rng.randint(0, 999)
            else:
                # the simulated executor numbers orders and trades from one counter
                # (simulation/executor.rs:126, :219)
                oid = max(self.sim_next, int((t - self.phase_t0) * 1.3)) + rng.randint(0, 9)
                tid = oid + rng.randint(2, 40)
                self.sim_next = tid + 1
                # src/market_maker/simulation/fill_sim.rs:549@6c17115
                self.add(
                    t - 0.0008,
                    "INFO",
                    "[SIM] Fill decided",
                    f"{MM}::simulation::fill_sim",
                    oid=oid,
                    side="Buy" if buy else "Sell",
                    price=px,
                    size=abs(x),
                )
            book.fill(buy, px, abs(x), mid)
            if kind == "untracked":
                cloid = "0x" + "".join(rng.choice("0123456789abcdef") for _ in range(32))
                span = [{"name": "fill_processing", "oid": oid, "tid": tid, "side": "buy" if buy else "sell"}]
                # src/market_maker/fills/processor.rs:836@6c17115
                self.add(
                    t,
                    "WARN",
                    f'[Fill] Untracked order filled: oid={oid} tid={tid} cloid=Some("{cloid}") '
                    f"{'bought' if buy else 'sold'} {display_f64(abs(x))} {self.s.coin} | "
                    f"position updated to {display_f64(round(book.pos, 8))}",
                    FP,
                    span,
                )
                continue
            if kind == "race":
                span = [{"name": "fill_processing", "oid": oid, "tid": tid, "side": "buy" if buy else "sell"}]
                age_ms = rng.uniform(180, 900)
                # src/market_maker/fills/processor.rs:824@6c17115
                self.add(
                    t,
                    "INFO",
                    f"[Fill] Fill matched to recently cancelled order: oid={oid} tid={tid} "
                    f"side={'Buy' if buy else 'Sell'} price={display_f64(px)} size={display_f64(abs(x))} | "
                    f"tombstone age={age_ms:.6f}ms",
                    FP,
                    span,
                )
            mid5 = self.mid(t + 5)
            markout = -(mid5 - mid) * (1 if buy else -1) / mid * 1e4
            if markout > 0:
                book.adverse += markout / 1e4 * mid * abs(x)
            as_acc.append(markout)
            self.fill_line(t + 0.0001, oid, tid, x, mid, book, sum(as_acc) / len(as_acc))
            self.edge_line(t + 5.02 + rng.uniform(0, 0.4), buy, px, mid_place, mid, mid5)

    # -- periodic --------------------------------------------------------------------------------------
    def sync_ticks(
        self, t0: float, t1: float, book: _Book, live: bool, fills: list[tuple[float, float]]
    ) -> None:
        """Every 5 s: safety_sync (live) and periodic_component_update (handlers.rs:2704)."""
        rng = self.rng
        t = t0 + 5.0
        last_summary = t0
        while t < t1:
            self.periodic_count += 1
            if (self.periodic_count - 1) % 60 == 0:
                # src/market_maker/orchestrator/handlers.rs:2741@6c17115
                self.add(
                    t + 0.001,
                    "INFO",
                    "Calibration metrics",
                    HD,
                    fill_ir=f"{rng.uniform(0.2, 0.9):.3f}",
                    fill_samples=sum(1 for ft, _ in fills if ft <= t),
                    fill_brier=f"{rng.uniform(0.18, 0.24):.4f}",
                    as_ir=f"{rng.uniform(0.1, 0.8):.3f}",
                    as_samples=sum(1 for ft, _ in fills if ft <= t),
                    lag_ir="0.000",
                    lag_mi_decay="0.00000/day",
                    any_degraded=False,
                )
            if t - last_summary >= 30.0:
                last_summary = t
                mid = self.mid(t)
                n = sum(1 for ft, _ in fills if ft + 5 <= t)
                edge = self.mean_edge_until(t)
                if n < 10:
                    # src/market_maker/analytics/live.rs:180@6c17115
                    self.add(
                        t + 0.002,
                        "INFO",
                        "[ANALYTICS] TOO FEW FILLS -- Sharpe not reported",
                        f"{MM}::analytics::live",
                        fills=n,
                        gross_pnl_bps=f"{edge * n:.1f}",
                        avg_edge_bps=f"{edge:.1f}",
                    )
                else:
                    sh = rng.uniform(-1.5, 2.5)
                    # src/market_maker/analytics/live.rs:187@6c17115
                    self.add(
                        t + 0.002,
                        "INFO",
                        f"[ANALYTICS] PRELIMINARY Sharpe(1h)={sh:.2f} Sharpe(all)={sh * 0.9:.2f} "
                        f"[{sh - 2.1:.2f}, {sh + 2.3:.2f}] Fills={n} Edge={edge:.1f}bps",
                        f"{MM}::analytics::live",
                    )
                book_now = self.book_at(book, t)
                # src/market_maker/orchestrator/handlers.rs:2787@6c17115
                self.add(
                    t + 0.0024,
                    "INFO",
                    "[PnL] session decomposition",
                    HD,
                    realized=_money(book_now.realized),
                    unrealized=_money(book_now.unrealized(mid)),
                    total=_money(book_now.total(mid)),
                    spread_capture=_money(book_now.spread_capture),
                    adverse_selection=_money(book_now.adverse),
                    funding=_money(0.0),
                    fees=_money(book_now.fees),
                    fills=book_now.fills,
                )
                # src/market_maker/orchestrator/handlers.rs:2798@6c17115
                self.add(
                    t + 0.0026,
                    "INFO",
                    "[ANALYTICS] fill vs equity Sharpe",
                    HD,
                    fill_sharpe=f"{rng.uniform(-1, 2):.2f}",
                    equity_sharpe=f"{rng.uniform(-2, 2):.2f}",
                    equity_sharpe_1h=f"{rng.uniform(-2, 2):.2f}",
                    max_dd_bps=f"{rng.uniform(5, 60):.1f}",
                    equity_snapshots=int((t - t0) / 5),
                )
            t += 5.0 + rng.uniform(-0.004, 0.004)

    def mean_edge_until(self, t: float) -> float:
        vals = [
            float(ln.fields["edge_bps"])
            for ln in self.lines
            if ln.message.startswith("[EDGE RESOLVED]") and ln.t <= t and ln.t >= self.phase_t0
        ]
        return sum(vals) / len(vals) if vals else 0.0

    def book_at(self, book: _Book, t: float) -> _Book:
        return self.snapshots_before(t)

    def snapshots_before(self, t: float) -> _Book:
        snap = _Book()
        for ft, b in self.book_snaps:
            if ft <= t:
                snap = b
        return snap

    # -- sessions --------------------------------------------------------------------------------------
    def plan_and_emit_fills(
        self, times: list[float], signed: list[float], kinds: list[str], live: bool
    ) -> _Book:
        import copy

        book = _Book()
        self.book_snaps: list[tuple[float, _Book]] = []
        self.as_acc: list[float] = []
        self.sim_next = 40
        self.fill_events = sorted(
            (t, x > 0) for t, x, k in zip(times, signed, kinds, strict=True) if k != "untracked"
        )
        # emit one fill at a time so P&L lines can read the book as it stood
        for t, x, k in zip(times, signed, kinds, strict=True):
            self.do_fills([t], [x], [k], live, book)
            self.book_snaps.append((t, copy.deepcopy(book)))
        return book

    def paper(self) -> float:
        s, rng = self.s, self.rng
        self.phase_t0 = 0.0
        self.path_t0 = 0.0
        self.path = self.price_path(0, s.paper_duration_s + 30, s.paper_mid0, s.paper_mid0 + 0.09, 0.006)
        t_run = self.paper_startup()
        first = self.warmup(t_run + 2.9, 2, "Large", met=False)
        end = t_run + s.paper_duration_s
        times = self.cycle_times(first + 0.05, end - 1.0, s.paper_cycle_s)
        # fills: simulated, sizes 1.20-2.60 HYPE; final paper position +3.85
        n = s.paper_fills
        signed = [u / 100 for u in self.plan_sides(n, 385, 120, 260, 1200)]
        ftimes = sorted(rng.uniform(first + 40, end - 20) for _ in range(n))
        book = self.plan_and_emit_fills(ftimes, signed, ["tracked"] * n, live=False)
        st = self.session_state(
            live=False,
            maxp=self.paper_max,
            margin0=s.paper_balance,
            levels=(5, 5),
            size=lambda: round(rng.uniform(1.6, 2.6), 2),
            half_bps=4.2,
            spread=3.4,
        )
        self.run_cycles(
            times, st, extras={}, regimes=[(0.31, ("Calm", 1850, 2.5)), (0.66, ("Normal", 1500, 3.0))]
        )
        self.sync_ticks(t_run, end, book, live=False, fills=list(zip(ftimes, signed, strict=True)))
        # [SIM] Trade diagnostic every 50 market trades (fill_sim.rs:340)
        t, k = t_run + 260.0, 50
        while t < end:
            mid = self.mid(t)
            # src/market_maker/simulation/fill_sim.rs:361@6c17115
            self.add(
                t,
                "INFO",
                "[SIM] Trade diagnostic",
                f"{MM}::simulation::fill_sim",
                trade_count=k,
                trade_price=round(mid + rng.choice((-0.004, 0.004)), 3),
                trade_size=round(rng.uniform(0.4, 30.0), 2),
                trade_side=rng.choice(("Buy", "Sell")),
                total_fills=sum(1 for ft in ftimes if ft <= t),
                active_orders=10,
                buy_orders=[
                    f"{mid * (1 - (4 + 3 * i) / 1e4):.3f}@{rng.uniform(1.6, 2.6):.1f}" for i in range(5)
                ].__repr__().replace("'", '"'),
                sell_orders=[
                    f"{mid * (1 + (4 + 3 * i) / 1e4):.3f}@{rng.uniform(1.6, 2.6):.1f}" for i in range(5)
                ].__repr__().replace("'", '"'),
            )
            t += rng.uniform(250, 420)
            k += 50
        self.paper_first_quote = st["first_quote"]
        self.paper_stats = st
        # end of the planned duration: run() is dropped by the timeout (bin:3104-3110)
        mid = self.mid(end)
        # src/bin/market_maker.rs:3110@6c17115
        self.add(end + 0.0003, "INFO", "Paper trading duration elapsed, extracting prior...", BIN)
        done = self.shutdown_body(end + 0.0004, book, mid, live=False, resting=sum(st["resting"]))
        # src/bin/market_maker.rs:3124@6c17115
        self.add(done + 0.081, "INFO", "Prior readiness assessed", BIN, verdict="Ready", estimators_ready=5)
        # src/bin/market_maker.rs:3137@6c17115
        self.add(
            done + 0.094,
            "INFO",
            "Paper prior saved (canonical path)",
            BIN,
            path=f"data/checkpoints/paper/{s.base}/prior.json",
        )
        self.paper_book = book
        self.session_bounds.append(("paper", 0.0, done + 0.094))
        return done + 0.094

    def session_state(
        self,
        live: bool,
        maxp: float,
        margin0: float,
        levels: tuple[int, int],
        size,
        half_bps: float,
        spread: float,
    ) -> dict[str, Any]:
        return {
            "live": live,
            "book": None,
            "max_position": maxp,
            "margin0": margin0,
            "levels": list(levels),
            "size": size,
            "half_bps": half_bps,
            "mkt_spread_bps": spread,
            "resting": [0, 0],
            "first_quote": None,
            "summaries": 0,
            "both": 0,
            "placed_orders": 0,
            "placements": None,
            "prev_t": 0.0,
        }

    def run_cycles(self, times: list[float], st: dict[str, Any], extras: dict[int, Any], regimes) -> None:
        reg_at = {int(f * len(times)): r for f, r in regimes}
        for i, t in enumerate(times):
            st["book"] = self.snapshots_before(t)
            st["regime"] = reg_at.get(i)
            st["extra"] = None
            if i in extras:
                kind, val = extras[i]
                st["extra"] = kind
                if kind == "drift":
                    st["drift"] = val
            if st["live"]:
                st["headroom"] = self.headroom_at(i, len(times), extras.get(i))
            self.cycle(t, st)

    def headroom_at(self, i: int, n: int, extra) -> float:
        if extra and extra[0] == "rate":
            return extra[1]
        frac = i / max(n - 1, 1)
        h = 0.72 - 0.66 * frac + 0.03 * math.sin(i / 7)
        return max(h, 0.012)

    def live(self, t0: float) -> None:
        s, rng, b = self.s, self.rng, self.s.base
        self.live_t0 = t0
        self.phase_t0 = t0
        self.path_t0 = t0
        dur = s.live_seconds
        mid_half = round(s.live_mid0 + 0.2 * (s.live_mid_end - s.live_mid0), 3)
        self.path = self.price_path(0, dur / 2, s.live_mid0, mid_half, 0.0035)  # flat-ish first half
        self.path += self.price_path(0, dur / 2 + 30, mid_half, s.live_mid_end, 0.0035)[2:]  # then the rise
        mark = s.live_mid0
        lev = s.max_leverage
        maxp = min(s.capital_usd * lev * 0.5 / mark, s.spot_usde * lev * 0.5 / mark)
        self.live_max = maxp
        levels = math.floor(maxp * mark / 2.0 / 11.5)
        min_order = 11.5 / mark
        derived_tl = min(max(maxp * 0.3, min_order * 5), maxp)
        min_for_ladder = 10.0 / (mark * 0.05)
        max_from_lev = s.spot_usde * lev * 0.5 / mark
        tl = min(max(derived_tl, min_for_ladder), max_from_lev)
        t = t0
        A = s.coin
        L = [
            # src/bin/market_maker.rs:1118@6c17115
            (0.000, "Auto-prefixed asset name for HIP-3 DEX", dict(original=b, prefixed=A, dex=s.dex)),
            # src/bin/market_maker.rs:1164@6c17115
            (0.311, "Resolved collateral token for DEX", dict(dex=s.dex, token_index=235, symbol="USDE")),
            # src/bin/market_maker.rs:1194@6c17115
            (0.3112, "Using HIP-3 DEX with collateral", dict(dex=s.dex, asset=A, collateral="USDE")),
            # src/bin/market_maker.rs:1219@6c17115
            (
                0.3113,
                "HIP-3 builder-deployed asset detected (isolated margin only)",
                dict(
                    asset=A,
                    is_hip3=True,
                    is_cross=False,
                    oi_cap_usd="25000000",
                    deployer='Some("0x7a0f2e3c8b1d44e6a5c9f3b2d1e0a9c8b7f6e5d4")',
                ),
            ),
            # src/bin/market_maker.rs:1247@6c17115
            (
                0.3114,
                f"Leverage: using max available (max available: {lev}x)",
                dict(asset=A, max_leverage=lev, using_leverage=lev),
            ),
            # src/bin/market_maker.rs:1271@6c17115
            (
                0.3115,
                "Auto-calculated price precision from asset metadata",
                dict(asset=A, sz_decimals=s.sz_decimals, price_decimals=6 - s.sz_decimals),
            ),
            # src/bin/market_maker.rs:1293@6c17115
            (
                0.3117,
                "Starting market maker (None values will be auto-derived)",
                dict(
                    asset=A,
                    target_liquidity="None",
                    risk_aversion="None",
                    max_bps_diff="None",
                    capital_usd=f"Some({debug_f64(s.capital_usd)})",
                    max_position_override="None",
                    leverage=str(lev),
                    decimals=str(6 - s.sz_decimals),
                    strategy="Ladder",
                    network="Mainnet",
                    dry_run=False,
                ),
            ),
        ]
        for dt, msg, f in L:
            self.add(t + dt, "INFO", msg, BIN, **f)
        self.metrics_t0 = t + 0.3118  # metrics task spawned (bin:1309); first interval tick is immediate
        # src/bin/market_maker.rs:1350@6c17115
        self.add(t + 0.58, "INFO", "WebSocket posting enabled for low-latency order execution", BIN)
        # src/bin/market_maker.rs:1357@6c17115
        self.add(
            t + 0.5801, "INFO", "Setting leverage on exchange", BIN, leverage=lev, asset=A, is_cross=False
        )
        # src/bin/market_maker.rs:1387@6c17115
        self.add(t + 0.842, "INFO", "Leverage set successfully", BIN, leverage=lev)
        # src/bin/market_maker.rs:1413@6c17115
        self.add(t + 0.991, "INFO", "Queried initial position", BIN, initial_position="0")
        # src/bin/market_maker.rs:1554@6c17115
        self.add(
            t + 1.402,
            "INFO",
            "Capacity diagnostic",
            BIN,
            capital_tier="Small",
            viable_levels=levels,
            min_viable_position=f"{11.5 / mark:.4f}",
            notional_per_side_usd=_money(maxp * mark / 2),
            min_notional_usd="$10.00",
        )
        # src/bin/market_maker.rs:1609@6c17115
        self.add(
            t + 1.4021,
            "INFO",
            "Auto-increased target_liquidity to support 5 ladder levels",
            BIN,
            configured_target=f"{derived_tl:.6f}",
            min_for_ladder=f"{min_for_ladder:.6f}",
            using=f"{tl:.6f}",
        )
        # src/bin/market_maker.rs:1621@6c17115
        self.add(
            t + 1.4022,
            "INFO",
            "Trading parameters (auto-derived, override with explicit config)",
            BIN,
            capital_usd=_money(s.capital_usd),
            max_position=f"{maxp:.4f}",
            target_liquidity=f"{tl:.4f}",
            risk_aversion="0.150",
            max_bps_diff="3",
            auto_derived=True,
        )
        # src/bin/market_maker.rs:1653@6c17115
        self.add(
            t + 1.4023,
            "INFO",
            "Dynamic risk config (position limit = min(equity × leverage, volatility-based))",
            BIN,
            max_leverage=lev,
            risk_fraction=0.5,
            num_sigmas=5.0,
            sigma_prior=0.0002,
        )
        # src/bin/market_maker.rs:1815@6c17115
        self.add(
            t + 1.4025,
            "INFO",
            "Using HIP-3 RiskConfig for tighter spreads",
            BIN,
            spread_profile="hip3",
            gamma_base=0.15,
        )
        # src/bin/market_maker.rs:1871@6c17115
        self.add(
            t + 1.4026,
            "INFO",
            "Max spread cap: using model-driven dynamic ceiling",
            BIN,
            dex=f'Some("{s.dex}")',
            mode="dynamic",
        )
        # src/bin/market_maker.rs:1895@6c17115
        self.add(
            t + 1.4027,
            "INFO",
            "Using LadderStrategy (multi-level GLFT)",
            BIN,
            gamma_base=0.15,
            num_levels=10,
            min_depth_bps=2.0,
            max_depth_bps=200.0,
            geometric_spacing=True,
            max_spread_per_side_bps=0.0,
            risk_model_blend=1.0,
        )
        # src/bin/market_maker.rs:1929@6c17115
        self.add(
            t + 1.4029,
            "INFO",
            "Using HIP-3 spread profile for tighter spreads",
            BIN,
            spread_profile="hip3",
            kappa_prior=1500.0,
            target_spread_bps="15-25",
        )
        # src/bin/market_maker.rs:1983@6c17115
        self.add(
            t + 1.403,
            "INFO",
            "Kappa floor: using model-driven dynamic floor from Bayesian CI",
            BIN,
            dex=f'Some("{s.dex}")',
            kappa_prior_mean="1500",
            mode="dynamic",
        )
        # src/bin/market_maker.rs:2001@6c17115
        self.add(
            t + 1.4031,
            "INFO",
            "Live parameter estimation enabled (adaptive warmup)",
            BIN,
            estimation_window_secs=300,
            min_trades=50,
            warmup_decay_secs=300,
            min_warmup_trades=5,
            kappa_floor="None",
            kappa_prior_mean="1500",
        )
        # src/bin/market_maker.rs:2067@6c17115
        self.add(
            t + 1.4033,
            "INFO",
            "Kill switch enabled",
            BIN,
            max_daily_loss="15",
            max_drawdown="10.0%",
            max_position_value="350",
            max_position_contracts=display_f64(maxp),
            stale_data_threshold="30s",
        )
        # src/bin/market_maker.rs:2081@6c17115
        self.add(
            t + 1.4034,
            "INFO",
            "Margin config from API metadata",
            BIN,
            asset=A,
            max_leverage=float(lev),
            isolated_only=True,
        )
        # src/bin/market_maker.rs:2165@6c17115
        self.add(
            t + 1.471,
            "INFO",
            "Binance lead-lag feed active (auto-derived from asset)",
            BIN,
            asset=A,
            binance_symbol=f"{b.lower()}usdt",
        )
        tg = f"{MM}::infra::binance_feed"
        # src/market_maker/infra/binance_feed.rs:335@6c17115
        self.add(
            t + 1.4713,
            "INFO",
            "Connecting to Binance WebSocket...",
            tg,
            url=f"wss://fstream.binance.com/stream?streams={b.lower()}usdt@bookTicker/{b.lower()}usdt@aggTrade",
        )
        # src/market_maker/infra/binance_feed.rs:340@6c17115
        self.add(t + 1.7421, "INFO", "Connected to Binance WebSocket", tg, status="101 Switching Protocols")
        # src/bin/market_maker.rs:2227@6c17115
        self.add(
            t + 1.4714, "INFO", "HL perp lead-lag feed active for HIP-3 asset", BIN, asset=A, perp_coin=b
        )
        # src/bin/market_maker.rs:2242@6c17115
        self.add(t + 1.4716, "INFO", "BTC systematic risk feed active", BIN)
        self.feed_connects(t + 1.4717, [b, "BTC"])
        paper_age_s = t0 - self.session_bounds[0][2] + 0.1
        # src/market_maker/mod.rs:1507@6c17115
        self.add(
            t + 1.4893,
            "INFO",
            "Prior injected successfully",
            MM,
            asset=A,
            prior_age_s=f"{paper_age_s:.0f}",
            age_confidence="1.00",
            prior_confidence="0.78",
            structural="0.84",
            execution="0.69",
            session_duration_s=f"{s.paper_duration_s:.0f}",
            skip_kill_switch=True,
        )
        # src/bin/market_maker.rs:2268@6c17115
        self.add(
            t + 1.4894,
            "INFO",
            "Injected paper prior into live state (φ→ψ transfer via discovery)",
            BIN,
            path=f"data/checkpoints/paper/{b}/prior.json",
            age_h="0.0",
            prior_confidence="0.78",
        )
        # src/market_maker/orchestrator/event_loop.rs:135@6c17115
        self.add(t + 1.781, "INFO", "Position verified: 0.000000 (exchange matches local)", EV)
        # src/market_maker/orchestrator/event_loop.rs:44@6c17115
        self.add(t + 2.266, "INFO", f"Exchange limits initialized: bid={maxp:.6f}, ask={maxp:.6f}", EV)
        # src/market_maker/orchestrator/event_loop.rs:56@6c17115
        self.add(
            t + 2.2661,
            "INFO",
            "Impulse control status",
            EV,
            impulse_control_enabled="true",
            budget_tokens="20",
            improvement_threshold="0.1",
            queue_lock_threshold="0.5",
        )
        # src/bin/market_maker.rs:2349@6c17115
        self.add(
            t + 2.41,
            "INFO",
            "Starting Prometheus metrics endpoint (localhost only)",
            BIN,
            port=9090,
            bind="127.0.0.1",
        )
        # src/bin/market_maker.rs:2359@6c17115
        self.add(
            t + 2.4102,
            "WARN",
            "Failed to bind metrics port",
            BIN,
            error="Address already in use (os error 98)",
            port=9090,
        )
        # src/bin/market_maker.rs:2379@6c17115
        self.add(t + 2.4101, "INFO", "Market maker initialized, starting main loop...", BIN)
        # src/market_maker/orchestrator/event_loop.rs:362@6c17115
        self.add(t + 2.87, "INFO", "Initialized spot balance cache with 2 assets", EV)
        # src/market_maker/orchestrator/event_loop.rs:372@6c17115
        self.add(t + 2.8702, "INFO", f"Market maker started for {A} with LadderGLFT strategy", EV)
        # src/market_maker/orchestrator/event_loop.rs:376@6c17115
        self.add(t + 2.8703, "INFO", "Warming up parameter estimator...", EV)
        # approx_levels = floor(4.51 / max(10/mid, 0.01)) / 2 = 6 -> Medium (quote_engine.rs:78-87)
        first = self.warmup(t + 4.1, 4, "Medium", met=True)
        stop = t0 + dur
        times = self.cycle_times(first + 0.03, stop - 1.5, s.live_cycle_s)
        # fills
        n = s.live_tracked_fills + s.live_untracked_fills
        # the short is built in the first half (before the rise), then only round trips (buy/sell pairs)
        cap = int(maxp * 0.74 * 100)
        n_pairs = 4
        units = self.plan_sides(n - 2 * n_pairs, round(s.live_final_position * 100), 39, 46, cap)
        half_t = t0 + 0.5 * dur
        ftimes = sorted(rng.uniform(first + 30, half_t) for _ in range(len(units)))
        for k in range(n_pairs):
            size = rng.randint(39, 46)
            sign = 1  # buy first: a sell first would take the short past 75% of max_position (WARN)
            t_a = t0 + dur * (0.56 + 0.09 * k) + rng.uniform(0, 30)
            units += [sign * size, -sign * size]
            ftimes += [t_a, t_a + rng.uniform(8, 25)]
        signed = [u / 100 for u in units]
        kinds = ["tracked"] * n
        for i in rng.sample(range(2, n - 1), s.live_untracked_fills + 1):
            kinds[i] = "untracked"
        kinds[[i for i, k in enumerate(kinds) if k == "untracked"][-1]] = "race"
        book = self.plan_and_emit_fills(ftimes, signed, kinds, live=True)
        # cycle extras: ten BBO-filter WARNs, skips, drifts, rate-limit exhaustion near the end
        nc = len(times)
        pool = list(range(3, nc - 3))
        rng.shuffle(pool)
        extras: dict[int, Any] = {}
        # a skipped cycle writes the "filtered" WARN first (reconcile.rs:2109-2121): bbo_filtered counts both
        for i in pool[: s.bbo_filtered - s.bbo_skipped]:
            extras[i] = ("bbo_filter", None)
        for i in pool[s.bbo_filtered - s.bbo_skipped : s.bbo_filtered]:
            extras[i] = ("bbo_skip", None)
        drifts = [(126.4, 41.0), (38.2, 104.7), (171.9, 168.3)][: s.drift_events]
        for i, d in zip(pool[s.bbo_filtered : s.bbo_filtered + s.drift_events], drifts, strict=True):
            extras[i] = ("drift", d)
        late = [i for i in range(int(nc * 0.8), nc - 2) if i not in extras]
        for i, h in zip(sorted(rng.sample(late, s.rate_exhausted)), (0.006, 0.008), strict=False):
            extras[i] = ("rate", h)
        st = self.session_state(
            live=True,
            maxp=maxp,
            margin0=s.spot_usde,
            levels=(3, 3),
            size=lambda: round(rng.uniform(0.39, 0.46), 2),
            half_bps=3.6,
            spread=2.9,
        )
        self.run_cycles(
            times,
            st,
            extras,
            regimes=[
                (0.22, ("Normal", 1500, 3.0)),
                (0.57, ("Volatile", 1100, 4.5)),
                (0.83, ("Normal", 1450, 3.0)),
            ],
        )
        self.live_stats = st
        fills = list(zip(ftimes, signed, strict=True))
        self.sync_ticks(t + 2.87, stop, book, live=True, fills=fills)
        # SafetySync mismatches (auditor.rs:163), in the safety_sync span, on the 5 s sync ticks
        ticks = [t + 2.87 + 5 * k + 0.0008 for k in range(1, int((stop - t - 3) / 5))]
        for tt in sorted(rng.sample(ticks[20:], s.safety_mismatches)):
            loc = rng.randint(4, 6)
            # src/market_maker/safety/auditor.rs:166@6c17115
            self.add(
                tt,
                "WARN",
                f"[SafetySync] State mismatch: exchange={loc + 1}, local_active={loc}",
                f"{MM}::safety::auditor",
                [self.ss],
            )
        # Market maker metrics every 60 s from the bin's task (bin:1309-1315)
        tm = self.metrics_t0
        while tm < stop:
            done = [(ft, x) for ft, x in fills if ft <= tm]
            # src/bin/market_maker.rs:843@6c17115
            self.add(
                tm,
                "INFO",
                "Market maker metrics",
                BIN,
                orders_placed=self.placed_until(tm),
                orders_cancelled=max(0, self.placed_until(tm) - 6),
                orders_filled=len(done),
                volume_bought=float(round(sum(x for _, x in done if x > 0), 8)),
                volume_sold=float(round(-sum(x for _, x in done if x < 0), 8)),
                position=float(round(sum(x for _, x in done), 8)) + 0.0,
                uptime_secs=int(tm - self.metrics_t0),
            )
            tm += 60.0 + rng.uniform(-0.002, 0.002)
        self.live_first_quote = st["first_quote"]
        self.live_book = book
        self.shutdown_live(stop, book, st)

    def placed_until(self, t: float) -> int:
        return sum(
            ln.fields["resting"] for ln in self.lines if ln.message == "Bulk order placed" and ln.t <= t
        )

    def shutdown_body(self, t: float, book: _Book, mid: float, live: bool, resting: int) -> float:
        """MarketMaker::shutdown() (recovery.rs:18-240)."""
        rng = self.rng
        # src/market_maker/orchestrator/recovery.rs:19@6c17115
        self.add(t, "INFO", "=== GRACEFUL SHUTDOWN INITIATED ===", REC)
        # src/market_maker/orchestrator/recovery.rs:25@6c17115
        self.add(t + 0.021, "INFO", "Final checkpoint saved successfully", REC)
        # src/market_maker/orchestrator/recovery.rs:80@6c17115
        self.add(t + 0.034, "INFO", "Session summary written to data/analytics/session_summary.json", REC)
        pos = book.pos
        # src/market_maker/orchestrator/recovery.rs:98@6c17115
        self.add(
            t + 0.0345,
            "INFO",
            "Final position state",
            REC,
            position=f"{pos:.6f}",
            mid_price=f"{mid:.2f}",
            position_value=_money(abs(pos) * mid),
        )
        total = book.total(mid)
        # src/market_maker/orchestrator/recovery.rs:111@6c17115
        self.add(
            t + 0.0346,
            "INFO",
            "Kill switch was NOT triggered",
            REC,
            daily_pnl=_money(total),
            max_drawdown=f"{rng.uniform(0.8, 2.2):.1f}%",
        )
        # src/market_maker/orchestrator/recovery.rs:121@6c17115
        self.add(
            t + 0.0347,
            "INFO",
            "Adverse selection summary",
            REC,
            fills_measured=book.fills,
            realized_as_bps=f"{rng.uniform(0.4, 2.0):.4f}",
            spread_adjustment_bps="0.0000",
        )
        # src/market_maker/orchestrator/recovery.rs:128@6c17115
        self.add(
            t + 0.0348,
            "INFO",
            "Liquidation cascade summary",
            REC,
            total_liquidations=0,
            cascade_severity="0.00",
        )
        u = t + 0.29
        if live:
            # src/market_maker/orchestrator/recovery.rs:181@6c17115
            self.add(u, "INFO", f"Bulk cancelling {resting} resting orders (from exchange)...", REC)
            # src/market_maker/infra/executor.rs:820@6c17115
            self.add(u + 0.0002, "INFO", f"Bulk cancelling {resting} orders", EX)
            u += 0.31
            # src/market_maker/orchestrator/recovery.rs:208@6c17115
            self.add(u, "INFO", "Bulk cancel completed", REC, total=resting, cancelled=resting)
        else:
            # the paper env asks the real exchange for open orders: 0 there, N in the simulator
            # src/market_maker/orchestrator/recovery.rs:172@6c17115
            self.add(u, "WARN", "Order count mismatch detected at shutdown", REC, exchange=0, local=resting)
            # src/market_maker/orchestrator/recovery.rs:178@6c17115
            self.add(u + 0.0001, "INFO", "No resting orders to cancel", REC)
        side = "BUY" if pos < 0 else "SELL"
        # src/market_maker/orchestrator/recovery.rs:221@6c17115
        self.add(u + 0.0003, "INFO", "Closing position on shutdown", REC, position=f"{pos:.6f}", side=side)
        if live:
            limit = mid * (1 + 0.005) if pos < 0 else mid * (1 - 0.005)
            g = [rng.getrandbits(32), rng.getrandbits(16), rng.getrandbits(12), 0x8000 | rng.getrandbits(14)]
            cloid = f"{g[0]:08x}-{g[1]:04x}-4{g[2]:03x}-{g[3]:04x}-{rng.getrandbits(48):012x}"  # uuid v4
            # src/market_maker/infra/executor.rs:662@6c17115
            self.add(
                u + 0.0004,
                "INFO",
                "Placing IOC reduce order (Phase 3 recovery)",
                EX,
                side=side,
                size=f"{abs(pos):.6f}",
                limit_price=f"{limit:.6f}",
                mid_price=f"{mid:.6f}",
                slippage_bps=50,
                cloid=cloid,
            )
            oid = self.oid_live + 40_000 + rng.randint(0, 999)
            u += 0.38
            # src/market_maker/infra/executor.rs:691@6c17115
            self.add(u, "INFO", f"IOC reduce order filled: oid={oid} cloid={cloid}", EX)
        else:
            oid = 9_000 + rng.randint(0, 400)
            u += 0.0004
        # src/market_maker/orchestrator/recovery.rs:230@6c17115
        self.add(u + 0.0002, "INFO", "Position closed on shutdown", REC, oid=oid)
        # src/market_maker/orchestrator/recovery.rs:239@6c17115
        self.add(u + 0.0003, "INFO", "=== GRACEFUL SHUTDOWN COMPLETE ===", REC)
        return u + 0.0003

    def shutdown_live(self, stop: float, book: _Book, st: dict[str, Any]) -> None:
        # Ctrl+C: the live start() signal task AND the orphaned one spawned by the paper run() both print
        # src/market_maker/orchestrator/event_loop.rs:902@6c17115 (paper run's task)
        self.add(stop, "INFO", "Shutdown signal received (SIGINT/Ctrl+C)", EV)
        # src/market_maker/orchestrator/event_loop.rs:409@6c17115
        self.add(stop + 0.00004, "INFO", "Shutdown signal received (SIGINT/Ctrl+C)", EV)
        u = stop + 0.183
        # src/market_maker/orchestrator/event_loop.rs:428@6c17115
        self.add(u, "INFO", "Shutdown flag detected, initiating graceful shutdown...", EV)
        # src/market_maker/orchestrator/event_loop.rs:837@6c17115
        self.add(u + 0.0001, "INFO", "Initiating graceful shutdown (10 second timeout)...", EV)
        mid = self.mid(stop)
        end = self.shutdown_body(u + 0.0002, book, mid, live=True, resting=sum(st["resting"]))
        # src/market_maker/orchestrator/event_loop.rs:840@6c17115
        self.add(end + 0.0001, "INFO", "Graceful shutdown completed successfully", EV)
        # src/market_maker/orchestrator/event_loop.rs:852@6c17115
        self.add(end + 0.0002, "INFO", "Market maker stopped.", EV)
        self.live_end_mid = mid
        self.session_bounds.append(("live", self.live_t0, end + 0.0002))

    def build(self) -> list[str]:
        paper_end = self.paper()
        self.live(paper_end + 0.35)
        self.lines.sort(key=lambda ln: (ln.t, ln.seq))
        return [ln.render(self.s.start) for ln in self.lines]


# ------------------------------------------------------------------------------------------------
def mar_log_lines(session: MarSession | None = None) -> list[str]:
    return _Builder(session or MarSession()).build()


_MONEY = re.compile(r"^\$(-?\d+\.\d+)$")


def _num(v: str) -> float:
    return float(v.replace("$", "").replace("%", ""))


def truth(lines: list[str], session: MarSession) -> dict[str, Any]:
    """Figures read back from the emitted lines (not from the parameters)."""
    objs = [json.loads(x) for x in lines]
    # split: the paper session ends with "Paper prior saved", the live one starts right after
    cut = (
        next(i for i, o in enumerate(objs) if o["fields"]["message"] == "Paper prior saved (canonical path)")
        + 1
    )
    out = []
    for mode, part, base in (("paper", objs[:cut], 0), ("live", objs[cut:], cut)):
        msgs = [o["fields"]["message"] for o in part]

        def count(pred, part=part) -> int:
            return sum(1 for o in part if pred(o["fields"]["message"], o))

        lv = {k: sum(1 for o in part if o["level"] == k.upper()) for k in ("info", "warn", "error", "debug")}
        network = next(
            (
                o["fields"]["network"].lower()
                for o in part
                if o["fields"]["message"].startswith("Starting market maker") and "network" in o["fields"]
            ),
            None,
        )
        tracked = [o for o in part if re.match(r"^\[Fill\] (bought|sold) ", o["fields"]["message"])]
        untracked = [o for o in part if o["fields"]["message"].startswith("[Fill] Untracked order filled:")]
        sims = [o for o in part if o["fields"]["message"] == "[SIM] Fill decided"]
        if mode == "paper":
            buys = sum(1 for o in sims if o["fields"]["side"] == "Buy")
            total = len(sims)
        else:
            words = [o["fields"]["message"] for o in tracked + untracked]
            buys = sum(1 for m in words if " bought " in m)
            total = len(tracked) + len(untracked)
        final_state = next(o for o in part if o["fields"]["message"] == "Final position state")
        closed = any(m == "Position closed on shutdown" for m in msgs)
        capacity = [
            o for o in part if o["fields"]["message"] == "Quoting capacity: capped by config.max_position"
        ]
        drift = [
            o
            for o in part
            if o["fields"]["message"] == "[Unified] Large drift - forcing full cancel + replace"
        ]
        dvals = [max(float(o["fields"]["bid_drift_bps"]), float(o["fields"]["ask_drift_bps"])) for o in drift]
        rate = [o for o in part if o["fields"]["message"] == "Rate limit exhausted (<1%) - hard throttling"]
        ladder = next(
            (o for o in part if o["fields"]["message"] == "Using LadderStrategy (multi-level GLFT)"), None
        )
        tier_line = next(
            (
                o
                for o in part
                if o["fields"]["message"]
                in ("Capacity diagnostic", "Paper auto-derive (same pipeline as live)")
            ),
            None,
        )
        if mode == "live":
            fq = next(i for i, o in enumerate(part) if o["fields"]["message"] == "Bulk order placed")
        else:
            fq = next(
                i
                for i, o in enumerate(part)
                if o["fields"]["message"] == "cycle_summary"
                and "blocking" not in o["fields"]
                and o["fields"]["bids"] + o["fields"]["asks"] > 0
            )
        pnl = [o for o in part if o["fields"]["message"] == "[PnL] session decomposition"][-1]["fields"]
        edges = [
            o["fields"]
            for o in part
            if o["fields"]["message"] == "[EDGE RESOLVED] markout-based edge measurement"
        ]
        summaries = [o["fields"] for o in part if o["fields"]["message"] == "cycle_summary"]
        account = None
        if mode == "paper":
            account = _num(part[0]["fields"]["paper_balance"])
        else:
            ts = next((o for o in part if o["fields"]["message"].startswith("Unified account value")), None)
            account = _num(ts["fields"]["total"]) if ts else None
        out.append(
            {
                "mode": mode,
                "asset": session.coin,
                "network": network,
                "started_at": part[0]["timestamp"],
                "ended_at": part[-1]["timestamp"],
                "end": "planned" if mode == "paper" else "graceful",
                "lines": {"events": len(part), **lv},
                "fills": {
                    "total": total,
                    "tracked": len(tracked),
                    "untracked": len(untracked),
                    "sim": len(sims),
                    "buys": buys,
                    "sells": total - buys,
                },
                "account": {
                    "initial_value": account,
                    "final_free_margin": _num(capacity[-1]["fields"]["margin_available"])
                    if capacity
                    else None,
                },
                "position": {
                    "final": 0.0 if closed else _num(final_state["fields"]["position"]),
                    "at_shutdown": _num(final_state["fields"]["position"]),
                },
                "price": {
                    "bbo_crossing_filtered": count(lambda m, o: m.startswith("BBO crossing: filtered")),
                    "bbo_crossing_skip": count(lambda m, o: m.startswith("Skipping quote cycle: ALL levels")),
                },
                "drift": {
                    "events": len(drift),
                    "min_bps": min(dvals) if dvals else None,
                    "max_bps": max(dvals) if dvals else None,
                },
                "rate_limit": {
                    "exhausted_warnings": len(rate),
                    "min_headroom_pct": min(_num(o["fields"]["headroom_pct"]) for o in rate)
                    if rate
                    else None,
                },
                "ladder": {
                    "configured_levels": ladder["fields"]["num_levels"] if ladder else None,
                    "capital_tier": tier_line["fields"]["capital_tier"] if tier_line else None,
                },
                "warmup": {"first_quote_ts": part[fq]["timestamp"], "first_quote_line": base + fq + 1},
                "pnl": {
                    k: _num(pnl[k])
                    for k in (
                        "realized",
                        "unrealized",
                        "total",
                        "spread_capture",
                        "adverse_selection",
                        "fees",
                        "funding",
                    )
                },
                "edge": {
                    "resolved": len(edges),
                    "mean_edge_bps": round(sum(float(e["edge_bps"]) for e in edges) / len(edges), 3)
                    if edges
                    else None,
                    "toxic_share": round(sum(1 for e in edges if float(e["edge_bps"]) < 0) / len(edges), 3)
                    if edges
                    else None,
                },
                "cycles": {
                    "summaries": len(summaries),
                    "both_sides": sum(1 for c in summaries if c.get("bids", 0) > 0 and c.get("asks", 0) > 0),
                },
                "regime_transitions": count(lambda m, o: m == "Regime transition"),
                "kill_switch": {"triggered": any(m.startswith("KILL SWITCH TRIGGERED") for m in msgs)},
            }
        )
    return {"source": f"samples/{session.log_name}", "commit": COMMIT, "sessions": out}


def write_mar_log(path: Path | str, session: MarSession | None = None) -> dict[str, Any]:
    """Write the log (``\\n``-terminated JSON lines) and ``<name>.truth.json`` beside it; return the truth."""
    session = session or MarSession()
    path = Path(path)
    lines = mar_log_lines(session)
    path.write_text("".join(x + "\n" for x in lines), encoding="utf-8")
    t = truth(lines, session)
    tpath = path.with_name(path.name.removesuffix(".log") + ".truth.json")
    tpath.write_text(json.dumps(t, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return t


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: python -m tests.mar_log PATH", file=sys.stderr)
        sys.exit(2)
    write_mar_log(sys.argv[1])
