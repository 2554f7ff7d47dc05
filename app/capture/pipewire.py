"""Frames of a PipeWire video stream (what the screen-sharing portal hands out), through
libpipewire-0.3 with ctypes: no GStreamer, no PyGObject.

PipeWire runs the stream on its own thread. Its `process` callback keeps the newest buffer
and gives the one before back, so nothing is copied until capture asks (`latest`), and a
still screen (producers send frames only on change) still has its last frame. The format
offered is 32-bit RGB in shared memory (BGRx, BGRA, RGBx, RGBA).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import struct
import threading
import time
from dataclasses import dataclass

from app.capture.grab import GrabFailed

log = logging.getLogger(__name__)

# spa/utils/type.h, spa/param/*.h
T_ID, T_INT, T_RECTANGLE, T_FRACTION, T_OBJECT, T_CHOICE = 3, 4, 10, 11, 15, 19
OBJECT_FORMAT, OBJECT_PARAM_BUFFERS = 0x40003, 0x40004
PARAM_ENUM_FORMAT, PARAM_FORMAT, PARAM_BUFFERS = 3, 4, 5
FORMAT_MEDIA_TYPE, FORMAT_MEDIA_SUBTYPE = 1, 2
FORMAT_VIDEO_FORMAT, FORMAT_VIDEO_SIZE, FORMAT_VIDEO_FRAMERATE = 0x20001, 0x20003, 0x20004
MEDIA_TYPE_VIDEO, MEDIA_SUBTYPE_RAW = 2, 1
CHOICE_NONE, CHOICE_RANGE, CHOICE_ENUM, CHOICE_FLAGS = 0, 1, 3, 4
BUFFERS_DATATYPE = 6
DATA_MEMPTR, DATA_MEMFD = 1, 2
VIDEO_RGBX, VIDEO_BGRX, VIDEO_RGBA, VIDEO_BGRA, VIDEO_RGB, VIDEO_BGR = 7, 8, 11, 12, 15, 16
# bytes per pixel and where blue, green, red sit in it
LAYOUTS = {
    VIDEO_BGRX: (4, (0, 1, 2)),
    VIDEO_BGRA: (4, (0, 1, 2)),
    VIDEO_RGBX: (4, (2, 1, 0)),
    VIDEO_RGBA: (4, (2, 1, 0)),
    VIDEO_RGB: (3, (2, 1, 0)),
    VIDEO_BGR: (3, (0, 1, 2)),
}
# pw_stream
DIRECTION_INPUT = 0
FLAG_AUTOCONNECT, FLAG_MAP_BUFFERS = 1 << 0, 1 << 2
STATE_ERROR, STATE_UNCONNECTED, STATE_CONNECTING, STATE_PAUSED, STATE_STREAMING = -1, 0, 1, 2, 3


# -- SPA pods (the binary format PipeWire negotiates in) ------------------------------------------
def _pad8(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) % 8)


def pod(kind: int, body: bytes) -> bytes:
    return _pad8(struct.pack("=II", len(body), kind) + body)


def pod_id(value: int) -> bytes:
    return pod(T_ID, struct.pack("=I", value))


def choice(kind: int, child: int, child_size: int, values: list[bytes]) -> bytes:
    body = struct.pack("=IIII", kind, 0, child_size, child) + b"".join(values)
    return pod(T_CHOICE, body)


def prop(key: int, value: bytes) -> bytes:
    return struct.pack("=II", key, 0) + value


def obj(kind: int, param: int, props: list[bytes]) -> bytes:
    return pod(T_OBJECT, struct.pack("=II", kind, param) + b"".join(props))


def enum_format() -> bytes:
    """EnumFormat: raw video in the RGB orders we can turn into BGRA, any size and rate."""
    formats = [VIDEO_BGRX, VIDEO_BGRX, VIDEO_BGRA, VIDEO_RGBX, VIDEO_RGBA, VIDEO_RGB, VIDEO_BGR]
    sizes = [(1280, 720), (1, 1), (16384, 16384)]
    rates = [(0, 1), (0, 1), (1000, 1)]
    return obj(
        OBJECT_FORMAT,
        PARAM_ENUM_FORMAT,
        [
            prop(FORMAT_MEDIA_TYPE, pod_id(MEDIA_TYPE_VIDEO)),
            prop(FORMAT_MEDIA_SUBTYPE, pod_id(MEDIA_SUBTYPE_RAW)),
            prop(
                FORMAT_VIDEO_FORMAT,
                choice(CHOICE_ENUM, T_ID, 4, [struct.pack("=I", f) for f in formats]),
            ),
            prop(
                FORMAT_VIDEO_SIZE,
                choice(CHOICE_RANGE, T_RECTANGLE, 8, [struct.pack("=II", *s) for s in sizes]),
            ),
            prop(
                FORMAT_VIDEO_FRAMERATE,
                choice(CHOICE_RANGE, T_FRACTION, 8, [struct.pack("=II", *r) for r in rates]),
            ),
        ],
    )


def buffers_param() -> bytes:
    """Buffers in memory we can read (shared memory), not GPU buffers."""
    flags = (1 << DATA_MEMPTR) | (1 << DATA_MEMFD)
    return obj(
        OBJECT_PARAM_BUFFERS,
        PARAM_BUFFERS,
        [prop(BUFFERS_DATATYPE, choice(CHOICE_FLAGS, T_INT, 4, [struct.pack("=i", flags)]))],
    )


def parse_format(data: bytes) -> tuple[int, int, int] | None:
    """(video format, width, height) from a negotiated Format object, or None."""
    if len(data) < 16:
        return None
    size, kind = struct.unpack_from("=II", data)
    if kind != T_OBJECT:
        return None
    end = 8 + size
    offset = 16
    found: dict[int, tuple[int, bytes]] = {}
    while offset + 16 <= end:
        key, _flags, vsize, vkind = struct.unpack_from("=IIII", data, offset)
        body = data[offset + 16 : offset + 16 + vsize]
        if vkind == T_CHOICE and len(body) >= 16:  # a fixed value may still be wrapped
            _ckind, _cflags, csize, ckind = struct.unpack_from("=IIII", body)
            vkind, body = ckind, body[16 : 16 + csize]
        found[key] = (vkind, body)
        offset += 16 + vsize + (-vsize % 8)
    fmt = found.get(FORMAT_VIDEO_FORMAT)
    dims = found.get(FORMAT_VIDEO_SIZE)
    if not fmt or not dims or fmt[0] != T_ID or dims[0] != T_RECTANGLE:
        return None
    (video,) = struct.unpack_from("=I", fmt[1])
    width, height = struct.unpack_from("=II", dims[1])
    return video, width, height


def to_bgra(raw: bytes, width: int, height: int, stride: int, video: int) -> bytes:
    """Tightly packed BGRA rows from one frame of a raw RGB video format."""
    import numpy as np

    size, (blue, green, red) = LAYOUTS[video]
    rows = np.frombuffer(raw, dtype=np.uint8, count=stride * height).reshape(height, stride)
    pixels = rows[:, : width * size].reshape(height, width, size)
    out = np.full((height, width, 4), 255, dtype=np.uint8)
    out[:, :, 0], out[:, :, 1], out[:, :, 2] = (
        pixels[:, :, blue],
        pixels[:, :, green],
        pixels[:, :, red],
    )
    return out.tobytes()


# -- libpipewire -----------------------------------------------------------------------------------
class _Chunk(ctypes.Structure):
    _fields_ = (
        ("offset", ctypes.c_uint32),
        ("size", ctypes.c_uint32),
        ("stride", ctypes.c_int32),
        ("flags", ctypes.c_int32),
    )


class _Data(ctypes.Structure):
    _fields_ = (
        ("type", ctypes.c_uint32),
        ("flags", ctypes.c_uint32),
        ("fd", ctypes.c_int64),
        ("mapoffset", ctypes.c_uint32),
        ("maxsize", ctypes.c_uint32),
        ("data", ctypes.c_void_p),
        ("chunk", ctypes.POINTER(_Chunk)),
    )


class _SpaBuffer(ctypes.Structure):
    _fields_ = (
        ("n_metas", ctypes.c_uint32),
        ("n_datas", ctypes.c_uint32),
        ("metas", ctypes.c_void_p),
        ("datas", ctypes.POINTER(_Data)),
    )


class _PwBuffer(ctypes.Structure):
    _fields_ = (
        ("buffer", ctypes.POINTER(_SpaBuffer)),
        ("user_data", ctypes.c_void_p),
        ("size", ctypes.c_uint64),
    )


_VOID = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
_STATE = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_char_p)
_PARAM = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_uint32, ctypes.c_void_p)
_BUFFER = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)


class _Events(ctypes.Structure):
    """struct pw_stream_events, version 2 (PipeWire 0.3.x)."""

    _fields_ = (
        ("version", ctypes.c_uint32),
        ("destroy", _VOID),
        ("state_changed", _STATE),
        ("control_info", ctypes.c_void_p),
        ("io_changed", ctypes.c_void_p),
        ("param_changed", _PARAM),
        ("add_buffer", ctypes.c_void_p),
        ("remove_buffer", _BUFFER),
        ("process", _VOID),
        ("drained", ctypes.c_void_p),
        ("command", ctypes.c_void_p),
        ("trigger_done", ctypes.c_void_p),
    )


_LIB: ctypes.CDLL | None = None


def library() -> ctypes.CDLL:
    """libpipewire-0.3, loaded once; `GrabFailed` with the package to install when absent."""
    global _LIB
    if _LIB is None:
        name = ctypes.util.find_library("pipewire-0.3") or "libpipewire-0.3.so.0"
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            raise GrabFailed(
                "libpipewire-0.3 is missing; install PipeWire (libpipewire-0.3-0)"
            ) from None
        vp = ctypes.c_void_p
        for fname, restype, argtypes in (
            ("pw_init", None, [vp, vp]),
            ("pw_thread_loop_new", vp, [ctypes.c_char_p, vp]),
            ("pw_thread_loop_get_loop", vp, [vp]),
            ("pw_thread_loop_start", ctypes.c_int, [vp]),
            ("pw_thread_loop_stop", None, [vp]),
            ("pw_thread_loop_destroy", None, [vp]),
            ("pw_thread_loop_lock", None, [vp]),
            ("pw_thread_loop_unlock", None, [vp]),
            ("pw_context_new", vp, [vp, vp, ctypes.c_size_t]),
            ("pw_context_destroy", None, [vp]),
            ("pw_context_connect_fd", vp, [vp, ctypes.c_int, vp, ctypes.c_size_t]),
            ("pw_context_connect", vp, [vp, vp, ctypes.c_size_t]),
            ("pw_core_disconnect", ctypes.c_int, [vp]),
            ("pw_stream_new", vp, [vp, ctypes.c_char_p, vp]),
            ("pw_stream_add_listener", None, [vp, vp, vp, vp]),
            (
                "pw_stream_connect",
                ctypes.c_int,
                [vp, ctypes.c_int, ctypes.c_uint32, ctypes.c_int, vp, ctypes.c_uint32],
            ),
            ("pw_stream_update_params", ctypes.c_int, [vp, vp, ctypes.c_uint32]),
            ("pw_stream_disconnect", ctypes.c_int, [vp]),
            ("pw_stream_destroy", None, [vp]),
            ("pw_stream_dequeue_buffer", ctypes.POINTER(_PwBuffer), [vp]),
            ("pw_stream_queue_buffer", ctypes.c_int, [vp, ctypes.POINTER(_PwBuffer)]),
        ):
            function = getattr(lib, fname)
            function.restype = restype
            function.argtypes = argtypes
        lib.pw_properties_new.restype = vp  # variadic: key, value, ..., NULL
        lib.pw_init(None, None)
        _LIB = lib
    return _LIB


@dataclass
class Frame:
    width: int
    height: int
    bgra: bytes


class VideoStream:
    """One PipeWire video stream, consumed from its node (see the module's docstring).

    `fd`: the PipeWire connection the portal opened for us (None: the user's PipeWire)."""

    def __init__(self, node_id: int, fd: int | None = None, *, name: str = "memloci") -> None:
        lib = library()
        self._lib = lib
        self.node_id = node_id
        self.state = STATE_UNCONNECTED
        self.error = ""
        self.format: tuple[int, int, int] | None = None
        self.frames = 0
        self._held: ctypes._Pointer[_PwBuffer] | None = None  # the newest buffer, kept
        self._changed = threading.Event()
        self._loop = lib.pw_thread_loop_new(name.encode(), None)
        if not self._loop:
            raise GrabFailed("PipeWire could not start its loop")
        self._context = lib.pw_context_new(lib.pw_thread_loop_get_loop(self._loop), None, 0)
        if fd is not None:
            self._core = lib.pw_context_connect_fd(self._context, fd, None, 0)
        else:
            self._core = lib.pw_context_connect(self._context, None, 0)
        if not self._core:
            self._destroy_loop()
            raise GrabFailed("cannot connect to PipeWire")
        vp, cp = ctypes.c_void_p, ctypes.c_char_p
        props = lib.pw_properties_new(
            cp(b"media.type"), cp(b"Video"), cp(b"media.category"), cp(b"Capture"),
            cp(b"media.role"), cp(b"Screen"), vp(None),
        )  # fmt: skip
        # The node is named by its id in pw_stream_connect (what the portal hands out);
        # target.object would take it for an object serial, which differs once ids are reused.
        self._stream = lib.pw_stream_new(self._core, name.encode(), props)
        # Kept alive for as long as the stream: PipeWire calls into them from its thread.
        self._callbacks = (
            _VOID(self._on_destroy),
            _STATE(self._on_state),
            _PARAM(self._on_param),
            _VOID(self._on_process),
            _BUFFER(self._on_remove_buffer),
        )
        self._events = _Events(
            version=2,
            destroy=self._callbacks[0],
            state_changed=self._callbacks[1],
            param_changed=self._callbacks[2],
            process=self._callbacks[3],
            remove_buffer=self._callbacks[4],
        )
        self._hook = ctypes.create_string_buffer(128)  # struct spa_hook, zeroed
        lib.pw_stream_add_listener(self._stream, self._hook, ctypes.byref(self._events), None)
        self._params = [ctypes.create_string_buffer(enum_format())]
        array = (ctypes.c_void_p * 1)(ctypes.addressof(self._params[0]))
        lib.pw_thread_loop_lock(self._loop)
        try:
            result = lib.pw_stream_connect(
                self._stream,
                DIRECTION_INPUT,
                node_id,
                FLAG_AUTOCONNECT | FLAG_MAP_BUFFERS,
                array,
                1,
            )
        finally:
            lib.pw_thread_loop_unlock(self._loop)
        if result < 0:
            self.close()
            raise GrabFailed(f"cannot connect to the PipeWire stream {node_id} ({result})")
        lib.pw_thread_loop_start(self._loop)

    # -- PipeWire's thread ------------------------------------------------------------------------
    def _on_destroy(self, _data: int) -> None:
        self._stream = None

    def _on_state(self, _data: int, _old: int, state: int, error: bytes | None) -> None:
        self.state = state
        if state == STATE_ERROR:
            self.error = (error or b"").decode("utf-8", "replace")
        self._changed.set()

    def _on_param(self, _data: int, param_id: int, param: int | None) -> None:
        if param_id != PARAM_FORMAT or not param:
            return
        size = struct.unpack("=I", ctypes.string_at(param, 4))[0]
        self.format = parse_format(ctypes.string_at(param, 8 + size))
        buffers = ctypes.create_string_buffer(buffers_param())
        self._params.append(buffers)
        array = (ctypes.c_void_p * 1)(ctypes.addressof(buffers))
        self._lib.pw_stream_update_params(self._stream, array, 1)

    def _on_remove_buffer(self, _data: int, buffer: int) -> None:
        if self._held is not None and ctypes.addressof(self._held.contents) == buffer:
            self._held = None  # renegotiated or closing: that memory goes away

    def _on_process(self, _data: int) -> None:
        """Keep the newest buffer, give back the one kept before."""
        newest = None
        while True:
            buffer = self._lib.pw_stream_dequeue_buffer(self._stream)
            if not buffer:
                break
            if newest is not None:
                self._lib.pw_stream_queue_buffer(self._stream, newest)
            newest = buffer
        if newest is None:
            return
        if self._held is not None:
            self._lib.pw_stream_queue_buffer(self._stream, self._held)
        self._held = newest
        self.frames += 1
        self._changed.set()

    # -- the caller's thread ----------------------------------------------------------------------
    def wait_ready(self, timeout: float) -> None:
        """Until the first frame arrived, or `GrabFailed` with why not."""
        deadline = time.monotonic() + timeout
        while self.frames == 0:
            if self.state == STATE_ERROR:
                raise GrabFailed(f"the screen-sharing stream failed: {self.error}")
            left = deadline - time.monotonic()
            if left <= 0:
                raise GrabFailed("the screen-sharing stream sent no frame")
            self._changed.wait(min(left, 0.2))
            self._changed.clear()

    def latest(self) -> Frame:
        """A copy of the newest frame as tightly packed BGRA rows."""
        lib = self._lib
        lib.pw_thread_loop_lock(self._loop)
        try:
            if self._held is None or self.format is None:
                raise GrabFailed("no frame from the screen-sharing stream yet")
            video, width, height = self.format
            spa = self._held.contents.buffer.contents
            if spa.n_datas < 1:
                raise GrabFailed("an empty frame")
            data = spa.datas[0]
            chunk = data.chunk.contents
            if not data.data:
                raise GrabFailed("the frame is not in memory we can read (GPU buffer)")
            if video not in LAYOUTS:
                raise GrabFailed(f"unexpected video format {video}")
            stride = chunk.stride or width * LAYOUTS[video][0]
            raw = ctypes.string_at(data.data + chunk.offset, stride * height)
        finally:
            lib.pw_thread_loop_unlock(self._loop)
        return Frame(width, height, to_bgra(raw, width, height, stride, video))

    def close(self) -> None:
        lib = self._lib
        if self._loop:
            lib.pw_thread_loop_stop(self._loop)
        if self._stream:
            lib.pw_stream_disconnect(self._stream)
            lib.pw_stream_destroy(self._stream)
            self._stream = None
        if self._core:
            lib.pw_core_disconnect(self._core)
            self._core = None
        self._destroy_loop()

    def _destroy_loop(self) -> None:
        lib = self._lib
        if getattr(self, "_context", None):
            lib.pw_context_destroy(self._context)
            self._context = None
        if self._loop:
            lib.pw_thread_loop_destroy(self._loop)
            self._loop = None
