//! Every diff case of the plan, without a network.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::*;
use crate::deploy::headers::{HeaderPolicy, SHORT};
use crate::deploy::local::sha256_hex;

fn file(path: &str, content: &str) -> LocalFile {
    LocalFile {
        path: path.into(),
        source: PathBuf::from(path),
        size: content.len() as u64,
        sha256: sha256_hex(content.as_bytes()),
        headers: HeaderPolicy::default().headers(path),
    }
}

/// The container and manifest exactly as a deploy of `files` leaves them.
fn deployed(files: &[LocalFile]) -> (BTreeMap<String, RemoteBlob>, Manifest) {
    let mut remote = BTreeMap::new();
    let mut manifest = Manifest::new();
    for (i, f) in files.iter().enumerate() {
        let etag = format!("0x{i:04}");
        remote.insert(
            f.path.clone(),
            RemoteBlob {
                size: f.size,
                etag: etag.clone(),
            },
        );
        manifest.files.insert(
            f.path.clone(),
            Entry {
                sha256: f.sha256.clone(),
                size: f.size,
                content_type: f.headers.content_type.clone(),
                cache_control: f.headers.cache_control.clone(),
                content_encoding: f.headers.content_encoding,
                etag: format!("\"{etag}\""),
            },
        );
    }
    (remote, manifest)
}

const PLAIN: Settings = Settings {
    force: false,
    delete: false,
    max_deletes: 256,
};

fn site() -> Vec<LocalFile> {
    vec![
        file("index.html", "home"),
        file("blog/a/index.html", "a"),
        file("style.a769f81332.css", "css"),
        file("rss.xml", "feed"),
        file("sitemap.xml", "map"),
        file("img/photo.jpg", "jpg"),
    ]
}

/// True when the container already matches the site.
fn is_noop(plan: &Plan) -> bool {
    plan.uploads.is_empty() && plan.deletes.is_empty()
}

fn uploads(plan: &Plan) -> Vec<(&str, Reason)> {
    plan.uploads
        .iter()
        .map(|u| (u.path.as_str(), u.reason))
        .collect()
}

#[test]
fn first_deploy_orders_assets_pages_then_feeds() {
    let plan = plan(&site(), &BTreeMap::new(), &Manifest::new(), PLAIN);
    let order: Vec<&str> = plan.uploads.iter().map(|u| u.path.as_str()).collect();
    assert_eq!(
        order,
        [
            "img/photo.jpg",
            "style.a769f81332.css",
            "blog/a/index.html",
            "index.html",
            "rss.xml",
            "sitemap.xml",
        ]
    );
    assert!(plan.uploads.iter().all(|u| u.reason == Reason::New));
    assert_eq!(plan.upload_bytes(), 4 + 1 + 3 + 4 + 3 + 3);
    assert!(plan.unchanged.is_empty() && plan.deletes.is_empty());
}

#[test]
fn nothing_changed_uploads_nothing() {
    let site = site();
    let (remote, manifest) = deployed(&site);
    let plan = plan(&site, &remote, &manifest, PLAIN);
    assert!(is_noop(&plan), "{plan:?}");
    assert_eq!(plan.unchanged.len(), site.len());
}

#[test]
fn content_change() {
    let old = site();
    let (remote, manifest) = deployed(&old);
    let mut new = old.clone();
    new[1] = file("blog/a/index.html", "a, edited");
    let plan = plan(&new, &remote, &manifest, PLAIN);
    assert_eq!(uploads(&plan), [("blog/a/index.html", Reason::Changed)]);
}

#[test]
fn header_only_change() {
    let old = site();
    let (remote, manifest) = deployed(&old);
    let policy = HeaderPolicy::new(&[crate::config::CacheRule {
        glob: "*.jpg".into(),
        control: "public, max-age=86400".into(),
    }])
    .unwrap();
    let new: Vec<LocalFile> = old
        .iter()
        .map(|f| LocalFile {
            headers: policy.headers(&f.path),
            ..f.clone()
        })
        .collect();
    let plan = plan(&new, &remote, &manifest, PLAIN);
    assert_eq!(uploads(&plan), [("img/photo.jpg", Reason::Headers)]);
}

#[test]
fn out_of_band_changes_are_repaired() {
    let site = site();
    let (mut remote, manifest) = deployed(&site);
    // Replaced in the portal: same size, new ETag.
    remote.get_mut("index.html").unwrap().etag = "0xBEEF".into();
    // Replaced with other content: new size.
    remote.get_mut("rss.xml").unwrap().size = 999;
    // Deleted in the portal.
    remote.remove("img/photo.jpg");
    let plan = plan(&site, &remote, &manifest, PLAIN);
    assert_eq!(
        uploads(&plan),
        [
            ("img/photo.jpg", Reason::Missing),
            ("index.html", Reason::Modified),
            ("rss.xml", Reason::Modified),
        ]
    );
}

#[test]
fn blobs_no_manifest_vouches_for_are_uploaded() {
    let site = site();
    let (remote, _) = deployed(&site);
    let plan = plan(&site, &remote, &Manifest::new(), PLAIN);
    assert_eq!(plan.uploads.len(), site.len());
    assert!(plan.uploads.iter().all(|u| u.reason == Reason::Untracked));
}

#[test]
fn force_uploads_everything() {
    let site = site();
    let (remote, manifest) = deployed(&site);
    let plan = plan(
        &site,
        &remote,
        &manifest,
        Settings {
            force: true,
            ..PLAIN
        },
    );
    assert_eq!(plan.uploads.len(), site.len());
    assert!(plan.uploads.iter().all(|u| u.reason == Reason::Forced));
}

#[test]
fn new_pages_go_up_before_changed_ones() {
    let old = site();
    let (remote, manifest) = deployed(&old);
    let mut new = old.clone();
    new[0] = file("index.html", "home, now listing z");
    new.push(file("blog/z/index.html", "z"));
    let plan = plan(&new, &remote, &manifest, PLAIN);
    assert_eq!(
        uploads(&plan),
        [
            ("blog/z/index.html", Reason::New),
            ("index.html", Reason::Changed),
        ]
    );
}

#[test]
fn deletions_only_when_asked_and_pages_first() {
    let old = site();
    let (remote, manifest) = deployed(&old);
    let new: Vec<LocalFile> = old
        .iter()
        .filter(|f| f.path == "index.html" || f.path == "rss.xml")
        .cloned()
        .collect();
    let kept = plan(&new, &remote, &manifest, PLAIN);
    assert!(kept.deletes.is_empty() && !kept.deletes_refused);
    assert_eq!(kept.kept.len(), 4);

    let plan = plan(
        &new,
        &remote,
        &manifest,
        Settings {
            delete: true,
            ..PLAIN
        },
    );
    assert!(plan.uploads.is_empty());
    assert_eq!(
        plan.deletes,
        [
            "sitemap.xml",
            "blog/a/index.html",
            "img/photo.jpg",
            "style.a769f81332.css",
        ]
    );
}

#[test]
fn too_many_deletions_delete_nothing() {
    let old = site();
    let (remote, manifest) = deployed(&old);
    let new = vec![old[0].clone()];
    let settings = Settings {
        delete: true,
        max_deletes: 4,
        ..PLAIN
    };
    let plan = plan(&new, &remote, &manifest, settings);
    assert!(plan.deletes.is_empty());
    assert!(plan.deletes_refused);
    assert_eq!(plan.kept.len(), 5);

    let at_limit = super::plan(
        &new,
        &remote,
        &manifest,
        Settings {
            max_deletes: 5,
            ..settings
        },
    );
    assert_eq!(at_limit.deletes.len(), 5);
    assert!(!at_limit.deletes_refused);
}

#[test]
fn next_manifest_keeps_only_what_the_listing_vouches_for() {
    let site = site();
    let (mut remote, old) = deployed(&site);
    remote.get_mut("index.html").unwrap().etag = "0xBEEF".into();
    remote.remove("rss.xml");
    let mut edited = site.clone();
    edited[1] = file("blog/a/index.html", "a, edited");
    let next = next_manifest(
        &old,
        &remote,
        &edited,
        &[Stored {
            path: "blog/a/index.html".into(),
            etag: "\"0xNEW\"".into(),
            size: 7,
        }],
        &["sitemap.xml".into()],
    );
    let paths: Vec<&str> = next.files.keys().map(String::as_str).collect();
    assert_eq!(
        paths,
        ["blog/a/index.html", "img/photo.jpg", "style.a769f81332.css"]
    );
    let a = &next.files["blog/a/index.html"];
    assert_eq!(a.etag, "0xNEW");
    assert_eq!(a.sha256, sha256_hex(b"a, edited"));
    assert_eq!(a.cache_control, SHORT);
    assert_eq!(a.size, 7, "the size stored, compressed, not the file's");
}

#[test]
fn a_stopped_run_converges() {
    // Run 1 uploads two of three changed files, then stops before writing its manifest.
    let old = site();
    let (mut remote, manifest) = deployed(&old);
    let new: Vec<LocalFile> = old
        .iter()
        .map(|f| file(&f.path, &format!("{} v2", f.path)))
        .collect();
    for path in ["img/photo.jpg", "style.a769f81332.css"] {
        let f = new.iter().find(|f| f.path == path).unwrap();
        remote.insert(
            path.into(),
            RemoteBlob {
                size: f.size,
                etag: "0xRUN1".into(),
            },
        );
    }
    // Run 2, with the stale manifest, still uploads every file run 1 did not finish and
    // re-checks the ones it did.
    let plan2 = plan(&new, &remote, &manifest, PLAIN);
    assert_eq!(plan2.uploads.len(), new.len());
    let uploaded: Vec<Stored> = plan2
        .uploads
        .iter()
        .map(|u| Stored {
            path: u.path.clone(),
            etag: format!("0xRUN2-{}", u.path),
            size: u.size / 2,
        })
        .collect();
    for stored in &uploaded {
        remote.insert(
            stored.path.clone(),
            RemoteBlob {
                size: stored.size,
                etag: stored.etag.clone(),
            },
        );
    }
    let manifest2 = next_manifest(&manifest, &remote, &new, &uploaded, &[]);
    // Run 3 has nothing to do.
    assert!(is_noop(&plan(&new, &remote, &manifest2, PLAIN)));
}

#[test]
fn turning_compression_off_or_on_uploads_exactly_the_files_it_touches() {
    use crate::compress::CompressPolicy;
    let with = |policy: &HeaderPolicy| -> Vec<LocalFile> {
        site()
            .into_iter()
            .map(|f| LocalFile {
                headers: policy.headers(&f.path),
                ..f
            })
            .collect()
    };
    let compressed = HeaderPolicy::default();
    let plain = HeaderPolicy::default().compressing(CompressPolicy::new::<&str>(&[]));
    let (remote, manifest) = deployed(&with(&compressed));
    assert!(is_noop(&plan(
        &with(&compressed),
        &remote,
        &manifest,
        PLAIN
    )));
    let off = plan(&with(&plain), &remote, &manifest, PLAIN);
    let mut touched: Vec<&str> = uploads(&off).into_iter().map(|(p, _)| p).collect();
    touched.sort_unstable();
    assert_eq!(
        touched,
        [
            "blog/a/index.html",
            "index.html",
            "rss.xml",
            "sitemap.xml",
            "style.a769f81332.css"
        ],
        "every text file, and not the photo"
    );
    assert!(off.uploads.iter().all(|u| u.reason == Reason::Headers));
    let (remote, manifest) = deployed(&with(&plain));
    let on = plan(&with(&compressed), &remote, &manifest, PLAIN);
    assert_eq!(on.uploads.len(), 5);
}
