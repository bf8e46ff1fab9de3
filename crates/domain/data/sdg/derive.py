#!/usr/bin/env python3
"""Derives the SDG catalogue shipped with Rødtråd from the reference data described in SOURCE.md.

Usage: derive.py SOURCE_DIR   (the folder holding SDG_Target_Indicator_UNSD_2023.csv, sdg_colours.csv and
open-sdg-translations/). Writes goals.csv, targets.csv and indicators.csv beside this script.
Mechanical only: codes and English texts from the UN 2023 list, bokmål from open-sdg's nb_NO files
where the code exists there. No text is edited by hand.
"""
import csv, os, sys, yaml

src = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))
tr = lambda lang, name: yaml.safe_load(open(os.path.join(src, "open-sdg-translations", lang, name), encoding="utf-8"))
goals_en, goals_nb = tr("en", "global_goals.yml"), tr("nb_NO", "global_goals.yml")
targets_nb, indicators_nb = tr("nb_NO", "global_targets.yml"), tr("nb_NO", "global_indicators.yml")
colours = {r["goal"]: r["colour_hex"] for r in csv.DictReader(open(os.path.join(src, "sdg_colours.csv"), encoding="utf-8"))}
key = lambda code: code.replace(".", "-") + "-title"

with open(os.path.join(here, "goals.csv"), "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["goal", "colour", "short_nb", "title_nb", "short_en", "title_en"])
    for n in range(1, 18):
        w.writerow([n, colours[str(n)], goals_nb[f"{n}-short"], goals_nb[f"{n}-title"], goals_en[f"{n}-short"], goals_en[f"{n}-title"]])

targets, indicators = {}, {}
for row in csv.DictReader(open(os.path.join(src, "SDG_Target_Indicator_UNSD_2023.csv"), encoding="utf-8"), delimiter=";"):
    t = row["TargetsNumber"].strip()
    targets.setdefault(t, (row["SDGNumber"].strip(), row["Targets"].strip()))
    i = row["IndicatorsNumber"].strip()
    if i and i != "0":
        indicators.setdefault(i, (t, row["Indicators"].strip()))

def order(code):
    return [int(p) if p.isdigit() else 100 + ord(p) for p in code.split(".")]

# A bokmål target text that is identical to another target's belongs to that other target (1.a repeats
# 1.5, 10.3 repeats 10.2 in the source): drop it so the English text is shown instead.
nb_text = {code: " ".join(str(targets_nb.get(key(code), "")).split()) for code in targets}
seen = {}
for code in sorted(targets, key=order):
    seen.setdefault(nb_text[code], code)
with open(os.path.join(here, "targets.csv"), "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["target", "goal", "text_en", "text_nb"])
    for code in sorted(targets, key=order):
        goal, text = targets[code]
        nb = nb_text[code] if seen[nb_text[code]] == code else ""
        w.writerow([code, goal, text, nb])

with open(os.path.join(here, "indicators.csv"), "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["indicator", "target", "text_en", "text_nb"])
    for code in sorted(indicators, key=order):
        target, text = indicators[code]
        w.writerow([code, target, text, " ".join(str(indicators_nb.get(key(code), "")).split())])
print(len(targets), "targets,", len(indicators), "indicators")
