//! The disk cache: a second build makes nothing, damage is redone, two builds share one
//! cache, old entries are pruned, and a cache that cannot be written stops nothing.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::fixtures::{self, camera_jpeg, jpeg, photo_pixels};
use super::{files, images, put};
use crate::images::{Images, ImagesConfig, Picture};
use crate::write::memory::Bytes;

/// A small site's images, one of each kind that is processed.
fn sources(dir: &Path) -> Vec<(PathBuf, String)> {
    let photo = camera_jpeg(&jpeg(&photo_pixels(900, 600), 900, 600), 6, true, None);
    let made = [
        ("photo.jpg", photo),
        ("diagram.png", fixtures::small_png()),
        ("deep.png", fixtures::png16()),
        ("demo.gif", fixtures::screen_recording(12)),
    ];
    // Dated an hour ahead, so their stamps never settle during the test: a loaded machine could
    // otherwise let them age two seconds and add small digest entries beside the pictures'.
    let ahead = SystemTime::now() + Duration::from_secs(60 * 60);
    (made.into_iter())
        .map(|(name, bytes)| {
            let path = put(dir, name, &bytes);
            File::options()
                .write(true)
                .open(&path)
                .unwrap()
                .set_modified(ahead)
                .unwrap();
            (path, format!("/x/{name}"))
        })
        .collect()
}

/// A build: every source's picture, and the files made.
fn build(
    images: &Images,
    sources: &[(PathBuf, String)],
) -> (Vec<Picture>, BTreeMap<String, Bytes>) {
    let pictures = sources
        .iter()
        .map(|(path, url)| (*images.picture(path, url).unwrap()).clone())
        .collect();
    (pictures, files(images))
}

/// The cache's entry files.
fn entries(cache: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = fs::read_dir(cache.join("images"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "entry"))
        .collect();
    entries.sort();
    entries
}

#[test]
fn a_second_build_takes_everything_from_the_cache_byte_for_byte() {
    let (site, cache) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let sources = sources(site.path());
    let first = images(Some(cache.path()));
    let made = build(&first, &sources);
    let stats = first.stats();
    assert_eq!(
        (stats.processed, stats.from_cache, stats.cache_warning),
        (4, 0, None)
    );
    assert_eq!(entries(cache.path()).len(), 4);

    let second = images(Some(cache.path()));
    assert_eq!(build(&second, &sources), made);
    let stats = second.stats();
    assert_eq!(
        (
            stats.processed,
            stats.from_cache,
            stats.damaged_cache_entries
        ),
        (4, 4, 0)
    );
    let third = images(None);
    assert_eq!(
        build(&third, &sources),
        made,
        "the encoders are deterministic"
    );
}

#[test]
fn a_damaged_entry_is_made_again_and_rewritten() {
    let (site, cache) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let sources = sources(site.path());
    let made = build(&images(Some(cache.path())), &sources);
    let entries = entries(cache.path());
    let whole: Vec<Vec<u8>> = entries.iter().map(|path| fs::read(path).unwrap()).collect();
    File::options()
        .write(true)
        .open(&entries[0])
        .unwrap()
        .set_len(whole[0].len() as u64 / 2)
        .unwrap();
    fs::write(&entries[1], b"").unwrap();
    // In the table, which says where each blob is and what it hashes to.
    let mut table = whole[2].clone();
    table[20] ^= 0x40;
    fs::write(&entries[2], table).unwrap();
    // In the last variant's bytes, which a warm build reads only if a sink needs them.
    let mut variant = whole[3].clone();
    let last = variant.len() - 1;
    variant[last] ^= 0x40;
    fs::write(&entries[3], variant).unwrap();

    let second = images(Some(cache.path()));
    for (path, url) in &sources {
        second.picture(path, url).unwrap();
    }
    let stats = second.stats();
    assert_eq!((stats.from_cache, stats.damaged_cache_entries), (1, 3));
    let reads: Vec<_> = (second.variant_files().iter())
        .map(|file| file.bytes.get())
        .collect();
    let failed: Vec<String> = reads
        .iter()
        .filter_map(|r| r.as_ref().err())
        .map(ToString::to_string)
        .collect();
    // The damaged variant, and any other of its picture read after it removed their entry.
    assert!(!failed.is_empty());
    assert!(
        failed.iter().any(|f| f.contains("was damaged")),
        "{failed:?}"
    );
    let name = entries[3].display().to_string();
    for failure in &failed {
        assert!(
            failure.contains(&name) && failure.contains("the next build makes its images again"),
            "{failure}"
        );
    }
    assert!(!entries[3].exists(), "the damaged entry is removed");
    for n in 0..3 {
        assert_eq!(
            fs::read(&entries[n]).unwrap(),
            whole[n],
            "entry {n} rewritten whole"
        );
    }

    let third = images(Some(cache.path()));
    assert_eq!(build(&third, &sources), made);
    assert_eq!((third.stats().from_cache, third.stats().processed), (3, 4));
    assert_eq!(fs::read(&entries[3]).unwrap(), whole[3]);
    let fourth = images(Some(cache.path()));
    build(&fourth, &sources);
    assert_eq!(fourth.stats().from_cache, 4);
}

#[test]
fn two_builds_writing_one_cache_at_once_both_succeed() {
    let (site, cache) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let sources = sources(site.path());
    let builds: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..2)
            .map(|_| scope.spawn(|| build(&images(Some(cache.path())), &sources)))
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().unwrap())
            .collect()
    });
    assert_eq!(builds[0], builds[1]);
    let leftovers: Vec<_> = fs::read_dir(cache.path().join("images"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_none_or(|e| e != "entry"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let after = images(Some(cache.path()));
    assert_eq!(build(&after, &sources), builds[0]);
    assert_eq!(
        (
            after.stats().from_cache,
            after.stats().damaged_cache_entries
        ),
        (4, 0)
    );
}

#[test]
fn prune_drops_what_no_build_used_for_a_month() {
    let (site, cache) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let sources = sources(site.path());
    build(&images(Some(cache.path())), &sources);
    let month_ago = SystemTime::now() - Duration::from_secs(31 * 24 * 60 * 60);
    for path in entries(cache.path()) {
        File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(month_ago)
            .unwrap();
    }
    let abandoned = put(&cache.path().join("images"), "x.123-0.tmp", b"half");
    File::options()
        .write(true)
        .open(&abandoned)
        .unwrap()
        .set_modified(month_ago)
        .unwrap();
    let fresh = put(
        &cache.path().join("images"),
        "y.456-0.tmp",
        b"being written",
    );
    let unknown = put(&cache.path().join("images"), "README", b"not ours");

    let next = images(Some(cache.path()));
    next.picture(&sources[0].0, &sources[0].1).unwrap();
    let used = entries(cache.path());
    let report = next.prune_cache().unwrap();
    assert_eq!((report.removed, report.kept), (4, 1));
    assert!(report.removed_bytes > 0);
    assert_eq!(entries(cache.path()).len(), 1);
    assert!(used.contains(&entries(cache.path())[0]));
    assert!(!abandoned.exists() && fresh.exists() && unknown.exists());
    assert_eq!(images(None).prune_cache().unwrap(), Default::default());
}

#[test]
fn a_cache_that_cannot_be_written_is_no_error() {
    let (site, cache) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let sources = sources(site.path());
    // Builds and CI run as root, whom read-only permissions do not stop: a file where the
    // cache folder should be is what no one can write through.
    put(cache.path(), "images", b"a file in the way");
    let blocked = images(Some(cache.path()));
    let made = build(&blocked, &sources);
    let warning = blocked.stats().cache_warning.unwrap();
    assert!(
        warning.starts_with("the image cache ") && warning.contains("cannot be written"),
        "{warning}"
    );
    assert_eq!(made, build(&images(None), &sources));
    assert!(blocked.prune_cache().is_ok());

    let readonly = tempfile::tempdir().unwrap();
    let folder = readonly.path().join("images");
    fs::create_dir(&folder).unwrap();
    let permissions = fs::metadata(&folder).unwrap().permissions();
    let mut read_only = permissions.clone();
    read_only.set_readonly(true);
    fs::set_permissions(&folder, read_only).unwrap();
    let stopped = File::create(folder.join("probe")).is_err();
    let images = images(Some(readonly.path()));
    assert_eq!(build(&images, &sources), made);
    assert_eq!(
        images.stats().cache_warning.is_some(),
        stopped,
        "warned only when writes fail"
    );
    fs::set_permissions(&folder, permissions).unwrap();
}

/// Sets the modification time of the file at `path`, as `touch -d` does.
fn set_modified(path: &Path, at: SystemTime) {
    let file = File::options().write(true).open(path).unwrap();
    file.set_modified(at).unwrap();
}

#[test]
fn a_source_rewritten_with_its_old_length_and_time_is_made_again() {
    let (site, cache) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let an_hour_ago = SystemTime::now() - Duration::from_secs(3600);
    let photo = jpeg(&photo_pixels(300, 200), 300, 200);
    let path = put(site.path(), "photo.jpg", &photo);
    set_modified(&path, an_hour_ago);
    let first = build(
        &images(Some(cache.path())),
        &[(path.clone(), "/x/photo.jpg".into())],
    );
    let warm = images(Some(cache.path()));
    assert_eq!(
        build(&warm, &[(path.clone(), "/x/photo.jpg".into())]),
        first
    );
    assert_eq!(warm.stats().from_cache, 1);

    // Its last bytes before the end marker changed, then its time set back, as `rsync -t` or
    // a restore from a backup may: the status-change time tells, so the digest is taken anew.
    let mut other = photo.clone();
    let at = other.len() - 3;
    other[at] ^= 0x01;
    fs::write(&path, &other).unwrap();
    set_modified(&path, an_hour_ago);
    let rewritten = images(Some(cache.path()));
    build(&rewritten, &[(path, "/x/photo.jpg".into())]);
    let stats = rewritten.stats();
    assert_eq!(
        (stats.processed, stats.from_cache),
        (1, 0),
        "made from the new bytes, not found by the old digest"
    );
}

#[test]
fn an_unchanged_source_from_the_cache_keeps_its_gps_warning_and_its_max_pixels() {
    let (site, cache) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let photo = camera_jpeg(&jpeg(&photo_pixels(600, 400), 600, 400), 6, true, None);
    let path = put(site.path(), "photo.jpg", &photo);
    set_modified(&path, SystemTime::now() - Duration::from_secs(3600));
    let source = [(path.clone(), "/x/photo.jpg".to_string())];
    let (first, _) = build(&images(Some(cache.path())), &source);
    assert!(first[0].gps);

    // Its stamp has settled and its digest is remembered: the picture comes from the entry.
    let warm = images(Some(cache.path()));
    let (again, _) = build(&warm, &source);
    assert_eq!(
        again, first,
        "upright size and the GPS flag come from the entry"
    );
    assert_eq!(warm.stats().from_cache, 1);

    // max_pixels is not part of the key: lowered below the photo, it refuses it, cache or not.
    let config = ImagesConfig {
        max_pixels: 600 * 400 - 1,
        ..ImagesConfig::default()
    };
    let strict = Images::new(&config, Some(cache.path()));
    let refused = strict.picture(&path, "/x/photo.jpg").unwrap_err();
    assert!(refused.to_string().contains("max_pixels"), "{refused}");
    assert_eq!(strict.stats().from_cache, 0);
}
