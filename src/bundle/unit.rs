//! The unit a bundle carries out: one stage's own actions (a stage without waves) or one wave,
//! found in the plan file, with the ops that come before it.

use std::path::Path;

use crate::ingest::error::{InputError, Location};
use crate::plan::file::{PlanFile, StageFile};
use crate::simulate::ops::{Op, OpSource};

/// A stage or wave of a plan file.
#[derive(Debug, Clone, Copy)]
pub struct Unit<'p> {
    pub plan: &'p PlanFile,
    pub stage: usize,
    pub wave: Option<usize>,
}

fn refusal(path: &Path, at: &str, field: &str, message: String, hint: &str) -> InputError {
    InputError::new(
        path,
        Location::Record {
            index: 0,
            path: at.to_owned(),
        },
        message,
    )
    .field(field)
    .hint(hint)
}

fn numbers(v: impl Iterator<Item = u32>) -> String {
    v.map(|n| n.to_string()).collect::<Vec<_>>().join(", ")
}

impl<'p> Unit<'p> {
    /// The unit `stage` (and `wave`) of the plan.
    ///
    /// # Errors
    ///
    /// The stage or wave does not exist (the error lists those that do), a stage in waves is
    /// asked without `--wave`, or a stage without waves with one.
    pub fn select(plan: &'p PlanFile, stage: u32, wave: Option<u32>) -> Result<Self, InputError> {
        let Some(s) = plan.stages.iter().position(|s| s.number == stage) else {
            return Err(refusal(
                &plan.path,
                "$.stages",
                "stage",
                format!("the plan has no stage {stage}"),
                &format!(
                    "name one of the plan's stages: {}",
                    numbers(plan.stages.iter().map(|s| s.number))
                ),
            ));
        };
        let st = &plan.stages[s];
        let waves = numbers(st.waves.iter().map(|w| w.number));
        let at = format!("$.stages[{s}].waves");
        match wave {
            None if !st.waves.is_empty() => Err(refusal(
                &plan.path,
                &at,
                "wave",
                format!("stage {stage} runs in waves: a bundle carries one wave"),
                &format!("add --wave with one of the stage's waves: {waves}"),
            )),
            None => Ok(Unit {
                plan,
                stage: s,
                wave: None,
            }),
            Some(k) if st.waves.is_empty() => Err(refusal(
                &plan.path,
                &at,
                "wave",
                format!("stage {stage} has no waves, so no wave {k}"),
                "leave out --wave for this stage",
            )),
            Some(k) => match st.waves.iter().position(|w| w.number == k) {
                Some(w) => Ok(Unit {
                    plan,
                    stage: s,
                    wave: Some(w),
                }),
                None => Err(refusal(
                    &plan.path,
                    &at,
                    "wave",
                    format!("stage {stage} has no wave {k}"),
                    &format!("name one of the stage's waves: {waves}"),
                )),
            },
        }
    }

    pub fn stage_file(&self) -> &'p StageFile {
        &self.plan.stages[self.stage]
    }

    pub fn stage_number(&self) -> u32 {
        self.stage_file().number
    }

    pub fn wave_number(&self) -> Option<u32> {
        self.wave.map(|w| self.stage_file().waves[w].number)
    }

    /// `s2` or `s5w1`: the prefix of the unit's op ids (`u…` for its undo ops).
    pub fn id_prefix(&self, undo: bool) -> String {
        let head = if undo { 'u' } else { 's' };
        match self.wave_number() {
            Some(w) => format!("{head}{}w{w}", self.stage_number()),
            None => format!("{head}{}", self.stage_number()),
        }
    }

    /// The unit's own actions.
    pub fn actions(&self) -> &'p [(OpSource, Op)] {
        let st = self.stage_file();
        match self.wave {
            Some(w) => &st.waves[w].actions,
            None => &st.actions,
        }
    }

    /// The unit's rollback, in the order it runs.
    pub fn rollback(&self) -> &'p [(OpSource, Op)] {
        let st = self.stage_file();
        match self.wave {
            Some(w) => &st.waves[w].rollback,
            None => &st.rollback,
        }
    }

    /// Every action that runs before the unit: earlier stages whole (their own actions, then
    /// their waves), and for a wave the stage's own actions and its earlier waves.
    pub fn before(&self) -> impl Iterator<Item = &'p (OpSource, Op)> + 'p {
        let stages = &self.plan.stages;
        let (s, wave) = (self.stage, self.wave);
        let earlier = stages[..s].iter().flat_map(|st| {
            st.actions
                .iter()
                .chain(st.waves.iter().flat_map(|w| &w.actions))
        });
        let own = stages[s].waves[..wave.unwrap_or(0)]
            .iter()
            .flat_map(|w| &w.actions);
        let head = if wave.is_some() {
            &stages[s].actions[..]
        } else {
            &[]
        };
        earlier.chain(head).chain(own)
    }

    /// The stage's title as the plan writes it.
    pub fn title(&self) -> String {
        self.plan
            .doc
            .get("stages")
            .and_then(|s| s.get(self.stage))
            .and_then(|s| s.get("title"))
            .and_then(serde_json::Value::as_str)
            .unwrap_or("")
            .to_owned()
    }

    /// The wave's label (`pilot`, `wave`).
    pub fn wave_label(&self) -> Option<&'p str> {
        self.wave.map(|w| self.stage_file().waves[w].label.as_str())
    }
}
