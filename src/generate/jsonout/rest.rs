//! The Graph REST layout: paged `users.pageNNNN.json`, `groups.json`, `members.<group-id>.json`,
//! `subscribedSkus.json`, `organization.json`, as `az rest` or Graph Explorer saves them.

use super::*;

/// `users.pageNNNN.json`, `groups.json`, `members.<group-id>.json` (or `.pageNNNN.json` past
/// 999 members), `subscribedSkus.json`, `organization.json`.
pub(crate) struct RestSink<'d> {
    dir: &'d Path,
    files: Vec<String>,
    page: Option<ArrayOut>,
    /// Pages written so far.
    pages: u64,
    total_pages: u64,
}

impl<'d> RestSink<'d> {
    pub(crate) fn new(dir: &'d Path, users: u64) -> Self {
        RestSink {
            dir,
            files: Vec::new(),
            page: None,
            pages: 0,
            total_pages: users.div_ceil(PAGE).max(1),
        }
    }

    pub(super) fn next_page(&mut self, bp: &Blueprint) -> io::Result<()> {
        if let Some(p) = self.page.take() {
            p.close()?;
        }
        self.pages += 1;
        let name = page_name("users", self.pages, self.total_pages);
        let next = (self.pages < self.total_pages).then(|| {
            format!(
                "{GRAPH}/users?$select={USERS_SELECT}&$top={PAGE}&$skiptoken={}",
                bp.skip_token("users", self.pages)
            )
        });
        let context = format!("{GRAPH}/$metadata#users({USERS_SELECT})");
        self.page = Some(ArrayOut::page(
            self.dir,
            &name,
            &mut self.files,
            &context,
            next.as_deref(),
        )?);
        Ok(())
    }

    pub(super) fn groups(&mut self, bp: &Blueprint) -> io::Result<()> {
        let context = format!("{GRAPH}/$metadata#groups(id,displayName,securityEnabled,groupTypes,membershipRule,membershipRuleProcessingState,onPremisesSyncEnabled,mailEnabled,assignedLicenses,licenseProcessingState)");
        let mut out = ArrayOut::page(self.dir, "groups.json", &mut self.files, &context, None)?;
        for (gi, g) in bp.groups.iter().enumerate() {
            let licenses = group_licenses(bp, gi);
            out.item(&RestGroup {
                id: g.id,
                display_name: &g.name,
                security_enabled: g.security_enabled(),
                group_types: g.group_types(),
                membership_rule: g.membership_rule(),
                membership_rule_processing_state: g.membership_rule().map(|_| "On"),
                on_premises_sync_enabled: g.synced(),
                mail_enabled: g.mail_enabled(),
                assigned_licenses: licenses
                    .iter()
                    .map(|(sku, d)| RestLicense {
                        disabled_plans: d,
                        sku_id: *sku,
                    })
                    .collect(),
                license_processing_state: RestLicenseState {
                    state: "ProcessingComplete",
                },
            })?;
        }
        out.close()
    }

    pub(super) fn members(&mut self, bp: &Blueprint, roster: &Roster) -> io::Result<()> {
        let context = format!("{GRAPH}/$metadata#directoryObjects");
        let (mut display, mut upn) = (String::new(), String::new());
        for (gi, g) in bp.groups.iter().enumerate() {
            let count = members(bp, roster, gi).count() as u64;
            if count == 0 {
                continue;
            }
            let pages = count.div_ceil(PAGE);
            let mut page: Option<ArrayOut> = None;
            for (written, m) in (0u64..).zip(members(bp, roster, gi)) {
                if written % PAGE == 0 {
                    if let Some(p) = page.take() {
                        p.close()?;
                    }
                    let n = written / PAGE + 1;
                    let name = if pages == 1 {
                        format!("members.{}.json", g.id)
                    } else {
                        page_name(&format!("members.{}", g.id), n, pages)
                    };
                    let next = (n < pages).then(|| {
                        format!(
                            "{GRAPH}/groups/{}/members?$select=id,userPrincipalName,displayName&$top={PAGE}&$skiptoken={}",
                            g.id,
                            bp.skip_token(&format!("members:{}", g.id), n)
                        )
                    });
                    page = Some(ArrayOut::page(
                        self.dir,
                        &name,
                        &mut self.files,
                        &context,
                        next.as_deref(),
                    )?);
                }
                let (id, odata_type, is_user) = member_parts(bp, &m, &mut display, &mut upn);
                if let Some(p) = page.as_mut() {
                    p.item(&Member {
                        odata_type,
                        id: Some(id),
                        display_name: &display,
                        user_principal_name: is_user.then_some(upn.as_str()),
                    })?;
                }
            }
            if let Some(p) = page.take() {
                p.close()?;
            }
        }
        Ok(())
    }

    pub(super) fn skus(&mut self, bp: &Blueprint, roster: &Roster) -> io::Result<()> {
        let context = format!("{GRAPH}/$metadata#subscribedSkus");
        let mut out = ArrayOut::page(
            self.dir,
            "subscribedSkus.json",
            &mut self.files,
            &context,
            None,
        )?;
        for (s, enabled, consumed) in bp.seats(roster) {
            let Some(sku) = bp.skus.get(s) else { continue };
            out.item(&RestSku {
                account_name: ORG_NAME,
                account_id: bp.org_id,
                applies_to: "User",
                capability_status: "Enabled",
                consumed_units: consumed,
                id: format!("{}_{}", bp.org_id, sku.id),
                prepaid_units: RestPrepaid {
                    enabled,
                    locked_out: 0,
                    suspended: 0,
                    warning: 0,
                },
                service_plans: sku
                    .plans
                    .iter()
                    .map(|p| RestPlan {
                        service_plan_id: p.id,
                        service_plan_name: &p.name,
                        provisioning_status: "Success",
                        applies_to: "User",
                    })
                    .collect(),
                sku_id: sku.id,
                sku_part_number: &sku.part_number,
                subscription_ids: [bp.subscription_id(s)],
            })?;
        }
        out.close()
    }

    pub(super) fn organization(&mut self, bp: &Blueprint) -> io::Result<()> {
        let context = format!(
            "{GRAPH}/$metadata#organization(id,displayName,countryLetterCode,verifiedDomains)"
        );
        let mut out = ArrayOut::page(
            self.dir,
            "organization.json",
            &mut self.files,
            &context,
            None,
        )?;
        let [a, b] = verified_domains().map(|(name, is_default, is_initial)| RestDomain {
            capabilities: DOMAIN_CAPABILITIES,
            is_default,
            is_initial,
            name,
            kind: "Managed",
        });
        out.item(&RestOrg {
            id: bp.org_id,
            display_name: ORG_NAME,
            country_letter_code: COUNTRY,
            verified_domains: [a, b],
        })?;
        out.close()
    }
}

impl Sink for RestSink<'_> {
    fn user(&mut self, bp: &Blueprint, u: &GenUser) -> io::Result<()> {
        if self.page.as_ref().is_none_or(|p| p.count >= PAGE) {
            self.next_page(bp)?;
        }
        let assigned = assigned_licenses(bp, u);
        let record = RestUser {
            id: u.id,
            user_principal_name: &u.upn,
            display_name: &u.display_name,
            usage_location: u.usage_location,
            account_enabled: u.account_enabled,
            proxy_addresses: &u.proxy_addresses,
            assigned_licenses: assigned
                .iter()
                .map(|(sku, d)| RestLicense {
                    disabled_plans: d,
                    sku_id: *sku,
                })
                .collect(),
            license_assignment_states: states(bp, u)
                .into_iter()
                .map(|s| RestState {
                    assigned_by_group: s.group,
                    disabled_plans: s.disabled,
                    error: s.error,
                    last_updated_date_time: LAST_UPDATED,
                    sku_id: s.sku,
                    state: s.state,
                })
                .collect(),
        };
        match self.page.as_mut() {
            Some(p) => p.item(&record),
            None => Ok(()),
        }
    }

    fn finish(mut self: Box<Self>, bp: &Blueprint, roster: &Roster) -> io::Result<Vec<String>> {
        if self.page.is_none() {
            // No users: one empty page, as Graph answers.
            self.next_page(bp)?;
        }
        if let Some(p) = self.page.take() {
            p.close()?;
        }
        self.groups(bp)?;
        self.members(bp, roster)?;
        self.skus(bp, roster)?;
        self.organization(bp)?;
        Ok(self.files)
    }
}
