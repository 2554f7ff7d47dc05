"""What a process tree sends and writes, seen by the kernel (issue 13).

Telemetry compiled into a native library (onnxruntime's 1DS uploader) never passes through
Python, so mocks and socket patches cannot see it. strace can: `run()` starts a command under
`strace -f` (children and threads included, cheap with --seccomp-bpf) recording every connect,
sendto, sendmsg and bind with its address and every file opened for writing, created, renamed
or linked. `network_problems()` and `write_problems()` turn the record into sentences: a DNS
query, a connection off the machine, a local socket nobody set up, a file outside MEMLOCI_HOME.

Where `unshare -n` works (root, or user namespaces) the command also runs in a network
namespace of its own, so a failing run still sends nothing; the attempts are recorded the same.
"""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

NETWORK_CALLS = ("connect", "sendto", "sendmsg", "sendmmsg", "bind")
WRITE_CALLS = (
    "open", "openat", "creat", "mkdir", "mkdirat", "rename", "renameat", "renameat2",
    "link", "linkat", "symlink", "symlinkat", "truncate",
)  # fmt: skip
# Where glibc asks other processes to resolve names: a connect here is a name lookup.
NAME_SERVICES = ("/var/run/nscd/", "/run/nscd/", "/run/systemd/resolve/")
WRITE_FLAGS = ("O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND")


def strace_missing() -> str:
    """Why the kernel-level record cannot be taken here ("" when it can)."""
    if shutil.which("strace") is None:
        return "strace is not installed (scripts/lib/setup.sh installs it)"
    probe = subprocess.run(
        ["strace", "-f", "--seccomp-bpf", "-qq", "-e", "trace=connect", "true"],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    return "" if probe.returncode == 0 else f"strace cannot trace here: {probe.stderr.strip()}"


def _isolation() -> list[str]:
    if shutil.which("unshare") is None:
        return []
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True, check=False)
    return ["unshare", "-n"] if probe.returncode == 0 else []


ISOLATION = _isolation()


@dataclass(frozen=True)
class Call:
    pid: int
    name: str
    args: str
    result: str

    @property
    def failed(self) -> bool:
        return self.result.startswith("-1")


def command(argv: Sequence[str], log: Path, isolate: bool = True) -> list[str]:
    """`argv` under strace, in a network namespace of its own where possible (`isolate`)."""
    trace = ",".join((*NETWORK_CALLS, *WRITE_CALLS))
    strace = ["strace", "-f", "--seccomp-bpf", "-qq", "-y", "-s", "48", "-e", "signal=none"]
    prefix = ISOLATION if isolate else []
    return [*prefix, *strace, "-e", f"trace={trace}", "-o", str(log), *argv]


def run(
    argv: Sequence[str],
    log: Path,
    env: dict[str, str],
    cwd: Path,
    timeout: float,
    isolate: bool = True,
) -> str:
    """Run `argv` traced; its output (stdout and stderr). Fails on a non-zero exit."""
    result = subprocess.run(
        command(argv, log, isolate),
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{' '.join(argv[-3:])} exited {result.returncode}: {output}"
    return output


class Traced:
    """A long-running traced command (the desktop app): started, read, then asked to quit."""

    def __init__(self, argv: Sequence[str], log: Path, env: dict[str, str], cwd: Path) -> None:
        self.process = subprocess.Popen(
            command(argv, log),
            env=env,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []

    def wait_for(self, marker: str, timeout: float) -> bool:
        """Read output until a line holds `marker` (False at timeout or exit)."""
        import select

        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.process.stdout], [], [], 0.5)
            if ready:
                line = self.process.stdout.readline()
                if not line:
                    return False
                self.lines.append(line)
                if marker in line:
                    return True
        return False

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM to the traced program itself (not to strace), as a session logout would."""
        for pid in _descendants(self.process.pid):
            if _name(pid) not in ("strace", "unshare"):
                os.kill(pid, signal.SIGTERM)
                break
        try:
            out, _ = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, _ = self.process.communicate()
        self.lines.append(out or "")
        return self.process.returncode

    @property
    def output(self) -> str:
        return "".join(self.lines)


def _descendants(pid: int) -> list[int]:
    found, queue = [], [pid]
    while queue:
        current = queue.pop(0)
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        found.extend(int(c) for c in children)
        queue.extend(int(c) for c in children)
    return found


def _name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


# -- reading the record -------------------------------------------------------------------------
_LINE = re.compile(r"^(\d+)\s+(\w+)\((.*)$")
_RESUMED = re.compile(r"^(\d+)\s+<\.\.\. (\w+) resumed>(.*)$")
_RESULT = re.compile(r"\)\s+= ")


def parse(log: Path) -> list[Call]:
    """Calls from an `strace -f -o` log, split lines (<unfinished ...>) joined again."""
    calls: list[Call] = []
    pending: dict[int, tuple[str, str]] = {}
    for line in log.read_text(errors="replace").splitlines():
        resumed = _RESUMED.match(line)
        if resumed:
            pid = int(resumed.group(1))
            name, head = pending.pop(pid, (resumed.group(2), ""))
            args, result = _split(head + resumed.group(3))
            calls.append(Call(pid, name, args, result))
            continue
        match = _LINE.match(line)
        if not match:
            continue  # "+++ exited +++" and the like
        pid, name, rest = int(match.group(1)), match.group(2), match.group(3)
        if rest.endswith("<unfinished ...>"):
            pending[pid] = (name, rest[: -len("<unfinished ...>")])
            continue
        args, result = _split(rest)
        calls.append(Call(pid, name, args, result))
    calls.extend(Call(pid, name, args, "?") for pid, (name, args) in pending.items())
    return calls


def _split(text: str) -> tuple[str, str]:
    ends = list(_RESULT.finditer(text))
    if not ends:
        return text, "?"
    return text[: ends[-1].start()], text[ends[-1].end() :].strip()


# -- judging the network ------------------------------------------------------------------------
_INET = re.compile(r'sa_family=AF_INET, sin_port=htons\((\d+)\), sin_addr=inet_addr\("([^"]*)"\)')
_INET6 = re.compile(
    r'sa_family=AF_INET6, sin6_port=htons\((\d+)\).*?inet_pton\(AF_INET6, "([^"]*)"'
)
_UNIX = re.compile(r'sa_family=AF_UNIX(?:, sun_path=(@?)"([^"]*)")?')
_FAMILY = re.compile(r"sa_family=(AF_\w+)")


def _loopback(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback


def network_problems(
    calls: Iterable[Call],
    local_sockets: Iterable[str] = (),
    servers: Iterable[tuple[str, int]] = (),
) -> list[str]:
    """Every destination nobody configured. `local_sockets`: Unix socket paths the test set up
    (the X server's), or folders whose sockets are fine (Memloci's own, under its sandbox);
    `servers`: (address, port) of servers the person configured."""
    allowed = tuple(local_sockets)
    configured = {(address, str(port)) for address, port in servers}
    problems: list[str] = []
    for call in calls:
        if call.name not in NETWORK_CALLS:
            continue
        for family in _FAMILY.findall(call.args):
            if family not in ("AF_INET", "AF_INET6", "AF_UNIX", "AF_NETLINK", "AF_UNSPEC"):
                problems.append(f"{call.name} on a {family} socket (pid {call.pid})")
        for port, address in [*_INET.findall(call.args), *_INET6.findall(call.args)]:
            where = f"{address} port {port}"
            if (address, port) in configured and call.name != "bind":
                continue
            if port == "53":
                problems.append(f"DNS query: {call.name} to {where} (pid {call.pid})")
            elif call.name == "bind":
                if not _loopback(address) or port != "0":
                    problems.append(f"listening on {where} (pid {call.pid})")
            elif not _loopback(address):
                problems.append(f"{call.name} to {where}, off this machine (pid {call.pid})")
            else:
                problems.append(f"{call.name} to {where} that the test did not set up")
        if call.name == "bind":
            continue  # a Unix socket of its own: judged as a file it writes
        for abstract, path in _UNIX.findall(call.args):
            if not path:
                continue
            shown = f"@{path}" if abstract else path
            if path.startswith(NAME_SERVICES):
                problems.append(f"name lookup: {call.name} to {shown} (pid {call.pid})")
            elif not any(path == a or path.startswith(a.rstrip("/") + "/") for a in allowed):
                problems.append(f"{call.name} to the local socket {shown} (pid {call.pid})")
    return problems


# -- judging the files --------------------------------------------------------------------------
_PATH = re.compile(r'"((?:[^"\\]|\\.)*)"')
_FD = re.compile(r"^(?:AT_FDCWD|\d+)(?:<([^>]*)>)?$")


def _paths(args: str) -> list[tuple[str | None, str]]:
    """(directory of the fd before it, path) for each quoted path argument."""
    found: list[tuple[str | None, str]] = []
    directory: str | None = None
    for part in _split_args(args):
        fd = _FD.match(part)
        if fd:
            directory = fd.group(1)  # the folder -y shows (AT_FDCWD: the working one)
            continue
        path = _PATH.fullmatch(part)
        if path:
            found.append((directory, path.group(1)))
            directory = None
    return found


def _split_args(args: str) -> list[str]:
    parts, depth, current, quoted, escaped = [], 0, "", False, False
    for char in args:
        if quoted:
            current += char
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                quoted = False
            continue
        if char == '"':
            quoted = True
        elif char in "{[(":
            depth += 1
        elif char in "}])":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
            continue
        current += char
    parts.append(current.strip())
    return parts


def written(calls: Iterable[Call], cwd: Path) -> list[tuple[Call, Path]]:
    """Files and folders each successful call created or opened for writing."""
    out: list[tuple[Call, Path]] = []
    for call in calls:
        if call.name not in WRITE_CALLS or call.failed:
            continue
        if call.name in ("open", "openat") and not any(f in call.args for f in WRITE_FLAGS):
            continue
        paths = _paths(call.args)
        if call.name.startswith(("rename", "link", "symlink")):
            paths = paths[-1:]  # the new name
        for directory, path in paths:
            base = Path(directory) if directory else cwd
            out.append((call, Path(os.path.normpath(base / path))))
    return out


def write_problems(
    calls: Iterable[Call], cwd: Path, home: Path, allowed: Sequence[tuple[str, str]]
) -> list[str]:
    """Writes outside `home` (MEMLOCI_HOME) not matching an allowed (regex, reason) pair."""
    problems = []
    for call, path in written(calls, cwd):
        if path == home or home in path.parents:
            continue
        if any(re.fullmatch(pattern, str(path)) for pattern, _ in allowed):
            continue
        problems.append(f"{call.name} wrote {path} (pid {call.pid})")
    return sorted(set(problems))
