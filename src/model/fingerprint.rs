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
                // Serialising a model value into a hasher cannot fail.
                let _ = serde_json::to_writer(&mut h, u);
                h.bytes(b"\n");
            }
            h.finish()
        },
        |_, d| digests.push(d),
    );
    let mut h = Buffered::new();
    h.bytes(b"licplan export v1\n");
    let _ = serde_json::to_writer(&mut h, &t.default_usage_location);
    h.bytes(b"\nskus\n");
    let _ = serde_json::to_writer(&mut h, &t.skus);
    h.bytes(b"\nusers\n");
    for d in digests {
        h.bytes(&d);
    }
    h.bytes(b"\ngroups\n");
    let _ = serde_json::to_writer(&mut h, &t.groups);
    h.bytes(b"\norganization\n");
    let _ = serde_json::to_writer(&mut h, &t.organization);
    hex("sha256:", &h.finish())
}

/// Bytes gathered before they are hashed.
const CHUNK: usize = 64 * 1024;

/// A hasher fed in chunks: serde writes a value in many small pieces (each string in up to
/// three), and handing each to SHA-256 on its own costs more than the hashing. The bytes
/// hashed, and so the digest, are the same.
struct Buffered {
    h: Sha256,
    buf: Vec<u8>,
}

impl Buffered {
    fn new() -> Self {
        Buffered {
            h: Sha256::new(),
            buf: Vec::with_capacity(CHUNK),
        }
    }

    fn bytes(&mut self, b: &[u8]) {
        if self.buf.len() + b.len() > CHUNK {
            self.h.update(&self.buf);
            self.buf.clear();
        }
        if b.len() >= CHUNK {
            self.h.update(b);
        } else {
            self.buf.extend_from_slice(b);
        }
    }

    fn finish(mut self) -> sha2::digest::Output<Sha256> {
        self.h.update(&self.buf);
        self.h.finalize()
    }
}

impl std::io::Write for Buffered {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.bytes(buf);
        Ok(buf.len())
    }
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.bytes(buf);
        Ok(())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
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
        use std::io::Write;
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
            whole.update(p);
            if i % 2 == 0 {
                chunked.bytes(p);
            } else {
                chunked.write_all(p).expect("hashing cannot fail");
            }
        }
        assert_eq!(chunked.finish(), whole.finalize());
    }
}
