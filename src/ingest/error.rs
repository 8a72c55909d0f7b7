//! Errors that make an export unusable, each naming the file, the place and the field.

use std::fmt;
use std::path::{Path, PathBuf};

/// Where in a file a problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// The file as a whole (cannot be opened, cannot tell what it is).
    File,
    /// A CSV line (1-based, as an editor shows it).
    Line(u64),
    /// A JSON syntax error.
    Position { line: u64, column: u64 },
    /// A JSON record: its 0-based index among the file's records and the path to the field,
    /// e.g. `$.value[12].licenseAssignmentStates[0].skuId`.
    Record { index: usize, path: String },
    /// A line of a JSON Lines file.
    JsonLine { line: u64, path: String },
}

/// One reason an export cannot be used. Boxed: errors are rare and results are everywhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError(Box<Detail>);

/// What an [`InputError`] says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detail {
    pub file: PathBuf,
    pub location: Location,
    /// The column or JSON key, when one field is at fault.
    pub field: Option<String>,
    pub message: String,
    /// What the user can do about it.
    pub hint: String,
}

impl InputError {
    pub fn new(file: &Path, location: Location, message: impl Into<String>) -> Self {
        InputError(Box::new(Detail {
            file: file.to_path_buf(),
            location,
            field: None,
            message: message.into(),
            hint: String::new(),
        }))
    }

    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.0.field = Some(field.into());
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.0.hint = hint.into();
        self
    }
}

impl std::ops::Deref for InputError {
    type Target = Detail;
    fn deref(&self) -> &Detail {
        &self.0
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        match &self.location {
            Location::File => {}
            Location::Line(l) => write!(f, ":{l}")?,
            Location::Position { line, column } => write!(f, ":{line}:{column}")?,
            Location::Record { index, path } => write!(f, ": record {} ({path})", index + 1)?,
            Location::JsonLine { line, path } => write!(f, ":{line} ({path})")?,
        }
        if let Some(field) = &self.field {
            write!(f, ": field {field:?}")?;
        }
        write!(f, ": {}", self.message)?;
        if !self.hint.is_empty() {
            write!(f, "; {}", self.hint)?;
        }
        Ok(())
    }
}

/// Every problem found in the exports: reading goes on after a bad record so that one run
/// reports them all ("collect, then decide").
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InputErrors(pub Vec<InputError>);

/// How many errors are printed before "and N more".
const SHOWN: usize = 20;

impl fmt::Display for InputErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        writeln!(
            f,
            "{n} problem{} in the input make{} it unusable:",
            if n == 1 { "" } else { "s" },
            if n == 1 { "s" } else { "" }
        )?;
        for e in self.0.iter().take(SHOWN) {
            writeln!(f, "  {e}")?;
        }
        if n > SHOWN {
            writeln!(f, "  … and {} more", n - SHOWN)?;
        }
        Ok(())
    }
}

impl std::error::Error for InputErrors {}
