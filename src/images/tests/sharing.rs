//! One `Images` shared by many threads, as the render shares it among rayon's.

use std::sync::Arc;

use rayon::prelude::*;

use super::fixtures::{self, camera_jpeg, jpeg, photo_pixels};
use super::{files, images, put};
use crate::images::Images;

#[test]
fn images_can_be_shared_between_threads() {
    fn shared<T: Sync + Send>() {}
    shared::<Images>();
}

#[test]
fn many_threads_asking_for_one_picture_make_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = put(dir.path(), "diagram.png", &fixtures::small_png());
    let images = images(None);
    let pictures: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| scope.spawn(|| images.picture(&path, "/diagram.png").unwrap()))
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().unwrap())
            .collect()
    });
    assert!(
        pictures
            .iter()
            .all(|picture| Arc::ptr_eq(picture, &pictures[0]))
    );
    assert_eq!(images.stats().processed, 1);
    assert_eq!(files(&images).len(), 3);
}

#[test]
fn rayon_threads_share_the_gate_without_deadlock() {
    let dir = tempfile::tempdir().unwrap();
    let sources: Vec<_> = (0..6u32)
        .map(|index| {
            let (width, height) = (320 + 40 * index, 240);
            let photo = camera_jpeg(
                &jpeg(&photo_pixels(width, height), width, height),
                1,
                false,
                None,
            );
            put(dir.path(), &format!("{index}.jpg"), &photo)
        })
        .collect();
    let images = images(None);
    // Each file asked for twice, from whichever thread rayon picks.
    let pictures: Vec<_> = (sources.iter().chain(&sources))
        .collect::<Vec<_>>()
        .par_iter()
        .map(|path| images.picture(path, "/x.jpg").unwrap())
        .collect();
    assert_eq!(pictures.len(), 12);
    assert_eq!(images.stats().processed, 6);
}
