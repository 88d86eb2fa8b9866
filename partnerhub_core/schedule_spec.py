"""The options of a digest subscription or a scheduled report, parsed from the words people
type (``ScheduleSpec.parse``): frequency, day, time, time zone, scope, language, alerts."""
from __future__ import annotations

from dataclasses import dataclass, field

from partnerhub_core.errors import BadInput, RegionNames
from partnerhub_core.i18n import N_, is_supported, normalize_locale
from partnerhub_core.models import AlertKind, Frequency, Region
from partnerhub_core.schedule_time import When, zone

WEEKDAYS = {
    "mon": 0, "monday": 0, "seg": 0, "lun": 0,
    "tue": 1, "tuesday": 1, "ter": 1, "mar": 1,
    "wed": 2, "wednesday": 2, "qua": 2, "mie": 2, "mié": 2,
    "thu": 3, "thursday": 3, "qui": 3, "jue": 3,
    "fri": 4, "friday": 4, "sex": 4, "vie": 4,
    "sat": 5, "saturday": 5, "sab": 5, "sáb": 5,
    "sun": 6, "sunday": 6, "dom": 6,
}

# Words people type for each alert; the first is the canonical short name.
ALERT_WORDS: dict[str, AlertKind] = {
    "expiring": AlertKind.EXPIRING,
    "trials": AlertKind.EXPIRING,
    "overage": AlertKind.OVERAGE,
    "over": AlertKind.OVERAGE,
    "low": AlertKind.LOW_ASSIGNMENT,
    "low_assignment": AlertKind.LOW_ASSIGNMENT,
    "spikes": AlertKind.ABANDONED_SPIKE,
    "spike": AlertKind.ABANDONED_SPIKE,
    "abandoned": AlertKind.ABANDONED_SPIKE,
    "abandoned_spike": AlertKind.ABANDONED_SPIKE,
}
ALL_ALERTS = [k.value for k in AlertKind]


@dataclass
class ScheduleSpec:
    """Options of a digest subscription or a scheduled report, from command words:

    ``daily|weekly|monthly  on:mon|on:31  at:09:00  tz:America/Sao_Paulo
    alerts:expiring,overage,low,spikes  tag:NAME  region:EU  lang:pt-BR  quiet``
    """

    frequency: str = Frequency.WEEKLY
    weekday: int = 0
    day_of_month: int = 1
    hour: int = 9
    minute: int = 0
    timezone: str | None = None  # None: the caller's default
    alerts: list[str] = field(default_factory=lambda: list(ALL_ALERTS))
    tag: str | None = None
    region: str | None = None
    language: str | None = None
    quiet_when_empty: bool = False
    words: list[str] = field(default_factory=list)  # positional words left over

    @classmethod
    def parse(cls, tokens: list[str]) -> "ScheduleSpec":
        spec = cls()
        day_word: str | None = None
        for raw in tokens:
            token = raw.strip()
            if not token:
                continue
            low = token.lower()
            if low in ("daily", "weekly", "monthly"):
                spec.frequency = Frequency(low)
            elif low in ("quiet", "quiet:yes", "silent"):
                spec.quiet_when_empty = True
            elif ":" in token and not token.startswith(("<", "#")):
                key, _, value = token.partition(":")
                spec._apply(key.lower(), value.strip(), raw)
                if key.lower() in ("on", "day"):
                    day_word = value.strip()
            else:
                spec.words.append(token)
        if day_word is not None:
            spec._apply_day(day_word)
        return spec

    def _apply(self, key: str, value: str, raw: str) -> None:
        if not value:
            raise BadInput(N_("{word} needs a value after the colon."), word=raw)
        if key in ("on", "day"):
            return  # applied after the frequency is known
        if key == "at":
            self.hour, self.minute = _parse_time(value)
        elif key in ("tz", "timezone"):
            zone(value)
            self.timezone = value
        elif key in ("alerts", "alert"):
            self.alerts = _parse_alerts(value)
        elif key == "tag":
            self.tag = value
        elif key == "region":
            region = value.upper()
            if region not in {r.value for r in Region}:
                raise BadInput(N_("{value} is not a region: {allowed}."), value=value, allowed=RegionNames())
            self.region = region
        elif key in ("lang", "language"):
            if not is_supported(value):
                raise BadInput(N_("Unknown language {lang}: use en, pt-BR or es."), lang=value)
            self.language = normalize_locale(value)
        elif key in ("every", "frequency"):
            if value.lower() not in ("daily", "weekly", "monthly"):
                raise BadInput(N_("Unknown frequency {frequency}: use daily, weekly or monthly."),
                               frequency=value)
            self.frequency = Frequency(value.lower())
        else:
            raise BadInput(N_("Unknown option {word}."), word=raw)

    def _apply_day(self, value: str) -> None:
        low = value.lower()
        if self.frequency == Frequency.MONTHLY:
            if not low.isdigit() or not 1 <= int(low) <= 31:
                raise BadInput(N_("A monthly schedule runs on a day of the month from 1 to 31, not {day}."),
                               day=value)
            self.day_of_month = int(low)
            return
        if low not in WEEKDAYS:
            raise BadInput(N_("Unknown weekday {day}: use mon, tue, wed, thu, fri, sat or sun."), day=value)
        self.weekday = WEEKDAYS[low]
        if self.frequency == Frequency.DAILY:
            self.frequency = Frequency.WEEKLY  # "daily on:mon" makes no sense; on: wins

    def when(self, default_timezone: str = "UTC") -> When:
        return When(self.frequency, self.weekday, self.day_of_month, self.hour, self.minute,
                    self.timezone or default_timezone)


def _parse_time(value: str) -> tuple[int, int]:
    text = value.lower().replace("h", ":").rstrip(":")
    hh, _, mm = text.partition(":")
    if hh.isdigit() and (mm == "" or mm.isdigit()):
        hour, minute = int(hh), int(mm or 0)
        if 0 <= hour <= 23 and 0 <= minute <= 59:
            return hour, minute
    raise BadInput(N_("Unknown time {time}: use 24-hour HH:MM, such as 09:00."), time=value)


def _parse_alerts(value: str) -> list[str]:
    chosen: list[str] = []
    for word in value.lower().replace(";", ",").split(","):
        word = word.strip()
        if not word:
            continue
        if word == "all":
            return list(ALL_ALERTS)
        if word not in ALERT_WORDS:
            raise BadInput(N_("Unknown alert {alert}: use expiring, overage, low or spikes."), alert=word)
        kind = ALERT_WORDS[word].value
        if kind not in chosen:
            chosen.append(kind)
    if not chosen:
        raise BadInput(N_("Choose at least one alert: expiring, overage, low or spikes."))
    return [k for k in ALL_ALERTS if k in chosen]
