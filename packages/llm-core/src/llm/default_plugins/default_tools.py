"""The tools llm ships with: llm_version and llm_time."""

from __future__ import annotations

import datetime
import time

from llm.hookspecs import hookimpl


def llm_version() -> str:
    "Return the installed version of llm"
    from llm.versions import llm_version as version

    return version()


def llm_time() -> dict:
    "Returns the current time, as local time and UTC"
    now = datetime.datetime.now()
    utc = datetime.datetime.now(datetime.timezone.utc)
    return {
        "utc_time": utc.strftime("%Y-%m-%d %H:%M:%S UTC"),
        "utc_time_iso": utc.isoformat(),
        "local_timezone": time.tzname[time.localtime().tm_isdst > 0],
        "local_time": now.strftime("%Y-%m-%d %H:%M:%S"),
        "timezone_offset": now.astimezone().strftime("UTC%z"),
        "is_dst": bool(time.localtime().tm_isdst),
    }


@hookimpl
def register_tools(register):
    register(llm_version)
    register(llm_time)
