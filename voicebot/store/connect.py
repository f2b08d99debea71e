"""Connecting to the configured store and to our records database."""

from __future__ import annotations

from pathlib import Path

from voicebot.config import Settings
from voicebot.store import Records, Store
from voicebot.store.http import HttpStore
from voicebot.store.sql import SAMPLE_STORE, SqlStore


async def close_store(store: Store, records: Records) -> None:
    """Close both; with the SQL backend they are one object, closed once."""
    await store.close()
    if id(records) != id(store):
        await records.close()


async def open_store(settings: Settings) -> tuple[Store, Records]:
    """The configured store and our records database."""
    cfg = settings.store
    seed = {"sample": SAMPLE_STORE, "none": None}.get(cfg.seed, Path(cfg.seed))
    key = settings.governance.audit_key.get_secret_value().encode()
    if cfg.backend == "http":
        records = await SqlStore.open(cfg.database_url, seed=None, audit_key=key)
        api = HttpStore(cfg.api_url, cfg.api_token.get_secret_value(), cfg.api_timeout_s)
        return api, records
    sql = await SqlStore.open(cfg.database_url, seed=seed, audit_key=key)
    return sql, sql
