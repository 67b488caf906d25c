"""Reading and writing the workbook's sheets: one interface, a file and a live backend."""

from leadbook.book.base import Book, frame_from_rows

__all__ = ["Book", "frame_from_rows"]
