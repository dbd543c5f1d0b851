//! Freeing large values off the path someone waits on.

/// Frees `value` on a thread of its own: freeing a 10,000-post model, or a render's summaries
/// of every page, took several milliseconds of every save of `serve`, on the path between the
/// edit and the browser's reload, and nothing needs to wait for it. Should no thread start,
/// the value is freed where it is.
pub(crate) fn drop_aside<T: Send + 'static>(value: T) {
    let _ = std::thread::Builder::new()
        .name("pamphlet-free".into())
        .spawn(move || drop(value));
}
