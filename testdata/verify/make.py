#!/usr/bin/env python3
"""Builds the verify fixtures: fresh exports of testdata/contoso after stage 2 of
plans/e1-to-e3.yaml (plan.json here), each edited for one case.

  python3 testdata/verify/make.py     (from the repository root; rewrites testdata/verify/*/)

plan.json: cargo run -q -- plan testdata/contoso --intent plans/e1-to-e3.yaml --format json --output testdata/verify/plan.json
"""
import copy
import json
import os
import shutil
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
CONTOSO = os.path.join(HERE, "..", "contoso")
STAMP = "2026-11-02T09:00:00Z"


def load(name):
    with open(os.path.join(CONTOSO, name), encoding="utf-8") as f:
        return json.load(f)


def save(d, name, value):
    with open(os.path.join(d, name), "w", encoding="utf-8") as f:
        json.dump(value, f, indent=2, ensure_ascii=False)
        f.write("\n")


def base():
    """The tenant after stage 2: the plan's groups created (real ids, uniqueName), licensed with
    the old product, members added and processed."""
    plan = json.load(open(os.path.join(HERE, "plan.json"), encoding="utf-8"))
    skus = load("subscribedSkus.json")
    plan_ids = {
        (s["skuId"], p["servicePlanName"].upper()): p["servicePlanId"]
        for s in skus["value"]
        for p in s["servicePlans"]
    }
    t = {
        "groups": load("groups.json"),
        "skus": skus,
        "pages": [load("users.page1.json"), load("users.page2.json")],
        "members": {},
        "plan": plan,
    }
    for name in os.listdir(CONTOSO):
        if name.startswith("members."):
            t["members"][name] = load(name)
    stage2 = next(s for s in plan["stages"] if s["number"] == 2)
    real = {}
    lic = {}
    for a in stage2["actions"]:
        if a["op"] == "create-group":
            gid = str(uuid.uuid5(uuid.NAMESPACE_OID, "licplan-fixture:" + a["group"]))
            real[a["group_id"]] = gid
            t["groups"]["value"].append(
                {
                    "id": gid,
                    "displayName": a["group"],
                    "uniqueName": a["unique_name"],
                    "securityEnabled": True,
                    "groupTypes": [],
                    "membershipRule": None,
                    "membershipRuleProcessingState": None,
                    "onPremisesSyncEnabled": None,
                    "mailEnabled": False,
                    "assignedLicenses": [],
                    "licenseProcessingState": {"state": "ProcessingComplete"},
                }
            )
        elif a["op"] == "assign-group-license":
            gid = real[a["group"]]
            dp = [plan_ids[(a["sku"], n.upper())] for n in a.get("disabled_plans", [])]
            lic[gid] = (a["sku"], dp)
            group(t, gid)["assignedLicenses"].append({"disabledPlans": dp, "skuId": a["sku"]})
    for a in stage2["actions"]:
        if a["op"] == "add-member":
            gid = real[a["group"]]
            add_member(t, gid, a["user"])
            sku, dp = lic[gid]
            user(t, a["user"])["licenseAssignmentStates"].append(
                {
                    "assignedByGroup": gid,
                    "disabledPlans": dp,
                    "error": "None",
                    "lastUpdatedDateTime": STAMP,
                    "skuId": sku,
                    "state": "Active",
                }
            )
    t["real"] = {p["group_name"]: real[p["group_id"]] for p in plan["placeholders"]}
    return t


def group(t, gid):
    return next(g for g in t["groups"]["value"] if g["id"] == gid)


def user(t, uid):
    for p in t["pages"]:
        for u in p["value"]:
            if u["id"] == uid or u["userPrincipalName"] == uid:
                return u
    raise KeyError(uid)


def members_file(t, gid):
    name = "members." + gid + ".json"
    return t["members"].setdefault(
        name,
        {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#directoryObjects", "value": []},
    )


def add_member(t, gid, uid):
    u = user(t, uid)
    members_file(t, gid)["value"].append(
        {
            "@odata.type": "#microsoft.graph.user",
            "id": u["id"],
            "displayName": u["displayName"],
            "userPrincipalName": u["userPrincipalName"],
        }
    )


def write(t, name):
    d = os.path.join(HERE, name)
    if os.path.isdir(d):
        shutil.rmtree(d)
    os.makedirs(d)
    shutil.copy(os.path.join(CONTOSO, "organization.json"), d)
    save(d, "groups.json", t["groups"])
    save(d, "subscribedSkus.json", t["skus"])
    save(d, "users.page1.json", t["pages"][0])
    save(d, "users.page2.json", t["pages"][1])
    for n, v in sorted(t["members"].items()):
        save(d, n, v)


def states(t, upn, gid):
    return [s for s in user(t, upn)["licenseAssignmentStates"] if s["assignedByGroup"] == gid]


def main():
    # (a) every user done.
    write(base(), "done")

    # (b) LIC-O365-E3-3 queued: its members hold nothing from it yet; one user of
    # LIC-O365-E3-2 not added yet.
    t = base()
    g3 = t["real"]["LIC-O365-E3-3"]
    group(t, g3)["licenseProcessingState"] = {"state": "QueuedForProcessing"}
    for m in members_file(t, g3)["value"]:
        u = user(t, m["id"])
        u["licenseAssignmentStates"] = [
            s for s in u["licenseAssignmentStates"] if s["assignedByGroup"] != g3
        ]
    g2 = t["real"]["LIC-O365-E3-2"]
    f = members_file(t, g2)
    f["value"] = [m for m in f["value"] if m["userPrincipalName"] != "lee.gu@contoso.com"]
    u = user(t, "lee.gu@contoso.com")
    u["licenseAssignmentStates"] = [
        s for s in u["licenseAssignmentStates"] if s["assignedByGroup"] != g2
    ]
    write(t, "pending")

    # (c) one user's path from LIC-O365-E3-2 in CountViolation.
    t = base()
    for s in states(t, "megan.bowen@contoso.com", t["real"]["LIC-O365-E3-2"]):
        s["state"] = "Error"
        s["error"] = "CountViolation"
    write(t, "blocked")

    # (d) one user lost the direct E1 (removed too early) and the group path is in error.
    t = base()
    u = user(t, "adele.vance@contoso.com")
    e1 = "18181a46-0d4e-45cd-891e-60aabd171b4e"
    u["licenseAssignmentStates"] = [
        s for s in u["licenseAssignmentStates"] if s["assignedByGroup"] is not None or s["skuId"] != e1
    ]
    for s in states(t, "adele.vance@contoso.com", t["real"]["LIC-O365-E3-2"]):
        s["state"] = "Error"
        s["error"] = "CountViolation"
    write(t, "regressed")

    # (e) drift: a new hire added to a carrying group by hand, E3 seats lowered to 30.
    t = base()
    g2 = t["real"]["LIC-O365-E3-2"]
    hire = copy.deepcopy(user(t, "megan.bowen@contoso.com"))
    hire["id"] = str(uuid.uuid5(uuid.NAMESPACE_OID, "licplan-fixture:new.hire"))
    hire["userPrincipalName"] = "new.hire@contoso.com"
    hire["displayName"] = "New Hire"
    hire["proxyAddresses"] = ["SMTP:new.hire@contoso.com"]
    hire["assignedLicenses"] = [{"disabledPlans": [], "skuId": e1}]
    hire["licenseAssignmentStates"] = [
        s for s in hire["licenseAssignmentStates"] if s["assignedByGroup"] == g2
    ]
    t["pages"][1]["value"].append(hire)
    add_member(t, g2, hire["id"])
    for s in t["skus"]["value"]:
        if s["skuPartNumber"] == "STANDARDPACK":
            s["consumedUnits"] += 1
        if s["skuPartNumber"] == "ENTERPRISEPACK":
            s["prepaidUnits"]["enabled"] = 30
    write(t, "drift")


if __name__ == "__main__":
    main()
