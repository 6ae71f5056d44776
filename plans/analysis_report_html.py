"""An analysis as one standalone, accessible HTML page: no scripts, no external files, tables a screen
reader can navigate (captions, scoped header cells), suppressed cells said in words, never left blank;
a wide table scrolls in its own region, which the keyboard can reach (tabindex) to scroll it.

The page holds the headline table (every question for all respondents), a table per breakdown (groups
down, questions across, % positive and the number of answers in each cell), and, when given, the gaps
between groups, the changes since the baseline and the questions that could not be compared. A hidden
cell names its group's respondents, never how many answered the question (the analysis withholds that
where it hides a group: docs/statistics.md section 4).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from jinja2 import Environment, StrictUndefined

from plans.analysis_report import Report, breakdown_names

_env = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def pct(value: float | None) -> str:
    """A proportion as a whole percentage ('' for none)."""
    return "" if value is None else f"{value * 100:.0f}%"


def interval(low: float | None, high: float | None) -> str:
    """A 95% interval as '41% to 58%'."""
    return "" if low is None or high is None else f"{pct(low)} to {pct(high)}"


def hidden_text(reason: str | None, threshold: int, respondents: int | None = None) -> str:
    """Why a cell shows no result, in plain words (the pipeline's reason says which rule hid it), with
    the group's respondents when given: 'not shown: fewer than 11 responses (7 respondents)'."""
    reason = reason or ""
    if reason.startswith("primary") and "respondents" in reason:
        text = f"not shown: fewer than {threshold} responses"
    elif reason.startswith("primary"):
        text = f"not shown: fewer than {threshold} answers to a question"
    elif reason.startswith("secondary"):
        text = "not shown: would reveal a smaller group"
    else:
        text = "not shown"
    if respondents is None:
        return text
    return f"{text} ({respondents} respondent{'' if respondents == 1 else 's'})"


def _rows(frame: Any) -> list[dict[str, Any]]:
    return [] if frame is None else list(frame.iter_rows(named=True))


def _grid(report: Report, breakdown: str) -> dict[str, Any]:
    """One breakdown as a table: a row per group, a cell per question."""
    threshold = report.threshold
    groups = [g for g in _rows(report.analysis.groups) if g["breakdown"] == breakdown]
    cells: dict[str, dict[str, str]] = {g["group"]: {} for g in groups}
    for r in report.analysis.findings.filter(breakdown=breakdown).iter_rows(named=True):
        cells[r["group"]][r["question"]] = (
            hidden_text(r["reason"], threshold, r["respondents"])
            if r["suppressed"]
            else f"{pct(r['pct_positive'])} (n {r['n']})"
        )
    return {
        "name": breakdown,
        "rows": [
            {
                "group": g["group"],
                "respondents": g["respondents"],
                "hidden": g["suppressed"],
                "cells": cells[g["group"]],
            }
            for g in groups
        ],
    }


def _headline(report: Report) -> list[dict[str, Any]]:
    overall = {r["question"]: r for r in report.analysis.findings.filter(breakdown="overall").iter_rows(named=True)}
    out = []
    for q in report.analysis.spec.questions:
        r = overall.get(q.id)
        if r is None:
            continue
        shown = not r["suppressed"]
        hidden = "" if shown else hidden_text(r["reason"], report.threshold, r["respondents"])
        out.append(
            {
                "id": q.id,
                "text": q.text,
                "n": r["n"] if shown else "",
                "pct": pct(r["pct_positive"]) if shown else hidden,
                "ci": interval(r["ci_low"], r["ci_high"]) if shown else "",
                "distribution": "; ".join(f"{a}: {c}" for a, c in zip(q.options, r["distribution"] or [], strict=False))
                if shown
                else "",
            }
        )
    return out


def _change_text(c: dict[str, Any]) -> str:
    """One group's change on one question, for a grid cell."""
    if c["difference"] is None:
        return f"no change shown: {c['why'] or 'not comparable'}"
    return f"{_points(c['difference'])} points" + (", significant" if c["significant"] else "")


def _changes(report: Report) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The change since the baseline: every question overall in full, then a grid per breakdown."""
    rows = _rows(report.changes)
    headline = [
        {
            **c,
            "before": _side(c["baseline_pct"], c["baseline_n"]),
            "after": _side(c["repeat_pct"], c["repeat_n"]),
            "change": _change_text(c),
            "ci": "" if c["ci_low"] is None else f"{_points(c['ci_low'])} to {_points(c['ci_high'])} points",
            "p": "" if c["p_value"] is None else f"{c['p_value']:.3f}",
        }
        for c in rows
        if c["breakdown"] == "overall"
    ]
    grids: dict[str, dict[str, dict[str, str]]] = {}
    for c in rows:
        if c["breakdown"] != "overall":
            grids.setdefault(c["breakdown"], {}).setdefault(c["group"], {})[c["question"]] = _change_text(c)
    questions = list(dict.fromkeys(c["question"] for c in rows))
    return headline, [
        {"name": name, "questions": questions, "rows": [{"group": g, "cells": cells} for g, cells in groups.items()]}
        for name, groups in grids.items()
    ]


def _side(value: float | None, n: int | None) -> str:
    """One survey's % positive with its answers, or 'not shown' (a hidden side has neither)."""
    if value is None:
        return "not shown"
    return f"{pct(value)} (n {n})"


def _points(value: float) -> str:
    return f"{value * 100:+.0f}"


def _gaps(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for g in rows:
        difference = ratio = ""
        if g["difference"] is not None:
            difference = f"{_points(g['difference'])} points ({_points(g['diff_low'])} to {_points(g['diff_high'])})"
        if g["ratio"] is not None:
            ratio = f"{g['ratio']:.2f}"
            if g["ratio_low"] is not None:
                ratio += f" ({g['ratio_low']:.2f} to {g['ratio_high']:.2f})"
        pcts = f"{pct(g['pct_a']) or 'not shown'} vs {pct(g['pct_b']) or 'not shown'}"
        out.append({**g, "pcts": pcts, "difference_text": difference, "ratio_text": ratio})
    return out


def render_html(report: Report) -> str:
    """The report as one HTML document."""
    analysis = report.analysis
    names = [b for b in breakdown_names(analysis) if b != "overall"]
    sections = [s for s in _rows(analysis.sections) if s["breakdown"] == "overall"]
    return _env.from_string(TEMPLATE).render(
        r=report,
        analysis=analysis,
        questions=analysis.spec.questions,
        headline=_headline(report),
        sections=[{**s, "mean": pct(s["mean_pct_positive"])} for s in sections],
        grids=[_grid(report, b) for b in names],
        gaps=_gaps(_rows(report.gaps)),
        changes=_changes(report),
        comments=_rows(analysis.comments),
        wres=report.wres,
        pct=pct,
        interval=interval,
        hidden_text=hidden_text,
    )


TEMPLATE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ r.title }}: survey analysis</title>
<style>
body { font-family: Arial, sans-serif; color: #0b0c0c; margin: 1.5rem; line-height: 1.4; max-width: 80rem; }
table { border-collapse: collapse; margin: 0 0 2rem; }
caption { text-align: left; font-weight: bold; padding: 0.5rem 0; }
th, td { border: 1px solid #6f777b; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
thead th { background: #f3f2f1; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.hidden-cell { color: #4b4b4b; font-style: italic; }
.wrap { overflow-x: auto; }
a { color: #1d70b8; }
a:focus, .wrap:focus { outline: 3px solid #ffdd00; }
</style>
</head>
<body>
<main>
<h1>{{ r.title }}: survey analysis</h1>
<p>{{ analysis.respondents }} responses from <code>{{ r.source }}</code>.
Results are shown for groups with at least {{ r.threshold }} answers to every question; comments for groups
with at least {{ analysis.spec.comment_threshold }} comments. Other groups are not shown, and neither are
groups whose results would let someone work out a hidden group's (docs/statistics.md explains the rule).
"% positive" is the share of answers that count as positive; the range after it is the 95% confidence
interval.</p>
{% if r.baseline %}
<p>Compared with the baseline <strong>{{ r.baseline.title }}</strong> (<code>{{ r.baseline.source }}</code>,
{{ r.baseline.respondents }} responses).</p>
{% endif %}
{% for note in r.notes %}<p>{{ note }}</p>{% endfor %}
<nav aria-label="Contents"><ul>
<li><a href="#headline">Headline findings</a></li>
{% for g in grids %}<li><a href="#by-{{ loop.index }}">By {{ g.name }}</a></li>{% endfor %}
{% if gaps %}<li><a href="#gaps">Gaps between groups</a></li>{% endif %}
{% if wres %}<li><a href="#wres">WRES staff survey indicators</a></li>{% endif %}
{% if r.baseline %}<li><a href="#changes">Changes since the baseline</a></li>{% endif %}
{% if comments %}<li><a href="#comments">Comments</a></li>{% endif %}
</ul></nav>

<h2 id="headline">Headline findings</h2>
<div class="wrap" role="region" tabindex="0" aria-label="Headline findings"><table>
<caption>Every question, all respondents</caption>
<thead><tr><th scope="col">Question</th><th scope="col">Answers</th><th scope="col">% positive</th>
<th scope="col">95% interval</th><th scope="col">Answers given</th></tr></thead>
<tbody>
{% for h in headline %}
<tr><th scope="row">{{ h.id }}: {{ h.text }}</th><td class="num">{{ h.n }}</td><td>{{ h.pct }}</td><td>{{ h.ci }}</td>
<td>{{ h.distribution }}</td></tr>
{% endfor %}
</tbody></table></div>
{% if sections %}
<table><caption>Sections: the mean of their questions' % positive, all respondents</caption>
<thead><tr><th scope="col">Section</th><th scope="col">Questions</th><th scope="col">Mean % positive</th></tr></thead>
<tbody>{% for s in sections %}<tr><th scope="row">{{ s.section }}</th><td class="num">{{ s.questions }}</td>
<td>{{ s.mean if not s.suppressed else "not shown" }}</td></tr>{% endfor %}</tbody></table>
{% endif %}

{% for g in grids %}
<h2 id="by-{{ loop.index }}">By {{ g.name }}</h2>
<div class="wrap" role="region" tabindex="0" aria-label="Results by {{ g.name }}"><table>
<caption>% positive by {{ g.name }} (n: answers to the question)</caption>
<thead><tr><th scope="col">{{ g.name }}</th><th scope="col">Responses</th>
{% for q in questions %}<th scope="col"><abbr title="{{ q.text }}">{{ q.id }}</abbr></th>{% endfor %}</tr></thead>
<tbody>
{% for row in g.rows %}
<tr><th scope="row">{{ row.group }}</th><td class="num">{{ row.respondents }}</td>
{% for q in questions %}{% set cell = row.cells.get(q.id, "") %}
<td{% if row.hidden %} class="hidden-cell"{% endif %}>{{ cell }}</td>
{% endfor %}</tr>
{% endfor %}
</tbody></table></div>
{% endfor %}

{% if gaps %}
<h2 id="gaps">Gaps between groups</h2>
<div class="wrap" role="region" tabindex="0" aria-label="Gaps between groups"><table>
<caption>Difference in % positive (with its 95% interval) and the ratio of the rates (1.0 is parity)</caption>
<thead><tr><th scope="col">Question</th><th scope="col">Group</th><th scope="col">Compared with</th>
<th scope="col">% positive</th><th scope="col">Difference</th><th scope="col">Ratio</th>
<th scope="col">Note</th></tr></thead>
<tbody>{% for g in gaps %}<tr><th scope="row">{{ g.question }}</th><td>{{ g.group_a }}</td><td>{{ g.group_b }}</td>
<td>{{ g.pcts }}</td><td>{{ g.difference_text }}</td><td>{{ g.ratio_text }}</td>
<td>{{ g.why or "" }}</td></tr>{% endfor %}</tbody></table></div>
{% endif %}

{% if wres %}
<h2 id="wres">Workforce Race Equality Standard: staff survey indicators</h2>
<div class="wrap" role="region" tabindex="0" aria-label="WRES staff survey indicators"><table>
<caption>White and BME staff (every stated ethnicity but white) answering yes; the gap BME minus white and
the ratio BME to white (1.0 is parity), each with its 95% interval and the formula used</caption>
<thead><tr><th scope="col">Indicator</th><th scope="col">White</th><th scope="col">BME</th>
<th scope="col">Gap</th><th scope="col">Ratio</th></tr></thead>
<tbody>{% for w in wres %}<tr><th scope="row">{{ w.indicator }}. {{ w.label }}</th>
{% for f in (w.white, w.bme, w.difference, w.ratio) %}<td>
{% if f.value is none %}<span class="hidden-cell">not shown: {{ f.reason }}</span>
{% else %}{{ "%.3f"|format(f.value) }}{% if f.ci_low is not none %}
({{ "%.3f"|format(f.ci_low) }} to {{ "%.3f"|format(f.ci_high) }}){% endif %}{% endif %}
<br><small>{{ f.formula }}</small></td>{% endfor %}</tr>{% endfor %}</tbody></table></div>
{% endif %}

{% if r.baseline %}
<h2 id="changes">Changes since the baseline</h2>
{% if r.not_comparable %}
<p>Not compared, because the question changed:</p>
<ul>{% for qid, why in r.not_comparable %}<li>{{ qid }}: {{ why }}</li>{% endfor %}</ul>
{% endif %}
<div class="wrap" role="region" tabindex="0" aria-label="Changes since the baseline"><table>
<caption>Change in % positive since the baseline, all respondents (two-proportion z-test, significant at 95%)</caption>
<thead><tr><th scope="col">Question</th><th scope="col">Baseline</th><th scope="col">Repeat</th>
<th scope="col">Change</th><th scope="col">95% interval</th><th scope="col">p</th></tr></thead>
<tbody>{% for c in changes[0] %}<tr><th scope="row">{{ c.question }}</th><td>{{ c.before }}</td>
<td>{{ c.after }}</td><td>{{ c.change }}</td><td>{{ c.ci }}</td><td>{{ c.p }}</td></tr>{% endfor %}
</tbody></table></div>
{% for g in changes[1] %}
<div class="wrap" role="region" tabindex="0" aria-label="Changes by {{ g.name }}"><table>
<caption>Change in % positive since the baseline by {{ g.name }}</caption>
<thead><tr><th scope="col">{{ g.name }}</th>
{% for q in g.questions %}<th scope="col">{{ q }}</th>{% endfor %}</tr></thead>
<tbody>{% for row in g.rows %}<tr><th scope="row">{{ row.group }}</th>
{% for q in g.questions %}<td>{{ row.cells.get(q, "no change shown: not in both surveys") }}</td>{% endfor %}</tr>
{% endfor %}</tbody></table></div>
{% endfor %}
{% endif %}

{% if comments %}
<h2 id="comments">Comments</h2>
{% for c in comments %}
<h3>{{ c.question }}, {{ c.breakdown }} {{ c.group }}: {{ c.comments }} comment(s)</h3>
{% if c.suppressed %}<p class="hidden-cell">Not shown: fewer than {{ analysis.spec.comment_threshold }} comments, or
showing them would reveal a smaller group's.</p>
{% else %}<ul>{% for t in c.texts %}<li>{{ t }}</li>{% endfor %}</ul>{% endif %}
{% endfor %}
{% endif %}
</main>
</body>
</html>
"""
