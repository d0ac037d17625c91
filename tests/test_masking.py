"""mask_secrets: private keys, API secrets and wallet addresses never leave; ids stay readable."""

from __future__ import annotations

from pathlib import Path

import pytest

from mmwatch.masking import REDACTED, SHAPES_PATH, load_shapes, mask_secrets, mask_text

KEY = "0x" + "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
ADDRESS = "0x90F8bf6A479f320ead074411a4B0e7944Ea8c9C1"
CLOID = "0x" + "0123456789abcdef" * 2


def test_private_key_is_removed_with_or_without_prefix() -> None:
    assert mask_text(f"key {KEY} end") == "key <redacted:hex-key> end"
    assert KEY[2:] not in mask_text(f"HYPERLIQUID_KEY {KEY[2:]}")


def test_wallet_address_keeps_first_and_last_four() -> None:
    assert mask_text(f"wallet={ADDRESS},") == "wallet=0x90F8…c9C1,"


def test_secret_values_after_secret_names() -> None:
    text = 'api_secret=Sup3r "private_key":"abc123" token: t0k HYPERLIQUID_PRIVATE_KEY=deadbeef tokens=5'
    masked = mask_text(text)
    for secret in ("Sup3r", "abc123", "t0k", "deadbeef"):
        assert secret not in masked
    assert "tokens=5" in masked  # a longer word is not a secret name


def test_ids_stay_readable() -> None:
    line = f'[Fill] Untracked order filled: oid=45695446723 tid=123 cloid=Some("{CLOID}") sold 0.001 BTC'
    assert mask_text(line) == line
    assert mask_text("0x" + "ab" * 33) == "<redacted:hex-key>"  # longer runs than a key are masked too


def test_recursive_over_dicts_and_lists() -> None:
    report = {"rules": [{"evidence": [{"line_no": 7, "text": f"signer {ADDRESS}"}]}],
              "fields": {"private_key": "whatever", "api_key": None, "n": 3, "ok": True},
              "pair": (KEY, 1.5)}
    masked = mask_secrets(report)
    assert masked["rules"][0]["evidence"][0] == {"line_no": 7, "text": "signer 0x90F8…c9C1"}
    assert masked["fields"] == {"private_key": REDACTED, "api_key": None, "n": 3, "ok": True}
    assert masked["pair"] == ("<redacted:hex-key>", 1.5)
    assert report["fields"]["private_key"] == "whatever"  # the input is not changed


def test_the_fixture_logs_and_samples_come_out_unchanged() -> None:
    """A false positive hides evidence: no line of the real logs or the samples (which hold no
    secret) is changed by masking, but for the one wallet address of the March sample."""
    from tests.conftest import FIXTURES, ROOT

    logs = sorted(FIXTURES.glob("*.log")) + sorted((ROOT / "samples").glob("*.log"))
    if len(logs) < 14:
        pytest.skip("../shared fixtures not present")
    changed = {}
    for log in logs:
        for n, line in enumerate(log.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            masked = mask_text(line)
            if masked != line:
                changed[f"{log.name}:{n}"] = masked
    (where, masked), *rest = changed.items()
    assert not rest and where.startswith("mm_hip3_") and '"deployer":"Some(\\"0x7a0f…e5d4\\")"' in masked


def test_the_table_loads_and_checks_its_parts(tmp_path: Path) -> None:
    shapes, parts = load_shapes()
    assert [s.name for s in shapes][-2:] == ["hex_key", "wallet_address"] and {"NAME", "SEP"} <= set(parts)
    bad = tmp_path / "shapes.csv"
    bad.write_text(SHAPES_PATH.read_text(encoding="utf-8").replace("{NAME}", "{NAMES}", 1), encoding="utf-8")
    with pytest.raises(ValueError, match=r"unknown part\(s\) \['NAMES'\]"):
        load_shapes(bad)
