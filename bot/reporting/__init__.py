"""The post-incident report: built from one incident's timeline, rendered as Markdown or PDF."""

from bot.reporting.model import ForeignRecordError, Report, build_report

__all__ = ["ForeignRecordError", "Report", "build_report"]
