//! The Graph PowerShell layout: `users.json`, `groups.json`, `members.json`, `skus.json`,
//! `organization.json`, as `ConvertTo-Json -Depth 10 | Out-File` writes them.

use super::*;

/// `users.json`, `groups.json`, `members.json` (every group's members, with `GroupId`),
/// `skus.json`, `organization.json` (one object).
pub(crate) struct PowerShellSink<'d> {
    dir: &'d Path,
    files: Vec<String>,
    users: Option<ArrayOut>,
}

impl<'d> PowerShellSink<'d> {
    pub(crate) fn new(dir: &'d Path) -> Self {
        PowerShellSink {
            dir,
            files: Vec::new(),
            users: None,
        }
    }

    pub(super) fn groups(&mut self, bp: &Blueprint) -> io::Result<()> {
        let mut out = ArrayOut::bare(self.dir, "groups.json", &mut self.files)?;
        for (gi, g) in bp.groups.iter().enumerate() {
            let licenses = group_licenses(bp, gi);
            out.item(&PsGroup {
                id: g.id,
                display_name: &g.name,
                security_enabled: g.security_enabled(),
                group_types: g.group_types(),
                membership_rule: g.membership_rule(),
                membership_rule_processing_state: g.membership_rule().map(|_| "On"),
                on_premises_sync_enabled: g.synced(),
                assigned_licenses: licenses
                    .iter()
                    .map(|(sku, d)| PsLicense {
                        disabled_plans: d,
                        sku_id: *sku,
                        additional_properties: Empty {},
                    })
                    .collect(),
                mail_enabled: g.mail_enabled(),
                license_processing_state: PsLicenseState {
                    state: "ProcessingComplete",
                },
                additional_properties: Empty {},
            })?;
        }
        out.close()
    }

    pub(super) fn members(&mut self, bp: &Blueprint, roster: &Roster) -> io::Result<()> {
        let mut out = ArrayOut::bare(self.dir, "members.json", &mut self.files)?;
        let (mut display, mut upn) = (String::new(), String::new());
        for (gi, g) in bp.groups.iter().enumerate() {
            for m in members(bp, roster, gi) {
                let (id, odata_type, is_user) = member_parts(bp, &m, &mut display, &mut upn);
                out.item(&PsMember {
                    group_id: g.id,
                    id,
                    additional_properties: Member {
                        odata_type,
                        id: None,
                        display_name: &display,
                        user_principal_name: is_user.then_some(upn.as_str()),
                    },
                })?;
            }
        }
        out.close()
    }

    pub(super) fn skus(&mut self, bp: &Blueprint, roster: &Roster) -> io::Result<()> {
        let mut out = ArrayOut::bare(self.dir, "skus.json", &mut self.files)?;
        for (s, enabled, consumed) in bp.seats(roster) {
            let Some(sku) = bp.skus.get(s) else { continue };
            out.item(&PsSku {
                sku_id: sku.id,
                sku_part_number: &sku.part_number,
                consumed_units: consumed,
                prepaid_units: PsPrepaid {
                    enabled,
                    suspended: 0,
                    warning: 0,
                    locked_out: 0,
                    additional_properties: Empty {},
                },
                service_plans: sku
                    .plans
                    .iter()
                    .map(|p| PsPlan {
                        service_plan_id: p.id,
                        service_plan_name: &p.name,
                        provisioning_status: "Success",
                        applies_to: "User",
                        additional_properties: Empty {},
                    })
                    .collect(),
                applies_to: "User",
                capability_status: "Enabled",
                id: format!("{}_{}", bp.org_id, sku.id),
                account_id: bp.org_id,
                account_name: ORG_NAME,
                subscription_ids: [bp.subscription_id(s)],
                additional_properties: Empty {},
            })?;
        }
        out.close()
    }

    pub(super) fn organization(&mut self, bp: &Blueprint) -> io::Result<()> {
        // `Get-MgOrganization | ConvertTo-Json` of one organization: a bare object.
        let mut w = create(self.dir, "organization.json", &mut self.files)?;
        let [a, b] = verified_domains().map(|(name, is_default, is_initial)| PsDomain {
            capabilities: DOMAIN_CAPABILITIES,
            is_default,
            is_initial,
            name,
            kind: "Managed",
            additional_properties: Empty {},
        });
        write_value(
            &mut w,
            &POWERSHELL,
            0,
            &PsOrg {
                country_letter_code: COUNTRY,
                display_name: ORG_NAME,
                id: bp.org_id,
                verified_domains: [a, b],
                additional_properties: Empty {},
            },
        )?;
        w.write_all(POWERSHELL.newline)?;
        w.flush()
    }
}

impl Sink for PowerShellSink<'_> {
    fn user(&mut self, bp: &Blueprint, u: &GenUser) -> io::Result<()> {
        if self.users.is_none() {
            self.users = Some(ArrayOut::bare(self.dir, "users.json", &mut self.files)?);
        }
        let assigned = assigned_licenses(bp, u);
        let record = PsUser {
            id: u.id,
            user_principal_name: &u.upn,
            display_name: &u.display_name,
            usage_location: u.usage_location,
            account_enabled: u.account_enabled,
            proxy_addresses: &u.proxy_addresses,
            assigned_licenses: assigned
                .iter()
                .map(|(sku, d)| PsLicense {
                    disabled_plans: d,
                    sku_id: *sku,
                    additional_properties: Empty {},
                })
                .collect(),
            license_assignment_states: states(bp, u)
                .into_iter()
                .map(|s| PsState {
                    assigned_by_group: s.group,
                    disabled_plans: s.disabled,
                    error: s.error,
                    last_updated_date_time: LAST_UPDATED,
                    sku_id: s.sku,
                    state: s.state,
                    additional_properties: Empty {},
                })
                .collect(),
            additional_properties: Empty {},
        };
        match self.users.as_mut() {
            Some(out) => out.item(&record),
            None => Ok(()),
        }
    }

    fn finish(mut self: Box<Self>, bp: &Blueprint, roster: &Roster) -> io::Result<Vec<String>> {
        let users = match self.users.take() {
            Some(u) => u,
            None => ArrayOut::bare(self.dir, "users.json", &mut self.files)?,
        };
        users.close()?;
        self.groups(bp)?;
        self.members(bp, roster)?;
        self.skus(bp, roster)?;
        self.organization(bp)?;
        Ok(self.files)
    }
}
