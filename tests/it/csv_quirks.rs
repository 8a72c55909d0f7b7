//! Real-world CSV quirks: the same small tenant written in each encoding and dialect that real
//! tools produce must load to the very same model as the plain UTF-8 comma version, and errors
//! must name the line an editor shows.

use std::path::Path;

use licplan::findings::FindingCode;
use licplan::ingest::{InputErrors, Loaded, Location};
use licplan::model::{
    Assignment, AssignmentError, AssignmentPath, AssignmentState, PlanId, PlanIds, SkuId, Tenant,
    UserId,
};

const DANA: &str = "0359c742-a7a4-5e6a-a6d5-ed85b3b6ac7a";
const LAURA: &str = "040bb6de-5a97-5e5c-8864-c489edd1ad29";
const OLIVER: &str = "0af4ad80-4a8d-5836-bedf-96230b82f3d5";
/// Office 365 E1.
const STANDARDPACK: &str = "18181a46-0d4e-45cd-891e-60aabd171b4e";
/// Enterprise Mobility + Security E5.
const EMSPREMIUM: &str = "b05e124f-c7cc-45a0-a6aa-8cf78c946968";
const YAMMER_ENTERPRISE: &str = "7547a3fe-08ee-4ccb-b430-5077c5041653";
const SWAY: &str = "a23b959c-7ce8-4e57-9140-b90eb88a9e97";

type Rows = Vec<Vec<&'static str>>;

/// users.csv: a comma and non-ASCII text in a name, an empty usage location, a list cell.
fn users() -> Rows {
    vec![
        vec![
            "id",
            "upn",
            "display_name",
            "usage_location",
            "account_enabled",
            "proxy_addresses",
        ],
        vec![
            DANA,
            "dana.whitfield@contoso.com",
            "Dana Whitfield",
            "US",
            "true",
            "SMTP:dana.whitfield@contoso.com;smtp:DanaW@contoso.onmicrosoft.com",
        ],
        vec![
            LAURA,
            "laura.chen@contoso.com",
            "Chen, Laura (Zürich)",
            "CH",
            "false",
            "",
        ],
        vec![
            OLIVER,
            "oliver.bennett@contoso.com",
            "Oliver Bennett",
            "",
            "true",
            "SMTP:oliver.bennett@contoso.com",
        ],
    ]
}

/// assignments.csv: users by UPN and by id, E1 by part number, disabled plans by name.
fn assignments() -> Rows {
    vec![
        vec![
            "user",
            "sku",
            "disabled_plans",
            "assigned_by_group",
            "state",
            "error",
        ],
        vec![
            "dana.whitfield@contoso.com",
            "STANDARDPACK",
            "YAMMER_ENTERPRISE;SWAY",
            "",
            "Active",
            "",
        ],
        vec![LAURA, "STANDARDPACK", "", "", "Active", ""],
        vec![
            "oliver.bennett@contoso.com",
            "STANDARDPACK",
            "SWAY",
            "",
            "Error",
            "CountViolation",
        ],
    ]
}

fn skus() -> Rows {
    vec![
        vec!["sku", "enabled", "consumed", "suspended", "warning"],
        vec!["STANDARDPACK", "36", "3", "0", "0"],
    ]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Utf8,
    Utf8Bom,
    Utf16LeBom,
    Utf16BeBom,
}

/// How a tool writes a CSV.
#[derive(Debug, Clone, Copy)]
struct Dialect {
    encoding: Encoding,
    delimiter: char,
    line_end: &'static str,
    /// Windows PowerShell 5.1 `Export-Csv` without `-NoTypeInformation`.
    type_line: bool,
    /// `Export-Csv` quotes every field; others quote only when needed.
    quote_all: bool,
}

const PLAIN: Dialect = Dialect {
    encoding: Encoding::Utf8,
    delimiter: ',',
    line_end: "\n",
    type_line: false,
    quote_all: false,
};

/// The text of a CSV in a dialect (before encoding).
fn render(rows: &[Vec<&str>], d: Dialect) -> String {
    let mut out = String::new();
    if d.type_line {
        out.push_str("#TYPE System.Management.Automation.PSCustomObject");
        out.push_str(d.line_end);
    }
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .map(|c| {
                let needs = d.quote_all
                    || c.contains(d.delimiter)
                    || c.contains('"')
                    || c.contains('\n')
                    || c.contains('\r');
                if needs {
                    format!("\"{}\"", c.replace('"', "\"\""))
                } else {
                    (*c).to_owned()
                }
            })
            .collect();
        out.push_str(&cells.join(&d.delimiter.to_string()));
        out.push_str(d.line_end);
    }
    out
}

fn encode(text: &str, e: Encoding) -> Vec<u8> {
    match e {
        Encoding::Utf8 => text.as_bytes().to_vec(),
        Encoding::Utf8Bom => [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat(),
        Encoding::Utf16LeBom => std::iter::once(0xFEFF_u16)
            .chain(text.encode_utf16())
            .flat_map(u16::to_le_bytes)
            .collect(),
        Encoding::Utf16BeBom => std::iter::once(0xFEFF_u16)
            .chain(text.encode_utf16())
            .flat_map(u16::to_be_bytes)
            .collect(),
    }
}

fn write(dir: &Path, name: &str, rows: &[Vec<&str>], d: Dialect) {
    std::fs::write(dir.join(name), encode(&render(rows, d), d.encoding)).expect("write the CSV");
}

fn try_load(dir: &Path) -> Result<Loaded, InputErrors> {
    licplan::ingest::load(&[dir.to_path_buf()])
}

/// Writes the tenant (with `users` as given) in a dialect and loads it.
#[track_caller]
fn load_with(users: &[Vec<&str>], d: Dialect) -> Loaded {
    let dir = tempfile::tempdir().expect("a temp dir");
    write(dir.path(), "users.csv", users, d);
    write(dir.path(), "assignments.csv", &assignments(), d);
    write(dir.path(), "skus.csv", &skus(), d);
    match try_load(dir.path()) {
        Ok(l) => l,
        Err(e) => panic!("the {d:?} tenant does not load:\n{e}"),
    }
}

#[track_caller]
fn load_dialect(d: Dialect) -> Tenant {
    load_with(&users(), d).tenant
}

fn uid(s: &str) -> UserId {
    UserId::parse(s).expect("a GUID")
}

fn sku(s: &str) -> SkuId {
    SkuId::parse(s).expect("a GUID")
}

fn plans(ids: &[&str]) -> PlanIds {
    ids.iter()
        .map(|p| PlanId::parse(p).expect("a GUID"))
        .collect()
}

/// Asserts a dialect loads to the plain version's model, and that an error on a row after all
/// the others names the row's true line in the file.
#[track_caller]
fn assert_same_as_plain(d: Dialect) {
    let plain = load_dialect(PLAIN);
    let quirky = load_dialect(d);
    for (id, u) in &plain.users {
        assert_eq!(Some(u), quirky.users.get(id), "{d:?}: user {id}");
    }
    assert_eq!(plain.skus, quirky.skus, "{d:?}: skus");
    assert!(plain == quirky, "{d:?}: the models differ");
    assert_true_line_numbers(&users(), d);
}

/// Appends a row with a bad id to users.csv and checks the error names its line as an editor
/// counts lines (a `#TYPE` line and newlines inside quoted fields included).
#[track_caller]
fn assert_true_line_numbers(users: &[Vec<&str>], d: Dialect) {
    let mut rows = users.to_vec();
    rows.push(vec!["not-a-guid", "x@contoso.com", "X", "US", "true", ""]);
    let text = render(&rows, d);
    let at = text.find("not-a-guid").expect("the bad row is written");
    // Line ends as an editor counts them: CRLF, LF or a lone CR.
    let before = text[..at].replace("\r\n", "\n").replace('\r', "\n");
    let line = before.matches('\n').count() as u64 + 1;
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::write(dir.path().join("users.csv"), encode(&text, d.encoding)).expect("write");
    let errors = match try_load(dir.path()) {
        Ok(_) => panic!("{d:?}: a users.csv with a bad id loaded"),
        Err(e) => e,
    };
    assert_eq!(errors.0.len(), 1, "{d:?}: {errors}");
    let e = &errors.0[0];
    assert_eq!(e.location, Location::Line(line), "{d:?}: {e}");
    assert_eq!(e.field.as_deref(), Some("id"), "{d:?}: {e}");
}

#[test]
fn the_plain_utf8_tenant_reads_as_intended() {
    let loaded = load_with(&users(), PLAIN);
    let t = &loaded.tenant;
    assert_eq!(t.users.len(), 3);
    assert_eq!(t.skus.len(), 1);
    let e1 = &t.skus[&sku(STANDARDPACK)];
    assert_eq!(e1.part_number.as_deref(), Some("STANDARDPACK"));
    let seats = e1.seats.as_ref().expect("seats from skus.csv");
    assert_eq!((seats.enabled, seats.consumed), (36, 3));

    let dana = &t.users[&uid(DANA)];
    assert_eq!(dana.display_name.as_deref(), Some("Dana Whitfield"));
    assert_eq!(dana.account_enabled, Some(true));
    assert_eq!(
        dana.proxy_addresses,
        [
            "SMTP:dana.whitfield@contoso.com",
            "smtp:DanaW@contoso.onmicrosoft.com"
        ]
    );
    assert_eq!(
        dana.assignments,
        [Assignment {
            sku: sku(STANDARDPACK),
            path: AssignmentPath::Direct,
            disabled_plans: plans(&[YAMMER_ENTERPRISE, SWAY]),
            state: Some(AssignmentState::Active),
            error: None,
        }]
    );
    let laura = &t.users[&uid(LAURA)];
    assert_eq!(laura.display_name.as_deref(), Some("Chen, Laura (Zürich)"));
    assert_eq!(laura.account_enabled, Some(false));
    assert_eq!(
        laura.usage_location.as_ref().map(|c| c.as_str()),
        Some("CH")
    );
    assert_eq!(laura.assignments.len(), 1);
    let oliver = &t.users[&uid(OLIVER)];
    assert_eq!(oliver.usage_location, None);
    assert_eq!(
        oliver.assignments[0].error,
        Some(AssignmentError::CountViolation)
    );
    assert_eq!(oliver.assignments[0].disabled_plans, plans(&[SWAY]));
    for code in [
        FindingCode::DanglingReference,
        FindingCode::UnknownSku,
        FindingCode::UnknownColumn,
        FindingCode::UnknownValue,
    ] {
        assert_eq!(loaded.findings.count(code), 0, "{code:?}");
    }
    assert_true_line_numbers(&users(), PLAIN);
}

#[test]
fn utf8_with_bom() {
    // Excel's "CSV UTF-8" and the admin center's export start with EF BB BF.
    assert_same_as_plain(Dialect {
        encoding: Encoding::Utf8Bom,
        ..PLAIN
    });
}

#[test]
fn utf16_le_with_bom_as_windows_powershell_export_csv_writes() {
    // `Export-Csv -Encoding Unicode` in Windows PowerShell 5.1: UTF-16 LE with a BOM, a #TYPE
    // line, every field quoted, CRLF.
    assert_same_as_plain(Dialect {
        encoding: Encoding::Utf16LeBom,
        delimiter: ',',
        line_end: "\r\n",
        type_line: true,
        quote_all: true,
    });
}

#[test]
fn utf16_le_with_bom_quoted() {
    assert_same_as_plain(Dialect {
        encoding: Encoding::Utf16LeBom,
        quote_all: true,
        ..PLAIN
    });
}

#[test]
fn utf16_be_with_bom() {
    // `Export-Csv -Encoding BigEndianUnicode`.
    assert_same_as_plain(Dialect {
        encoding: Encoding::Utf16BeBom,
        ..PLAIN
    });
}

#[test]
fn powershell_type_line() {
    // The first line `#TYPE System.Management.Automation.PSCustomObject` is not the header, and
    // it still counts when naming lines.
    assert_same_as_plain(Dialect {
        type_line: true,
        ..PLAIN
    });
}

#[test]
fn semicolon_delimiter_as_european_excel_writes() {
    // The disabled plans cell "YAMMER_ENTERPRISE;SWAY" is quoted; the name with a comma is not.
    assert_same_as_plain(Dialect {
        delimiter: ';',
        ..PLAIN
    });
}

#[test]
fn tab_delimiter() {
    assert_same_as_plain(Dialect {
        delimiter: '\t',
        ..PLAIN
    });
}

#[test]
fn crlf_line_ends() {
    assert_same_as_plain(Dialect {
        line_end: "\r\n",
        ..PLAIN
    });
}

#[test]
fn quoted_fields_with_embedded_newlines_keep_true_line_numbers() {
    let mut quirky_users = users();
    quirky_users[2][2] = "Chen, Laura\nZürich office";
    quirky_users[3][2] = "Oliver\nBennett\n(contractor)";
    let quirky = load_with(&quirky_users, PLAIN).tenant;

    let mut expected = load_dialect(PLAIN);
    for (id, name) in [
        (LAURA, "Chen, Laura\nZürich office"),
        (OLIVER, "Oliver\nBennett\n(contractor)"),
    ] {
        expected
            .users
            .get_mut(&uid(id))
            .expect("the user is in the plain tenant")
            .display_name = Some(name.to_owned());
    }
    assert_eq!(expected, quirky);

    // Header 1, Dana 2, Laura 3-4, Oliver 5-7: the bad row is line 8, not record 5.
    assert_true_line_numbers(&quirky_users, PLAIN);
    let text = render(&quirky_users, PLAIN);
    assert_eq!(text.lines().count(), 7);
    // And the same with CRLF line ends around an LF inside the field, as Excel writes.
    assert_true_line_numbers(
        &quirky_users,
        Dialect {
            line_end: "\r\n",
            ..PLAIN
        },
    );
}

#[test]
fn blank_lines_between_rows_are_skipped_and_still_counted() {
    // Hand-edited files and some scripts leave blank lines; an error after them names its line.
    let mut spaced = users();
    spaced.insert(1, vec![]);
    spaced.insert(3, vec![]);
    spaced.push(vec![]);
    assert_eq!(load_with(&spaced, PLAIN).tenant, load_dialect(PLAIN));
    assert_true_line_numbers(&spaced, PLAIN);
    assert_true_line_numbers(
        &spaced,
        Dialect {
            line_end: "\r\n",
            ..PLAIN
        },
    );
}

#[test]
fn old_mac_cr_line_ends() {
    assert_same_as_plain(Dialect {
        line_end: "\r",
        ..PLAIN
    });
}

/// The header of the admin center's Users → Active users → Export users file, as in
/// `/work/shared/data/real/m365-admin-exports/active-users-export.header-and-row.openidsync-readme.csv`.
const ADMIN_HEADER: &str = "Display name,DirSyncEnabled,User principal name,Object Id,First name,Last name,When created,Soft deletion time stamp,Title,Department,Preferred data location,City,CountryOrRegion,Office,StateOrProvince,Usage location,Last dirsync time,Block credential,Licenses,Password never expires,Last password change time stamp,Mobile Phone,Phone number,Postal code,Preferred language,Street address,Fax,Proxy addresses";

#[test]
fn admin_center_licenses_and_proxy_addresses_joined_with_plus() {
    let header: Vec<&str> = ADMIN_HEADER.split(',').collect();
    let cell = |row: &mut Vec<&'static str>, column: &str, value: &'static str| {
        let i = header
            .iter()
            .position(|h| *h == column)
            .expect("the column is in the header");
        row[i] = value;
    };
    let mut row = vec![""; header.len()];
    cell(&mut row, "Display name", "Dana Whitfield");
    cell(&mut row, "DirSyncEnabled", "False");
    cell(
        &mut row,
        "User principal name",
        "dana.whitfield@contoso.com",
    );
    cell(&mut row, "Object Id", DANA);
    cell(&mut row, "Usage location", "US");
    cell(&mut row, "Block credential", "False");
    cell(
        &mut row,
        "Licenses",
        "Enterprise Mobility + Security E5+Office 365 E1",
    );
    cell(
        &mut row,
        "Proxy addresses",
        "SMTP:dana.whitfield@contoso.com+smtp:DanaW@contoso.onmicrosoft.com+smtp:dana+news@contoso.com",
    );
    let dir = tempfile::tempdir().expect("a temp dir");
    // The admin center writes UTF-8 with a BOM.
    let d = Dialect {
        encoding: Encoding::Utf8Bom,
        line_end: "\r\n",
        ..PLAIN
    };
    write(dir.path(), "users.csv", &[header.clone(), row], d);
    let loaded = match try_load(dir.path()) {
        Ok(l) => l,
        Err(e) => panic!("the admin export does not load:\n{e}"),
    };
    assert_eq!(loaded.sources[0].format.as_str(), "admin-center-csv");
    let dana = &loaded.tenant.users[&uid(DANA)];
    let unknown_path = |s: &str| Assignment {
        sku: sku(s),
        path: AssignmentPath::Unknown,
        disabled_plans: PlanIds::new(),
        state: None,
        error: None,
    };
    let mut expected_assignments = vec![unknown_path(EMSPREMIUM), unknown_path(STANDARDPACK)];
    expected_assignments.sort();
    assert_eq!(dana.assignments, expected_assignments);
    assert_eq!(
        dana.proxy_addresses,
        [
            "SMTP:dana.whitfield@contoso.com",
            "smtp:DanaW@contoso.onmicrosoft.com",
            "smtp:dana+news@contoso.com"
        ]
    );
    // Everything else is what the plain export says about her.
    let plain = load_dialect(PLAIN);
    let plain_dana = &plain.users[&uid(DANA)];
    assert_eq!(dana.upn, plain_dana.upn);
    assert_eq!(dana.display_name, plain_dana.display_name);
    assert_eq!(dana.usage_location, plain_dana.usage_location);
    assert_eq!(dana.account_enabled, plain_dana.account_enabled);
    assert_eq!(loaded.findings.count(FindingCode::UnknownSku), 0);
}

/// The three users as `Get-MgUser -Property … | ConvertTo-Json -Depth 10` writes them.
fn powershell_users_json() -> String {
    let user = |id: &str,
                upn: &str,
                name: &str,
                location: Option<&str>,
                enabled: bool,
                proxies: &[&str],
                disabled: &[&str],
                state: &str,
                error: &str| {
        let location = location.map_or("null".to_owned(), |l| format!("\"{l}\""));
        let proxies: Vec<String> = proxies.iter().map(|p| format!("\"{p}\"")).collect();
        let disabled: Vec<String> = disabled.iter().map(|p| format!("\"{p}\"")).collect();
        format!(
            r#"    {{
        "Id":  "{id}",
        "UserPrincipalName":  "{upn}",
        "DisplayName":  "{name}",
        "UsageLocation":  {location},
        "AccountEnabled":  {enabled},
        "ProxyAddresses":  [
                               {proxies}
                           ],
        "AssignedLicenses":  [
                                 {{
                                     "DisabledPlans":  [
                                                           {disabled}
                                                       ],
                                     "SkuId":  "{STANDARDPACK}",
                                     "AdditionalProperties":  {{

                                                              }}
                                 }}
                             ],
        "LicenseAssignmentStates":  [
                                        {{
                                            "AssignedByGroup":  null,
                                            "DisabledPlans":  [
                                                                  {disabled}
                                                              ],
                                            "Error":  "{error}",
                                            "LastUpdatedDateTime":  "\/Date(1759305600000)\/",
                                            "SkuId":  "{STANDARDPACK}",
                                            "State":  "{state}",
                                            "AdditionalProperties":  {{

                                                                     }}
                                        }}
                                    ],
        "AdditionalProperties":  {{

                                 }}
    }}"#,
            proxies = proxies.join(",\n                               "),
            disabled =
                disabled.join(",\n                                                           "),
        )
    };
    let records = [
        user(
            DANA,
            "dana.whitfield@contoso.com",
            "Dana Whitfield",
            Some("US"),
            true,
            &[
                "SMTP:dana.whitfield@contoso.com",
                "smtp:DanaW@contoso.onmicrosoft.com",
            ],
            &[YAMMER_ENTERPRISE, SWAY],
            "Active",
            "None",
        ),
        user(
            LAURA,
            "laura.chen@contoso.com",
            "Chen, Laura (Zürich)",
            Some("CH"),
            false,
            &[],
            &[],
            "Active",
            "None",
        ),
        user(
            OLIVER,
            "oliver.bennett@contoso.com",
            "Oliver Bennett",
            None,
            true,
            &["SMTP:oliver.bennett@contoso.com"],
            &[SWAY],
            "Error",
            "CountViolation",
        ),
    ];
    format!("[\n{}\n]\n", records.join(",\n")).replace('\n', "\r\n")
}

#[test]
fn utf16_le_graph_powershell_json_loads() {
    // Windows PowerShell 5.1 `ConvertTo-Json | Out-File` writes UTF-16 LE with a BOM. With the
    // same skus.csv it is the same tenant as the plain CSVs.
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::write(
        dir.path().join("users.json"),
        encode(&powershell_users_json(), Encoding::Utf16LeBom),
    )
    .expect("write users.json");
    write(dir.path(), "skus.csv", &skus(), PLAIN);
    let loaded = match try_load(dir.path()) {
        Ok(l) => l,
        Err(e) => panic!("the UTF-16 PowerShell export does not load:\n{e}"),
    };
    let users = loaded
        .sources
        .iter()
        .find(|s| s.file.ends_with("users.json"))
        .expect("users.json was read");
    assert_eq!(
        (users.format.as_str(), users.content.as_str(), users.records),
        ("graph-powershell", "users", 3)
    );
    let plain = load_dialect(PLAIN);
    for (id, u) in &plain.users {
        assert_eq!(Some(u), loaded.tenant.users.get(id), "user {id}");
    }
    assert_eq!(plain, loaded.tenant);
}
