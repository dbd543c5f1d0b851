//! The versions of the crates that make a variant's bytes, read from `Cargo.lock` at build
//! time: part of every cache key, so upgrading a decoder, the resizer or an encoder makes
//! every variant again instead of publishing what older code made.

use std::collections::HashMap;
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
        let locked = locked_versions(LOCK);
        let mut line = PIPELINE.to_string();
        for name in CRATES {
            let version = locked.get(name).copied().unwrap_or("?");
            line.push_str(&format!(" {name}={version}"));
        }
        line
    })
}

/// The version of every package in lock file `lock` (the highest, when two are locked), in one
/// pass: the lock file is large, and every build with images needs this before its first key.
fn locked_versions(lock: &str) -> HashMap<&str, &str> {
    let mut versions: HashMap<&str, &str> = HashMap::new();
    let mut name = None;
    for line in lock.lines() {
        if let Some(rest) = line.strip_prefix("name = \"") {
            name = rest.strip_suffix('"');
        } else if let Some(rest) = line.strip_prefix("version = \"")
            && let (Some(package), Some(version)) = (name.take(), rest.strip_suffix('"'))
        {
            let newest = versions.entry(package).or_insert(version);
            if compare(version, newest).is_gt() {
                *newest = version;
            }
        }
    }
    versions
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
            assert!(
                locked_versions(LOCK).contains_key(name),
                "{name} is not in Cargo.lock"
            );
        }
        assert!(fingerprint().contains(" ravif=0."), "{}", fingerprint());
        assert!(!fingerprint().contains('?'));
    }

    #[test]
    fn the_highest_of_two_versions_is_taken() {
        let lock = "name = \"x\"\nversion = \"0.10.0\"\n\nname = \"x\"\nversion = \"0.9.1\"\n";
        let locked = locked_versions(lock);
        assert_eq!(locked.get("x"), Some(&"0.10.0"));
        assert_eq!(locked.get("y"), None);
    }
}
