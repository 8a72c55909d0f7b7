//! licplan's plain CSV: users, groups, group licenses, memberships, assignments, skus and the
//! organization, one file each, LF line ends. Users are named by UPN, groups by display name,
//! products by part number and service plans by `servicePlanName`, as a script would write them.

use std::io::{self, Write};
use std::path::Path;

use super::blueprint::{Blueprint, GenUser, Roster, COUNTRY, DOMAIN};
use super::{create, Sink};

type Out = csv::Writer<super::Out>;

fn open(dir: &Path, name: &str, files: &mut Vec<String>, header: &[&str]) -> io::Result<Out> {
    let w = create(dir, name, files)?;
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(w);
    out.write_record(header).map_err(io::Error::from)?;
    Ok(out)
}

fn close(out: Out) -> io::Result<()> {
    let mut w = out
        .into_inner()
        .map_err(|e| io::Error::other(e.error().to_string()))?;
    w.flush()
}

fn bool_cell(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

pub(crate) struct CsvSink<'d> {
    dir: &'d Path,
    files: Vec<String>,
    users: Option<(Out, Out)>,
    proxies: String,
    plans: String,
}

impl<'d> CsvSink<'d> {
    pub(crate) fn new(dir: &'d Path) -> Self {
        CsvSink {
            dir,
            files: Vec::new(),
            users: None,
            proxies: String::new(),
            plans: String::new(),
        }
    }

    fn open_users(&mut self) -> io::Result<()> {
        if self.users.is_none() {
            let users = open(
                self.dir,
                "users.csv",
                &mut self.files,
                &[
                    "id",
                    "upn",
                    "display_name",
                    "usage_location",
                    "account_enabled",
                    "proxy_addresses",
                ],
            )?;
            let assignments = open(
                self.dir,
                "assignments.csv",
                &mut self.files,
                &[
                    "user",
                    "sku",
                    "disabled_plans",
                    "assigned_by_group",
                    "state",
                    "error",
                ],
            )?;
            self.users = Some((users, assignments));
        }
        Ok(())
    }

    fn rest(&mut self, bp: &Blueprint, roster: &Roster) -> io::Result<()> {
        let mut groups = open(
            self.dir,
            "groups.csv",
            &mut self.files,
            &[
                "id",
                "display_name",
                "security_enabled",
                "unified",
                "membership_rule",
                "on_premises_sync_enabled",
            ],
        )?;
        let mut licenses = open(
            self.dir,
            "group-licenses.csv",
            &mut self.files,
            &["group", "sku", "disabled_plans"],
        )?;
        for g in &bp.groups {
            let id = g.id.to_string();
            let synced = g.synced().map_or("", bool_cell);
            groups
                .write_record([
                    id.as_str(),
                    &g.name,
                    bool_cell(g.security_enabled()),
                    bool_cell(g.kind == super::blueprint::Kind::Unified),
                    g.membership_rule().unwrap_or(""),
                    synced,
                ])
                .map_err(io::Error::from)?;
            if let Some((sku, set)) = g.license {
                let (Some(sku), Some(set)) = (bp.skus.get(sku), bp.plan_sets.get(set)) else {
                    continue;
                };
                licenses
                    .write_record([g.name.as_str(), &sku.part_number, &set.names.join(";")])
                    .map_err(io::Error::from)?;
            }
        }
        close(groups)?;
        close(licenses)?;

        let mut members = open(
            self.dir,
            "memberships.csv",
            &mut self.files,
            &["group", "member", "member_type"],
        )?;
        let (mut local, mut upn) = (String::new(), String::new());
        for (gi, g) in bp.groups.iter().enumerate() {
            for &u in roster.members.get(gi).map_or(&[][..], Vec::as_slice) {
                bp.names
                    .local_part(bp.names.person(u64::from(u)), &mut local);
                upn.clear();
                upn.push_str(&local);
                upn.push('@');
                upn.push_str(DOMAIN);
                members
                    .write_record([g.name.as_str(), &upn, "user"])
                    .map_err(io::Error::from)?;
            }
            for &n in &g.nested {
                if let Some(nested) = bp.groups.get(n) {
                    members
                        .write_record([g.name.as_str(), &nested.name, "group"])
                        .map_err(io::Error::from)?;
                }
            }
        }
        close(members)?;

        let mut skus = open(
            self.dir,
            "skus.csv",
            &mut self.files,
            &["sku", "enabled", "consumed", "suspended", "warning"],
        )?;
        for (s, enabled, consumed) in bp.seats(roster) {
            if let Some(sku) = bp.skus.get(s) {
                skus.write_record([
                    sku.part_number.as_str(),
                    &enabled.to_string(),
                    &consumed.to_string(),
                    "0",
                    "0",
                ])
                .map_err(io::Error::from)?;
            }
        }
        close(skus)?;

        let mut org = open(
            self.dir,
            "organization.csv",
            &mut self.files,
            &["default_usage_location"],
        )?;
        org.write_record([COUNTRY]).map_err(io::Error::from)?;
        close(org)
    }
}

impl Sink for CsvSink<'_> {
    fn user(&mut self, bp: &Blueprint, u: &GenUser) -> io::Result<()> {
        self.open_users()?;
        let Some((users, assignments)) = self.users.as_mut() else {
            return Ok(());
        };
        self.proxies.clear();
        for (i, p) in u.proxy_addresses.iter().enumerate() {
            if i > 0 {
                self.proxies.push(';');
            }
            self.proxies.push_str(p);
        }
        let id = u.id.to_string();
        users
            .write_record([
                id.as_str(),
                &u.upn,
                &u.display_name,
                u.usage_location.unwrap_or(""),
                bool_cell(u.account_enabled),
                &self.proxies,
            ])
            .map_err(io::Error::from)?;
        for a in &u.assignments {
            let Some(sku) = bp.skus.get(a.sku) else {
                continue;
            };
            self.plans.clear();
            if let Some(set) = bp.plan_sets.get(a.disabled) {
                for (i, n) in set.names.iter().enumerate() {
                    if i > 0 {
                        self.plans.push(';');
                    }
                    self.plans.push_str(n);
                }
            }
            let group = a
                .group
                .and_then(|g| bp.groups.get(g))
                .map_or("", |g| g.name.as_str());
            let (state, error) = match a.error {
                Some(e) => ("Error", e.as_str()),
                None => ("Active", ""),
            };
            assignments
                .write_record([
                    u.upn.as_str(),
                    &sku.part_number,
                    &self.plans,
                    group,
                    state,
                    error,
                ])
                .map_err(io::Error::from)?;
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>, bp: &Blueprint, roster: &Roster) -> io::Result<Vec<String>> {
        self.open_users()?;
        if let Some((users, assignments)) = self.users.take() {
            close(users)?;
            close(assignments)?;
        }
        self.rest(bp, roster)?;
        Ok(self.files)
    }
}
