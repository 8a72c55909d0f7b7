//! Where the actions of an ops file or a plan stand in its tree, so each can be handed on as it
//! is read (see [`super::read_actions`]).

use serde_json::Value;

/// An action's place: `ops[i]`, `stages[s].actions[i]` or `stages[s].waves[w].actions[i]`,
/// or a rollback op's (`stages[s].rollback_actions[i]`, `stages[s].waves[w].rollback_actions[i]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionAt {
    Op(usize),
    Stage(usize, usize),
    Wave(usize, usize, usize),
    StageRollback(usize, usize),
    WaveRollback(usize, usize, usize),
}

impl std::fmt::Display for ActionAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ActionAt::Op(i) => write!(f, "ops[{i}]"),
            ActionAt::Stage(s, i) => write!(f, "stages[{s}].actions[{i}]"),
            ActionAt::Wave(s, w, i) => write!(f, "stages[{s}].waves[{w}].actions[{i}]"),
            ActionAt::StageRollback(s, i) => write!(f, "stages[{s}].rollback_actions[{i}]"),
            ActionAt::WaveRollback(s, w, i) => {
                write!(f, "stages[{s}].waves[{w}].rollback_actions[{i}]")
            }
        }
    }
}

/// Takes each action read, with its place, and gives what the tree keeps in its place.
pub type ActionHook<'f> = dyn FnMut(ActionAt, Value) -> Value + 'f;

/// Where a value stands on the way to an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Pos {
    /// The document itself.
    Top,
    /// The top-level `ops` list.
    Ops,
    /// The top-level `stages` list.
    Stages,
    Stage(usize),
    StageActions(usize),
    Waves(usize),
    Wave(usize, usize),
    WaveActions(usize, usize),
    /// A stage's or wave's `rollback_actions`: read and checked, but not kept when the actions
    /// are read for a replay (a million-user plan's rollbacks would be a second copy of it);
    /// handed on as actions when rollbacks are asked for (`read_plan_actions`).
    StageRollbacks(usize),
    WaveRollbacks(usize, usize),
    /// Anywhere else.
    Other,
}

impl Pos {
    /// Whether this is a list of rollback ops.
    pub(super) fn is_rollbacks(self) -> bool {
        matches!(self, Pos::StageRollbacks(_) | Pos::WaveRollbacks(..))
    }

    /// The place of a mapping's value under `key`.
    pub(super) fn key(self, key: &str) -> Pos {
        match (self, key) {
            (Pos::Top, "ops") => Pos::Ops,
            (Pos::Top, "stages") => Pos::Stages,
            (Pos::Stage(s), "actions") => Pos::StageActions(s),
            (Pos::Stage(s), "waves") => Pos::Waves(s),
            (Pos::Wave(s, w), "actions") => Pos::WaveActions(s, w),
            (Pos::Stage(s), "rollback_actions") => Pos::StageRollbacks(s),
            (Pos::Wave(s, w), "rollback_actions") => Pos::WaveRollbacks(s, w),
            _ => Pos::Other,
        }
    }

    /// The place of a list's item `i`, and the action it is, if it is one.
    pub(super) fn item(self, i: usize) -> (Pos, Option<ActionAt>) {
        match self {
            Pos::Ops => (Pos::Other, Some(ActionAt::Op(i))),
            Pos::Stages => (Pos::Stage(i), None),
            Pos::StageActions(s) => (Pos::Other, Some(ActionAt::Stage(s, i))),
            Pos::Waves(s) => (Pos::Wave(s, i), None),
            Pos::WaveActions(s, w) => (Pos::Other, Some(ActionAt::Wave(s, w, i))),
            Pos::StageRollbacks(s) => (Pos::Other, Some(ActionAt::StageRollback(s, i))),
            Pos::WaveRollbacks(s, w) => (Pos::Other, Some(ActionAt::WaveRollback(s, w, i))),
            Pos::Top | Pos::Stage(_) | Pos::Wave(..) | Pos::Other => (Pos::Other, None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_are_found_only_where_ops_files_and_plans_keep_them() {
        assert_eq!(Pos::Top.key("ops").item(3).1, Some(ActionAt::Op(3)));
        let stage = Pos::Top.key("stages").item(2).0;
        assert_eq!(stage.key("actions").item(5).1, Some(ActionAt::Stage(2, 5)));
        let wave = stage.key("waves").item(1).0;
        assert_eq!(wave.key("actions").item(0).1, Some(ActionAt::Wave(2, 1, 0)));
        // Rollbacks are told apart (a replay does not keep them).
        assert!(stage.key("rollback_actions").is_rollbacks());
        assert_eq!(
            wave.key("rollback_actions").item(4).1,
            Some(ActionAt::WaveRollback(2, 1, 4))
        );
        assert!(!stage.key("actions").is_rollbacks());
        // Not at the top, or under another key: no action.
        assert_eq!(Pos::Other.key("ops").item(0).1, None);
        assert_eq!(stage.key("Actions").item(0).1, None);
        assert_eq!(Pos::Top.key("moves").key("stages").item(0).1, None);
        assert_eq!(Pos::Top.item(0).1, None);
        assert_eq!(Pos::Top.key("ops").item(0).0.key("ops").item(0).1, None);
    }
}
