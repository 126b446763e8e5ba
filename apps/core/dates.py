"""Calendar arithmetic that knows no domain."""

import calendar
import datetime


def add_months(day, months):
    """`day` moved by whole months, clamped to the month's last day (31 Aug + 6 → 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
