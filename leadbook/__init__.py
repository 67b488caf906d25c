"""leadbook: lead qualifying and follow-up in your own Excel workbook."""

__version__ = "0.1.0"
