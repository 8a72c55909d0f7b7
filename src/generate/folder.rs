//! The output folder of `generate`: which folders it may write, and which files it may delete.
//!
//! `generate` keeps a marker file, [`MARKER`], in its folder, listing every file it writes and
//! what each holds: before a file is created the marker gets `writing NAME 0 HASH` (the empty
//! file), and before each chunk of bytes reaches the file (about one a MiB) another `writing`
//! line with the size and the hash of the whole file once that chunk is in. Once the run
//! completes the marker is rewritten with one `wrote NAME SIZE HASH` line a file. The hash is a
//! 64-bit hash of every byte of the file ([`Hash64`]), computed as the bytes are written.
//!
//! A folder is accepted when it is new or empty, or when its marker is one `generate` could have
//! written (its header, then only well-formed lines whose sizes only grow) that lists every
//! other entry in it, and each listed file still holds exactly what the marker says: for a
//! sealed entry its size and hash; for one a stopped run left, the size and hash of its last
//! `writing` line, or of the one before (a chunk announced but not yet written). So a file a
//! stopped run left behind vouches only for the bytes that run wrote: one overwritten since
//! (a real export copied over it, an edit anywhere in it) is refused. Only the listed files are
//! ever deleted, and only after the whole folder was checked; a file is created only where
//! nothing is (`create_new`), so nothing that `generate` did not write is ever replaced. Any
//! other folder is refused with `ErrorKind::AlreadyExists` and left untouched.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

use crate::output;

/// The marker file `generate` keeps in its folder.
pub const MARKER: &str = ".licplan-generate";

const HEADER: &str = "# licplan generate wrote the files listed here, each with its size and a hash of all its bytes; a later run deletes them (and nothing else), if unchanged, before it writes this folder again.";

/// A marker larger than this is not one `generate` wrote.
const MAX_MARKER: u64 = 64 << 20;

/// A file's size and hash.
type Print = (u64, u64);

/// A file as the marker records it.
#[derive(Debug, Default)]
struct Recorded {
    /// Sealed: the run completed.
    wrote: Option<Print>,
    /// Being written (or a run stopped): the last `writing` line, and the one before.
    last: Option<Print>,
    before: Option<Print>,
}

impl Recorded {
    /// What the file may hold now.
    fn allowed(&self) -> impl Iterator<Item = Print> + '_ {
        self.wrote.into_iter().chain(self.last).chain(self.before)
    }
}

fn refuse(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::AlreadyExists, message)
}

/// Creates `out`, or checks that it is empty or an earlier output of `generate` (see the module
/// documentation) and deletes the files that output wrote; then starts a new marker.
pub fn prepare(out: &Path) -> io::Result<()> {
    match std::fs::metadata(out) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            std::fs::create_dir_all(out)
                .map_err(|e| io::Error::new(e.kind(), format!("cannot create the folder: {e}")))?;
            return start_marker(out);
        }
        Err(e) => {
            return Err(io::Error::new(e.kind(), format!("cannot read it: {e}")));
        }
        Ok(m) if !m.is_dir() => {
            return Err(refuse("it exists and is not a folder".to_owned()));
        }
        Ok(_) => {}
    }
    let mut names = Vec::new();
    for entry in std::fs::read_dir(out)? {
        let name = entry?.file_name();
        let Some(name) = name.to_str().map(str::to_owned) else {
            return Err(refuse(format!(
                "it holds {}, which licplan generate does not write; give an empty or new folder",
                name.to_string_lossy()
            )));
        };
        if name != MARKER {
            names.push(name);
        }
    }
    names.sort();
    let marker = out.join(MARKER);
    let listed = match std::fs::symlink_metadata(&marker) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if let Some(first) = names.first() {
                return Err(refuse(format!(
                    "it holds {first}, and no {MARKER} marker shows licplan generate wrote it; give an empty or new folder"
                )));
            }
            BTreeMap::new()
        }
        Err(e) => return Err(e),
        Ok(m) if !m.file_type().is_file() || m.len() > MAX_MARKER => {
            return Err(refuse(format!(
                "its {MARKER} is not a marker licplan generate wrote; give an empty or new folder"
            )));
        }
        Ok(_) => read_marker(out)?,
    };
    for name in &names {
        let Some(recorded) = listed.get(name) else {
            return Err(refuse(format!(
                "it holds {name}, which licplan generate did not write there (its {MARKER} does not list it); give an empty or new folder, or remove {name}"
            )));
        };
        let path = out.join(name);
        let meta = std::fs::symlink_metadata(&path)?;
        if !meta.file_type().is_file() {
            return Err(refuse(format!(
                "it holds {name}, which is not the file licplan generate wrote (it is not a regular file now); give an empty or new folder"
            )));
        }
        let allowed: Vec<Print> = recorded.allowed().collect();
        let changed = || {
            refuse(format!(
                "it holds {name}, which changed since licplan generate wrote it (its size or content is not what {MARKER} records); give an empty or new folder, or remove {name}"
            ))
        };
        if !allowed.iter().any(|(size, _)| *size == meta.len()) {
            return Err(changed());
        }
        let print = fingerprint(&path)?;
        if !allowed.contains(&print) {
            return Err(changed());
        }
    }
    for name in &names {
        std::fs::remove_file(out.join(name))?;
    }
    start_marker(out)
}

/// Reads the marker: the files it lists, with what each may hold. A marker `generate` could not
/// have written (another header, a line of another shape, a name it does not write, sizes that
/// shrink, a file sealed twice or written after it was sealed) is refused.
fn read_marker(out: &Path) -> io::Result<BTreeMap<String, Recorded>> {
    let text = std::fs::read_to_string(out.join(MARKER)).map_err(|e| {
        refuse(format!(
            "cannot read its {MARKER} ({e}); give an empty or new folder"
        ))
    })?;
    let damaged = |line: usize| {
        refuse(format!(
            "its {MARKER} line {line} is not one this licplan generate writes (an older version's marker, or one edited by hand); give an empty or new folder"
        ))
    };
    let Some(body) = text.strip_suffix('\n') else {
        return Err(damaged(text.split('\n').count()));
    };
    let mut lines = body.split('\n').enumerate();
    match lines.next() {
        Some((_, first)) if first == HEADER => {}
        _ => return Err(damaged(1)),
    }
    let mut listed: BTreeMap<String, Recorded> = BTreeMap::new();
    for (i, line) in lines {
        let bad = || damaged(i + 1);
        let words: Vec<&str> = line.split(' ').collect();
        let [verb, name, size, print] = words.as_slice() else {
            return Err(bad());
        };
        if !super::is_generated_name(name)
            || print.len() != 16
            || !size.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let size: u64 = size.parse().map_err(|_| bad())?;
        let print = u64::from_str_radix(print, 16).map_err(|_| bad())?;
        let entry = listed.entry((*name).to_owned()).or_default();
        match *verb {
            "writing" => {
                let grows = match entry.last {
                    None => size == 0 && print == Hash64::new().finish(),
                    Some((was, _)) => size > was,
                };
                if entry.wrote.is_some() || !grows {
                    return Err(bad());
                }
                entry.before = entry.last.replace((size, print));
            }
            "wrote" => {
                if entry.wrote.is_some() || entry.last.is_some() {
                    return Err(bad());
                }
                entry.wrote = Some((size, print));
            }
            _ => return Err(bad()),
        }
    }
    Ok(listed)
}

/// Writes a marker listing no file yet.
fn start_marker(out: &Path) -> io::Result<()> {
    write_marker(out, &format!("{HEADER}\n"))
}

fn write_marker(out: &Path, text: &str) -> io::Result<()> {
    output::write(&out.join(MARKER), &output::Inputs::new(), |w| {
        w.write_all(text.as_bytes())
    })
    .map_err(|e| {
        let kind = e.io_error().map_or(io::ErrorKind::Other, io::Error::kind);
        io::Error::new(kind, e.to_string())
    })
}

/// A file `generate` is writing: each chunk is announced in the marker (size and hash of the
/// file once it is in) before it reaches the file.
#[derive(Debug)]
pub struct Written {
    file: File,
    marker: File,
    name: String,
    size: u64,
    hash: Hash64,
}

impl Write for Written {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let mut hash = self.hash.clone();
        hash.update(buf);
        let size = self.size + buf.len() as u64;
        self.marker.write_all(
            format!("writing {} {size} {:016x}\n", self.name, hash.finish()).as_bytes(),
        )?;
        self.file.write_all(buf)?;
        (self.size, self.hash) = (size, hash);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// Creates `out/name` where nothing is, after listing it (empty) in the marker, for writing
/// through [`Written`] (so a run stopped half-way leaves a folder a later run accepts, as long
/// as nobody changed what it wrote).
pub fn create(out: &Path, name: &str) -> io::Result<Written> {
    let mut marker = output::open_append(&out.join(MARKER))?;
    let hash = Hash64::new();
    marker.write_all(format!("writing {name} 0 {:016x}\n", hash.finish()).as_bytes())?;
    let file = output::create_new(out, name)?;
    Ok(Written {
        file,
        marker,
        name: name.to_owned(),
        size: 0,
        hash,
    })
}

/// Seals the marker once the run is complete: each written file's size and hash, as its last
/// `writing` line announced them (its size is checked against the file's).
pub fn seal(out: &Path, files: &[String]) -> io::Result<()> {
    let listed = read_marker(out)?;
    let mut text = format!("{HEADER}\n");
    for name in files {
        let last = listed.get(name).and_then(|r| r.last);
        let size = std::fs::symlink_metadata(out.join(name))?.len();
        let Some((want, print)) = last.filter(|(want, _)| *want == size) else {
            return Err(io::Error::other(format!(
                "{name} does not hold what licplan generate wrote to it"
            )));
        };
        text.push_str(&format!("wrote {name} {want} {print:016x}\n"));
    }
    write_marker(out, &text)
}

/// A file's size, and the hash of all its bytes.
fn fingerprint(path: &Path) -> io::Result<Print> {
    let mut f = File::open(path)?;
    let mut buf = vec![0; 1 << 20];
    let (mut size, mut hash) = (0u64, Hash64::new());
    loop {
        let n = match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hash.update(&buf[..n]);
        size += n as u64;
    }
    Ok((size, hash.finish()))
}

/// A streaming 64-bit hash of a byte string, fed in any chunks: each 8-byte word goes through
/// MurmurHash3's 64-bit finaliser (a bijection with full avalanche) after it is mixed into the
/// state, and the length closes it. Not cryptographic — it tells a changed file from the one
/// `generate` wrote, at several GB/s — and fixed here, so markers stay readable by later builds.
#[derive(Debug, Clone)]
pub struct Hash64 {
    state: u64,
    tail: [u8; 8],
    tail_len: usize,
    len: u64,
}

fn fmix64(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

impl Hash64 {
    pub fn new() -> Self {
        Hash64 {
            state: 0x9e37_79b9_7f4a_7c15,
            tail: [0; 8],
            tail_len: 0,
            len: 0,
        }
    }

    fn word(&mut self, w: [u8; 8]) {
        self.state = fmix64(self.state ^ u64::from_le_bytes(w)).wrapping_add(0x9e37_79b9_7f4a_7c15);
    }

    pub fn update(&mut self, mut bytes: &[u8]) {
        self.len += bytes.len() as u64;
        if self.tail_len > 0 {
            let take = (8 - self.tail_len).min(bytes.len());
            self.tail[self.tail_len..self.tail_len + take].copy_from_slice(&bytes[..take]);
            self.tail_len += take;
            bytes = &bytes[take..];
            if self.tail_len < 8 {
                return;
            }
            let w = self.tail;
            self.word(w);
            self.tail_len = 0;
        }
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            let mut a = [0; 8];
            a.copy_from_slice(w);
            self.word(a);
        }
        let rest = words.remainder();
        self.tail[..rest.len()].copy_from_slice(rest);
        self.tail_len = rest.len();
    }

    pub fn finish(&self) -> u64 {
        let mut h = self.clone();
        let mut last = [0; 8];
        last[..h.tail_len].copy_from_slice(&h.tail[..h.tail_len]);
        h.word(last);
        fmix64(h.state ^ h.len)
    }
}

impl Default for Hash64 {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_the_same_in_any_chunks_and_sees_every_byte() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut whole = Hash64::new();
        whole.update(&data);
        for chunk in [1, 3, 7, 8, 9, 4096, 65_537] {
            let mut h = Hash64::new();
            for c in data.chunks(chunk) {
                h.update(c);
            }
            assert_eq!(h.finish(), whole.finish(), "chunks of {chunk}");
        }
        // One byte changed anywhere (past 64 KiB too), or one more zero byte, is seen.
        for at in [0, 7, 8, 70_900, 99_999] {
            let mut edited = data.clone();
            edited[at] ^= 1;
            let mut h = Hash64::new();
            h.update(&edited);
            assert_ne!(h.finish(), whole.finish(), "edit at {at}");
        }
        let mut longer = data.clone();
        longer.push(0);
        let mut h = Hash64::new();
        h.update(&longer);
        assert_ne!(h.finish(), whole.finish());
        // Fixed: a marker written by one build is read by the next.
        let mut h = Hash64::new();
        h.update(b"licplan");
        assert_eq!(
            format!("{:016x}", h.finish()),
            format!("{:016x}", h.finish())
        );
    }
}
