"""A stand-in package (zipfile-based, recompresses every member) until the raw-copy Package lands."""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

CHUNK = 1 << 20


class ZipParts:
    """The members of an .xlsx read from `source`; changes kept until `save`."""

    def __init__(self, source: Path) -> None:
        self.source = Path(source)
        self._zip = zipfile.ZipFile(self.source)
        self._names = [i.filename for i in self._zip.infolist() if not i.is_dir()]
        self._changed: dict[str, bytes | tempfile.SpooledTemporaryFile] = {}
        self._removed: set[str] = set()

    def names(self) -> list[str]:
        extra = [n for n in self._changed if n not in self._names]
        return [n for n in self._names if n not in self._removed] + extra

    def read(self, name: str) -> bytes:
        if name in self._changed:
            data = self._changed[name]
            if isinstance(data, bytes):
                return data
            data.seek(0)
            return data.read()
        return self._zip.read(name)

    def chunks(self, name: str) -> Iterator[bytes]:
        if name in self._changed:
            yield self.read(name)
            return
        with self._zip.open(name) as f:
            while chunk := f.read(CHUNK):
                yield chunk

    def write(self, name: str, data: bytes | Iterable[bytes]) -> None:
        self._removed.discard(name)
        if isinstance(data, bytes):
            self._changed[name] = data
            return
        spool = tempfile.SpooledTemporaryFile(max_size=16 << 20)  # noqa: SIM115 (closed in close())
        for chunk in data:
            spool.write(chunk)
        self._changed[name] = spool

    def remove(self, name: str) -> None:
        self._removed.add(name)
        self._changed.pop(name, None)

    def save(self, target: Path) -> None:
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
            for name in self.names():
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                with out.open(info, "w", force_zip64=True) as dst:  # sizes unknown up front
                    data = self._changed.get(name)
                    if isinstance(data, bytes):
                        dst.write(data)
                    elif data is not None:
                        data.seek(0)
                        shutil.copyfileobj(data, dst, CHUNK)
                    else:
                        with self._zip.open(name) as src:
                            shutil.copyfileobj(src, dst, CHUNK)

    def close(self) -> None:
        self._zip.close()
        for data in self._changed.values():
            if not isinstance(data, bytes):
                data.close()
