//! A Graph response saved with its HTTP headers (`curl -i`, `curl -iL`, Microsoft's docs).
//!
//! `curl -i` writes the status line and headers before the body; `curl -iL` writes one block of
//! them per response it followed (a `302 Found`, then the `200 OK`); a `100 Continue` adds one
//! too. Every block is skipped and the body read with its own line numbers. A final status that
//! is not a success is refused with the status, since the body is then an error, not an export.

use std::path::Path;

use super::dates::{http_date, Stamp};
use super::error::{InputError, Location};
use super::json::read_error;
use super::text::{first_nonblank_line, short, TextReader};

/// The most header lines read before giving up: real responses have a few dozen.
const MAX_HEADER_LINES: u64 = 10_000;

/// Skips the header blocks that start with `first` (a status line, `lines` lines into the file)
/// and returns the body's first non-blank line, how many lines come up to it, and the time the
/// final response's `Date` header gives (when it was taken).
pub fn skip_headers(
    path: &Path,
    reader: &mut TextReader,
    first: String,
    lines: u64,
) -> Result<(String, u64, Option<Stamp>), InputError> {
    let mut status = (first.trim().to_owned(), lines);
    let mut lines = lines;
    let mut date = None;
    let mut headers = 0u64;
    let body = loop {
        let (next, n) = first_nonblank_line(reader).map_err(|e| read_error(path, &e, lines))?;
        lines += n;
        let t = next.trim();
        if t.is_empty() {
            break next;
        }
        if t.starts_with("HTTP/") {
            // The next response's status line: `curl -L` followed a redirect.
            status = (t.to_owned(), lines);
            date = None;
            continue;
        }
        let header_line = t.split_once(':').is_some_and(|(name, _)| {
            !name.is_empty() && name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
        });
        if !header_line || t.starts_with('{') || t.starts_with('[') {
            break next;
        }
        headers += 1;
        if let Some((name, value)) = t.split_once(':') {
            if name.eq_ignore_ascii_case("date") {
                date = http_date(value);
            }
        }
        if headers > MAX_HEADER_LINES {
            return Err(InputError::new(
                path,
                Location::Line(lines),
                format!("more than {MAX_HEADER_LINES} HTTP header lines and no body"),
            )
            .hint("save the JSON body of the Graph response"));
        }
    };
    let (status_line, status_at) = status;
    let code = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse::<u16>().ok());
    match code {
        Some(200..=299) => {}
        Some(code) => {
            let (what, hint) = if (300..400).contains(&code) {
                (
                    "a redirect",
                    "the response it points to was not saved: use curl -L, or save the final response's JSON body",
                )
            } else if code == 429 {
                (
                    "not a success (throttled: too many requests)",
                    "Graph throttled the request: wait the seconds its Retry-After header gave, then export again; Get-MgUser -All and Invoke-MgGraphRequest retry by themselves",
                )
            } else if code == 403 {
                (
                    "not a success (a permission refusal)",
                    "the account or app lacks a permission: grant and consent User.Read.All (users), GroupMember.Read.All (groups and members) and Organization.Read.All (subscribedSkus, organization), or Directory.Read.All, then export again",
                )
            } else if code == 401 {
                (
                    "not a success (an authentication failure)",
                    "the sign-in expired or is not valid: sign in again (Connect-MgGraph, az login) and export again",
                )
            } else {
                (
                    "not a success",
                    "the request failed, so the body is an error, not an export: fix the request (permissions, URL) and export again",
                )
            };
            return Err(InputError::new(
                path,
                Location::Line(status_at),
                format!(
                    "the saved HTTP response is {:?}, {what}",
                    short(&status_line)
                ),
            )
            .hint(hint));
        }
        None => {
            return Err(InputError::new(
                path,
                Location::Line(status_at),
                format!("{:?} is not an HTTP status line", short(&status_line)),
            )
            .hint("save the JSON body of the Graph response"));
        }
    }
    if body.trim().is_empty() {
        return Err(
            InputError::new(path, Location::File, "an HTTP response without a body")
                .hint("save the JSON body of the Graph response"),
        );
    }
    Ok((body, lines, date))
}
