"""Return on expectations: the chain of evidence and what a judgement needs, exhaustively."""

from __future__ import annotations

import itertools

import pytest

from evaluation.roe import Level, chain, judgement_problem, summarise
from plans.domain.facts import Judgement

LEVELS = [1, 2, 3, 4]
EVIDENCE_SETS = [set(c) for n in range(5) for c in itertools.combinations(LEVELS, n)]


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("evidence", EVIDENCE_SETS, ids=str)
def test_every_level_and_evidence_combination(level: int, evidence: set[int]) -> None:
    c = chain(level, evidence)
    needed = set(range(1, level + 1))
    assert set(c.needed) == needed
    assert set(c.gaps) == needed - evidence
    assert c.complete == (needed <= evidence)
    met = judgement_problem(Judgement.MET, c)
    assert (met is None) == c.complete
    partly = judgement_problem(Judgement.PARTLY_MET, c)
    assert (partly is None) == bool(evidence)
    assert judgement_problem(Judgement.NOT_MET, c) is None


def test_the_problem_names_the_missing_levels() -> None:
    problem = judgement_problem(Judgement.MET, chain(3, {1, 3}))
    assert problem == ("judging it met needs evidence at every level up to 3; none yet at level 2 (learning)")


def test_summary() -> None:
    rows = [
        (1, Judgement.MET, chain(1, {1})),
        (3, Judgement.PARTLY_MET, chain(3, {1, 2})),
        (4, None, chain(4, set())),
        (3, Judgement.MET, chain(3, {1, 2, 3, 4})),
    ]
    s = summarise(rows)
    assert (s.total, s.judged, s.unjudged, s.complete_chains) == (4, 3, 1, 2)
    assert s.by_judgement == {Judgement.MET: 2, Judgement.PARTLY_MET: 1, Judgement.NOT_MET: 0}
    assert s.by_level == {Level.REACTION: 1, Level.LEARNING: 0, Level.BEHAVIOUR: 2, Level.RESULTS: 1}


def test_unknown_level_refused() -> None:
    with pytest.raises(ValueError):
        chain(5, [])
