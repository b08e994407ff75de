"""Points in time given on the command line: ``30d``, ``12h``, ``2w`` ago, or a date.

They become UTC timestamps in the form ``responses.datetime_utc`` is stored in
(``2026-01-31T10:00:00``), so comparing them with stored values as text works
for every format the logs have held (with or without fractions and offsets).
"""

from __future__ import annotations

import datetime
import re

UNITS = {"h": "hours", "d": "days", "w": "weeks"}
_AGO = re.compile(r"^\s*(\d+)\s*([hdw])\s*$", re.IGNORECASE)


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def parse_point(text: str, now: datetime.datetime | None = None) -> str:
    """The UTC timestamp ``text`` names: a duration ago (``30d``) or a date/time.

    Dates and times without an offset are taken as UTC; ``2025-06-30`` means
    the start of that day. Anything else raises ValueError saying what is expected.
    """
    now = now or utc_now()
    match = _AGO.match(text)
    if match:
        amount, unit = int(match.group(1)), match.group(2).lower()
        try:
            moment = now - datetime.timedelta(**{UNITS[unit]: amount})
        except OverflowError:
            raise ValueError(f"{text!r} reaches back before the year 1") from None
    else:
        try:
            moment = datetime.datetime.fromisoformat(
                text.strip().replace("Z", "+00:00")
            )
        except ValueError:
            raise ValueError(
                f"{text!r} should be a duration like 30d, 12h or 2w, or a date "
                "like 2025-06-30 (UTC)"
            ) from None
        if moment.tzinfo is not None:
            moment = moment.astimezone(datetime.timezone.utc)
    return moment.replace(tzinfo=None).isoformat(timespec="seconds")
