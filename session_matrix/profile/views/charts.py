"""The geometry of the profile's bar charts, which the page's template draws as inline SVG
(the page's Content-Security-Policy allows no images but data: URIs)."""

from __future__ import annotations

from typing import Any

__all__ = ["bars"]


def bars(
    names: list[str], series: dict[str, dict[str, float]], unit: str, higher_is_better: bool
) -> dict[str, Any]:
    """An SVG chart's geometry: one group of bars per configuration."""
    label_width, bar_area, bar_height, gap = 150, 420, 11, 8
    keys = list(series)
    top = max((v for values in series.values() for v in values.values()), default=0) or 1
    rows = []
    y = 22
    for name in names:
        drawn = []
        for index, key in enumerate(keys):
            value = series[key].get(name)
            if value is None:
                continue
            width = max(1.0, value / top * bar_area)
            drawn.append(
                {
                    "x": label_width,
                    "y": y + index * (bar_height + 2),
                    "width": round(width, 1),
                    "height": bar_height,
                    "value": f"{value:,.0f} {unit}",
                    "text_x": round(label_width + width + 4, 1),
                    "key": key,
                    "index": index,
                }
            )
        group = len(keys) * (bar_height + 2)
        rows.append({"name": name, "y": y + group / 2 + 4, "bars": drawn})
        y += group + gap
    return {
        "width": label_width + bar_area + 90,
        "height": y + 4,
        "rows": rows,
        "series": keys,
        "better": "longer is better" if higher_is_better else "shorter is better",
    }


def __dir__() -> list[str]:
    return __all__
