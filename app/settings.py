"""Typed settings, saved as TOML in the config folder with a schema version.

Settings hold preferences only, never memory text. Each area of the app owns one section model;
unknown keys from a newer version are ignored on load (and kept out on save).
"""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from app.errors import ConfigError, InvalidInput
from app.search.config import EmbedderSettings, RetrievalSettings

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2

# The id Chromium gives the bundled extension (fixed by the "key" in its manifest.json).
BROWSER_EXTENSION_ID = "mckdlpjpjbimomhpejcnljipcaeoddja"


class Section(BaseModel):
    model_config = ConfigDict(extra="ignore", validate_assignment=True)


class SecuritySettings(Section):
    use_keyring: bool = False
    """Keep the data key in the OS keyring so the store opens without typing the passphrase."""


class StoreSettings(Section):
    busy_timeout_ms: int = Field(default=5_000, ge=0, le=600_000)


class SearchSettings(Section):
    default_limit: int = Field(default=10, ge=1, le=1_000)


# -- language model and agents (issue 4) -------------------------------------------------------
class ModelChoice(Section):
    """Where a model comes from and how it runs; shared by the chat and the agents' model."""

    path: str = ""  # a GGUF file, for backend "gguf"
    endpoint: str = ""  # an OpenAI-compatible base URL, e.g. http://127.0.0.1:8080/v1
    endpoint_model: str = ""  # the model name the endpoint serves ("" = its first)
    structured_output: Literal["auto", "json_schema", "json_object"] = "auto"
    context_tokens: int = Field(default=2_048, ge=512, le=262_144)
    threads: int = Field(default=0, ge=0, le=256)  # 0 = one per CPU core (agents: half)
    gpu_layers: int = Field(default=0, ge=-1, le=1_000)  # -1 = all
    timeout_s: float = Field(default=120.0, ge=1.0, le=3_600.0)


class ModelSettings(ModelChoice):
    """Which language model answers (`memloci model ...`); the agents use it too unless
    `agents_model` names another."""

    backend: Literal["bundled", "gguf", "endpoint"] = "bundled"
    temperature: float = Field(default=0.2, ge=0.0, le=2.0)
    answer_tokens: int = Field(default=320, ge=16, le=8_192)
    answer_mode: Literal["auto", "model", "memories"] = "auto"
    """Who writes `ask` and chat answers. "memories": built from your memories (the sentence or
    field that answers, with its date and source; nothing generated). "model": the model writes
    them and each sentence is checked against your memories before it is shown. "auto": memories
    with the bundled model (a 135M model adds nothing but risk), the model with any other."""
    repeat_penalty: float = Field(default=1.15, ge=1.0, le=2.0)
    models_folder: str = ""
    """Where `memloci model download` puts models ("" = the models folder in the data folder)."""
    server_ports: list[int] = Field(default_factory=list, max_length=32)
    """Ports on this computer to look at for model servers, besides the usual ones."""

    @field_validator("server_ports")
    @classmethod
    def _ports(cls, ports: list[int]) -> list[int]:
        if any(not 1 <= port <= 65_535 for port in ports):
            raise ValueError("ports are numbers from 1 to 65535")
        return sorted(set(ports))


class AgentModelSettings(ModelChoice):
    """The memory agents' model (`memloci model ... --role agents`). "same" shares the chat
    model; any other choice is a second model, run in the background at low priority."""

    backend: Literal["same", "bundled", "gguf", "endpoint"] = "same"
    nice: int = Field(default=10, ge=0, le=19)
    """How much the agents' model yields the CPU (Linux and macOS thread priority, 0-19)."""


class AgentSettings(Section):
    """How the memory agents turn queued chat and screen activity into memories."""

    enabled: bool = True
    use_model: bool = True  # False: deterministic extractors only
    model_writes: bool = False
    """Let the model write free-text memories (core lines, notes, summaries) besides what the
    reader reads from chat; off: the bundled model invented more than it found (issue 15)."""
    model_chooses: bool = False
    """Ask the model the closed questions the reader leaves open (preference, dislike, diet)."""
    batch_size: int = Field(default=8, ge=1, le=64)
    batch_window_minutes: int = Field(default=30, ge=1, le=1_440)
    person_names: list[str] = Field(default_factory=list)  # who "I" am in imported chats
    rollup_after_days: int = Field(default=7, ge=1, le=3_650)
    half_life_days: float = Field(default=90.0, ge=1.0, le=36_500.0)
    drop_below: float = Field(default=0.05, ge=0.0, le=1.0)

    @field_validator("person_names", mode="before")
    @classmethod
    def _names(cls, value: object) -> object:
        """ "Tomasz, Tomek" (as `memloci config set` and a text field give it) is two names."""
        if isinstance(value, str):
            value = value.split(",")
        if isinstance(value, list):
            return list(dict.fromkeys(str(v).strip() for v in value if str(v).strip()))[:20]
        return value


class AutofillSettings(Section):
    """Local autofill, the desktop popup and the local API (app/autofill, app/api)."""

    hotkey: str = Field(default="ctrl+alt+m", min_length=1, max_length=64)
    """Global shortcut that opens the autofill popup at the pointer (X11)."""
    clipboard_clear_seconds: int = Field(default=30, ge=5, le=600)
    vault_low: Literal["allow", "ask", "never"] = "allow"
    """Low-sensitivity vault values: hand out, ask the person first, or never (a browser is
    always asked, whatever this says)."""
    vault_medium: Literal["ask", "never"] = "ask"
    vault_high: Literal["ask", "never"] = "ask"
    approval_timeout_seconds: int = Field(default=60, ge=5, le=600)
    suggestions_per_field: int = Field(default=3, ge=1, le=10)
    prompt_context_chars: int = Field(default=1_500, ge=200, le=20_000)
    api_enabled: bool = False
    """Start the local API with the desktop app (`memloci serve` always starts it)."""
    api_port: int = Field(default=48620, ge=1024, le=65535)
    api_requests_per_minute: int = Field(default=120, ge=1, le=10_000)
    extension_ids: list[str] = Field(default_factory=lambda: [BROWSER_EXTENSION_ID])
    """Chromium extension ids whose origin the local API accepts."""
    log_days: int = Field(default=365, ge=1, le=3_650)
    """How long the disclosure log keeps its rows."""
    free_text_sites: list[str] = Field(default_factory=list, max_length=500)
    """Sites (and their subdomains) where the browser extension may fill fields Memloci does not
    recognise as a kind, from memories matching their label; elsewhere a label is no query."""

    @field_validator("free_text_sites")
    @classmethod
    def _sites(cls, sites: list[str]) -> list[str]:
        from app.autofill.browser import site_of

        try:
            return sorted({site_of(site) for site in sites})
        except InvalidInput as error:
            raise ValueError(str(error)) from None


# -- desktop app (issue 6) ------------------------------------------------------------------------
class UiSettings(Section):
    """The desktop app's own preferences."""

    theme: Literal["system", "light", "dark"] = "system"
    close_to_tray: bool = True
    """Closing the window keeps Memloci running in the tray (when the desktop has one)."""
    tray_hint_shown: bool = False


# -- screen capture (issue 5) ----------------------------------------------------------------------
class CaptureSettings(Section):
    """Screen capture (app/capture). Defaults aim at under 3 % of one core for office work."""

    enabled: bool = True
    """Start capturing when the desktop app starts (the CLI captures only when asked)."""
    interval_seconds: float = Field(default=3.0, ge=0.5, le=600)
    """How often the window in front is looked at; pixels are grabbed only when needed."""
    monitors: list[int] = Field(default_factory=list)
    """Monitor numbers to capture (1 = first); empty means all."""
    xwayland: bool = False
    """Under Wayland, when the compositor itself cannot be reached, capture the X11
    applications XWayland shows (native Wayland windows stay unseen). A Wayland session whose
    compositor answers is captured through Wayland whatever this says."""
    other_monitors_every: int = Field(default=10, ge=1, le=1_000)
    """Unfocused monitors are looked at every Nth tick (the focused one every tick)."""
    forced_frame_seconds: float = Field(default=60, ge=5, le=3_600)
    """A frame at least this often while the person is active, whatever the change hints say."""
    event_debounce_seconds: float = Field(default=1.0, ge=0, le=30)
    """A frame this long after the active window or tab changes (short visits are kept)."""
    idle_minutes: float = Field(default=5, ge=0.5, le=240)
    """No keyboard or mouse input for this long: capture rests until input resumes."""
    accessibility: bool = True
    """Read the text applications publish on the accessibility bus (AT-SPI) before any OCR;
    turns the desktop's accessibility flag on, as a screen reader does."""
    accessibility_interval_seconds: float = Field(default=10, ge=1, le=3_600)
    """A window's published text is read again at most this often while it stays in front."""
    ocr: bool = True
    ocr_languages: str = Field(default="eng", pattern=r"^[A-Za-z_]+(\+[A-Za-z_]+)*$")
    ocr_min_interval_seconds: float = Field(default=4, ge=1, le=3_600)
    """The same window is read at most this often (the first frame of a window at once)."""
    read_settle_seconds: float = Field(default=2.5, ge=0, le=600)
    """A large change (a new page, a command's output) is read once it has stayed this long;
    a small one (a line typed) waits three times as long."""
    read_max_wait_seconds: float = Field(default=15, ge=1, le=3_600)
    """A window that keeps changing is read at least this often while something is new."""
    ocr_cpu_percent: float = Field(default=2.0, ge=0.1, le=100)
    """OCR may use this share of one core on average (a few minutes may be saved up for a
    burst); reads beyond it wait, except the read of a window being left."""
    full_ocr_minutes: float = Field(default=15, ge=1, le=1_440)
    """The whole window is read again at least this often while it changes."""
    ocr_scale: float = Field(default=1.0, ge=1.0, le=3.0)
    """Enlarge frames before OCR (better for small fonts, slower)."""
    record_fresh_seconds: float = Field(default=10, ge=1, le=3_600)
    """New text reaches the session's record, and search, within about this long; a long
    session is written less often (a tenth of its age), at least every record_update_minutes."""
    record_update_minutes: float = Field(default=5, ge=0.5, le=240)
    """An open session's memory record is brought up to date at least this often (and when it
    ends)."""
    session_merge_seconds: float = Field(default=300, ge=0, le=3_600)
    """Coming back to a window within this time continues its session."""
    agent_batch_frames: int = Field(default=20, ge=1, le=10_000)
    agent_batch_minutes: float = Field(default=10, ge=0.5, le=1_440)
    """New text goes to the memory agents every K read frames or T minutes, and at the end."""
    retain_frames: bool = False
    """Keep downscaled frames, encrypted, so a memory's frame can be seen later."""
    retain_every_seconds: float = Field(default=60, ge=5, le=3_600)
    retain_max_width: int = Field(default=1280, ge=320, le=7_680)
    retain_budget_mb: float = Field(default=500, ge=10, le=1_000_000)
    """Retained frames never take more than this; the oldest pixels go first, text stays."""


def _from_v1(raw: dict[str, Any]) -> dict[str, Any]:
    """Version 1 saved every default, so its `answer_mode = "model"` was the old default, not a
    choice: it becomes "auto" (answers built from memories with the bundled model)."""
    model = raw.get("model")
    if isinstance(model, dict) and model.get("answer_mode") == "model":
        raw = {**raw, "model": {**model, "answer_mode": "auto"}}
    return raw


# -- what is kept, and for how long (issue 20) -----------------------------------------------------
class RetentionSettings(Section):
    """How many days memories are kept (0 = until erased). Applied a few times a day by the
    desktop app and by `memloci retention apply`; what was made only from an expired record
    goes with it. What the person entered themselves is kept unless `mine_days` says so."""

    screen_days: int = Field(default=0, ge=0, le=36_500)
    """Screen activity sessions, counted from when they ended."""
    chat_days: int = Field(default=0, ge=0, le=36_500)
    """Chat messages (imported and with Memloci), counted from when they were written and
    never sooner than that many days after they reached Memloci."""
    frames_days: int = Field(default=0, ge=0, le=36_500)
    """Kept screen frames (pictures); their text stays in the memories."""
    apps: dict[str, int] = Field(default_factory=dict, max_length=500)
    """Screen sessions of these applications (a name or glob, as in the capture rules) after
    this many days; the shortest rule that matches a session applies."""
    mine_days: int = Field(default=0, ge=0, le=36_500)
    """Memories you entered yourself (not vault entries or core memory): 0 keeps them."""

    @field_validator("apps")
    @classmethod
    def _apps(cls, apps: dict[str, int]) -> dict[str, int]:
        cleaned: dict[str, int] = {}
        for name, days in apps.items():
            pattern = name.strip().lower()
            if not pattern or len(pattern) > 200:
                raise ValueError("an application name must be 1 to 200 characters")
            if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 36_500:
                raise ValueError(f"days for {name!r} must be a whole number from 1 to 36500")
            cleaned[pattern] = days
        return dict(sorted(cleaned.items()))


class Settings(Section):
    schema_version: int = SCHEMA_VERSION
    security: SecuritySettings = Field(default_factory=SecuritySettings)
    store: StoreSettings = Field(default_factory=StoreSettings)
    search: SearchSettings = Field(default_factory=SearchSettings)
    ui: UiSettings = Field(default_factory=UiSettings)
    autofill: AutofillSettings = Field(default_factory=AutofillSettings)
    model: ModelSettings = Field(default_factory=ModelSettings)
    agents_model: AgentModelSettings = Field(default_factory=AgentModelSettings)  # issue 18
    agents: AgentSettings = Field(default_factory=AgentSettings)
    capture: CaptureSettings = Field(default_factory=CaptureSettings)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)  # issue 20
    embedder: EmbedderSettings = Field(default_factory=EmbedderSettings)  # issue 3
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)  # issue 3

    # -- files --------------------------------------------------------------------------------
    @classmethod
    def load(cls, path: Path) -> Settings:
        if not path.exists():
            return cls()
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(f"Cannot read the settings file {path}: {error}.") from None
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{path}: {error}. Fix the file or delete it for defaults.") from None
        except RecursionError:
            raise ConfigError(
                f"{path}: the file is nested too deeply to read. Fix it or delete it for defaults."
            ) from None
        return cls.from_dict(raw, origin=str(path))

    @classmethod
    def from_dict(cls, raw: dict[str, Any], origin: str = "settings") -> Settings:
        version = raw.get("schema_version", SCHEMA_VERSION)
        if isinstance(version, int) and version > SCHEMA_VERSION:
            log.warning(
                "settings schema %s is newer than %s; unknown keys ignored", version, SCHEMA_VERSION
            )
        if isinstance(version, int) and version < 2:
            raw = _from_v1(raw)
        raw = {**raw, "schema_version": SCHEMA_VERSION}
        try:
            return cls.model_validate(raw)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ()))
            raise ConfigError(f"{origin}: {where}: {first.get('msg')}.") from None

    def save(self, path: Path) -> None:
        import tomli_w

        from app.security.keys import write_atomic

        body = tomli_w.dumps(self.model_dump(mode="json", exclude_none=True))
        try:
            write_atomic(path, body.encode("utf-8"))
        except OSError as error:  # a full disk is DiskFull, with its own sentence
            raise ConfigError(
                f"Cannot save the settings {path}: {error.strerror or error}. Nothing was changed."
            ) from None

    # -- dotted access for `memloci config get/set` ---------------------------------------------
    def get_path(self, dotted: str) -> Any:
        node: Any = self
        for part in dotted.split("."):
            if not isinstance(node, BaseModel) or part not in type(node).model_fields:
                raise ConfigError(f"There is no setting {dotted!r}.")
            node = getattr(node, part)
        return node.model_dump(mode="json") if isinstance(node, BaseModel) else node

    def with_value(self, dotted: str, value: Any) -> Settings:
        """A copy with one setting changed and validated."""
        data = self.model_dump(mode="json")
        node = data
        parts = dotted.split(".")
        self.get_path(dotted)  # raises for unknown names
        for part in parts[:-1]:
            node = node[part]
        node[parts[-1]] = value
        return Settings.from_dict(data, origin=dotted)
