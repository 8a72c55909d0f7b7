//! Why a folder entry is skipped (the `skipped-file` finding), as a closed set with one table: a
//! stable kebab-case code and the words the finding shows.

/// Why an entry is not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SkipReason {
    DanglingLink,
    UnfollowableLink,
    NotAnExportName,
    Fifo,
    Socket,
    Device,
    NotRegularFile,
    HiddenFolder,
    EntraSetting,
    EntraNonGroupMember,
    EntraOwner,
    EntraOtherObject,
}

/// Every reason with its code and the finding's words, in one table.
const REASONS: &[(SkipReason, &str, &str)] = &[
    (
        SkipReason::DanglingLink,
        "dangling-link",
        "a symbolic link whose target does not exist",
    ),
    (
        SkipReason::UnfollowableLink,
        "unfollowable-link",
        "a symbolic link that cannot be followed",
    ),
    (
        SkipReason::NotAnExportName,
        "not-an-export-name",
        "its name does not end in .json, .jsonl, .ndjson, .csv, .tsv or .txt",
    ),
    (
        SkipReason::Fifo,
        "fifo",
        "a named pipe (FIFO), not a file: not opened",
    ),
    (SkipReason::Socket, "socket", "a socket, not a file: not opened"),
    (SkipReason::Device, "device", "a device, not a file: not opened"),
    (
        SkipReason::NotRegularFile,
        "not-a-regular-file",
        "not a regular file: not opened",
    ),
    (
        SkipReason::HiddenFolder,
        "hidden-folder",
        "a hidden folder (its name starts with a dot): not read",
    ),
    (
        SkipReason::EntraSetting,
        "entra-exporter-setting",
        "an EntraExporter setting licplan does not use (not users, groups, members, subscribedSkus or organization)",
    ),
    (
        SkipReason::EntraNonGroupMember,
        "entra-exporter-non-group-member",
        "an EntraExporter member of something other than a group (a role or an administrative unit): not a license path",
    ),
    (
        SkipReason::EntraOwner,
        "entra-exporter-owner",
        "an EntraExporter owner of a group: owners are not members",
    ),
    (
        SkipReason::EntraOtherObject,
        "entra-exporter-other-object",
        "an EntraExporter object licplan does not use (not users, groups, members, subscribedSkus or organization)",
    ),
];

impl SkipReason {
    /// Every reason, in table order.
    pub fn all() -> impl Iterator<Item = SkipReason> {
        REASONS.iter().map(|(r, _, _)| *r)
    }

    fn row(self) -> &'static (SkipReason, &'static str, &'static str) {
        // Every variant has a row (tested below); the first row is never reached otherwise.
        REASONS
            .iter()
            .find(|(r, _, _)| *r == self)
            .unwrap_or(&REASONS[0])
    }

    /// The stable code, e.g. `hidden-folder`.
    pub fn as_str(self) -> &'static str {
        self.row().1
    }

    /// Why, as the `skipped-file` finding says it after the entry's path.
    pub fn description(self) -> &'static str {
        self.row().2
    }
}

impl std::fmt::Display for SkipReason {
    /// The finding's words (not the code), so messages read as before.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.description())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn every_reason_has_one_row_and_a_unique_kebab_case_code() {
        let variants = [
            SkipReason::DanglingLink,
            SkipReason::UnfollowableLink,
            SkipReason::NotAnExportName,
            SkipReason::Fifo,
            SkipReason::Socket,
            SkipReason::Device,
            SkipReason::NotRegularFile,
            SkipReason::HiddenFolder,
            SkipReason::EntraSetting,
            SkipReason::EntraNonGroupMember,
            SkipReason::EntraOwner,
            SkipReason::EntraOtherObject,
        ];
        assert_eq!(REASONS.len(), variants.len());
        for v in variants {
            assert_eq!(
                REASONS.iter().filter(|(r, _, _)| *r == v).count(),
                1,
                "{v:?}"
            );
        }
        let codes: BTreeSet<&str> = SkipReason::all().map(SkipReason::as_str).collect();
        assert_eq!(codes.len(), REASONS.len(), "codes are unique");
        for c in codes {
            assert!(
                !c.is_empty() && c.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{c} is kebab-case"
            );
        }
        assert!(SkipReason::all().all(|r| !r.description().is_empty()));
        assert_eq!(
            SkipReason::HiddenFolder.to_string(),
            "a hidden folder (its name starts with a dot): not read"
        );
    }
}
