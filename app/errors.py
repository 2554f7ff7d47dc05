"""One error family whose messages are written for a person: what happened, what to do.

Drivers (CLI, GUI, API, scheduler) catch `MemlociError` at their edge and show `str(error)`;
anything else is a bug and is logged with its traceback.
"""

from __future__ import annotations


class MemlociError(Exception):
    """Base class. `exit_code` is what the CLI returns for it."""

    exit_code = 1


class InvalidInput(MemlociError):
    """The person (or a file, or an API caller) gave something Memloci cannot accept."""

    exit_code = 2


class NotFound(MemlociError):
    exit_code = 3


class AmbiguousId(InvalidInput):
    pass


class AccessDenied(MemlociError):
    """A program asked for something the person has not allowed it (app/store/clients.py)."""

    exit_code = 9


class WrongPassphrase(MemlociError):
    exit_code = 4


class PassphraseRequired(MemlociError):
    exit_code = 4


class StoreError(MemlociError):
    """The encrypted store could not do what was asked; nothing was changed."""

    exit_code = 5


class StoreBusy(StoreError):
    pass


class StoreCorrupt(StoreError):
    pass


class DiskFull(StoreError):
    pass


class StoreTooNew(StoreError):
    pass


class BackupError(MemlociError):
    exit_code = 6


class ConfigError(MemlociError):
    exit_code = 7


class DamagedKeyfile(ConfigError):
    """The keyfile is not what Memloci wrote (damage, an edited field, a hostile cost): told
    apart from a wrong passphrase, whose AES-GCM failure would look the same."""


class DamagedBackup(BackupError):
    """A backup whose header is not what Memloci writes (damage, an edit, a hostile cost)."""


# -- language model and agents (issue 4) -------------------------------------------------------
class ModelUnavailable(MemlociError):
    """The configured language model cannot be loaded or reached."""

    exit_code = 8


class ModelOutputInvalid(MemlociError):
    """The model's answer did not fit the expected form, even after one retry."""

    exit_code = 8


class Cancelled(MemlociError):
    """The person stopped a running answer or batch."""

    exit_code = 130


# -- model downloads (issue 18) --------------------------------------------------------------
class DownloadFailed(MemlociError):
    """A model file could not be downloaded whole and verified; nothing was put in use."""

    exit_code = 9
