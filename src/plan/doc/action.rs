//! A plan's actions: each typed op with the display fields people read beside it, the cells
//! the reports show, and the keys plan files write (in the order they always have).

use serde::Serialize;

use crate::model::{CountryCode, GroupId, SkuId, UserId};
use crate::simulate::ops::{Ids, LicenseSpec, Op, PlanRef};

use super::Text;

/// One op, named for people as well as for the simulator: the typed op itself (the one the
/// simulator replays, written out as ops files spell it: `op`, `user`, `group`, `sku`, …) plus
/// display fields (`user_upn`, `group_name`, `sku_part_number`).
#[derive(Debug, Clone)]
pub struct Action {
    pub op: Op<Ids>,
    pub shown: Shown,
}

/// What an action shows people beside its op; the simulator ignores it.
#[derive(Debug, Clone, Default)]
pub struct Shown {
    pub user_upn: Option<Text>,
    pub group_name: Option<Text>,
    /// For `create-group` (which names its group by display name): the id the plan derives.
    pub group_id: Option<GroupId>,
    /// The product's part number (`E1 -> E3` for a change).
    pub sku_part_number: Option<Text>,
    /// The group is one the plan creates: its id is the plan's placeholder, not Entra's (the
    /// real one is known once the group exists; a bundle finds it by `uniqueName`).
    pub placeholder: bool,
}

impl Action {
    pub fn new(op: Op<Ids>) -> Self {
        Action {
            op,
            shown: Shown::default(),
        }
    }

    /// The op's name as files spell it (`add-member`).
    pub fn op_name(&self) -> &'static str {
        self.op.name()
    }

    /// Whether the action writes to the tenant (a wait only observes).
    pub fn writes(&self) -> bool {
        self.op.writes()
    }

    /// The user the op touches.
    pub fn user(&self) -> Option<UserId> {
        match &self.op {
            Op::AddMember { user, .. }
            | Op::RemoveMember { user, .. }
            | Op::AssignDirectLicense { user, .. }
            | Op::ChangeDirectLicense { user, .. }
            | Op::RemoveDirectLicense { user, .. }
            | Op::SetUsageLocation { user, .. } => Some(*user),
            Op::Reprocess { user, .. } => *user,
            _ => None,
        }
    }

    /// The group the op touches, by id (`create-group`: the id the plan derives for it).
    pub fn group_id(&self) -> Option<GroupId> {
        match &self.op {
            Op::CreateGroup { .. } => self.shown.group_id,
            Op::AssignGroupLicense { group, .. }
            | Op::ChangeGroupLicense { group, .. }
            | Op::RemoveGroupLicense { group, .. }
            | Op::AddMember { group, .. }
            | Op::RemoveMember { group, .. }
            | Op::DeleteGroup { group } => Some(*group),
            Op::Reprocess { group, .. } | Op::WaitForProcessing { group } => *group,
            _ => None,
        }
    }

    /// The op's `group` field as written: a created group's display name, otherwise its id.
    pub fn group_text(&self) -> Option<String> {
        match &self.op {
            Op::CreateGroup { group, .. } => Some(group.clone()),
            _ => self.group_id().map(|g| g.to_string()),
        }
    }

    /// The product the op names (`sku`), not the licenses a change adds or removes.
    pub fn sku(&self) -> Option<SkuId> {
        match &self.op {
            Op::AssignGroupLicense { sku, .. }
            | Op::RemoveGroupLicense { sku, .. }
            | Op::AssignDirectLicense { sku, .. }
            | Op::RemoveDirectLicense { sku, .. } => Some(*sku),
            _ => None,
        }
    }

    /// A `create-group`'s description and mail nickname.
    pub fn new_group_texts(&self) -> (Option<&str>, Option<&str>) {
        match &self.op {
            Op::CreateGroup {
                description,
                mail_nickname,
                ..
            } => (description.as_deref(), mail_nickname.as_deref()),
            _ => (None, None),
        }
    }

    /// A `create-group`'s `uniqueName`.
    pub fn unique_name(&self) -> Option<&str> {
        match &self.op {
            Op::CreateGroup { unique_name, .. } => unique_name.as_deref(),
            _ => None,
        }
    }

    pub fn security_enabled(&self) -> Option<bool> {
        match &self.op {
            Op::CreateGroup {
                security_enabled, ..
            } => Some(*security_enabled),
            _ => None,
        }
    }

    /// The op's own disabled plans (an assignment's), by name as the plan writes them.
    pub fn disabled_plans(&self) -> &[PlanRef] {
        match &self.op {
            Op::AssignGroupLicense { disabled_plans, .. }
            | Op::AssignDirectLicense { disabled_plans, .. } => disabled_plans,
            _ => &[],
        }
    }

    /// Licenses a change adds.
    pub fn add(&self) -> &[LicenseSpec<Ids>] {
        match &self.op {
            Op::ChangeGroupLicense { add, .. } | Op::ChangeDirectLicense { add, .. } => add,
            _ => &[],
        }
    }

    /// Products a change removes.
    pub fn remove(&self) -> &[SkuId] {
        match &self.op {
            Op::ChangeGroupLicense { remove, .. } | Op::ChangeDirectLicense { remove, .. } => {
                remove
            }
            _ => &[],
        }
    }

    fn country(&self) -> Option<CountryCode> {
        match &self.op {
            Op::SetUsageLocation { country, .. } => Some(*country),
            _ => None,
        }
    }

    /// The user as a table shows it: the UPN, else the id.
    pub fn user_cell(&self) -> String {
        match (&self.shown.user_upn, self.user()) {
            (Some(upn), _) => upn.to_string(),
            (None, Some(id)) => id.to_string(),
            (None, None) => String::new(),
        }
    }

    /// The group as a table shows it: the name, else the id; a wait for every group says so.
    pub fn group_cell(&self) -> String {
        match (&self.shown.group_name, self.group_text()) {
            (Some(n), _) => n.to_string(),
            (None, Some(g)) => g,
            (None, None) if matches!(self.op, Op::WaitForProcessing { .. }) => {
                "all groups".to_owned()
            }
            (None, None) => String::new(),
        }
    }

    /// The product as a table shows it: the part number, else the id.
    pub fn product_cell(&self) -> String {
        match (&self.shown.sku_part_number, self.sku()) {
            (Some(p), _) => p.to_string(),
            (None, Some(s)) => s.to_string(),
            (None, None) => String::new(),
        }
    }

    /// Disabled plans, licenses added and removed, security flag: what the other cells omit.
    pub fn details_cell(&self) -> String {
        let names = |p: &[PlanRef]| p.iter().map(|x| &*x.name).collect::<Vec<_>>().join(", ");
        let mut parts: Vec<String> = Vec::new();
        if self.security_enabled() == Some(true) {
            parts.push("security-enabled".to_owned());
        }
        if let (_, Some(n)) = self.new_group_texts() {
            parts.push(format!("mailNickname {n}"));
        }
        if !self.disabled_plans().is_empty() {
            match self
                .sku()
                .and_then(|s| only_enabled(s, self.disabled_plans()))
            {
                Some(only) => parts.push(format!("only: {}", only.join(", "))),
                None => parts.push(format!("disabled: {}", names(self.disabled_plans()))),
            }
        }
        for l in self.add() {
            if l.disabled_plans.is_empty() {
                parts.push(format!("add {}", l.sku));
            } else {
                parts.push(format!(
                    "add {} (disabled: {})",
                    l.sku,
                    names(&l.disabled_plans)
                ));
            }
        }
        if !self.remove().is_empty() {
            let v: Vec<String> = self.remove().iter().map(SkuId::to_string).collect();
            parts.push(format!("remove {}", v.join(", ")));
        }
        parts.join("; ")
    }
}

/// The plans a product keeps enabled, when fewer are enabled than disabled (an add-on group's
/// prerequisite product with only its prerequisite plan): the shorter way to say it. From the
/// bundled catalog; `None` for a product it does not list.
fn only_enabled(sku: SkuId, disabled: &[PlanRef]) -> Option<Vec<String>> {
    let product = crate::catalog::Catalog::bundled().sku(sku)?;
    let enabled: Vec<String> = product
        .service_plans
        .iter()
        .filter(|p| !disabled.iter().any(|d| d.id == p.id))
        .map(|p| p.name.clone())
        .collect();
    (enabled.len() < disabled.len()).then_some(enabled)
}

/// An action's keys, in the order plan files have always written them: the op's fields and the
/// display fields interleaved (`group`, `group_id`, `group_name`, …, `user`, `user_upn`, …).
impl Serialize for Action {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let sh = &self.shown;
        let group = self.group_text_field();
        let user = self.user();
        let sku = self.sku();
        let security = self.security_enabled();
        let country = self.country();
        let (plans, add, remove) = (self.disabled_plans(), self.add(), self.remove());
        let (description, nickname) = self.new_group_texts();
        let unique = self.unique_name();
        let len = 1
            + usize::from(unique.is_some())
            + usize::from(sh.placeholder)
            + usize::from(description.is_some())
            + usize::from(nickname.is_some())
            + usize::from(group.is_some())
            + usize::from(sh.group_id.is_some())
            + usize::from(sh.group_name.is_some())
            + usize::from(security.is_some())
            + usize::from(user.is_some())
            + usize::from(sh.user_upn.is_some())
            + usize::from(sku.is_some())
            + usize::from(sh.sku_part_number.is_some())
            + usize::from(!plans.is_empty())
            + usize::from(!add.is_empty())
            + usize::from(!remove.is_empty())
            + usize::from(country.is_some());
        let mut st = s.serialize_struct("Action", len)?;
        st.serialize_field("op", self.op.name())?;
        if let Some(g) = &group {
            match g {
                GroupField::Name(n) => st.serialize_field("group", n)?,
                GroupField::Id(id) => st.serialize_field("group", id)?,
            }
        }
        if let Some(v) = &sh.group_id {
            st.serialize_field("group_id", v)?;
        }
        if sh.placeholder {
            st.serialize_field("placeholder", &true)?;
        }
        if let Some(v) = &sh.group_name {
            st.serialize_field("group_name", &**v)?;
        }
        if let Some(v) = security {
            st.serialize_field("security_enabled", &v)?;
        }
        if let Some(v) = nickname {
            st.serialize_field("mail_nickname", v)?;
        }
        if let Some(v) = description {
            st.serialize_field("description", v)?;
        }
        if let Some(v) = unique {
            st.serialize_field("unique_name", v)?;
        }
        if let Some(v) = user {
            st.serialize_field("user", &v)?;
        }
        if let Some(v) = &sh.user_upn {
            st.serialize_field("user_upn", &**v)?;
        }
        if let Some(v) = sku {
            st.serialize_field("sku", &v)?;
        }
        if let Some(v) = &sh.sku_part_number {
            st.serialize_field("sku_part_number", &**v)?;
        }
        if !plans.is_empty() {
            st.serialize_field("disabled_plans", plans)?;
        }
        if !add.is_empty() {
            st.serialize_field("add", add)?;
        }
        if !remove.is_empty() {
            st.serialize_field("remove", remove)?;
        }
        if let Some(v) = country {
            st.serialize_field("country", &v)?;
        }
        st.end()
    }
}

/// The `group` key: a created group's name, or a group's id.
enum GroupField<'a> {
    Name(&'a str),
    Id(GroupId),
}

impl Action {
    fn group_text_field(&self) -> Option<GroupField<'_>> {
        match &self.op {
            Op::CreateGroup { group, .. } => Some(GroupField::Name(group)),
            Op::AssignGroupLicense { group, .. }
            | Op::ChangeGroupLicense { group, .. }
            | Op::RemoveGroupLicense { group, .. }
            | Op::AddMember { group, .. }
            | Op::RemoveMember { group, .. }
            | Op::DeleteGroup { group } => Some(GroupField::Id(*group)),
            Op::Reprocess { group, .. } | Op::WaitForProcessing { group } => {
                group.map(GroupField::Id)
            }
            _ => None,
        }
    }
}
