"""One interface for every energy meter: ``begin()`` a window, ``end()`` it, get joules.

A meter never raises out of ``end()``: a counter that fails, stalls or cannot be trusted for
the window yields ``EnergyMeasurement(valid=False, energy_j=None, note=<why>)``, so one bad
reading marks energy unavailable for that load point and the run goes on.

Time inside a window is integer nanoseconds from ``time.monotonic_ns()`` (injectable as
``clock_ns`` for tests); ``duration_s`` is derived once, at the edge, for the measurement.
"""

from __future__ import annotations

import math
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tokenfab.schemas.types import Provenance

MeterProvenance = Literal["measured", "modelled"]
"""The part of :data:`tokenfab.schemas.types.Provenance` a meter can report: a counter reading
is ``measured``, a utilization model is ``modelled``; a meter never returns an ``assumed``
figure (tests pin that this stays a subset of ``Provenance``)."""
METER_PROVENANCES: tuple[Provenance, ...] = ("measured", "modelled")
ClockNs = Callable[[], int]
NS_PER_S = 1_000_000_000

NOTE_SHORT_WINDOW = "window shorter than the counter update period"
NOTE_NOT_ADVANCED = "counter did not advance"
NOTE_WENT_BACKWARDS = "counter went backwards"


class MeterUnavailable(Exception):
    """This meter cannot run on this machine; ``str(exc)`` says why, on one line."""


class InvalidWindow(Exception):
    """Raised inside a meter while finishing a window; becomes ``valid=False`` with its note."""


class EnergyMeasurement(BaseModel):
    """Energy over one window.

    ``avg_power_w = energy_j / duration_s``. When ``valid`` is false, ``energy_j``,
    ``avg_power_w`` and ``per_device_j`` are empty and ``note`` says why.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    energy_j: float | None = Field(description="Energy over the window, joules.")
    duration_s: float = Field(ge=0.0, description="Window length, seconds (monotonic clock).")
    avg_power_w: float | None = Field(description="energy_j / duration_s, watts.")
    source: str = Field(description='Where it came from, e.g. "nvml:0,1", "rapl:package-0".')
    provenance: MeterProvenance = Field(
        description="measured (hardware counter) or modelled (estimate from utilization)."
    )
    valid: bool = Field(description="False when the figure must not be used; see note.")
    note: str | None = Field(default=None, description="Why invalid, or how it was modelled.")
    per_device_j: dict[str, float] = Field(
        default_factory=dict, description="Energy per device or domain, joules."
    )

    @model_validator(mode="after")
    def _consistent(self) -> EnergyMeasurement:
        if not math.isfinite(self.duration_s):
            raise ValueError("duration_s must be finite")
        if self.valid:
            if self.energy_j is None or self.avg_power_w is None:
                raise ValueError("a valid measurement needs energy_j and avg_power_w")
            for value in (self.energy_j, self.avg_power_w, *self.per_device_j.values()):
                if value < 0 or not math.isfinite(value):
                    raise ValueError("energies and powers must be finite and non-negative")
        else:
            if self.energy_j is not None or self.avg_power_w is not None or self.per_device_j:
                raise ValueError("an invalid measurement carries no energy figures")
            if not self.note:
                raise ValueError("an invalid measurement must say why in note")
        return self

    @classmethod
    def invalid(
        cls, *, source: str, provenance: MeterProvenance, duration_s: float, note: str
    ) -> EnergyMeasurement:
        """Energy unavailable for this window, with the reason in ``note``."""
        return cls(
            energy_j=None,
            duration_s=max(duration_s, 0.0),
            avg_power_w=None,
            source=source,
            provenance=provenance,
            valid=False,
            note=note,
        )


@dataclass(frozen=True)
class MeterWindow:
    """Opaque start state of one window: the start time and the counters read at it."""

    meter: str
    start_ns: int
    counters: Mapping[str, float] = field(default_factory=dict)
    error: str | None = None


class EnergyMeter(ABC):
    """A source of joules over a window. Subclasses implement ``_read`` and ``_finish``.

    ``MIN_WINDOW_S`` is the shortest window the underlying counter can resolve; shorter
    windows are reported invalid with the note "window shorter than the counter update
    period". Use as a context manager, or call ``close()``, to release the device library.
    """

    name: ClassVar[str]
    provenance: ClassVar[MeterProvenance]
    MIN_WINDOW_S: ClassVar[float]

    def __init__(self, *, clock_ns: ClockNs = time.monotonic_ns) -> None:
        self._clock_ns = clock_ns
        self._closed = False

    @property
    @abstractmethod
    def source(self) -> str:
        """Where the figures come from, e.g. ``"nvml:0,1"``."""

    @abstractmethod
    def _read(self) -> Mapping[str, float]:
        """Read the raw counters (meter units) at one instant."""

    @abstractmethod
    def _finish(
        self, start: Mapping[str, float], end: Mapping[str, float], duration_s: float
    ) -> EnergyMeasurement:
        """Turn start/end counters into a measurement; raise ``InvalidWindow`` to reject."""

    def begin(self) -> MeterWindow:
        """Start a window. Never raises: a failed read is reported by ``end``."""
        start_ns = self._clock_ns()
        if self._closed:
            return MeterWindow(self.name, start_ns, error=f"{self.name} meter is closed")
        try:
            counters = dict(self._read())
        except Exception as exc:  # a meter must not stop the run
            return MeterWindow(self.name, start_ns, error=_failure(self.name, "begin", exc))
        return MeterWindow(self.name, start_ns, counters)

    def end(self, window: MeterWindow) -> EnergyMeasurement:
        """Finish a window. Never raises: failures give ``valid=False`` with a note."""
        end_ns = self._clock_ns()
        duration_s = max(end_ns - window.start_ns, 0) / NS_PER_S

        def invalid(note: str) -> EnergyMeasurement:
            return EnergyMeasurement.invalid(
                source=self.source,
                provenance=self.provenance,
                duration_s=duration_s,
                note=note,
            )

        if window.meter != self.name:
            return invalid(f"window was begun by meter {window.meter!r}, not {self.name!r}")
        if window.error is not None:
            return invalid(window.error)
        if self._closed:
            return invalid(f"{self.name} meter is closed")
        if duration_s < self.MIN_WINDOW_S:
            return invalid(
                f"{NOTE_SHORT_WINDOW} ({duration_s:.3f} s < {self.MIN_WINDOW_S} s for {self.name})"
            )
        try:
            return self._finish(window.counters, self._read(), duration_s)
        except InvalidWindow as exc:
            return invalid(str(exc))
        except Exception as exc:  # a meter must not stop the run
            return invalid(_failure(self.name, "end", exc))

    def close(self) -> None:
        """Release the device library. Idempotent."""
        self._closed = True

    def __enter__(self) -> EnergyMeter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class CounterMeter(EnergyMeter):
    """A meter over monotonically increasing hardware energy counters, one per device.

    Subclasses give ``_to_j`` (counter units to joules) and may override ``_delta`` to
    handle wrap-around. energy_j = sum over devices of (end - start) in joules.
    """

    provenance: ClassVar[MeterProvenance] = "measured"

    @abstractmethod
    def _to_j(self, key: str, raw_delta: float) -> float:
        """Convert a counter difference for device ``key`` to joules."""

    def _delta(self, key: str, start: float, end: float, duration_s: float) -> float:
        """Counter difference in counter units; default rejects a counter that went back."""
        if end < start:
            raise InvalidWindow(f"{NOTE_WENT_BACKWARDS} on {key} (driver reload or wrap?)")
        return end - start

    def _finish(
        self, start: Mapping[str, float], end: Mapping[str, float], duration_s: float
    ) -> EnergyMeasurement:
        per_device_j: dict[str, float] = {}
        for key, start_value in start.items():
            if key not in end:
                raise InvalidWindow(f"{key} disappeared during the window")
            per_device_j[key] = self._to_j(key, self._delta(key, start_value, end[key], duration_s))
        stalled = [key for key, joules in per_device_j.items() if joules == 0]
        if not per_device_j or stalled:
            raise InvalidWindow(
                f"{NOTE_NOT_ADVANCED} ({', '.join(stalled) or 'no devices'}) over "
                f"{duration_s:.3f} s"
            )
        energy_j = sum(per_device_j.values())
        return EnergyMeasurement(
            energy_j=energy_j,
            duration_s=duration_s,
            avg_power_w=energy_j / duration_s,
            source=self.source,
            provenance=self.provenance,
            valid=True,
            note=None,
            per_device_j=per_device_j,
        )


def _failure(meter: str, phase: str, exc: Exception) -> str:
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{meter} meter failed at {phase}: {type(exc).__name__}" + (
        f": {detail}" if detail else ""
    )
