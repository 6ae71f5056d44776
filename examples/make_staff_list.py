"""Write examples/staff-list.csv: invented staff for the example council, from its plan file's teams.

Each team gets exactly its declared ``eligible_headcount`` of eligible staff (its manager first), plus a
few ineligible people on top (leavers, long-term absence, parental leave), so importing the list leaves
every team's headcount as the plan file declares it (1,199 in all). Deterministic: the same plan file
always gives the same CSV.

    .venv/bin/python examples/make_staff_list.py [--plan examples/citizen-voice-workforce.yaml] [--out FILE]
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
FIRST = [
    "Aisha",
    "Ali",
    "Amara",
    "Ben",
    "Bea",
    "Carl",
    "Chloe",
    "Dina",
    "Ellen",
    "Farid",
    "Femi",
    "Gita",
    "Grace",
    "Hamza",
    "Hugh",
    "Ines",
    "Isla",
    "Jack",
    "Kate",
    "Luis",
    "Maya",
    "Mo",
    "Nell",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sam",
    "Tariq",
    "Uma",
    "Wendy",
    "Yusuf",
    "Zara",
    "Tom",
    "Lucy",
    "Kwame",
    "Siobhan",
    "Dev",
    "Mei",
    "Owen",
]
LAST = [
    "Ahmed",
    "Baker",
    "Clarke",
    "Evans",
    "Fraser",
    "Green",
    "Hussain",
    "Iqbal",
    "Jones",
    "Khan",
    "Lewis",
    "Mensah",
    "Nowak",
    "Okafor",
    "Patel",
    "Quinn",
    "Reid",
    "Singh",
    "Taylor",
    "Usman",
    "Vaughan",
    "Walsh",
    "Young",
    "Zhou",
    "Murphy",
    "Davies",
    "Begum",
    "Kowalski",
    "Osei",
    "Hughes",
]
# staff groups by directorate (the first letters of the team code)
GROUPS = {
    "ASC": ["Social work", "Occupational therapy", "Care and support", "Administrative and clerical"],
    "CYP": ["Social work", "Early years and youth", "Education", "Administrative and clerical"],
    "COM": ["Housing", "Community and neighbourhood", "Library and culture", "Administrative and clerical"],
    "PH": ["Public health", "Commissioning", "Analysis and intelligence", "Administrative and clerical"],
    "CS": ["Customer services", "Professional and technical", "Finance", "Administrative and clerical"],
}
PATTERNS = ["full-time", "full-time", "full-time", "part-time"]
# ineligible people added on top of the headcount: (team code, status)
INELIGIBLE = [
    ("ASC-01", "leaver"),
    ("ASC-01", "long-term absence"),
    ("ASC-03", "leaver"),
    ("ASC-07", "maternity leave"),
    ("CYP-02", "leaver"),
    ("CYP-02", "leaver"),
    ("CYP-04", "long-term absence"),
    ("CYP-06", "career break"),
    ("COM-01", "leaver"),
    ("COM-03", "long-term absence"),
    ("PH-02", "leaver"),
    ("PH-04", "long-term absence"),
    ("CS-01", "leaver"),
    ("CS-01", "leaver"),
    ("CS-05", "long-term absence"),
]
DOMAIN = "example-council.gov.uk"
HEADER = ["team_code", "name", "email", "staff_group", "status", "work_pattern"]


def rows(plan: dict, seed: int = 4) -> list[list[str]]:  # type: ignore[type-arg]
    """The staff list's data rows for a plan file's teams."""
    rng = random.Random(seed)
    managers = {p["email"]: p["name"] for p in plan.get("people", [])}
    used = set(managers)
    out: list[list[str]] = []

    def new_person() -> tuple[str, str]:
        while True:
            first, last = rng.choice(FIRST), rng.choice(LAST)
            base = f"{first}.{last}".lower()
            for n in ["", *range(2, 50)]:
                email = f"{base}{n}@{DOMAIN}"
                if email not in used:
                    used.add(email)
                    return f"{first} {last}", email

    for team in plan["teams"]:
        headcount = int(team.get("eligible_headcount") or 0)
        if not headcount:
            continue
        groups = GROUPS[team["code"].split("-")[0]]
        manager = team.get("manager")
        for i in range(headcount):
            if i == 0 and manager:
                name, email, group = managers.get(manager, manager.split("@")[0]), manager, "Management"
            else:
                (name, email), group = new_person(), rng.choice(groups)
            out.append([team["code"], name, email, group, rng.choice(["", "", "active"]), rng.choice(PATTERNS)])
        for code, status in INELIGIBLE:
            if code == team["code"]:
                name, email = new_person()
                out.append([code, name, email, rng.choice(groups), status, rng.choice(PATTERNS)])
    return out


def main() -> None:
    """Write the CSV."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", type=Path, default=HERE / "citizen-voice-workforce.yaml")
    parser.add_argument("--out", type=Path, default=HERE / "staff-list.csv")
    args = parser.parse_args()
    data = rows(yaml.safe_load(args.plan.read_text()))
    with args.out.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(data)
    print(f"wrote {len(data)} staff ({len(INELIGIBLE)} ineligible) to {args.out}")


if __name__ == "__main__":
    main()
