//! Reading one JSON or JSON Lines export into the builder: what the file holds told from its
//! first record, delta queries and Graph error bodies refused, every record added in order.

use super::*;

pub(super) fn read_json(
    b: &mut Builder,
    path: &Path,
    fid: u32,
    display: String,
    first: String,
    lines: u64,
    reader: text::TextReader,
) -> Result<(), InputError> {
    // Hand the sniffed line back in front of the stream: the JSON reader sniffs again itself.
    let mut prefix = "\n".repeat(usize::try_from(lines.saturating_sub(1)).unwrap_or(0));
    prefix.push_str(&first);
    let joined: Box<dyn std::io::Read> =
        Box::new(std::io::Cursor::new(prefix.into_bytes()).chain_boxed(reader));
    let reader: text::TextReader = std::io::BufReader::with_capacity(1 << 16, joined);

    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let role = layout::role(path);
    let mut entra_defaults = 0u64;
    let mut content: Option<graph::JsonContent> = None;
    let mut powershell = false;
    let mut records = 0u64;
    let mut pending: Vec<(json::RecordPlace, node::Node<'static>)> = Vec::new();
    let mut undetected: Option<InputError> = None;
    let mut first_place: Option<json::RecordPlace> = None;
    // The newest `lastUpdatedDateTime` of the users' license states: the file is no older.
    let mut newest_update: Option<dates::Stamp> = None;
    let meta = json::read_records(path, reader, &mut |place, meta, value| {
        records += 1;
        if first_place.is_none() {
            first_place = Some(place);
            b.set_record_places(fid, place);
        }
        if undetected.is_some() {
            // The file is refused: what follows is not kept.
            return;
        }
        if content.is_none() {
            match &value {
                // An empty record says nothing about the file; wait for the next one.
                node::Node::Object(obj) if obj.is_empty() => {}
                node::Node::Object(obj) => {
                    powershell = graph::is_powershell(obj);
                    let detected = graph::detect(obj, meta, &file_name);
                    content = match role {
                        // An error body is refused whatever the path says.
                        _ if detected.is_none() && obj.get_ignore_case("error").is_some() => None,
                        layout::Role::Entra(_) | layout::Role::EntraMember(_) => role.content(),
                        // A member page's records may look like users (a cast to
                        // microsoft.graph.user has no @odata.type): its place says members.
                        layout::Role::MemberPage(_)
                            if matches!(
                                detected,
                                None | Some(
                                    graph::JsonContent::Users | graph::JsonContent::Members
                                )
                            ) =>
                        {
                            role.content()
                        }
                        _ => detected,
                    };
                    if content.is_none() {
                        undetected = Some(undetected_error(path, place, obj));
                        return;
                    }
                }
                other => {
                    undetected = Some(
                        InputError::new(
                            path,
                            place.location(""),
                            format!("expected a record (an object), found {}", other.kind()),
                        )
                        .hint("each record of a Graph export is an object"),
                    );
                    return;
                }
            }
        }
        if let (layout::Role::Entra(c), node::Node::Object(obj)) = (role, &value) {
            let lacks = match c {
                graph::JsonContent::Users => graph::get(obj, "licenseAssignmentStates").is_none(),
                graph::JsonContent::Groups => graph::get(obj, "assignedLicenses").is_none(),
                _ => false,
            };
            entra_defaults += u64::from(lacks);
        }
        if let (
            Some(graph::JsonContent::Users | graph::JsonContent::Members),
            node::Node::Object(obj),
        ) = (content, &value)
        {
            newest_update = newest_update.max(dates::newest_state_update(obj));
        }
        match content {
            // Members files may name their group only in a next link after the records, so
            // they are kept until the file ends; everything else goes straight in.
            Some(graph::JsonContent::Members) => pending.push((place, value.into_owned())),
            Some(c) => graph::add_record(b, c, path, fid, place, None, value),
            None => pending.push((place, value.into_owned())),
        }
    })?;
    if let Some(e) = undetected {
        return Err(e);
    }
    if meta.is_delta() {
        let place = first_place.map_or(Location::File, |p| p.location(""));
        return Err(InputError::new(
            path,
            place,
            "a page of a delta query (its links name /delta or it has an @odata.deltaLink): it lists what changed since an earlier sync, not every object as it is, and its removed objects are marked, not left out",
        )
        .hint(graph::NOT_DELTA));
    }
    let Some(content) = content else {
        b.findings.add(
            crate::findings::FindingCode::EmptyRow,
            format!("{file_name}: no records"),
        );
        b.sources.push(Source {
            file: display,
            format: SourceFormat::GraphRest,
            content: SourceContent::Empty,
            records: 0,
            taken: dates::Taken::NotRecorded,
        });
        return Ok(());
    };
    let file_group = match role {
        // The stub's own file name is the member's id, not the group's.
        layout::Role::EntraMember(g) => Some(g),
        _ => graph::members_file_group(&meta, path).or(role.group()),
    };
    if entra_defaults > 0 {
        let what = if content == graph::JsonContent::Users {
            "a user without licenseAssignmentStates"
        } else {
            "a group without assignedLicenses"
        };
        b.findings.add(
            crate::findings::FindingCode::EntraExporterDefaults,
            format!("{display}: {what}"),
        );
    }
    b.reading.files.push(evidence::PageFile {
        file: display.clone(),
        content: content.content(),
        group: file_group.filter(|_| content == graph::JsonContent::Members),
        pages: meta.pages,
        pages_with_next: meta.pages_with_next,
        count: meta.count,
        records,
    });
    for (place, value) in pending {
        graph::add_record(b, content, path, fid, place, file_group, value);
    }
    b.sources.push(Source {
        file: display,
        format: if powershell {
            SourceFormat::GraphPowershell
        } else {
            SourceFormat::GraphRest
        },
        content: content.content(),
        records,
        taken: newest_update.map_or(dates::Taken::NotRecorded, dates::Taken::NotBefore),
    });
    Ok(())
}

/// Why a JSON file's first record says nothing licplan reads: a Graph error response, or keys
/// of no export it knows.
pub(super) fn undetected_error(
    path: &Path,
    place: json::RecordPlace,
    obj: &node::Obj<'_>,
) -> InputError {
    if let Some(node::Node::Object(err)) = obj.get_ignore_case("error") {
        let said = |k: &str| {
            err.get_ignore_case(k)
                .and_then(node::Node::as_str)
                .map(|s| text::short(s).into_owned())
        };
        let code = said("code").unwrap_or_default();
        let message = said("message").unwrap_or_default();
        return InputError::new(
            path,
            place.location(".error"),
            format!("a Graph error response, not an export: {code:?}: {message:?}"),
        )
        .field("error.code")
        .hint(graph_error_hint(&code));
    }
    let mut keys: Vec<&str> = obj.keys().collect();
    keys.sort_unstable();
    keys.dedup();
    let more = keys.len().saturating_sub(12);
    keys.truncate(12);
    let mut keys: Vec<String> = keys
        .iter()
        .map(|k| format!("{:?}", text::short(k)))
        .collect();
    if more > 0 {
        keys.push(format!("… {more} more"));
    }
    InputError::new(
        path,
        place.location(""),
        format!(
            "cannot tell what this JSON export holds from its keys ({})",
            keys.join(", ")
        ),
    )
    .hint("export users, groups, group members, subscribedSkus or organization with the $select the README shows")
}

/// What to do about a Graph error saved instead of an export, by its code.
pub(super) fn graph_error_hint(code: &str) -> &'static str {
    let c = code.to_ascii_lowercase();
    if c.contains("toomanyrequests")
        || c.contains("throttl")
        || c.contains("activitylimitreached")
        || c == "429"
    {
        "Graph throttled the request (HTTP 429): wait the seconds its Retry-After header gave, then export again; Get-MgUser -All and Invoke-MgGraphRequest retry by themselves"
    } else if c.contains("authorization_requestdenied")
        || c.contains("accessdenied")
        || c.contains("forbidden")
        || c.contains("authorization_identitynotfound")
    {
        "the account or app lacks a permission: grant and consent User.Read.All (users), GroupMember.Read.All (groups and members) and Organization.Read.All (subscribedSkus, organization), or Directory.Read.All for all of them (Connect-MgGraph -Scopes ...), then export again"
    } else if c.contains("token") || c.contains("authentication") || c.contains("unauthorized") {
        "the sign-in expired or is not valid: sign in again (Connect-MgGraph, az login) and export again"
    } else if c.contains("notfound") {
        "the URL names an object that does not exist (a wrong or deleted group id?): check the id in the request and export again"
    } else if c.contains("unsupportedquery")
        || c.contains("badrequest")
        || c.contains("invalidrequest")
    {
        "Graph refused the query: check the $select, $filter and $expand against the README's export commands (licenseAssignmentStates is returned only when $select names it) and export again"
    } else {
        "the request failed: fix what the error says (often a missing permission such as User.Read.All) and export again"
    }
}

/// `Read::chain` for a boxed reader.
pub(super) trait ChainBoxed: std::io::Read + Sized + 'static {
    fn chain_boxed<R: std::io::Read + 'static>(self, next: R) -> std::io::Chain<Self, R> {
        std::io::Read::chain(self, next)
    }
}
impl<T: std::io::Read + 'static> ChainBoxed for T {}
