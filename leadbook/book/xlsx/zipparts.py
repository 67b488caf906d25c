"""The zip layer of the package writer: members read through zipfile, unchanged ones copied as
their compressed bytes (no inflate/deflate), changed ones deflated once.

Only public `ZipInfo` fields are read; the local records are copied verbatim and the central
directory and end records are written here (ZIP64 when the sizes or counts need it).
"""

from __future__ import annotations

import shutil
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from leadbook.core.problems import LeadbookError

try:  # ISA-L deflates about 15x faster than zlib level 6 (output ~25 % larger)
    from isal import isal_zlib as fast_zlib

    LEVEL = 1
except ImportError:  # pragma: no cover - the wheel is missing on this platform
    fast_zlib, LEVEL = zlib, 1

CHUNK = 1 << 20
_LOCAL = struct.Struct("<4s5H3L2H")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_END = struct.Struct("<4s4H2LH")
_END64 = struct.Struct("<4sQ2H2L4Q")
_LOCATOR64 = struct.Struct("<4sLQL")
_MAX32, _MAX16 = 0xFFFFFFFF, 0xFFFF


@dataclass
class Deflated:
    """A changed member, already compressed into a spool file."""

    data: tempfile.SpooledTemporaryFile
    crc: int
    size: int
    compressed: int


def deflate(chunks: Iterable[bytes]) -> Deflated:
    spool = tempfile.SpooledTemporaryFile(max_size=16 << 20)  # noqa: SIM115 (closed by ZipParts.close)
    packer = fast_zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    crc = size = 0
    for chunk in chunks:
        crc, size = zlib.crc32(chunk, crc), size + len(chunk)
        spool.write(packer.compress(chunk))
    spool.write(packer.flush())
    return Deflated(spool, crc, size, spool.tell())


class ZipParts:
    """The members of an .xlsx read from `source`; changes kept (deflated) until `save`."""

    def __init__(self, source: Path) -> None:
        self.source = Path(source)
        self._zip = zipfile.ZipFile(self.source)
        self._infos = {i.filename: i for i in self._zip.infolist() if not i.is_dir()}
        self._changed: dict[str, Deflated] = {}
        self._removed: set[str] = set()

    def names(self) -> list[str]:
        kept = [n for n in self._infos if n not in self._removed]
        return kept + [n for n in self._changed if n not in self._infos]

    def read(self, name: str) -> bytes:
        return b"".join(self.chunks(name))

    def chunks(self, name: str) -> Iterator[bytes]:
        if name in self._changed:
            member = self._changed[name]
            member.data.seek(0)
            unpack = zlib.decompressobj(-15)
            while block := member.data.read(CHUNK):
                yield unpack.decompress(block)
            yield unpack.flush()
            return
        with self._zip.open(name) as f:
            while chunk := f.read(CHUNK):
                yield chunk

    def fingerprint(self, name: str) -> tuple | None:
        """What identifies a member's content as read from the file (its file's path, inode, size and
        time; its own CRC and size); None once it is changed or removed here, or if absent."""
        info = self._infos.get(name)
        if info is None or name in self._changed or name in self._removed:
            return None
        st = self.source.stat()
        return (
            str(self.source.resolve()),
            st.st_ino,
            st.st_size,
            st.st_mtime_ns,
            name,
            info.CRC,
            info.file_size,
        )

    def changed(self) -> set[str]:
        """The members written or removed (every other one is copied as its compressed bytes)."""
        return set(self._changed) | self._removed

    def write(self, name: str, data: bytes | Iterable[bytes]) -> None:
        info = self._infos.get(name)
        self._removed.discard(name)
        previous = self._changed.pop(name, None)
        if previous is not None:
            previous.data.close()
        if isinstance(data, bytes) and info is not None and self._as_read(info, data):
            return  # the content it had (even if removed or written since): the original's compressed bytes
        self._changed[name] = deflate([data] if isinstance(data, bytes) else data)

    def _as_read(self, info: zipfile.ZipInfo, data: bytes) -> bool:
        """Whether `data` is the member's content in the file (size and CRC first, then the bytes)."""
        if (len(data), zlib.crc32(data)) != (info.file_size, info.CRC):
            return False
        with self._zip.open(info) as f:
            return f.read() == data

    def remove(self, name: str) -> None:
        self._removed.add(name)
        member = self._changed.pop(name, None)
        if member is not None:
            member.data.close()

    def save(self, target: Path) -> None:
        """Write the package: unchanged members as their compressed bytes, in the original order."""
        entries = []
        with open(self.source, "rb") as src, open(target, "wb") as out:
            for name in self.names():
                offset = out.tell()
                if name in self._changed:
                    info = self._infos.get(name) or zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
                    entries.append(_write_new(out, info, self._changed[name], offset))
                else:
                    entries.append(_copy_record(src, out, self._infos[name], offset))
            _write_central(out, entries)

    def close(self) -> None:
        self._zip.close()
        for member in self._changed.values():
            member.data.close()


@dataclass
class _Entry:
    info: zipfile.ZipInfo
    offset: int
    crc: int
    compressed: int
    size: int
    method: int
    flags: int


def _copy_record(src, out, info: zipfile.ZipInfo, offset: int) -> _Entry:
    if info.flag_bits & 1:
        raise LeadbookError(
            f"{info.filename} in the workbook is encrypted; save it without a password and run again"
        )
    src.seek(info.header_offset)
    local = src.read(_LOCAL.size)
    if local[:4] != b"PK\x03\x04":
        raise LeadbookError(
            "the workbook's zip structure is damaged; open and save it in Excel, then run again"
        )
    name_len, extra_len = struct.unpack("<HH", local[26:30])
    length = _LOCAL.size + name_len + extra_len + info.compress_size
    src.seek(info.header_offset)
    out.write(local)
    _copy_bytes(src, out, info.header_offset + _LOCAL.size, length - _LOCAL.size)
    if info.flag_bits & 8:  # a data descriptor follows: with or without signature, 32- or 64-bit sizes
        head = src.read(4)
        zip64 = info.compress_size >= _MAX32 or info.file_size >= _MAX32
        size = (24 if zip64 else 16) if head == b"PK\x07\x08" else (20 if zip64 else 12)
        out.write(head + src.read(size - 4))
    return _Entry(
        info, offset, info.CRC, info.compress_size, info.file_size, info.compress_type, info.flag_bits
    )


def _copy_bytes(src, out, start: int, length: int) -> None:
    src.seek(start)
    while length > 0:
        block = src.read(min(CHUNK, length))
        if not block:
            raise LeadbookError(
                "the workbook's zip structure is damaged; open and save it in Excel, then run again"
            )
        out.write(block)
        length -= len(block)


def _name_bytes(info: zipfile.ZipInfo) -> tuple[bytes, int]:
    try:
        return info.filename.encode("ascii"), info.flag_bits & ~0x800
    except UnicodeEncodeError:
        return info.filename.encode("utf-8"), info.flag_bits | 0x800


def _dos_time(info: zipfile.ZipInfo) -> tuple[int, int]:
    y, mo, d, h, mi, s = info.date_time
    return (h << 11) | (mi << 5) | (s // 2), ((y - 1980) << 9) | (mo << 5) | d


def _write_new(out, info: zipfile.ZipInfo, member: Deflated, offset: int) -> _Entry:
    name, flags = _name_bytes(info)
    flags &= ~0x8 & ~0x1  # sizes in the header, not encrypted
    big = member.size >= _MAX32 or member.compressed >= _MAX32
    extra = struct.pack("<HHQQ", 1, 16, member.size, member.compressed) if big else b""
    sizes = (_MAX32, _MAX32) if big else (member.compressed, member.size)
    time, date = _dos_time(info)
    out.write(
        _LOCAL.pack(
            b"PK\x03\x04", 45 if big else 20, flags, 8, time, date, member.crc, *sizes, len(name), len(extra)
        )
    )
    out.write(name + extra)
    member.data.seek(0)
    shutil.copyfileobj(member.data, out, CHUNK)
    return _Entry(info, offset, member.crc, member.compressed, member.size, 8, flags)


def _strip_zip64(extra: bytes) -> bytes:
    """The extra field without its ZIP64 record (rebuilt from the real sizes and offset)."""
    kept, i = b"", 0
    while i + 4 <= len(extra):
        tag, size = struct.unpack("<HH", extra[i : i + 4])
        if tag != 1:
            kept += extra[i : i + 4 + size]
        i += 4 + size
    return kept


def _central(entry: _Entry) -> bytes:
    info = entry.info
    name, flags = _name_bytes(info)
    flags = (entry.flags & ~0x800) | (flags & 0x800)
    big = [v for v in (entry.size, entry.compressed, entry.offset) if v >= _MAX32]
    extra = _strip_zip64(info.extra)
    if big:
        extra = struct.pack("<HH", 1, 8 * len(big)) + b"".join(struct.pack("<Q", v) for v in big) + extra
    time, date = _dos_time(info)
    comment = info.comment or b""
    made = (info.create_system << 8) | (info.create_version if info.create_version else 20)
    fields = [min(v, _MAX32) if v >= _MAX32 else v for v in (entry.compressed, entry.size)]
    return (
        _CENTRAL.pack(
            b"PK\x01\x02",
            made,
            max(info.extract_version, 45 if big else 20),
            flags,
            entry.method,
            time,
            date,
            entry.crc,
            fields[0],
            fields[1],
            len(name),
            len(extra),
            len(comment),
            0,
            info.internal_attr,
            info.external_attr,
            min(entry.offset, _MAX32),
        )  # fmt: skip
        + name
        + extra
        + comment
    )


def _write_central(out, entries: list[_Entry]) -> None:
    start = out.tell()
    for entry in entries:
        out.write(_central(entry))
    size, count = out.tell() - start, len(entries)
    if count >= _MAX16 or start >= _MAX32 or size >= _MAX32:
        end64 = out.tell()
        out.write(_END64.pack(b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, size, start))
        out.write(_LOCATOR64.pack(b"PK\x06\x07", 0, end64, 1))
    out.write(
        _END.pack(
            b"PK\x05\x06",
            0,
            0,
            min(count, _MAX16),
            min(count, _MAX16),
            min(size, _MAX32),
            min(start, _MAX32),
            0,
        )
    )
