"""Is a GGUF file whole? A structural check in Python, before llama.cpp sees the file.

It reads the header, the metadata and the tensor table (no tensor data) and checks that every
tensor lies inside the file: a download cut short or a file overwritten with something else is
found with a sentence, in about 0.1 s, instead of llama.cpp's generic failure (or, for some
damage, a crash inside the native library). It cannot see flipped bits inside the weights; no
GGUF checksum exists for that.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO

MAGIC = b"GGUF"
DEFAULT_ALIGNMENT = 32
MAX_COUNT = 1 << 24  # more tensors or metadata entries than any real model has
MAX_STRING = 1 << 26

# ggml tensor types whose sizes are certain: type id -> (elements per block, bytes per block).
# Other types are checked by their offset only (a wrong size here would flag a good file).
BLOCKS = {
    0: (1, 4),  # F32
    1: (1, 2),  # F16
    2: (32, 18),  # Q4_0
    3: (32, 20),  # Q4_1
    6: (32, 22),  # Q5_0
    7: (32, 24),  # Q5_1
    8: (32, 34),  # Q8_0
    10: (256, 84),  # Q2_K
    11: (256, 110),  # Q3_K
    12: (256, 144),  # Q4_K
    13: (256, 176),  # Q5_K
    14: (256, 210),  # Q6_K
    24: (1, 1),  # I8
    25: (1, 2),  # I16
    26: (1, 4),  # I32
    27: (1, 8),  # I64
    28: (1, 8),  # F64
    30: (1, 2),  # BF16
}
# Metadata value types: fixed sizes; 8 = string, 9 = array.
SCALARS = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}


class Damaged(Exception):
    """What is wrong with the file, in a few words."""


class _Reader:
    def __init__(self, handle: BinaryIO, size: int) -> None:
        self.handle = handle
        self.size = size

    def take(self, count: int) -> bytes:
        data = self.handle.read(count)
        if len(data) != count:
            raise Damaged("it ends in the middle of its header (the file is cut short)")
        return data

    def u32(self) -> int:
        return int(struct.unpack("<I", self.take(4))[0])

    def u64(self) -> int:
        return int(struct.unpack("<Q", self.take(8))[0])

    def string(self) -> bytes:
        length = self.u64()
        if length > MAX_STRING or length > self.size:
            raise Damaged("its header holds an impossible string length")
        return self.take(length)

    def skip(self, count: int) -> None:
        if self.handle.tell() + count > self.size:
            raise Damaged("it ends in the middle of its header (the file is cut short)")
        self.handle.seek(count, 1)

    def value(self, kind: int, depth: int = 0) -> int | None:
        """Skip one metadata value; return it when it is an unsigned integer (alignment)."""
        if kind in SCALARS:
            data = self.take(SCALARS[kind])
            return int.from_bytes(data, "little") if kind in (4, 10) else None
        if kind == 8:
            self.string()
            return None
        if kind == 9 and depth < 4:
            item, count = self.u32(), self.u64()
            if count > self.size:
                raise Damaged("its header holds an impossible array length")
            if item in SCALARS:
                self.skip(SCALARS[item] * count)
            else:
                for _ in range(count):
                    self.value(item, depth + 1)
            return None
        raise Damaged(f"its header holds an unknown value type ({kind})")


def problem(path: Path) -> str | None:
    """None when the file is a whole GGUF file, else what is wrong with it."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            return _check(_Reader(handle, size))
    except Damaged as damage:
        return str(damage)
    except OSError as error:
        return f"it cannot be read ({error.strerror or error})"


def _check(reader: _Reader) -> str | None:
    if reader.take(4) != MAGIC:
        return "it is not a GGUF file"
    version = reader.u32()
    if version not in (2, 3):
        return f"it is GGUF version {version}, which this check does not know"
    tensors, entries = reader.u64(), reader.u64()
    if tensors > MAX_COUNT or entries > MAX_COUNT:
        return "its header counts are impossible"
    alignment = DEFAULT_ALIGNMENT
    for _ in range(entries):
        key = reader.string()
        found = reader.value(reader.u32())
        if key == b"general.alignment" and found:
            alignment = found
    end = 0
    for _ in range(tensors):
        reader.string()
        dims = reader.u32()
        if dims > 8:
            return "its tensor table is damaged"
        elements = 1
        for _ in range(dims):
            elements *= reader.u64()
        kind, offset = reader.u32(), reader.u64()
        block = BLOCKS.get(kind)
        length = 0 if block is None else -(-elements // block[0]) * block[1]
        end = max(end, offset + length)
    start = -(-reader.handle.tell() // alignment) * alignment
    if start + end > reader.size:
        missing = start + end - reader.size
        return f"{missing:,} bytes of its weights are missing (the file is cut short)"
    return None
