"""Settings, resolved in one order: flag > ``RLOG_*`` environment > config file > default.

The config file is ``~/.config/rlog/config.toml`` (platformdirs' user config dir), for example::

    model = "/models/rlog-270m.gguf"     # base GGUF (default: the embedded gemma-3-270m)
    adapter = "/models/rlog-270m-lora.gguf"
    fast_model = "/models/rlog-270m-q4_0.gguf"   # optional lighter variant for fast mode
    n_ctx = 4096
    threads = 4
    backend = "llama"                    # or "openai" with base_url
    base_url = "http://127.0.0.1:8000"
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

import platformdirs

from rlog_tui.errors import InputError
from rlog_tui.protocol.decoding import MAX_TOKENS

APP_NAME = "rlog"


class ConfigError(InputError):
    """The config file or an RLOG_* variable is malformed: one line naming which and why."""


def config_path() -> Path:
    return Path(
        os.environ.get("RLOG_CONFIG") or platformdirs.user_config_path(APP_NAME) / "config.toml"
    )


def cache_dir() -> Path:
    return Path(os.environ.get("RLOG_CACHE_DIR") or platformdirs.user_cache_path(APP_NAME))


def default_threads() -> int:
    """Half the cores, at least one: llama.cpp slows sharply when it competes for every core."""
    return max(1, (os.cpu_count() or 2) // 2)


class Backend(StrEnum):
    """Where the model runs (``--backend``, ``backend`` in the config file)."""

    LLAMA = "llama"
    """llama.cpp in this process (the default)."""
    OPENAI = "openai"
    """Any OpenAI-compatible server (``--base-url``)."""


@dataclass(frozen=True, slots=True)
class Settings:
    model: str | None = None
    adapter: str | None = None
    fast_model: str | None = None
    fast_adapter: str | None = None
    n_ctx: int = 4096
    threads: int = 0
    """0 means ``default_threads()``."""
    max_tokens: int = MAX_TOKENS
    backend: str = "llama"
    base_url: str | None = None
    api_key: str | None = None
    prompt_format: str | None = None

    @property
    def effective_threads(self) -> int:
        return self.threads or default_threads()


_INT_FIELDS = {"n_ctx", "threads", "max_tokens"}


def _coerce(name: str, value: Any, where: str) -> Any:
    if name in _INT_FIELDS:
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: {name} must be a whole number, got {value!r}") from None
        if number < 0:
            raise ConfigError(f"{where}: {name} must not be negative")
        return number
    if not isinstance(value, str):
        raise ConfigError(f"{where}: {name} must be a string, got {value!r}")
    return value


@dataclass(frozen=True, slots=True)
class Resolved:
    """Settings plus where each non-default value came from (for ``rlog-tui models``)."""

    settings: Settings
    origins: dict[str, str]


def load_settings(flags: dict[str, Any] | None = None) -> Resolved:
    """Merge default < config file < environment < flags (flags that are None are unset)."""
    settings = Settings()
    origins: dict[str, str] = {}
    names = {f.name for f in fields(Settings)}
    path = config_path()
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise ConfigError(f"{path}: not valid TOML ({error})") from None
        unknown = sorted(set(data) - names)
        if unknown:
            raise ConfigError(f"{path}: unknown setting(s) {', '.join(unknown)}")
        for name, value in data.items():
            settings = replace(settings, **{name: _coerce(name, value, str(path))})
            origins[name] = f"config file {path}"
    for name in names:
        env_name = f"RLOG_{name.upper()}"
        if os.environ.get(env_name):
            settings = replace(settings, **{name: _coerce(name, os.environ[env_name], env_name)})
            origins[name] = f"environment {env_name}"
    for name, value in (flags or {}).items():
        if value is not None:
            flag = f"--{name.replace('_', '-')} flag"
            settings = replace(settings, **{name: value})
            origins[name] = flag
    return Resolved(settings, origins)
