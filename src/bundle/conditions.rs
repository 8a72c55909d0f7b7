//! Conditions as people read them: each check's sentence, joined.

use super::manifest::{Check, Condition};

/// A condition of these checks, its text made from them.
pub fn condition(checks: Vec<Check>) -> Condition {
    let text = if checks.is_empty() {
        "none".to_owned()
    } else {
        checks.iter().map(text_of).collect::<Vec<_>>().join("; ")
    };
    Condition { text, checks }
}

fn plans(p: &Option<Vec<String>>) -> String {
    match p.as_deref() {
        None | Some([]) => " with no service plan disabled".to_owned(),
        Some(v) => format!(" with disabled plans [{}]", v.join(", ")),
    }
}

/// The sentence of one check.
pub fn text_of(c: &Check) -> String {
    match c {
        Check::UserDirectLicense {
            user,
            sku,
            present: true,
            disabled_plans,
        } => format!("user {user} holds {sku} directly{}", plans(disabled_plans)),
        Check::UserDirectLicense { user, sku, .. } => {
            format!("user {user} does not hold {sku} directly")
        }
        Check::UserGroupLicense {
            user,
            group,
            sku,
            state,
        } => format!("user {user} holds {sku} from group {group} in state {state}"),
        Check::Member {
            group,
            user,
            present,
        } => format!(
            "user {user} is {}a direct member of group {group}",
            if *present { "" } else { "not " }
        ),
        Check::GroupExists { group, present } => format!(
            "group {group} {}",
            if *present { "exists" } else { "does not exist" }
        ),
        Check::GroupLicense {
            group,
            sku,
            present: true,
            disabled_plans,
        } => format!("group {group} carries {sku}{}", plans(disabled_plans)),
        Check::GroupLicense { group, sku, .. } => {
            format!("group {group} does not carry {sku}")
        }
        Check::GroupProcessingComplete { group } => {
            format!("group {group} has processed its licenses (ProcessingComplete)")
        }
        Check::UsageLocation {
            user,
            country: Some(c),
        } => format!("user {user} has usage location {c}"),
        Check::UsageLocation {
            user,
            country: None,
        } => format!("user {user} has no usage location"),
    }
}
