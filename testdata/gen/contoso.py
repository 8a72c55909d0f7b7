#!/usr/bin/env python3
"""Generate the sample tenant "Contoso" (50 users, 5 groups, 4 subscribed SKUs) in four export formats.

Run from the repository root:  python3 testdata/gen/contoso.py

It writes:
  testdata/contoso/            Graph REST JSON (Graph Explorer / Invoke-MgGraphRequest / az rest)
  testdata/contoso-powershell/ Graph PowerShell SDK output piped through ConvertTo-Json (PascalCase)
  testdata/contoso-admin/      Microsoft 365 admin center "Export users" CSV
  testdata/contoso-csv/        licplan's plain CSV format

THE FOUR FOLDERS MUST DESCRIBE THE SAME TENANT: same users, ids, groups, memberships and
licenses. The only intended differences are what a format cannot express (the admin-center CSV has
no groups and no assignment paths) and the deliberate per-format quirks listed in
testdata/gen/README.md (e.g. the two extra product names that exist only in the admin-center file).
Change the tenant here, never by hand in the output files, and rerun.

Standard library only. Deterministic: ids are uuid5 of names, nothing depends on the clock, on
dict/set iteration order of unordered data or on the environment, so two runs give identical bytes.
Service plans of each SKU are read from data/product-service-plans.csv (Microsoft's catalog).
Each output folder is emptied of *.json / *.csv before writing, so stale files never linger.
"""

import base64
import calendar
import csv
import hashlib
import io
import json
import os
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CATALOG = os.path.join(ROOT, "data", "product-service-plans.csv")
OUT_REST = os.path.join(ROOT, "testdata", "contoso")
OUT_PS = os.path.join(ROOT, "testdata", "contoso-powershell")
OUT_ADMIN = os.path.join(ROOT, "testdata", "contoso-admin")
OUT_CSV = os.path.join(ROOT, "testdata", "contoso-csv")

# Windows PowerShell 5.1 ConvertTo-Json writes a DateTime as "\/Date(<epoch ms>)\/".
# Set to False to write ISO 8601 (what PowerShell 7 writes) in contoso-powershell/users.json.
PS51_DATES = True

NS = uuid.uuid5(uuid.NAMESPACE_DNS, "contoso.com.licplan.testdata")
DOMAIN = "contoso.com"
INITIAL_DOMAIN = "contoso.onmicrosoft.com"
TENANT_ID = str(uuid.uuid5(NS, "tenant/contoso"))
LAST_UPDATED = "2026-10-01T08:00:00Z"
GRAPH = "https://graph.microsoft.com/v1.0"

SKU_E1 = "18181a46-0d4e-45cd-891e-60aabd171b4e"
SKU_E3 = "6fd2c87f-b296-42f0-b197-1e91e994b900"
SKU_WA = "3d957427-ecdc-4df2-aacd-01cc9d519da8"
SKU_FLOW = "f30db892-07e9-47e9-837c-80727f46fd3d"
# skuId -> (skuPartNumber, prepaidUnits.enabled or None = "consumed + n" computed below)
SKUS = [
    (SKU_E1, "STANDARDPACK"),
    (SKU_E3, "ENTERPRISEPACK"),
    (SKU_WA, "WORKPLACE_ANALYTICS"),
    (SKU_FLOW, "FLOW_FREE"),
]
E1_SPARE_SEATS = 3  # E1: enabled = consumed + 3
WA_ENABLED = 5
FLOW_ENABLED = 10000
# E3: 25 seats spare now. The group member in CountViolation hit the limit before these seats
# were bought and has not been reprocessed since (errors do not clear on their own, R8); the
# spare seats let an E1 -> E3 plan move most, not all, E1 users.
E3_SPARE_SEATS = 25

G_E3 = "LIC-O365-E3"
G_SALES = "Sales Team"
G_MKT = "DYN-Marketing"
G_FIN = "SYNC-Finance"
G_ALL = "All Company"


def gid(name):
    return str(uuid.uuid5(NS, "group/" + name))


def uid(upn):
    return str(uuid.uuid5(NS, "user/" + upn))


def h(*parts):
    """Stable integer from strings (sha256), for deterministic 'random' choices."""
    return int(hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest(), 16)


# --------------------------------------------------------------------------------------------
# Catalog
# --------------------------------------------------------------------------------------------

def load_catalog():
    """skuId -> (display name, [(planId, planName)]) for the SKUs used here; (sku, plan) deduped."""
    wanted = {s for s, _ in SKUS}
    names, plans, seen = {}, {}, set()
    with open(CATALOG, encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            row = {k.strip(): (v or "").strip() for k, v in row.items()}
            sku = row["GUID"].lower()
            if sku not in wanted:
                continue
            names.setdefault(sku, row["Product_Display_Name"])
            plan = row["Service_Plan_Id"].lower()
            if (sku, plan) in seen:
                continue
            seen.add((sku, plan))
            plans.setdefault(sku, []).append((plan, row["Service_Plan_Name"]))
    missing = wanted - set(plans)
    if missing:
        raise SystemExit("SKUs missing from catalog: %s" % sorted(missing))
    return names, plans


SKU_NAMES, SKU_PLANS = load_catalog()
PART = dict(SKUS)


def plan_ids(sku, *plan_names):
    by_name = {n: p for p, n in SKU_PLANS[sku]}
    return [by_name[n] for n in plan_names]


def plan_name(sku, plan):
    return dict(SKU_PLANS[sku])[plan]


# --------------------------------------------------------------------------------------------
# The tenant
# --------------------------------------------------------------------------------------------

LOCATIONS = {
    # usage location -> (CountryOrRegion, city, state, postal, street, office, phone prefix, lang)
    "US": ("United States", "Redmond", "WA", "98052", "1 Contoso Way", "Redmond HQ", "+1 425 555 ", "en-US"),
    "GB": ("United Kingdom", "London", "", "EC1A 1BB", "10 Contoso Street", "London", "+44 20 7946 ", "en-GB"),
    "DE": ("Germany", "München", "Bayern", "80331", "Contosostraße 5", "München", "+49 89 5550 ", "de-DE"),
}

# Each user: display name, usage location (None = not set), department, title, and how they hold
# licenses. e1 / e3: disabled plan names of a DIRECT assignment (None = no direct assignment).
U = []


def user(name, loc, dept, title, e1=None, e3=None, e3_group=None, wa=False, fin=None,
         enabled=True, extra_proxy=None, upn=None):
    first, last = name.split(" ", 1)
    if upn is None:
        upn = ("%s.%s@%s" % (first, last.replace(" ", ""), DOMAIN)).lower()
    U.append(dict(name=name, first=first, last=last, upn=upn, loc=loc, dept=dept, title=title,
                  e1=e1, e3=e3, e3_group=e3_group, wa=wa, fin=fin, enabled=enabled,
                  extra_proxy=extra_proxy))


YAM = ["YAMMER_ENTERPRISE"]
SWAY_FORMS = ["SWAY", "FORMS_PLAN_E1"]

# 29 users with Office 365 E1 assigned DIRECTLY (no group path for E1).
user("Adele Vance", "US", "Operations", "Operations Manager", e1=[])
user("Alex Wilber", "US", "Operations", "Logistics Coordinator", e1=[])
user("Allan Deyoung", "US", "IT", "IT Admin", e1=YAM)
user("Bianca Pisani", "US", "Support", "Support Engineer", e1=[])
user("Brian Johnson", "US", "Support", "Support Lead", e1=[])
user("Cameron White", "US", "Legal", "Paralegal", e1=SWAY_FORMS)
user("Christie Cline", "US", "Sales", "Buyer", e1=[], extra_proxy="SMTP:Sales@Contoso.com")
user("Debra Berger", "US", "Sales", "Administrative Assistant", e1=[])
user("Diego Siciliani", "US", "Sales", "Account Executive", e1=[])
user("Enrico Cattaneo", "US", "Marketing", "Marketing Specialist", e1=[])
user("Emily Braun", "US", "Marketing", "Budget Analyst", e1=YAM)
user("Grady Archie", "US", "Marketing", "Designer", e1=[])
user("Henrietta Mueller", "DE", "Marketing", "Content Strategist", e1=[])
user("Irvin Sayers", "US", "Operations", "Director", e1=["TEAMS1"])
user("Isaiah Langer", "US", "Operations", "Field Technician", e1=[], enabled=False)
user("Johanna Lorenz", "DE", "Support", "Senior Engineer", e1=[])
user("Joni Sherman", "US", "Legal", "Paralegal", e1=YAM)
user("Lee Gu", "US", "IT", "Director", e1=[])
user("Lidia Holloway", "US", "Research", "Product Manager", e1=SWAY_FORMS)
user("Lynne Robbins", "GB", "Research", "Planner", e1=[])
user("Megan Bowen", "US", "Operations", "Auditor", e1=[])
user("Miriam Graham", "US", "Research", "Director", e1=SWAY_FORMS)
user("Nestor Wilke", "US", "Operations", "Director", e1=[])
user("Patti Fernandez", "US", "Executive", "President", e1=[])
user("Pradeep Gupta", "GB", "Support", "Support Analyst", e1=[])
user("Raul Razo", "US", "Support", "Support Engineer", e1=[])
user("Sofia Navarro", "US", "Research", "Researcher", e1=[])
user("Lukas Müller", "DE", "Research", "Scientist", e1=[], upn="lukas.muller@" + DOMAIN)
user("Oliver Bennett", "GB", "IT", "Service Desk Analyst", e1=[])

# 15 user members of LIC-O365-E3 (E3 inherited; one of them in CountViolation).
user("Aaron Peterson", "US", "Engineering", "Engineering Manager", e3_group="Active", e3=["SWAY"])
user("Beatriz Souza", "US", "Engineering", "Software Engineer", e3_group="Active", e3=[])
user("Carlos Mendes", "US", "Product", "Data Analyst", e3_group="Active", wa=True)
user("Dana Whitfield", "US", "Product", "Product Director", e3_group="Active", wa=True)
user("Ethan Brooks", None, "Engineering", "Software Engineer", e3_group="Active")
user("Fatima Rahman", "US", "Engineering", "Software Engineer", e3_group="Active")
user("George Okafor", "US", "Product", "Sales Engineer", e3_group="Active",
     extra_proxy="smtp:sales@contoso.com")
user("Hannah Schmidt", "DE", "Engineering", "Site Reliability Engineer", e3_group="Active")
user("Ivan Petrov", "US", "Engineering", "Software Engineer", e3_group="Active")
user("Julia Kowalski", "US", "Executive", "Chief Operating Officer", e3_group="Active")
user("Kenji Tanaka", "US", "Engineering", "Architect", e3_group="Active")
user("Laura Chen", "US", "Executive", "Chief Information Officer", e3_group="Active")
user("Marcus Reed", "US", "Product", "Product Manager", e3_group="Active")
user("Nadia Haddad", "GB", "Engineering", "Software Engineer", e3_group="Active")
user("Owen Gallagher", "US", "Engineering", "Software Engineer", e3_group="CountViolation")

# 4 members of SYNC-Finance (E1 with YAMMER_ENTERPRISE disabled, from the group).
user("Priya Raman", "US", "Finance", "Finance Director", fin="dual", e1=[])
user("Quentin Dubois", "GB", "Finance", "Controller", fin="dual", e1=YAM)
user("Rachel Kim", "US", "Finance", "Accountant", fin="inherited")
user("Samuel Osei", None, "Finance", "Accounts Payable Clerk", fin="inherited")

# 2 unlicensed users.
user("Tara Lindqvist", None, "Human Resources", "Recruiter")
user("Victor Alvarez", "US", "Human Resources", "HR Generalist")

SALES_TEAM = ["Christie Cline", "Debra Berger", "Diego Siciliani"]
ALL_COMPANY = ["Adele Vance", "Megan Bowen", "Aaron Peterson", "Priya Raman", "Victor Alvarez"]
# Per-format quirks (see README): where they go.
STRAY_SPACE_STATE = "Lee Gu"          # REST: state " Active " on his E1 entry
UPPER_SKU_ID = "Kenji Tanaka"         # REST: assignedLicenses skuId in upper case
DIRECT_FIRST = {"Beatriz Souza", "Quentin Dubois"}  # dual paths listed direct-first, others group-first
ADMIN_EXTRA = {"Laura Chen": "Enterprise Mobility + Security E5",
               "Raul Razo": "Microsoft 365 Empresa Básico"}

for u in U:
    u["id"] = uid(u["upn"])
BY_NAME = {u["name"]: u for u in U}
assert len(BY_NAME) == len(U) and len({u["upn"] for u in U}) == len(U)

GROUPS = [
    dict(name=G_E3, security=True, types=[], rule=None, sync=None, mail=False,
         licenses=[(SKU_E3, [])]),
    dict(name=G_SALES, security=True, types=[], rule=None, sync=None, mail=False, licenses=[]),
    dict(name=G_MKT, security=True, types=["DynamicMembership"], rule='user.department -eq "Marketing"',
         sync=None, mail=False, licenses=[(SKU_FLOW, [])]),
    dict(name=G_FIN, security=True, types=[], rule=None, sync=True, mail=False,
         licenses=[(SKU_E1, plan_ids(SKU_E1, "YAMMER_ENTERPRISE"))]),
    dict(name=G_ALL, security=False, types=["Unified"], rule=None, sync=None, mail=True, licenses=[]),
]
for g in GROUPS:
    g["id"] = gid(g["name"])
GBY = {g["name"]: g for g in GROUPS}

# Members: ("user", user) or ("group", group), in the order the API returns them.
GBY[G_E3]["members"] = [("user", u) for u in U if u["e3_group"]]
GBY[G_E3]["members"].insert(9, ("group", GBY[G_SALES]))
GBY[G_SALES]["members"] = [("user", BY_NAME[n]) for n in SALES_TEAM]
GBY[G_MKT]["members"] = [("user", u) for u in U if u["dept"] == "Marketing"]
GBY[G_FIN]["members"] = [("user", u) for u in U if u["fin"]]
GBY[G_ALL]["members"] = [("user", BY_NAME[n]) for n in ALL_COMPANY]
assert len(GBY[G_MKT]["members"]) == 4


def las_entry(group, disabled, sku, state="Active", error="None"):
    return dict(assignedByGroup=group, disabledPlans=list(disabled), error=error,
                lastUpdatedDateTime=LAST_UPDATED, skuId=sku, state=state)


def build_paths(u):
    """licenseAssignmentStates of a user, in export order."""
    out = []

    def dual(direct, inherited):
        if direct and inherited:
            out.extend([direct, inherited] if u["name"] in DIRECT_FIRST else [inherited, direct])
        else:
            out.extend([e for e in (direct, inherited) if e])

    e1_direct = las_entry(None, plan_ids(SKU_E1, *u["e1"]), SKU_E1) if u["e1"] is not None else None
    e1_group = None
    if u["fin"]:
        g = GBY[G_FIN]
        e1_group = las_entry(g["id"], g["licenses"][0][1], SKU_E1)
    dual(e1_direct, e1_group)

    e3_direct = las_entry(None, plan_ids(SKU_E3, *u["e3"]), SKU_E3) if u["e3"] is not None else None
    e3_group = None
    if u["e3_group"] == "Active":
        e3_group = las_entry(GBY[G_E3]["id"], [], SKU_E3)
    elif u["e3_group"] == "CountViolation":
        e3_group = las_entry(GBY[G_E3]["id"], [], SKU_E3, state="Error", error="CountViolation")
    dual(e3_direct, e3_group)

    if u["wa"]:
        out.append(las_entry(None, [], SKU_WA))
    if u["dept"] == "Marketing":
        out.append(las_entry(GBY[G_MKT]["id"], [], SKU_FLOW))
    return out


def build_assigned(paths):
    """assignedLicenses: one entry per SKU held by an Active path; a direct path's disabledPlans win."""
    out = {}
    for p in paths:
        if p["state"].strip() != "Active":
            continue
        sku = p["skuId"]
        if sku not in out or p["assignedByGroup"] is None:
            out[sku] = dict(disabledPlans=list(p["disabledPlans"]), skuId=sku)
    return list(out.values())


def proxies(u):
    alias = u["first"] + u["last"][0]
    alias = alias.encode("ascii", "ignore").decode()
    out = ["SMTP:" + u["upn"], "smtp:%s@%s" % (alias, INITIAL_DOMAIN)]
    if u["extra_proxy"]:
        out.insert(1, u["extra_proxy"])
    return out


for u in U:
    u["paths"] = build_paths(u)
    u["assigned"] = build_assigned(u["paths"])
    u["proxies"] = proxies(u)

# Sanity: secondary aliases unique apart from the deliberate sales@ duplicate.
_addr = [p.split(":", 1)[1].lower() for u in U for p in u["proxies"]]
assert sorted(a for a in set(_addr) if _addr.count(a) > 1) == ["sales@contoso.com"], _addr

CONSUMED = {s: sum(1 for u in U if any(p["skuId"] == s and p["state"].strip() == "Active"
                                       for p in u["paths"])) for s, _ in SKUS}
ENABLED = {SKU_E1: CONSUMED[SKU_E1] + E1_SPARE_SEATS, SKU_E3: CONSUMED[SKU_E3] + E3_SPARE_SEATS,
           SKU_WA: WA_ENABLED, SKU_FLOW: FLOW_ENABLED}

# Export order: REST/PowerShell return objects roughly by object id; the CSVs use the same order.
USERS_ORDERED = sorted(U, key=lambda u: u["id"])
GROUPS_ORDERED = sorted(GROUPS, key=lambda g: g["id"])


# --------------------------------------------------------------------------------------------
# Writing helpers
# --------------------------------------------------------------------------------------------

WRITTEN = []


def clean(folder):
    os.makedirs(folder, exist_ok=True)
    for f in sorted(os.listdir(folder)):
        if f.endswith(".json") or f.endswith(".csv"):
            os.remove(os.path.join(folder, f))


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)
    WRITTEN.append(os.path.relpath(path, ROOT))


def rest_json(obj):
    return (json.dumps(obj, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def ps_json_text(obj):
    """ConvertTo-Json look: 2-space indent, two spaces after the colon, CRLF line ends."""
    text = json.dumps(obj, indent=2, ensure_ascii=False, separators=(",", ":  "))
    return text.replace("\n", "\r\n") + "\r\n"


def csv_bytes(header, rows, bom=False, crlf=False):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n" if crlf else "\n")
    w.writerow(header)
    w.writerows(rows)
    data = buf.getvalue().encode("utf-8")
    return (b"\xef\xbb\xbf" + data) if bom else data


def skiptoken(*parts):
    raw = hashlib.sha256("|".join(parts).encode()).digest() * 2
    return "RFNwdAIAAQAAAD8" + base64.b64encode(raw).decode().rstrip("=").replace("+", "").replace("/", "")[:60]


def tf(b):
    return "" if b is None else ("true" if b else "false")


# --------------------------------------------------------------------------------------------
# Format 1: Graph REST JSON
# --------------------------------------------------------------------------------------------

USER_SELECT = ("id,userPrincipalName,displayName,usageLocation,accountEnabled,proxyAddresses,"
               "assignedLicenses,licenseAssignmentStates")


def rest_user(u):
    assigned = [dict(a) for a in u["assigned"]]
    paths = [dict(p) for p in u["paths"]]
    if u["name"] == UPPER_SKU_ID:
        assigned[0]["skuId"] = assigned[0]["skuId"].upper()
    if u["name"] == STRAY_SPACE_STATE:
        paths[0]["state"] = " Active "
    return dict(id=u["id"], userPrincipalName=u["upn"], displayName=u["name"], usageLocation=u["loc"],
                accountEnabled=u["enabled"], proxyAddresses=u["proxies"], assignedLicenses=assigned,
                licenseAssignmentStates=paths)


def write_rest():
    clean(OUT_REST)
    half = (len(USERS_ORDERED) + 1) // 2
    ctx = "%s/$metadata#users(%s)" % (GRAPH, USER_SELECT)
    p1 = {"@odata.context": ctx,
          "@odata.nextLink": "%s/users?$select=%s&$skiptoken=%s" % (GRAPH, USER_SELECT, skiptoken("users", "2")),
          "value": [rest_user(u) for u in USERS_ORDERED[:half]]}
    p2 = {"@odata.context": ctx, "value": [rest_user(u) for u in USERS_ORDERED[half:]]}
    write(os.path.join(OUT_REST, "users.page1.json"), rest_json(p1))
    write(os.path.join(OUT_REST, "users.page2.json"), rest_json(p2))

    gsel = ("id,displayName,securityEnabled,groupTypes,membershipRule,membershipRuleProcessingState,"
            "onPremisesSyncEnabled,mailEnabled,assignedLicenses,licenseProcessingState")
    groups = {"@odata.context": "%s/$metadata#groups(%s)" % (GRAPH, gsel), "value": []}
    for g in GROUPS_ORDERED:
        groups["value"].append(dict(
            id=g["id"], displayName=g["name"], securityEnabled=g["security"], groupTypes=g["types"],
            membershipRule=g["rule"], membershipRuleProcessingState="On" if g["rule"] else None,
            onPremisesSyncEnabled=g["sync"], mailEnabled=g["mail"],
            assignedLicenses=[dict(disabledPlans=list(d), skuId=s) for s, d in g["licenses"]],
            licenseProcessingState={"state": "ProcessingComplete"}))
    write(os.path.join(OUT_REST, "groups.json"), rest_json(groups))

    mctx = "%s/$metadata#directoryObjects" % GRAPH
    for g in GROUPS_ORDERED:
        vals = []
        for kind, m in g["members"]:
            if kind == "user":
                vals.append({"@odata.type": "#microsoft.graph.user", "id": m["id"],
                             "displayName": m["name"], "userPrincipalName": m["upn"]})
            else:
                vals.append({"@odata.type": "#microsoft.graph.group", "id": m["id"],
                             "displayName": m["name"]})
        if g["name"] == G_E3:
            cut = 8
            pg1 = {"@odata.context": mctx,
                   "@odata.nextLink": "%s/groups/%s/members?$skiptoken=%s" % (GRAPH, g["id"], skiptoken("members", g["id"])),
                   "value": vals[:cut]}
            pg2 = {"@odata.context": mctx, "value": vals[cut:]}
            write(os.path.join(OUT_REST, "members.%s.page1.json" % g["id"]), rest_json(pg1))
            write(os.path.join(OUT_REST, "members.%s.page2.json" % g["id"]), rest_json(pg2))
        else:
            write(os.path.join(OUT_REST, "members.%s.json" % g["id"]), rest_json({"@odata.context": mctx, "value": vals}))

    skus = {"@odata.context": "%s/$metadata#subscribedSkus" % GRAPH, "value": []}
    for s, part in SKUS:
        skus["value"].append(dict(
            accountName="Contoso", accountId=TENANT_ID, appliesTo="User", capabilityStatus="Enabled",
            consumedUnits=CONSUMED[s], id="%s_%s" % (TENANT_ID, s),
            prepaidUnits=dict(enabled=ENABLED[s], lockedOut=0, suspended=0, warning=0),
            servicePlans=[dict(servicePlanId=p, servicePlanName=n, provisioningStatus="Success", appliesTo="User")
                          for p, n in SKU_PLANS[s]],
            skuId=s, skuPartNumber=part, subscriptionIds=[str(uuid.uuid5(NS, "subscription/" + part))]))
    write(os.path.join(OUT_REST, "subscribedSkus.json"), rest_json(skus))

    org = {"@odata.context": "%s/$metadata#organization(id,displayName,countryLetterCode,verifiedDomains)" % GRAPH,
           "value": [dict(id=TENANT_ID, displayName="Contoso", countryLetterCode="US", verifiedDomains=[
               dict(capabilities="Email, OfficeCommunicationsOnline", isDefault=True, isInitial=False,
                    name=DOMAIN, type="Managed"),
               dict(capabilities="Email, OfficeCommunicationsOnline", isDefault=False, isInitial=True,
                    name=INITIAL_DOMAIN, type="Managed")])]}
    write(os.path.join(OUT_REST, "organization.json"), rest_json(org))


# --------------------------------------------------------------------------------------------
# Format 2: Graph PowerShell SDK | ConvertTo-Json
# --------------------------------------------------------------------------------------------

AP = "AdditionalProperties"
PS_DATE_PLACEHOLDER = "@@PS51-DATE@@"


def ps_date():
    if not PS51_DATES:
        return LAST_UPDATED
    return PS_DATE_PLACEHOLDER


def ps_date_fix(text):
    ms = calendar.timegm((2026, 10, 1, 8, 0, 0, 0, 0, 0)) * 1000
    assert LAST_UPDATED == "2026-10-01T08:00:00Z"
    return text.replace('"%s"' % PS_DATE_PLACEHOLDER, '"\\/Date(%d)\\/"' % ms)


def mixcase(guid, upper):
    return guid.upper() if upper else guid


def write_ps():
    clean(OUT_PS)
    users = []
    for i, u in enumerate(USERS_ORDERED):
        up_id = i % 6 == 0          # every 6th record: upper-case object id
        up_sku = i % 4 == 1         # every 4th record (offset 1): upper-case SKU ids
        users.append({
            "Id": mixcase(u["id"], up_id),
            "UserPrincipalName": u["upn"],
            "DisplayName": u["name"],
            "UsageLocation": u["loc"],
            "AccountEnabled": u["enabled"],
            "ProxyAddresses": u["proxies"],
            "AssignedLicenses": [{"DisabledPlans": a["disabledPlans"], "SkuId": mixcase(a["skuId"], up_sku), AP: {}}
                                 for a in u["assigned"]],
            "LicenseAssignmentStates": [{
                "AssignedByGroup": p["assignedByGroup"], "DisabledPlans": p["disabledPlans"],
                "Error": p["error"], "LastUpdatedDateTime": ps_date(),
                "SkuId": mixcase(p["skuId"], up_sku), "State": p["state"], AP: {}} for p in u["paths"]],
            AP: {},
        })
    text = ps_date_fix(ps_json_text(users))
    # Windows PowerShell 5.1 Out-File: UTF-16 LE with BOM, CRLF.
    write(os.path.join(OUT_PS, "users.json"), b"\xff\xfe" + text.encode("utf-16-le"))

    groups = []
    for i, g in enumerate(GROUPS_ORDERED):
        groups.append({
            "Id": mixcase(g["id"], i == 1), "DisplayName": g["name"], "SecurityEnabled": g["security"],
            "GroupTypes": g["types"], "MembershipRule": g["rule"],
            "MembershipRuleProcessingState": "On" if g["rule"] else None,
            "OnPremisesSyncEnabled": g["sync"],
            "AssignedLicenses": [{"DisabledPlans": list(d), "SkuId": s, AP: {}} for s, d in g["licenses"]],
            "MailEnabled": g["mail"], AP: {}})
    # Windows PowerShell 5.1 Out-File -Encoding utf8: UTF-8 with BOM, CRLF.
    write(os.path.join(OUT_PS, "groups.json"), b"\xef\xbb\xbf" + ps_json_text(groups).encode("utf-8"))

    members = []
    for g in GROUPS_ORDERED:
        upper = g["name"] == G_MKT
        for kind, m in g["members"]:
            if kind == "user":
                add = {"@odata.type": "#microsoft.graph.user", "displayName": m["name"],
                       "userPrincipalName": m["upn"]}
            else:
                add = {"@odata.type": "#microsoft.graph.group", "displayName": m["name"]}
            members.append({"GroupId": mixcase(g["id"], upper), "Id": m["id"], AP: add})
    # PowerShell 7 Out-File: UTF-8 without BOM, CRLF.
    write(os.path.join(OUT_PS, "members.json"), ps_json_text(members).encode("utf-8"))

    skus = []
    for s, part in SKUS:
        skus.append({
            "SkuId": mixcase(s, s == SKU_FLOW), "SkuPartNumber": part, "ConsumedUnits": CONSUMED[s],
            "PrepaidUnits": {"Enabled": ENABLED[s], "Suspended": 0, "Warning": 0, "LockedOut": 0, AP: {}},
            "ServicePlans": [{"ServicePlanId": p, "ServicePlanName": n, "ProvisioningStatus": "Success",
                              "AppliesTo": "User", AP: {}} for p, n in SKU_PLANS[s]],
            "AppliesTo": "User", "CapabilityStatus": "Enabled", "Id": "%s_%s" % (TENANT_ID, s),
            "AccountId": TENANT_ID, "AccountName": "Contoso",
            "SubscriptionIds": [str(uuid.uuid5(NS, "subscription/" + part))], AP: {}})
    write(os.path.join(OUT_PS, "skus.json"), b"\xef\xbb\xbf" + ps_json_text(skus).encode("utf-8"))

    org = {"CountryLetterCode": "US", "DisplayName": "Contoso", "Id": TENANT_ID.upper(),
           "VerifiedDomains": [
               {"Capabilities": "Email, OfficeCommunicationsOnline", "IsDefault": True, "IsInitial": False,
                "Name": DOMAIN, "Type": "Managed", AP: {}},
               {"Capabilities": "Email, OfficeCommunicationsOnline", "IsDefault": False, "IsInitial": True,
                "Name": INITIAL_DOMAIN, "Type": "Managed", AP: {}}],
           AP: {}}
    write(os.path.join(OUT_PS, "organization.json"), ps_json_text(org).encode("utf-8"))


# --------------------------------------------------------------------------------------------
# Format 4: plain CSV
# --------------------------------------------------------------------------------------------

def write_csv():
    clean(OUT_CSV)
    write(os.path.join(OUT_CSV, "users.csv"), csv_bytes(
        ["id", "upn", "display_name", "usage_location", "account_enabled", "proxy_addresses"],
        [[u["id"], u["upn"], u["name"], u["loc"] or "", tf(u["enabled"]), ";".join(u["proxies"])]
         for u in USERS_ORDERED]))
    write(os.path.join(OUT_CSV, "groups.csv"), csv_bytes(
        ["id", "display_name", "security_enabled", "unified", "membership_rule", "on_premises_sync_enabled"],
        [[g["id"], g["name"], tf(g["security"]), tf("Unified" in g["types"]), g["rule"] or "", tf(g["sync"])]
         for g in GROUPS_ORDERED]))
    write(os.path.join(OUT_CSV, "group-licenses.csv"), csv_bytes(
        ["group", "sku", "disabled_plans"],
        [[g["name"], PART[s], ";".join(plan_name(s, p) for p in d)]
         for g in GROUPS_ORDERED for s, d in g["licenses"]]))
    write(os.path.join(OUT_CSV, "memberships.csv"), csv_bytes(
        ["group", "member", "member_type"],
        [[g["name"], m["upn"] if k == "user" else m["name"], k] for g in GROUPS_ORDERED for k, m in g["members"]]))
    gname = {g["id"]: g["name"] for g in GROUPS}
    write(os.path.join(OUT_CSV, "assignments.csv"), csv_bytes(
        ["user", "sku", "disabled_plans", "assigned_by_group", "state", "error"],
        [[u["upn"], PART[p["skuId"]], ";".join(plan_name(p["skuId"], x) for x in p["disabledPlans"]),
          gname[p["assignedByGroup"]] if p["assignedByGroup"] else "", p["state"],
          "" if p["error"] == "None" else p["error"]]
         for u in USERS_ORDERED for p in u["paths"]]))
    write(os.path.join(OUT_CSV, "skus.csv"), csv_bytes(
        ["sku", "enabled", "consumed", "suspended", "warning"],
        [[part, ENABLED[s], CONSUMED[s], 0, 0] for s, part in SKUS]))
    write(os.path.join(OUT_CSV, "organization.csv"), csv_bytes(["default_usage_location"], [["US"]]))


# --------------------------------------------------------------------------------------------
# Format 3: Microsoft 365 admin center "Export users"
# --------------------------------------------------------------------------------------------

ADMIN_HEADER = ("Display name,DirSyncEnabled,User principal name,Object Id,First name,Last name,When created,"
                "Soft deletion time stamp,Title,Department,Preferred data location,City,CountryOrRegion,Office,"
                "StateOrProvince,Usage location,Last dirsync time,Block credential,Licenses,"
                "Password never expires,Last password change time stamp,Mobile Phone,Phone number,Postal code,"
                "Preferred language,Street address,Fax,Proxy addresses").split(",")


def stamp(seed, start, days):
    """Deterministic timestamp 'YYYY-MM-DD HH:MM:SSZ' in [start, start + days) (start: (y, m, d))."""
    t = calendar.timegm(start + (0, 0, 0, 0, 0, 0)) + h(seed) % (days * 86400)
    return time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime(t))


def write_admin():
    clean(OUT_ADMIN)
    rows = []
    for i, u in enumerate(sorted(U, key=lambda u: u["name"])):
        held = [a["skuId"] for a in u["assigned"]]
        names = [SKU_NAMES[s] for s in held]
        if u["name"] in ADMIN_EXTRA:
            names.append(ADMIN_EXTRA[u["name"]])
        if names and h("order", u["upn"]) % 2:
            names = names[::-1]
        if len(names) > 2:
            k = h("rot", u["upn"]) % len(names)
            names = names[k:] + names[:k]
        loc = LOCATIONS.get(u["loc"]) if u["loc"] else None
        synced = u["fin"] is not None
        n = h("phone", u["upn"]) % 100
        rows.append([
            u["name"], "True" if synced else "False", u["upn"], u["id"], u["first"], u["last"],
            stamp("created" + u["upn"], (2021, 1, 1), 3 * 365), "", u["title"], u["dept"], "",
            loc[1] if loc else "", loc[0] if loc else "", loc[5] if loc else "", loc[2] if loc else "",
            u["loc"] or "", stamp("sync" + u["upn"], (2026, 9, 30), 1) if synced else "",
            "False" if u["enabled"] else "True",
            "+".join(names) if names else "Unlicensed", "False", stamp("pwd" + u["upn"], (2024, 1, 1), 2 * 365),
            "", (loc[6] + "%04d" % (100 + n)) if loc else "", loc[3] if loc else "",
            loc[7] if loc else "", loc[4] if loc else "", "", "+".join(u["proxies"]),
        ])
    write(os.path.join(OUT_ADMIN, "users.csv"), csv_bytes(ADMIN_HEADER, rows, bom=True, crlf=True))


def main():
    write_rest()
    write_ps()
    write_csv()
    write_admin()
    print("Contoso: %d users, %d groups, SKUs %s" % (
        len(U), len(GROUPS), ", ".join("%s %d/%d" % (PART[s], CONSUMED[s], ENABLED[s]) for s, _ in SKUS)))
    for p in WRITTEN:
        print("  " + p)


if __name__ == "__main__":
    main()
