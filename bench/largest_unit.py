#!/usr/bin/env python3
"""Prints the plan's largest unit a bundle can carry: "STAGE -" for a stage without waves,
"STAGE WAVE" for a wave (a stage in waves is bundled wave by wave), the one with the most
actions (the first of equals).

    python3 bench/largest_unit.py PLAN.json
"""
import json
import sys

plan = json.load(open(sys.argv[1], encoding="utf-8"))
best = None
for s in plan["stages"]:
    units = [(len(w.get("actions", [])), s["number"], w["number"]) for w in s.get("waves", [])]
    if not s.get("waves"):
        units = [(len(s.get("actions", [])), s["number"], "-")]
    for u in units:
        if best is None or u[0] > best[0]:
            best = u
print(best[1], best[2])
