import io
import zipfile

from leadbook.book.xlsx.zipparts import ZipParts


class Unseekable(io.RawIOBase):
    """A write-only stream: zipfile then writes data descriptors (flag bit 3) after each member."""

    def __init__(self) -> None:
        self.buffer = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.buffer += data
        return len(data)


def raw_records(path) -> dict[str, bytes]:
    data = path.read_bytes()
    with zipfile.ZipFile(path) as z:
        return {
            i.filename: data[i.header_offset : i.header_offset + 30 + len(i.filename) + i.compress_size + 64]
            for i in z.infolist()
        }


def test_unchanged_members_keep_their_compressed_bytes_and_changed_ones_read_back(tmp_path):
    stream = Unseekable()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.xml", b"<a>" + b"x" * 5000 + b"</a>")
        z.writestr("b.bin", bytes(range(256)) * 40, compress_type=zipfile.ZIP_STORED)
        z.writestr("dir/\u00e9t\u00e9.xml", b"<summer/>")
        z.writestr("c.xml", b"<c/>")
    source = tmp_path / "s.zip"
    source.write_bytes(bytes(stream.buffer))
    with zipfile.ZipFile(source) as z:
        assert all(i.flag_bits & 8 for i in z.infolist())
    parts = ZipParts(source)
    parts.write("c.xml", [b"<c>", b"new</c>"])
    parts.write("d.xml", b"<d/>")
    parts.remove("b.bin")
    assert parts.read("c.xml") == b"<c>new</c>"
    target = tmp_path / "t.zip"
    parts.save(target)
    parts.close()
    with zipfile.ZipFile(target) as z:
        assert z.testzip() is None
        assert z.namelist() == ["a.xml", "dir/\u00e9t\u00e9.xml", "c.xml", "d.xml"]
        assert z.read("c.xml") == b"<c>new</c>" and z.read("d.xml") == b"<d/>"
        assert z.read("dir/\u00e9t\u00e9.xml") == b"<summer/>"
    before, after = raw_records(source), raw_records(target)
    with zipfile.ZipFile(source) as z:
        size = z.getinfo("a.xml").compress_size
    assert after["a.xml"][: 30 + 5 + size] == before["a.xml"][: 30 + 5 + size]


def test_a_member_removed_or_rewritten_and_then_given_its_content_again_is_unchanged(tmp_path):
    """A rebuild that removes a part and writes it back as it was (the Summary's chart parts, made
    again from the same figures) leaves nothing changed: the file would be the same bytes."""
    source = tmp_path / "a.xlsx"
    with zipfile.ZipFile(source, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", b"<Types/>")
        z.writestr("xl/charts/chart1.xml", b"<chart>" + b"x" * 500 + b"</chart>")
        z.writestr("xl/other.xml", b"<other/>")
    parts = ZipParts(source)
    chart = parts.read("xl/charts/chart1.xml")
    parts.remove("xl/charts/chart1.xml")
    parts.write("xl/charts/chart1.xml", chart)
    parts.write("xl/other.xml", b"<other changed='1'/>")
    parts.write("xl/other.xml", b"<other/>")
    assert parts.changed() == set()
    parts.write("xl/other.xml", b"<other/ >")  # a different content is a change
    assert parts.changed() == {"xl/other.xml"}
    target = tmp_path / "b.xlsx"
    parts.save(target)
    parts.close()
    assert _record(target, "xl/charts/chart1.xml") == _record(source, "xl/charts/chart1.xml")
    with zipfile.ZipFile(target) as z:
        assert z.read("xl/other.xml") == b"<other/ >" and z.namelist() == [
            "[Content_Types].xml", "xl/charts/chart1.xml", "xl/other.xml"
        ]  # fmt: skip


def _record(path, name: str) -> bytes:
    """A member's local record as stored: header, name, extra field and compressed bytes."""
    data = path.read_bytes()
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(name)
    start = info.header_offset
    return data[start : start + 30 + len(info.filename.encode()) + len(info.extra) + info.compress_size]
