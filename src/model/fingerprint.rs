//! The export's hash: one SHA-256 of the tenant as read (products with their seats, users with
//! every license path, state and disabled plan, groups with their licenses and members, the
//! organization), independent of the files' format, names and order. A plan records it, and a
//! bundle or a verification made from a plan checks the export it is given against it.

use sha2::{Digest, Sha256};

use super::Tenant;

/// Users hashed per run on each core (their digests are then hashed in order).
const RUN: usize = 8192;

/// `sha256:<hex>` of the tenant's content.
pub fn export_hash(t: &Tenant) -> String {
    let users = t.users.as_slice();
    // Runs of a fixed length, so the hash is the same on any number of cores.
    let runs: Vec<&[crate::model::User]> = users.chunks(RUN).collect();
    let mut digests = Vec::with_capacity(runs.len());
    crate::par::for_each_ordered(
        &runs,
        crate::par::threads(),
        |run| {
            let mut h = Buffered::new();
            for u in *run {
                h.json(u);
                h.bytes(b"\n");
            }
            h.finish()
        },
        |_, d| digests.push(d),
    );
    let mut h = Buffered::new();
    h.bytes(b"licplan export v1\n");
    h.json(&t.default_usage_location);
    h.bytes(b"\nskus\n");
    h.json(&t.skus);
    h.bytes(b"\nusers\n");
    for d in digests {
        h.bytes(&d);
    }
    h.bytes(b"\ngroups\n");
    h.json(&t.groups);
    h.bytes(b"\norganization\n");
    h.json(&t.organization);
    hex("sha256:", &h.finish())
}

/// Bytes gathered before they are hashed.
const CHUNK: usize = 64 * 1024;

/// A hasher fed in chunks: serde writes a value in many small pieces (each string in up to
/// three), and handing each to SHA-256 on its own costs more than the hashing. Values are
/// written into a plain byte vector (whose `io::Write` is a copy the compiler inlines) and the
/// vector is hashed whenever it holds a chunk; the bytes hashed, and so the digest, are the
/// same.
struct Buffered {
    h: Sha256,
    buf: Vec<u8>,
}

impl Buffered {
    fn new() -> Self {
        Buffered {
            h: Sha256::new(),
            buf: Vec::with_capacity(2 * CHUNK),
        }
    }

    /// Serialises `v` as JSON into the hash.
    fn json<T: serde::Serialize + ?Sized>(&mut self, v: &T) {
        // Serialising a model value into memory cannot fail.
        let _ = serde_json::to_writer(&mut self.buf, v);
        self.spill();
    }

    fn bytes(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
        self.spill();
    }

    /// Hashes what was gathered once it is a chunk.
    #[inline]
    fn spill(&mut self) {
        if self.buf.len() >= CHUNK {
            self.h.update(&self.buf);
            self.buf.clear();
        }
    }

    fn finish(mut self) -> sha2::digest::Output<Sha256> {
        self.h.update(&self.buf);
        self.h.finalize()
    }
}

/// A hasher as an `io::Write`, so serde writes straight into it.
pub struct HashWriter(pub Sha256);

impl std::io::Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `prefix` and the bytes in lower-case hex.
pub fn hex(prefix: &str, bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(prefix.len() + 2 * bytes.len());
    s.push_str(prefix);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Seats, Sku, SkuId, User, UserId};

    fn tenant(n: u128) -> Tenant {
        let mut t = Tenant::default();
        for i in 0..n {
            let id = UserId::from_uuid(uuid::Uuid::from_u128(i + 1));
            t.users.insert(
                id,
                User {
                    id,
                    upn: Some(format!("u{i}@contoso.com")),
                    display_name: None,
                    usage_location: None,
                    account_enabled: None,
                    proxy_addresses: Vec::new(),
                    assignments: Vec::new(),
                },
            );
        }
        t
    }

    #[test]
    fn the_hash_sees_every_user_and_seat_and_not_the_thread_count() {
        let a = tenant(20_000);
        let h = export_hash(&a);
        assert!(h.starts_with("sha256:") && h.len() == 7 + 64, "{h}");
        assert_eq!(h, export_hash(&a.clone()));
        let mut b = a.clone();
        let last = UserId::from_uuid(uuid::Uuid::from_u128(20_000));
        b.users.get_mut(&last).expect("the last user").upn = Some("x@contoso.com".into());
        assert_ne!(h, export_hash(&b));
        let mut c = a.clone();
        let sku = SkuId::from_uuid(uuid::Uuid::from_u128(7));
        c.skus.insert(
            sku,
            Sku {
                id: sku,
                part_number: None,
                display_name: None,
                service_plans: Vec::new(),
                seats: Some(Seats::default()),
            },
        );
        let with = export_hash(&c);
        c.skus.get_mut(&sku).expect("the product").seats = Some(Seats {
            enabled: 1,
            ..Seats::default()
        });
        assert_ne!(with, export_hash(&c));
        assert_ne!(with, h);
    }

    #[test]
    fn chunked_hashing_gives_the_digest_of_the_bytes_in_one_piece() {
        // Pieces around the chunk's size: small ones that fill it, one that crosses it, one
        // larger than a chunk, and an empty one.
        let pieces: Vec<Vec<u8>> = [1, 7, CHUNK - 9, 5, 0, CHUNK + 3, 2, CHUNK, 11]
            .iter()
            .enumerate()
            .map(|(i, n)| (0..*n).map(|j| ((i * 31 + j) % 251) as u8).collect())
            .collect();
        let mut whole = Sha256::new();
        let mut chunked = Buffered::new();
        for (i, p) in pieces.iter().enumerate() {
            if i % 2 == 0 {
                whole.update(p);
                chunked.bytes(p);
            } else {
                // As JSON: an array of numbers, hashed as `serde_json` writes it.
                chunked.json(p);
                whole.update(serde_json::to_vec(p).expect("json"));
            }
        }
        assert_eq!(chunked.finish(), whole.finalize());
    }
}
