"""One desktop app per memory store: starting it again shows the running window instead of
opening the store twice (two captures, two model copies, two trays)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtNetwork import QLocalServer, QLocalSocket


def server_name(data_folder: str) -> str:
    digest = hashlib.sha256(data_folder.encode("utf-8")).hexdigest()[:16]
    return f"memloci-{digest}"


def ask_running(name: str, timeout_ms: int = 500) -> bool:
    """True when another instance answered and was asked to show its window."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(timeout_ms):
        return False
    socket.write(b"show\n")
    socket.flush()
    socket.waitForBytesWritten(timeout_ms)
    socket.disconnectFromServer()
    return True


class SingleInstance(QObject):
    """Listens for later launches; `on_show` runs when one asks."""

    def __init__(self, name: str, on_show: Callable[[], None]) -> None:
        super().__init__()
        self._on_show = on_show
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not self.server.listen(name):
            QLocalServer.removeServer(name)  # a stale socket from a crashed run
            self.server.listen(name)
        self.server.newConnection.connect(self._connection)

    def _connection(self) -> None:
        socket = self.server.nextPendingConnection()
        if socket is None:
            return
        socket.readyRead.connect(lambda s=socket: self._read(s))
        socket.disconnected.connect(socket.deleteLater)

    def _read(self, socket: QLocalSocket) -> None:
        if bytes(socket.readAll().data()).strip() == b"show":
            self._on_show()
