"""Settings → Models: the models in use (chat answers, memory agents), a catalogue to download
from with this computer's estimates, model servers found on this computer, and a form to choose
any file or server by hand. Slow work (measuring, downloading, looking for servers) runs on the
bridge's workers; the catalogue and the servers are looked at when the page is first shown.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.ui import dialogs
from app.ui.bridge import LONG, SLOW, Bridge
from app.ui.panes.model_choice import ROLES, ModelChoiceBox, model_text, use_menu
from app.ui.panes.model_servers import ServersBox

if TYPE_CHECKING:
    from app.core import Memloci


def _size(size: int) -> str:
    return f"{size / 1e9:.1f} GB" if size >= 1e9 else f"{size / 1e6:.0f} MB"


def speed_text(tps: float | None) -> str:
    if tps is None:
        return "not measured"
    word = "Fast" if tps >= 15 else "Usable" if tps >= 5 else "Slow"
    return f"{word} (~{tps:.0f} tok/s)" if tps >= 10 else f"{word} (~{tps:.1f} tok/s)"


def _muted(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setObjectName("muted")
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _model_info(memloci: Memloci, role: str) -> dict[str, Any]:
    return memloci.models.info(role)


def _show_model(label: QLabel, info: dict[str, Any]) -> None:
    label.setText(model_text(info))


class ModelsPage(QWidget):
    message = Signal(str)
    COLUMNS = ("Model", "Download", "Memory needed", "Speed here", "Licence", "")

    def __init__(self, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._looked = False
        self._download: Any = None  # the bridge Op of the running download
        self.rows: dict[str, Any] = {}  # catalogue name -> row
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        outer.addWidget(scroll)
        body = QWidget()
        scroll.setWidget(body)
        layout = QVBoxLayout(body)
        layout.addWidget(self._in_use())
        layout.addWidget(self._catalogue())
        self.servers = ServersBox(bridge)
        self.servers.chosen.connect(self._use_server)
        layout.addWidget(self.servers)
        self.choice = ModelChoiceBox(bridge)
        self.choice.message.connect(self.message)
        self.choice.changed.connect(self.load_in_use)
        layout.addWidget(self.choice)
        layout.addStretch(1)

    @property
    def facade(self) -> Any:
        return self._bridge.memloci

    # -- sections ---------------------------------------------------------------------------------
    def _in_use(self) -> QGroupBox:
        box = QGroupBox("Models in use")
        grid = QGridLayout(box)
        self.chat_info, self.agents_info = _muted(), _muted()
        for row, (label, info) in enumerate(
            (("Chat answers", self.chat_info), ("Memory agents", self.agents_info))
        ):
            title = QLabel(label)
            title.setObjectName("heading")
            grid.addWidget(title, row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(info, row, 1)
        grid.setColumnStretch(1, 1)
        grid.addWidget(
            _muted(
                "The memory agents organise what you import and what the screen shows, in the "
                "background. Their own model runs with fewer threads at low priority, so a "
                "larger model there never slows your typing."
            ),
            2,
            0,
            1,
            2,
        )
        return box

    def _catalogue(self) -> QGroupBox:
        box = QGroupBox("Download a model")
        layout = QVBoxLayout(box)
        self.machine = _muted("Looking at this computer…")
        layout.addWidget(self.machine)
        self.recommendation = QLabel()
        self.recommendation.setObjectName("banner")
        self.recommendation.setWordWrap(True)
        self.recommendation.hide()
        layout.addWidget(self.recommendation)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        speed = self.table.horizontalHeaderItem(3)
        assert speed is not None  # set by setHorizontalHeaderLabels
        speed.setToolTip(
            "How fast the model would write here, in tokens (about ¾ of a word) per second: "
            "the bundled model measured on this computer, scaled by the model's size. An "
            "estimate; real figures vary."
        )
        layout.addWidget(self.table)
        progress = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress_text = _muted()
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stops the download; what arrived is kept for a resume.")
        self.stop_button.clicked.connect(self.stop_download)
        progress.addWidget(self.progress, 1)
        progress.addWidget(self.stop_button)
        self.progress_row = QWidget()
        self.progress_row.setLayout(progress)
        self.progress_row.hide()
        layout.addWidget(self.progress_row)
        layout.addWidget(self.progress_text)
        other = QFormLayout()
        row = QHBoxLayout()
        self.url = QLineEdit()
        self.url.setPlaceholderText("owner/repo/file.gguf or https://…/model.gguf")
        self.url.returnPressed.connect(self._download_url)
        self.url_button = QPushButton("Download")
        self.url_button.clicked.connect(self._download_url)
        row.addWidget(self.url, 1)
        row.addWidget(self.url_button)
        other.addRow("Another model", row)
        layout.addLayout(other)
        self.folder = _muted()
        layout.addWidget(self.folder)
        return box

    # -- loading ----------------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._looked:  # the first look: catalogue, measurement, servers
            self._looked = True
            self.refresh()

    def refresh(self) -> None:
        self.load_in_use()
        self.load_catalogue(measure=False)
        self.servers.look()

    def load_in_use(self) -> None:
        if self.facade is None:
            return
        for role, label in (("chat", self.chat_info), ("agents", self.agents_info)):
            self._bridge.call(
                partial(_model_info, role=role),
                on_done=partial(_show_model, label),
                on_error=label.setText,
                owner=self,
                key=f"model-info-{role}-{id(self)}",
            )

    def load_catalogue(self, measure: bool = True) -> None:
        if self.facade is None:
            return
        self._bridge.call(
            lambda m: m.models.catalog(measure=measure),
            on_done=lambda view: self._show_catalogue(view, measured=measure),
            on_error=self.machine.setText,
            owner=self,
            key=f"catalogue-{id(self)}",
            lane=SLOW,
        )

    def _show_catalogue(self, view: Any, measured: bool) -> None:
        text = f"This computer: {view.machine.describe()}."
        if view.speed is not None:
            text += (
                f" Measured here, the bundled model writes {view.speed.generate_tps:.0f} "
                f"tokens/s and reads {view.speed.prompt_tps:.0f}."
            )
        elif not measured:
            text += " Measuring its speed with the bundled model…"
            self.load_catalogue(measure=True)  # estimates follow in a few seconds
        self.machine.setText(text)
        pick = view.recommendation
        if pick.name or pick.reason:
            lead = f"★ Recommended for this computer: {pick.title}. " if pick.name else ""
            self.recommendation.setText(lead + pick.reason)
            self.recommendation.show()
        self.folder.setText(f"Models are kept in {view.folder}.")
        self.table.setRowCount(len(view.rows))
        self.rows = {}
        for n, row in enumerate(view.rows):
            self.rows[row.model.name] = row
            self._fill(n, row)
        self.table.resizeRowsToContents()
        height = self.table.horizontalHeader().height() + 4
        height += sum(self.table.rowHeight(r) for r in range(self.table.rowCount()))
        self.table.setFixedHeight(height)

    def _fill(self, n: int, row: Any) -> None:
        model, est = row.model, row.estimate
        title = ("★ " if row.recommended else "") + model.title
        if row.used_for:
            title += " · in use for " + " and ".join(
                "chat" if r == "chat" else "the agents" for r in row.used_for
            )
        cells = [
            title,
            _size(model.approx_bytes),
            f"{_size(est.memory_bytes)} · {est.fit}",
            speed_text(est.generate_tps),
            model.licence,
        ]
        for column, text in enumerate(cells):
            item = QTableWidgetItem(text)
            if column == 0:
                font = item.font()
                font.setBold(row.recommended)
                item.setFont(font)
                item.setToolTip(f"{model.note}\n{model.hub_file}")
            if column == 4:
                item.setToolTip(model.licence_url)
            self.table.setItem(n, column, item)
        self.table.setCellWidget(n, 5, self._action(row))

    def _action(self, row: Any) -> QWidget:
        name = row.model.name
        button: QToolButton | QPushButton
        if row.installed is not None and not row.installed.partial:
            button = QToolButton()
            button.setText("Use")
            button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
            menu = use_menu(partial(self.use_downloaded, name), button)
            menu.addSeparator()
            menu.addAction("Delete the file…", lambda: self.remove(name))
            button.setMenu(menu)
        else:
            button = QPushButton("Resume" if row.installed is not None else "Download")
            if row.installed is not None:
                button.setToolTip(f"{_size(row.installed.size)} downloaded so far")
            button.clicked.connect(lambda: self.download(name))
        button.setObjectName(f"action-{name}")
        button.setEnabled(self._download is None)
        return button

    # -- downloads --------------------------------------------------------------------------------
    def _download_url(self) -> None:
        spec = self.url.text().strip()
        if spec:
            self.download(spec)

    def download(self, spec: str) -> None:
        if self._download is not None or self.facade is None:
            return
        title = self.rows[spec].model.title if spec in self.rows else spec
        facade = self.facade

        def run(op: Any) -> Any:
            return facade.models.download(spec, on_progress=op.emit, cancel=op.cancel_event)

        self.progress.setRange(0, 0)
        self.progress_text.setText(f"Starting the download of {title}…")
        self.progress_row.show()
        self._set_busy(True)
        self._download = self._bridge.stream(
            run,
            on_item=lambda p: self._progress(title, p),
            on_done=lambda done: self._downloaded(title, done),
            on_error=self._download_failed,
            owner=self,
            key="model-download",  # quitting stops it (the part is kept for a resume)
            lane=LONG,
            quiet=True,
        )

    def _progress(self, title: str, progress: Any) -> None:
        total = progress.total or 0
        if total:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(1000 * progress.done / total))
        verb = {"checking": "Checking what is here of", "verifying": "Verifying"}.get(
            progress.phase, "Downloading"
        )
        text = f"{verb} {title}: {_size(progress.done)}"
        if total:
            text += f" of {_size(total)}"
        if progress.phase == "downloading" and progress.bytes_per_s > 0:
            text += f" · {progress.bytes_per_s / 1e6:.1f} MB/s"
            if total:
                left = (total - progress.done) / progress.bytes_per_s
                text += f" · {left / 60:.0f} min left" if left >= 90 else f" · {left:.0f} s left"
        self.progress_text.setText(text)

    def _downloaded(self, title: str, done: Any) -> None:
        self._finish_download()
        if done is None:
            return
        checked = {
            "catalogue": "its SHA-256 matches Memloci's catalogue",
            "hub": "its SHA-256 matches the one the hub publishes",
            "given": "its SHA-256 matches",
        }.get(done.checked_against, "no SHA-256 was published: only its structure was checked")
        self.progress_text.setText(f"{title} is downloaded ({_size(done.size)}); {checked}.")
        self.message.emit(f"{title} is downloaded. Choose “Use” to switch to it.")
        self.url.clear()
        self.load_catalogue(measure=False)

    def _download_failed(self, text: str) -> None:
        self._finish_download()
        self.progress_text.setText(text)
        self.message.emit(text)
        self.load_catalogue(measure=False)

    def _finish_download(self) -> None:
        self._download = None
        self.progress_row.hide()
        self._set_busy(False)

    def stop_download(self) -> None:
        if self._download is not None:
            self.stop_button.setEnabled(False)
            self.progress_text.setText("Stopping…")
            self._download.stop()

    def _set_busy(self, busy: bool) -> None:
        self.stop_button.setEnabled(busy)
        self.url_button.setEnabled(not busy)
        for n in range(self.table.rowCount()):
            widget = self.table.cellWidget(n, 5)
            if widget is not None:
                widget.setEnabled(not busy)

    # -- using and removing -----------------------------------------------------------------------
    def use_downloaded(self, name: str, role: str) -> None:
        filename = self.rows[name].model.filename
        self._use([("gguf", {"path": filename})], role, self.rows[name].model.title)

    def _use(self, choices: list[tuple[str, dict[str, Any]]], role: str, title: str) -> None:
        facade = self.facade

        def run() -> Any:
            for backend, kwargs in choices:
                if role in ("chat", "both"):
                    facade.models.use(backend, role="chat", **kwargs)
                if role == "agents":
                    facade.models.use(backend, role="agents", **kwargs)
            if role == "both":
                facade.models.use("same", role="agents")
            return None

        def done(_: object) -> None:
            self.message.emit(f"{title} is used for {ROLES[role]} from now on.")
            self.load_in_use()
            self.choice.load()
            self.load_catalogue(measure=False)

        self._bridge.submit(
            run,
            on_done=done,
            on_error=self.message.emit,
            owner=self,
            lane=SLOW,
        )

    def _use_server(self, role: str, base_url: str, model: str) -> None:
        self._use(
            [("endpoint", {"endpoint": base_url, "model_name": model})], role, f"{model} (server)"
        )

    def remove(self, name: str) -> None:
        title = self.rows[name].model.title
        if not dialogs.confirm(
            self,
            "Delete a model",
            f"Delete {title} from the models folder? You can download it again later.",
            "Delete",
            destructive=True,
        ):
            return

        def done(_: object) -> None:
            self.message.emit(f"{title} was deleted.")
            self.load_catalogue(measure=False)

        self._bridge.call(
            lambda m: m.models.remove(name),
            on_done=done,
            on_error=self.message.emit,
            owner=self,
        )
