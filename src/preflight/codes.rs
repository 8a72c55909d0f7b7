//! The preflight's stable codes: a policy's verdict, the whole run's status, and the errors a
//! partner meets, each in one table (code, description, fix).

use serde::Serialize;

crate::code_table! {
    /// What one Conditional Access policy does to a partner's calls.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
    #[serde(rename_all = "kebab-case")]
    pub enum Verdict {
        Blocks => "blocks",
            "Enforced, reaches the partner's service-provider users and the calls, and its grant cannot be satisfied by them.",
            "Exclude the partner's service-provider users (the PATCH body given), or run the stage from the customer's own account.";
        Conditional => "conditional",
            "Blocks the partner only under some conditions (locations, platforms, risk levels, device filters, times, flows).",
            "Check the condition named against where and how the partner signs in, or exclude the partner's service-provider users.";
        Unknown => "unknown",
            "Reaches the partner, but what it requires cannot be decided from the export (an explicit list of apps, terms of use, an authentication strength, an enumerated tenant list without --partner-tenant).",
            "Check the field named in the portal's What If (Service provider users), or exclude the partner's service-provider users.";
        WouldBlock => "would-block",
            "Report-only (enabledForReportingButNotEnforced): it blocks nothing today, and would block the partner once enabled.",
            "Exclude the partner's service-provider users before the policy is enabled.";
        Satisfiable => "satisfiable",
            "Reaches the partner, and its grant is one a service-provider user satisfies (multifactor authentication, which partners already enforce).",
            "Nothing to change.";
        Excluded => "excluded",
            "The partner's service-provider users (or a role they act through) are excluded.",
            "Nothing to change.";
        NotTargeted => "not-targeted",
            "Does not reach the partner's calls: other users, groups or guest types, other apps, or legacy clients only.",
            "Nothing to change.";
        Disabled => "disabled",
            "The policy is off (state disabled): skipped.",
            "Nothing to change; check again if it is turned on.";
    }
}

crate::code_table! {
    /// The whole preflight's outcome.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
    #[serde(rename_all = "kebab-case")]
    pub enum Status {
        Clear => "clear",
            "No policy blocks the partner, the roles given can run every stage, and no stage runs out of seats.",
            "Nothing to fix before the change window.";
        Blocked => "blocked",
            "A policy blocks the partner, a stage needs a role the partner does not have, or a stage runs out of seats.",
            "Apply each fix listed (a policy's PATCH body, a role, seats), then run the preflight again.";
        NotProven => "not-proven",
            "Nothing blocks, but named checks could not be decided (conditional or unknown policies, no policies or roles given).",
            "Give what each unchecked item names, or check it in the portal, then run the preflight again.";
    }
}

crate::code_table! {
    /// The errors a partner's license calls meet, as Microsoft spells them.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum PartnerError {
        Aadsts53003 => "AADSTS53003",
            "Sign-in refused: \"Access has been blocked by Conditional Access policies\" (a customer policy reaches service-provider users).",
            "In the customer's tenant: Conditional Access → the policy → Users → Exclude → Guest or external users → Service provider users → the partner's tenant.";
        Pc900309 => "900309",
            "Partner Center 403: \"Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.\"",
            "Exclude the partner's tenant from the customer's blocking policies (Service provider users), as for AADSTS53003.";
        Pc900316 => "900316",
            "Partner Center 400: \"Partner token is not allowed in license management calls. Please call with Partner Access Token.\"",
            "Call with a Partner Access Token from the secure application model (app + user, refresh token exchanged for the customer), not the app-only partner token.";
        Pc60012 => "60012",
            "Partner Center 400: \"it looks like you have run out of licenses\" (LicenseQuotaExceededException).",
            "Buy the seats the forecast names before the stage, or run fewer users in the wave.";
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::codes::assert_table;

    #[test]
    fn preflight_tables_are_unique_and_parse_back() {
        assert_table(Verdict::ALL, Verdict::as_str, Verdict::from_code, |c| {
            (c.description(), c.fix())
        });
        assert_table(Status::ALL, Status::as_str, Status::from_code, |c| {
            (c.description(), c.fix())
        });
        assert_table(
            PartnerError::ALL,
            PartnerError::as_str,
            PartnerError::from_code,
            |c| (c.description(), c.fix()),
        );
        for v in Verdict::ALL {
            let json = serde_json::to_string(v).expect("serialises");
            assert_eq!(json, format!("\"{}\"", v.as_str()));
        }
    }
}
