"""NHS Workforce Race Equality Standard (WRES) indicators from counts, each figure with its formula.

WRES compares white and BME (black and minority ethnic) staff. Indicators 1-4 and 9 come from workforce
records, 5-8 from the staff survey. Relative likelihoods (2-4) are ratios of rates, 1.0 meaning parity;
we add Katz log intervals (evaluation.gaps), which WRES itself does not publish, so a coordinator can
tell a gap from noise. Every figure carries the arithmetic it used, in words and numbers, so a reader
can check it by hand. Staff whose ethnicity is unknown count in headcounts but in neither group.

Shares and differences are proportions (0.25 means 25%); formulas show them as percentages.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from evaluation.gaps import Proportion, gap, rate_ratio
from evaluation.suppression import DEFAULT_THRESHOLD

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


@dataclass(frozen=True)
class Figure:
    """One published number: ``value`` (None with ``reason`` when not computable), formula, optional CI."""

    indicator: str
    label: str
    value: float | None
    formula: str
    ci_low: float | None = None
    ci_high: float | None = None
    reason: str | None = None


def _check(counts: DataclassInstance, *within: tuple[str, str]) -> None:
    """Refuse negative counts and parts larger than their whole, naming the field at fault."""
    for f in fields(counts):
        value = getattr(counts, f.name)
        if isinstance(value, int) and value < 0:
            raise ValueError(f"{f.name} must not be negative (got {value})")
    for part, whole in within:
        if getattr(counts, part) > getattr(counts, whole):
            raise ValueError(f"{part} ({getattr(counts, part)}) cannot exceed {whole} ({getattr(counts, whole)})")


@dataclass(frozen=True)
class Headcount:
    """Staff by ethnicity; ``unknown`` is 'not stated' and counts only in the total."""

    white: int
    bme: int
    unknown: int = 0

    def __post_init__(self) -> None:
        _check(self)

    @property
    def total(self) -> int:
        """Everyone, whatever their recorded ethnicity."""
        return self.white + self.bme + self.unknown


@dataclass(frozen=True)
class BandCount:
    """Headcount of one Agenda for Change band (or VSM, a medical grade...) by ethnicity."""

    band: str
    white: int
    bme: int
    unknown: int = 0

    def __post_init__(self) -> None:
        _check(self)

    @property
    def total(self) -> int:
        """Everyone in the band, whatever their recorded ethnicity."""
        return self.white + self.bme + self.unknown


@dataclass(frozen=True)
class BandShare:
    """Indicator 1 for one band: the share of its headcount that is white, BME and unknown."""

    band: str
    headcount: int
    white: Figure
    bme: Figure
    unknown: Figure


@dataclass(frozen=True)
class Shortlisting:
    """Indicator 2 counts: shortlisted applicants and those appointed from shortlisting."""

    white_shortlisted: int
    white_appointed: int
    bme_shortlisted: int
    bme_appointed: int

    def __post_init__(self) -> None:
        _check(self, ("white_appointed", "white_shortlisted"), ("bme_appointed", "bme_shortlisted"))


@dataclass(frozen=True)
class Disciplinary:
    """Indicator 3 counts: workforce and staff entering the formal disciplinary process."""

    white_workforce: int
    white_entering: int
    bme_workforce: int
    bme_entering: int

    def __post_init__(self) -> None:
        _check(self, ("white_entering", "white_workforce"), ("bme_entering", "bme_workforce"))


@dataclass(frozen=True)
class Training:
    """Indicator 4 counts: workforce and staff who accessed non-mandatory training and CPD."""

    white_workforce: int
    white_accessed: int
    bme_workforce: int
    bme_accessed: int

    def __post_init__(self) -> None:
        _check(self, ("white_accessed", "white_workforce"), ("bme_accessed", "bme_workforce"))


SURVEY_INDICATORS: dict[int, tuple[str, bool]] = {
    5: ("staff experiencing harassment, bullying or abuse from patients, relatives or the public", False),
    6: ("staff experiencing harassment, bullying or abuse from staff", False),
    7: ("staff believing the organisation provides equal opportunities for career progression", True),
    8: ("staff personally experiencing discrimination from a manager, team leader or other colleagues", False),
}


@dataclass(frozen=True)
class SurveyCounts:
    """Indicators 5-8: respondents to the question and those answering yes, by ethnicity."""

    indicator: int
    white_respondents: int
    white_yes: int
    bme_respondents: int
    bme_yes: int

    def __post_init__(self) -> None:
        if self.indicator not in SURVEY_INDICATORS:
            raise ValueError(f"indicator must be one of 5, 6, 7, 8 (got {self.indicator})")
        _check(self, ("white_yes", "white_respondents"), ("bme_yes", "bme_respondents"))


@dataclass(frozen=True)
class SurveyIndicator:
    """A staff-survey indicator: both groups' rates, the gap (BME - white) and the ratio (BME / white)."""

    indicator: int
    label: str
    higher_is_better: bool
    white: Figure
    bme: Figure
    difference: Figure
    ratio: Figure


@dataclass(frozen=True)
class BoardGap:
    """Indicator 9: board share minus overall workforce share, for each ethnicity group."""

    white: Figure
    bme: Figure
    unknown: Figure


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _share(indicator: str, label: str, words: str, part: int, whole: int) -> Figure:
    if whole == 0:
        return Figure(indicator, label, None, f"{words} = {part}/{whole}: undefined", reason="no staff counted")
    value = part / whole
    return Figure(indicator, label, value, f"{words} = {part}/{whole} = {_pct(value)}")


def indicator_1(bands: Iterable[BandCount]) -> list[BandShare]:
    """Share of each band (and of the whole workforce, last) that is white, BME and unknown."""
    rows = list(bands)
    overall = BandCount("overall", sum(b.white for b in rows), sum(b.bme for b in rows), sum(b.unknown for b in rows))
    shares = []
    for b in [*rows, overall]:
        where = f"in {b.band}" if b is not overall else "in the workforce"
        shares.append(
            BandShare(
                b.band,
                b.total,
                _share("1", f"white staff {where}", f"white staff {where} / headcount", b.white, b.total),
                _share("1", f"BME staff {where}", f"BME staff {where} / headcount", b.bme, b.total),
                _share("1", f"unknown ethnicity {where}", f"unknown ethnicity {where} / headcount", b.unknown, b.total),
            )
        )
    return shares


def _likelihood(indicator: str, label: str, words: tuple[str, str], a: Proportion, b: Proportion) -> Figure:
    numbers = f"({a.positive}/{a.n}) / ({b.positive}/{b.n})"
    formula = f"({words[0]}) / ({words[1]}) = {numbers}"
    r = rate_ratio(a, b)
    # gaps.rate_ratio speaks of groups a and b; a coordinator needs the quantity by name
    if a.n == 0 or b.n == 0:
        reason = f"no staff counted in {words[0] if a.n == 0 else words[1]}"
    elif b.positive == 0:
        reason = f"{words[1]} is 0, so the ratio divides by zero"
    elif a.positive == 0:
        reason = f"{words[0]} is 0: no interval (Katz needs a positive count in both groups)"
    else:
        reason = None
    if r.value is None:
        return Figure(indicator, label, None, f"{formula}: undefined", reason=reason)
    return Figure(indicator, label, r.value, f"{formula} = {r.value:.2f}", r.ci_low, r.ci_high, reason)


def indicator_2(c: Shortlisting) -> Figure:
    """Relative likelihood of white staff being appointed from shortlisting compared to BME staff."""
    return _likelihood(
        "2",
        "relative likelihood of white applicants being appointed from shortlisting compared to BME applicants",
        ("white appointed / white shortlisted", "BME appointed / BME shortlisted"),
        Proportion(c.white_appointed, c.white_shortlisted),
        Proportion(c.bme_appointed, c.bme_shortlisted),
    )


def indicator_3(c: Disciplinary) -> Figure:
    """Relative likelihood of BME staff entering the formal disciplinary process compared to white staff."""
    return _likelihood(
        "3",
        "relative likelihood of BME staff entering the formal disciplinary process compared to white staff",
        ("BME entering / BME workforce", "white entering / white workforce"),
        Proportion(c.bme_entering, c.bme_workforce),
        Proportion(c.white_entering, c.white_workforce),
    )


def indicator_4(c: Training) -> Figure:
    """Relative likelihood of white staff accessing non-mandatory training and CPD compared to BME staff."""
    return _likelihood(
        "4",
        "relative likelihood of white staff accessing non-mandatory training and CPD compared to BME staff",
        ("white accessed / white workforce", "BME accessed / BME workforce"),
        Proportion(c.white_accessed, c.white_workforce),
        Proportion(c.bme_accessed, c.bme_workforce),
    )


def survey_indicator(c: SurveyCounts, threshold: int = DEFAULT_THRESHOLD) -> SurveyIndicator:
    """Indicators 5-8 by ethnicity with the gap; a group below the threshold is suppressed, and so is the gap."""
    if threshold < 1:
        raise ValueError(f"threshold must be at least 1 (got {threshold})")
    white, bme = Proportion(c.white_yes, c.white_respondents), Proportion(c.bme_yes, c.bme_respondents)

    def small(p: Proportion) -> str | None:
        return f"suppressed: n={p.n} < {threshold}" if p.n < threshold else None

    return survey_figures(c.indicator, white, bme, hidden=(small(white), small(bme)))


def survey_figures(
    indicator: int,
    white: Proportion,
    bme: Proportion,
    *,
    hidden: tuple[str | None, str | None] = (None, None),
    answering: str = "answering yes",
    notes: tuple[str, str] = ("", ""),
) -> SurveyIndicator:
    """A survey indicator's figures from the two groups' counts; a group hidden (with the reason given)
    shows no value, and then neither do the gap and the ratio.

    ``answering`` names the answers counted ("answering yes"); ``notes`` are appended to the white and BME
    formulas (which groups each one sums, say).
    """
    label, higher_is_better = SURVEY_INDICATORS[indicator]
    tag = str(indicator)
    answered = answering.replace("answering", "answered", 1)

    def rate(group: str, p: Proportion, why: str | None, note: str) -> Figure:
        words = f"{group} {answering} / {group} respondents"
        if why is not None:
            return Figure(tag, f"{group} {label}", None, f"{words} = suppressed{note}", reason=why)
        f = _share(tag, f"{group} {label}", words, p.positive, p.n)
        reason = None if f.reason is None else f"no {group} respondents"
        return Figure(f.indicator, f.label, f.value, f.formula + note, reason=reason)

    white_fig = rate("white", white, hidden[0], notes[0])
    bme_fig = rate("BME", bme, hidden[1], notes[1])
    if white_fig.value is None or bme_fig.value is None:
        why = white_fig.reason or bme_fig.reason
        what = "suppressed" if hidden[0] or hidden[1] else "undefined"
        diff = Figure(tag, "gap (BME - white)", None, f"BME rate - white rate = {what}", reason=why)
        ratio = Figure(tag, "ratio (BME / white)", None, f"BME rate / white rate = {what}", reason=why)
        return SurveyIndicator(indicator, label, higher_is_better, white_fig, bme_fig, diff, ratio)
    g = gap(bme, white)
    d, r = g.difference, g.ratio
    numbers = f"{bme.positive}/{bme.n} - {white.positive}/{white.n}"
    assert d.value is not None  # both groups have respondents, so neither is empty
    diff = Figure(
        tag,
        "gap (BME - white)",
        d.value,
        f"BME rate - white rate = {numbers} = {100 * d.value:+.1f} percentage points",
        d.ci_low,
        d.ci_high,
    )
    ratio_words = f"BME rate / white rate = ({bme.positive}/{bme.n}) / ({white.positive}/{white.n})"
    if r.value is None:
        why = f"no white respondent {answered}, so the ratio divides by zero"
        ratio = Figure(tag, "ratio (BME / white)", None, f"{ratio_words}: undefined", reason=why)
    else:
        why = None if r.reason is None else f"no BME respondent {answered}: no interval for the ratio"
        ratio = Figure(tag, "ratio (BME / white)", r.value, f"{ratio_words} = {r.value:.2f}", r.ci_low, r.ci_high, why)
    return SurveyIndicator(indicator, label, higher_is_better, white_fig, bme_fig, diff, ratio)


def indicator_9(board: Headcount, workforce: Headcount) -> BoardGap:
    """Board voting membership's share of each group minus that group's share of the overall workforce."""

    def one(group: str, on_board: int, in_workforce: int) -> Figure:
        words = f"{group} board members / board - {group} staff / workforce"
        numbers = f"{on_board}/{board.total} - {in_workforce}/{workforce.total}"
        label = f"{group} board share minus {group} workforce share"
        if board.total == 0 or workforce.total == 0:
            return Figure("9", label, None, f"{words} = {numbers}: undefined", reason="empty board or workforce")
        b, w = on_board / board.total, in_workforce / workforce.total
        formula = f"{words} = {numbers} = {_pct(b)} - {_pct(w)} = {100 * (b - w):+.1f} percentage points"
        return Figure("9", label, b - w, formula)

    return BoardGap(
        one("white", board.white, workforce.white),
        one("BME", board.bme, workforce.bme),
        one("unknown", board.unknown, workforce.unknown),
    )
