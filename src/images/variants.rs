//! Every variant of one still image: each width, each format, encoded side by side.

use std::borrow::Cow;

use super::encode::{self, Encoding};
use super::frame::Frame;
use super::naming;
use super::parallel;
use super::resize;
use crate::write::memory::{Bytes, LazyBytes};

/// One file made from the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Variant {
    pub(crate) encoding: Encoding,
    pub(crate) width: u32,
    pub(crate) bytes: LazyBytes,
    /// Of `bytes`, taken once when they are made and kept in the cache with them, so a warm
    /// build names a variant without reading its bytes twice.
    pub(crate) fingerprint: String,
}

impl Variant {
    /// `bytes` encoded as `encoding` at `width`, fingerprinted.
    pub(crate) fn new(encoding: Encoding, width: u32, bytes: Bytes) -> Variant {
        let fingerprint = naming::fingerprint(&bytes);
        Variant {
            encoding,
            width,
            bytes: LazyBytes::held(bytes),
            fingerprint,
        }
    }
}

/// `frame` (in profile `icc`) at each of `widths` (ascending, none above the frame's) in each
/// of `encodings`, in that order: encodings outer, widths inner. A width a format cannot hold
/// is left out of that format.
pub(crate) fn make(
    frame: &Frame,
    icc: Option<&[u8]>,
    widths: &[u32],
    encodings: &[Encoding],
    quality: u8,
) -> Result<Vec<Variant>, String> {
    let sized: Vec<Cow<'_, Frame>> = (widths.iter())
        .map(|&width| match width == frame.width {
            true => Ok(Cow::Borrowed(frame)),
            false => resize::resize(frame, width, resize::FILTER).map(Cow::Owned),
        })
        .collect::<Result<_, _>>()?;
    let mut jobs: Vec<(Encoding, usize)> = (encodings.iter())
        .flat_map(|&encoding| (0..sized.len()).map(move |index| (encoding, index)))
        .filter(|&(encoding, index)| {
            sized[index].width.max(sized[index].height) <= encoding.max_side()
        })
        .collect();
    let order = jobs.clone();
    // Longest first, so no thread is left alone with a big job at the end.
    jobs.sort_by_key(|&(encoding, index)| {
        std::cmp::Reverse(sized[index].area() * encoding.relative_cost())
    });
    let encoded = parallel::run(jobs.len(), parallel::threads(), |job| {
        let (encoding, index) = jobs[job];
        encode::encode(encoding, &sized[index], quality, icc)
    })?;
    let mut variants: Vec<Variant> = Vec::with_capacity(jobs.len());
    for (&(encoding, index), bytes) in jobs.iter().zip(encoded) {
        let bytes = bytes?;
        variants.push(Variant::new(encoding, sized[index].width, bytes.into()));
    }
    variants.sort_by_key(|variant| {
        order
            .iter()
            .position(|&(e, i)| e == variant.encoding && sized[i].width == variant.width)
    });
    Ok(variants)
}
