"""One chart as a PNG: the SVG screenshotted by headless Chromium (Debian's ``chromium``)."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from tokenfab.errors import ConfigError

CHROMIUM = Path("/usr/bin/chromium")


def find_chromium() -> Path | None:
    if CHROMIUM.exists():
        return CHROMIUM
    found = shutil.which("chromium")
    return Path(found) if found else None


def svg_size(svg: str) -> tuple[int, int]:
    """The root ``width``/``height`` of an SVG written by :mod:`tokenfab.report.charts`."""
    m = re.search(r'<svg[^>]*\swidth="(\d+)"[^>]*\sheight="(\d+)"', svg)
    return (int(m.group(1)), int(m.group(2))) if m else (640, 400)


def rasterise_svg(svg: str, out: Path, chromium: Path | None = None, scale: int = 2) -> Path:
    """PNG of ``svg`` at ``scale``× its size, screenshotted by headless Chromium."""
    browser = chromium or find_chromium()
    if browser is None:
        raise ConfigError("--format png needs Chromium (apt-get install chromium); "
                          "or use --format svg")
    w, h = svg_size(svg)
    with tempfile.TemporaryDirectory(prefix="tokenfab-png-") as tmp:
        src = Path(tmp) / "chart.svg"
        src.write_text(svg, encoding="utf-8")
        cmd = [str(browser), "--headless", "--no-sandbox", "--disable-gpu",
               "--disable-background-networking", "--disable-component-update",
               "--hide-scrollbars", f"--user-data-dir={tmp}/profile",
               f"--force-device-scale-factor={scale}", f"--screenshot={out.resolve()}",
               f"--window-size={w},{h}", src.resolve().as_uri()]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ConfigError(f"Chromium could not rasterise the chart ({exc}); "
                              "use --format svg") from None
    if proc.returncode != 0 or not out.exists():
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise ConfigError(f"Chromium could not rasterise the chart ({last}); use --format svg")
    return out


__all__ = ["find_chromium", "rasterise_svg", "svg_size"]
