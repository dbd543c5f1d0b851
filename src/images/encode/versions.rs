//! The versions of the crates that make a variant's bytes, read from `Cargo.lock` at build
//! time: part of every cache key, so upgrading a decoder, the resizer or an encoder makes
//! every variant again instead of publishing what older code made.

use std::sync::OnceLock;

/// Our own processing's version: bump it when this module changes what it makes for the same
/// source and settings (a new filter, a new encoder setting, other names).
const PIPELINE: &str = "pamphlet-images 1";

/// The crates whose output ends up in a variant's bytes.
const CRATES: [&str; 13] = [
    "image",
    "zune-jpeg",
    "png",
    "gif",
    "image-webp",
    "kamadak-exif",
    "moxcms",
    "fast_image_resize",
    "ravif",
    "rav1e",
    "libwebp-sys",
    "jpeg-encoder",
    "fdeflate",
];

const LOCK: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.lock"));

/// `PIPELINE` and `name=version` of each of [`CRATES`], one line.
pub(crate) fn fingerprint() -> &'static str {
    static FINGERPRINT: OnceLock<String> = OnceLock::new();
    FINGERPRINT.get_or_init(|| {
        let mut line = PIPELINE.to_string();
        for name in CRATES {
            let version = version(LOCK, name).unwrap_or("?");
            line.push_str(&format!(" {name}={version}"));
        }
        line
    })
}

/// The version of package `name` in lock file `lock` (the highest, when two are locked).
fn version<'a>(lock: &'a str, name: &str) -> Option<&'a str> {
    let header = format!("name = \"{name}\"\nversion = \"");
    (lock.match_indices(&header))
        .filter_map(|(at, _)| {
            let rest = &lock[at + header.len()..];
            rest.find('"').map(|end| &rest[..end])
        })
        .max_by(|a, b| compare(a, b))
}

/// Compares versions number by number, so 0.10 comes after 0.9.
fn compare(a: &str, b: &str) -> std::cmp::Ordering {
    let numbers = |v: &str| -> Vec<u64> {
        v.split(['.', '-', '+'])
            .filter_map(|n| n.parse().ok())
            .collect()
    };
    numbers(a).cmp(&numbers(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_crate_is_found_in_the_lock_file() {
        for name in CRATES {
            assert!(version(LOCK, name).is_some(), "{name} is not in Cargo.lock");
        }
        assert!(fingerprint().contains(" ravif=0."), "{}", fingerprint());
        assert!(!fingerprint().contains('?'));
    }

    #[test]
    fn the_highest_of_two_versions_is_taken() {
        let lock = "name = \"x\"\nversion = \"0.9.1\"\n\nname = \"x\"\nversion = \"0.10.0\"\n";
        assert_eq!(version(lock, "x"), Some("0.10.0"));
        assert_eq!(version(lock, "y"), None);
    }
}
