"""Write examples/responses/council-baseline.csv and council-repeat.csv: invented responses to the example
council's survey (examples/surveys/council-baseline.yaml), for ``coproduce analyse``.

Each team of the plan file answers at a rate between 35% and 80% of its eligible headcount, so some
teams are too small to show and are suppressed. Answers follow a latent score (team effect + person
effect + noise) cut into the answer scale; black and minority ethnic staff score a little lower on the
experience questions, so a gap shows; the repeat survey a year on scores higher on what the plan
taught. Rows are shuffled. Deterministic: the same files every time.

    .venv/bin/python examples/make_responses.py [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
STAFF_GROUP = {
    "ASC": "Social work and social care",
    "CYP": "Children's services",
    "COM": "Housing and communities",
    "PH": "Public health",
    "CS": "Corporate and support services",
}
ETHNICITY = [
    ("White", 0.68),
    ("Mixed or multiple ethnic groups", 0.04),
    ("Asian or Asian British", 0.12),
    ("Black, Black British, Caribbean or African", 0.09),
    ("Other ethnic group", 0.02),
    ("Prefer not to say", 0.05),
]
DISABILITY = [("Yes", 0.14), ("No", 0.78), ("Prefer not to say", 0.08)]
AGREEMENT = ["Strongly agree", "Agree", "Neither agree nor disagree", "Disagree", "Strongly disagree"]
OFTEN = ["Never", "Once or twice", "Every few months", "Every month or more"]
# how hard each question is to agree with (higher: fewer agree); the repeat moves what the plan taught
DIFFICULTY = {"K1": 0.6, "K2": 0.9, "K3": 0.2, "S1": 0.5, "S2": 0.8, "S3": 0.4, "E1": 0.7, "E2": 0.3, "E3": 0.1}
TAUGHT = {"K1": 0.7, "K2": 0.8, "S2": 0.6, "S1": 0.3}
BLANK = 0.03
HEADER_DEMOGRAPHICS = ["staff_group", "ethnicity", "disability"]


def _pick(rng: random.Random, weighted: list[tuple[str, float]]) -> str:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def _answer(rng: random.Random, qid: str, score: float) -> str:
    if rng.random() < BLANK:
        return ""
    latent = score + rng.gauss(0.0, 0.8)
    if qid == "E4":
        return OFTEN[min(3, max(0, int(latent + 1.6)))]
    level = latent - DIFFICULTY[qid]
    if qid == "E1":
        return "Yes" if level > 0 else "No"
    # 0 = Strongly agree .. 4 = Strongly disagree; E3 is worded negatively, so the scale runs the other way
    code = 0 if level > 1.0 else 1 if level > 0.0 else 2 if level > -0.6 else 3 if level > -1.4 else 4
    return AGREEMENT[4 - code if qid == "E3" else code]


def rows(plan: dict, survey: dict, *, repeat: bool = False) -> list[list[str]]:  # type: ignore[type-arg]
    """The responses' rows (team, directorate, demographics, answers) for the plan's teams."""
    rng = random.Random(20270401 if repeat else 20260401)
    questions = [q["id"] for q in survey["questions"]]
    out: list[list[str]] = []
    for team in plan["teams"]:
        headcount = int(team.get("eligible_headcount") or 0)
        if not headcount:
            continue
        answered = round(headcount * rng.uniform(0.35, 0.8))
        team_effect = rng.gauss(0.0, 0.35)
        for _ in range(answered):
            ethnicity = _pick(rng, ETHNICITY)
            group = (
                STAFF_GROUP[team["parent"]]
                if rng.random() < 0.85
                else _pick(rng, [("Other", 0.6), ("Prefer not to say", 0.4)])
            )
            person = 0.7 + team_effect + rng.gauss(0.0, 0.5)
            minority = ethnicity not in ("White", "Prefer not to say")
            answers = []
            for qid in questions:
                score = person + (TAUGHT.get(qid, 0.1) if repeat else 0.0)
                if minority and qid.startswith("E"):
                    score -= 0.35
                answers.append(_answer(rng, qid, score))
            out.append([team["code"], team["parent"], group, ethnicity, _pick(rng, DISABILITY), *answers])
    rng.shuffle(out)  # the order of a file must not say who answered first
    return out


def main() -> None:
    """Write both CSV files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", type=Path, default=HERE / "citizen-voice-workforce.yaml")
    parser.add_argument("--survey", type=Path, default=HERE / "surveys" / "council-baseline.yaml")
    parser.add_argument("--out", type=Path, default=HERE / "responses")
    args = parser.parse_args()
    plan, survey = yaml.safe_load(args.plan.read_text()), yaml.safe_load(args.survey.read_text())
    header = ["team", "directorate", *HEADER_DEMOGRAPHICS, *(q["id"] for q in survey["questions"])]
    args.out.mkdir(parents=True, exist_ok=True)
    for name, repeat in (("council-baseline.csv", False), ("council-repeat.csv", True)):
        data = rows(plan, survey, repeat=repeat)
        with (args.out / name).open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(data)
        print(f"wrote {len(data)} responses to {args.out / name}")


if __name__ == "__main__":
    main()
