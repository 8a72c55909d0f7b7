#!/usr/bin/env python3
"""Check that the four Contoso export folders (written by contoso.py) describe the same tenant.

Run from the repository root:  python3 testdata/gen/check_contoso.py
Parses each folder independently (no import of contoso.py), normalises GUID case and stray spaces,
and compares users, assignment paths, groups, memberships, group licenses, SKUs and the organization.
The admin-center CSV is compared on what it can express: users and the set of products held.
Exits non-zero on the first disagreement. Standard library only.
"""

import csv
import glob
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
T = os.path.join(ROOT, "testdata")
REAL_ADMIN = "/work/shared/data/real/m365-admin-exports/active-users-export.header-and-row.openidsync-readme.csv"
ADMIN_ONLY_EXTRAS = {"Enterprise Mobility + Security E5", "Microsoft 365 Empresa Básico"}


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def load_json(path):
    raw = open(path, "rb").read()
    if raw.startswith(b"\xff\xfe"):
        text = raw[2:].decode("utf-16-le")
    elif raw.startswith(b"\xef\xbb\xbf"):
        text = raw[3:].decode("utf-8")
    else:
        text = raw.decode("utf-8")
    try:
        return json.loads(text)
    except ValueError as e:
        fail("%s: invalid JSON: %s" % (path, e))


def read_csv(path, bom=False):
    with open(path, encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
        return list(csv.DictReader(f))


def lst(cell):
    return [x for x in cell.split(";") if x] if cell else []


# Catalog: sku id <-> part number / display name; plan name <-> id per SKU.
CAT_NAME, CAT_PART, PLAN_BY_NAME = {}, {}, {}
with open(os.path.join(ROOT, "data", "product-service-plans.csv"), encoding="utf-8-sig", newline="") as f:
    for r in csv.DictReader(f):
        r = {k.strip(): (v or "").strip() for k, v in r.items()}
        s = r["GUID"].lower()
        CAT_NAME.setdefault(s, r["Product_Display_Name"])
        CAT_PART.setdefault(r["String_Id"], s)
        PLAN_BY_NAME.setdefault(s, {}).setdefault(r["Service_Plan_Name"], r["Service_Plan_Id"].lower())
SKU_BY_DISPLAY = {}
for s, n in CAT_NAME.items():
    SKU_BY_DISPLAY.setdefault(n, s)


def norm_path(sku, group, disabled, state, error):
    err = (error or "").strip()
    return (sku.lower(), group.lower() if group else None, tuple(sorted(d.lower() for d in disabled)),
            state.strip(), None if err in ("", "None") else err)


def pkey(p):
    return (p[0], p[1] or "", p[2], p[3], p[4] or "")


def tenant_from_graph(users, groups, members, skus, org, pascal):
    k = (lambda n: n[0].upper() + n[1:]) if pascal else (lambda n: n)
    t = {"users": {}, "paths": {}, "held": {}, "groups": {}, "members": {}, "skus": {}}
    for u in users:
        upn = u[k("userPrincipalName")].lower()
        t["users"][upn] = (u[k("id")].lower(), u[k("displayName")], u[k("usageLocation")] or None,
                           u[k("accountEnabled")], tuple(u[k("proxyAddresses")]))
        paths = sorted((norm_path(p[k("skuId")], p[k("assignedByGroup")], p[k("disabledPlans")], p[k("state")],
                                 p[k("error")]) for p in u[k("licenseAssignmentStates")]), key=pkey)
        t["paths"][upn] = paths
        assigned = {a[k("skuId")].lower(): tuple(sorted(d.lower() for d in a[k("disabledPlans")]))
                    for a in u[k("assignedLicenses")]}
        if len(assigned) != len(u[k("assignedLicenses")]):
            fail("%s: more than one assignedLicenses entry for a SKU" % upn)
        # assignedLicenses must be the union view of the Active paths (direct disabledPlans win).
        expect = {}
        for sku, grp, dis, state, err in sorted(paths, key=lambda p: p[1] is None):
            if state == "Active":
                expect[sku] = dis
        if expect != assigned:
            fail("%s: assignedLicenses %s != Active paths %s" % (upn, assigned, expect))
        t["held"][upn] = set(assigned)
    for g in groups:
        gid = g[k("id")].lower()
        types = g[k("groupTypes")]
        t["groups"][gid] = (g[k("displayName")], g[k("securityEnabled")], "Unified" in types,
                            "DynamicMembership" in types, g[k("membershipRule")], g[k("onPremisesSyncEnabled")],
                            tuple(sorted((a[k("skuId")].lower(), tuple(sorted(d.lower() for d in a[k("disabledPlans")])))
                                         for a in g[k("assignedLicenses")])))
        t["members"][gid] = set()
    for gid, m in members:
        typ = m["@odata.type"].rsplit(".", 1)[1]
        t["members"][gid.lower()].add((typ, m["id"].lower()))
    for s in skus:
        pp = s[k("prepaidUnits")]
        t["skus"][s[k("skuId")].lower()] = (s[k("skuPartNumber")], pp[k("enabled")], s[k("consumedUnits")],
                                           pp[k("suspended")], pp[k("warning")],
                                           tuple(sorted(p[k("servicePlanId")].lower() for p in s[k("servicePlans")])))
    t["country"] = org[k("countryLetterCode")]
    return t


def load_rest():
    d = os.path.join(T, "contoso")
    p1 = load_json(os.path.join(d, "users.page1.json"))
    p2 = load_json(os.path.join(d, "users.page2.json"))
    if "@odata.nextLink" not in p1 or "@odata.nextLink" in p2:
        fail("users paging links")
    groups = load_json(os.path.join(d, "groups.json"))["value"]
    members = []
    for g in groups:
        files = sorted(glob.glob(os.path.join(d, "members.%s*.json" % g["id"])))
        if not files:
            fail("no members file for %s" % g["displayName"])
        for i, f in enumerate(files):
            doc = load_json(f)
            if (i < len(files) - 1) != ("@odata.nextLink" in doc):
                fail("%s: nextLink" % f)
            members += [(g["id"], m) for m in doc["value"]]
    skus = load_json(os.path.join(d, "subscribedSkus.json"))["value"]
    org = load_json(os.path.join(d, "organization.json"))["value"][0]
    for f in glob.glob(os.path.join(d, "*")):
        load_json(f)
    return tenant_from_graph(p1["value"] + p2["value"], groups, members, skus, org, False)


def load_ps():
    d = os.path.join(T, "contoso-powershell")
    raw = open(os.path.join(d, "users.json"), "rb").read()
    if not raw.startswith(b"\xff\xfe") or b"\r\x00\n\x00" not in raw:
        fail("powershell users.json is not UTF-16 LE with BOM and CRLF")
    users = load_json(os.path.join(d, "users.json"))
    groups = load_json(os.path.join(d, "groups.json"))
    members = [(m["GroupId"], dict(m["AdditionalProperties"], id=m["Id"]))
               for m in load_json(os.path.join(d, "members.json"))]
    skus = load_json(os.path.join(d, "skus.json"))
    org = load_json(os.path.join(d, "organization.json"))
    if not isinstance(users, list) or not isinstance(org, dict):
        fail("powershell shapes")
    for f in glob.glob(os.path.join(d, "*")):
        load_json(f)
    return tenant_from_graph(users, groups, members, skus, org, True)


def load_plain():
    d = os.path.join(T, "contoso-csv")
    t = {"users": {}, "paths": {}, "held": {}, "groups": {}, "members": {}, "skus": {}}
    for r in read_csv(os.path.join(d, "users.csv")):
        t["users"][r["upn"].lower()] = (r["id"].lower(), r["display_name"], r["usage_location"] or None,
                                        r["account_enabled"] == "true", tuple(lst(r["proxy_addresses"])))
        t["paths"][r["upn"].lower()] = []
    uid = {upn: v[0] for upn, v in t["users"].items()}
    groups = read_csv(os.path.join(d, "groups.csv"))
    gid = {g["display_name"]: g["id"].lower() for g in groups}
    lic = {}
    for r in read_csv(os.path.join(d, "group-licenses.csv")):
        s = CAT_PART[r["sku"]]
        lic.setdefault(r["group"], []).append((s, tuple(sorted(PLAN_BY_NAME[s][n] for n in lst(r["disabled_plans"])))))
    tb = {"true": True, "false": False, "": None}
    for g in groups:
        t["groups"][g["id"].lower()] = (g["display_name"], tb[g["security_enabled"]], tb[g["unified"]],
                                        bool(g["membership_rule"]), g["membership_rule"] or None,
                                        tb[g["on_premises_sync_enabled"]], tuple(sorted(lic.get(g["display_name"], []))))
        t["members"][g["id"].lower()] = set()
    for r in read_csv(os.path.join(d, "memberships.csv")):
        m = uid[r["member"].lower()] if r["member_type"] == "user" else gid[r["member"]]
        t["members"][gid[r["group"]]].add((r["member_type"], m))
    for r in read_csv(os.path.join(d, "assignments.csv")):
        s = CAT_PART[r["sku"]]
        t["paths"][r["user"].lower()].append(norm_path(
            s, gid[r["assigned_by_group"]] if r["assigned_by_group"] else None,
            [PLAN_BY_NAME[s][n] for n in lst(r["disabled_plans"])], r["state"], r["error"]))
    for upn in t["paths"]:
        t["paths"][upn].sort(key=pkey)
        t["held"][upn] = {p[0] for p in t["paths"][upn] if p[3] == "Active"}
    for r in read_csv(os.path.join(d, "skus.csv")):
        s = CAT_PART[r["sku"]]
        t["skus"][s] = (r["sku"], int(r["enabled"]), int(r["consumed"]), int(r["suspended"]), int(r["warning"]))
    t["country"] = read_csv(os.path.join(d, "organization.csv"))[0]["default_usage_location"]
    return t


def load_admin():
    path = os.path.join(T, "contoso-admin", "users.csv")
    raw = open(path, "rb").read()
    if not raw.startswith(b"\xef\xbb\xbf") or b"\r\n" not in raw or raw.replace(b"\r\n", b"").count(b"\n"):
        fail("admin csv is not UTF-8 BOM + CRLF")
    header = raw[3:].split(b"\r\n", 1)[0].decode()
    if os.path.exists(REAL_ADMIN):
        real = open(REAL_ADMIN, "rb").read().decode("utf-8-sig").splitlines()[0]
        if header != real:
            fail("admin header differs from the real sample")
    users, held, extras = {}, {}, {}
    for r in read_csv(path, bom=True):
        upn = r["User principal name"].lower()
        users[upn] = (r["Object Id"].lower(), r["Display name"], r["Usage location"] or None,
                      r["Block credential"] == "False", tuple(r["Proxy addresses"].split("+")))
        held[upn] = set()
        if r["Licenses"] == "Unlicensed":
            continue
        for name in re.split(r"(?<! )\+(?! )", r["Licenses"]):
            s = SKU_BY_DISPLAY.get(name)
            if s is None or s not in SUBSCRIBED:
                extras.setdefault(name, []).append(upn)
            else:
                held[upn].add(s)
    return users, held, extras


rest = load_rest()
SUBSCRIBED = set(rest["skus"])
ps = load_ps()
plain = load_plain()

for key in ("users", "paths", "held", "groups", "members", "country"):
    if rest[key] != ps[key]:
        fail("REST vs PowerShell differ in %s" % key)
    if key == "groups":
        # plain CSV has 'dynamic' implied by a rule; the rest is identical.
        if rest[key] != plain[key]:
            fail("REST vs CSV differ in groups")
    elif rest[key] != plain[key]:
        diff = [k for k in rest[key] if rest[key].get(k) != plain[key].get(k)] if isinstance(rest[key], dict) else rest[key]
        fail("REST vs CSV differ in %s: %s" % (key, diff[:5]))
if rest["skus"] != ps["skus"]:
    fail("REST vs PowerShell differ in skus")
if {s: v[:5] for s, v in rest["skus"].items()} != plain["skus"]:
    fail("REST vs CSV differ in skus")
for s, v in rest["skus"].items():
    consumed = sum(1 for upn, paths in rest["paths"].items() if any(p[0] == s and p[3] == "Active" for p in paths))
    if consumed != v[2]:
        fail("%s consumedUnits %d, computed %d" % (v[0], v[2], consumed))
    cat = tuple(sorted(set(PLAN_BY_NAME[s].values())))
    if v[5] != cat:
        fail("%s service plans differ from the catalog" % v[0])

a_users, a_held, extras = load_admin()
if a_users != rest["users"]:
    fail("admin users differ: %s" % [u for u in rest["users"] if a_users.get(u) != rest["users"][u]][:5])
if a_held != rest["held"]:
    fail("admin licenses differ: %s" % [u for u in rest["held"] if a_held.get(u) != rest["held"][u]][:5])
if set(extras) != ADMIN_ONLY_EXTRAS or any(len(v) != 1 for v in extras.values()):
    fail("admin-only products: %s" % extras)

print("OK: %d users, %d groups, %d SKUs; REST == PowerShell == CSV, admin-center agrees on users and products held"
      % (len(rest["users"]), len(rest["groups"]), len(rest["skus"])))
print("    admin-only products: %s" % ", ".join("%s (%s)" % (n, ", ".join(u)) for n, u in sorted(extras.items())))
