"""The server-drawn bar chart: numbers placed as computed by hand, labels escaped."""

from __future__ import annotations

from dataclasses import dataclass

from servitize.core.charts import bars


@dataclass
class Bucket:
    label: str | None
    count: int


def test_bars_scale_to_the_largest_and_say_their_share() -> None:
    svg = str(bars("By origin", [Bucket("own", 9), Bucket("competitor", 1), Bucket(None, 0)]))
    assert 'aria-label="By origin: Own 9, Competitor 1, — 0"' in svg
    assert "<title>Own: 9 (90 %)</title>" in svg and "<title>Competitor: 1 (10 %)</title>" in svg
    assert 'width="160.0"' in svg  # 9 of 9
    assert 'width="17.8"' in svg  # 160 x 1 / 9 = 17.78
    assert svg.count('class="fill') == 2  # a zero count draws no bar
    assert 'viewBox="0 0 320 72"' in svg and '<text x="0" y="63">—</text>' in svg


def test_bars_escape_and_shorten_labels_and_say_when_empty() -> None:
    svg = str(bars("<b>", [Bucket("a_very_long_label_<script>_beyond_25", 3)], tone="alt"))
    assert "<script>" not in svg and "&lt;b&gt;" in svg
    assert '<text x="0" y="15">A very long label &lt;…</text>' in svg
    assert 'class="fill alt"' in svg
    assert "No data yet." in str(bars("Nothing", [Bucket("x", 0)]))
