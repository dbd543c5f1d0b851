//! The bytes published at an original's own URL: without metadata, upright.
//!
//! An upright original is only stripped, losslessly: its image data is copied as it is. One
//! whose EXIF orientation turns it is decoded, turned and re-encoded (a JPEG at quality
//! [`UPRIGHT_JPEG_QUALITY`], a PNG or lossless WebP losslessly), since the EXIF that turned it
//! is gone. An original too large to decode is stripped and given back an EXIF of its
//! orientation alone.

use super::colour;
use super::config::ImagesConfig;
use super::decode::{self, limits};
use super::encode::{jpeg, png, webp};
use super::exif::{ExifFacts, orientation_only};
use super::gate::Gate;
use super::keys;
use super::problem::ImageProblem;
use super::sniff::Container;
use super::strip;
use crate::store::Cache;

/// High, as an original should be: re-encoding must not show.
pub(crate) const UPRIGHT_JPEG_QUALITY: u8 = 92;
const UPRIGHT_WEBP_QUALITY: u8 = 90;

/// Where an original's work is done.
pub(crate) struct Context<'a> {
    pub(crate) config: &'a ImagesConfig,
    pub(crate) cache: &'a Cache,
    pub(crate) gate: &'a Gate,
}

/// `bytes` (a file named `name` in `container`) as published.
pub(crate) fn publish(
    name: &str,
    bytes: &[u8],
    container: Container,
    context: &Context<'_>,
) -> Result<Vec<u8>, ImageProblem> {
    let problem = |damage: strip::Damage| ImageProblem::new(damage.describe(name));
    let stripped = strip::strip(container, bytes, None).map_err(problem)?;
    let facts = ExifFacts::read(stripped.exif.as_deref());
    if !facts.needs_turning() {
        return Ok(stripped.bytes);
    }
    let (width, height) = decode::declared_size(bytes, container)
        .map_err(|e| super::process::decode_problem(name, &e))?;
    if u64::from(width) * u64::from(height) > context.config.max_pixels {
        let exif = orientation_only(facts.orientation);
        return Ok(strip::strip(container, bytes, Some(&exif))
            .map_err(problem)?
            .bytes);
    }
    let key = keys::upright_original(keys::SourceDigest::of(bytes));
    if let Some(mut blobs) = context.cache.get(&key).filter(|blobs| blobs.len() == 1) {
        return Ok(blobs.remove(0));
    }
    let upright = {
        let _pass = context.gate.enter(u64::from(width) * u64::from(height));
        turn(name, bytes, container, facts.orientation, context.config)?
    };
    context.cache.put(&key, &[&upright]);
    Ok(upright)
}

/// `bytes` decoded, turned by `orientation` and encoded again in their own format.
fn turn(
    name: &str,
    bytes: &[u8],
    container: Container,
    orientation: u8,
    config: &ImagesConfig,
) -> Result<Vec<u8>, ImageProblem> {
    let decoded = decode::decode(bytes, container, orientation, limits(config.max_pixels))
        .map_err(|e| super::process::decode_problem(name, &e))?;
    let icc = colour::rgb_profile(decoded.icc);
    let (frame, icc) = (&decoded.frame, icc.as_deref());
    let encoded = match container {
        Container::Jpeg => jpeg::encode(frame, UPRIGHT_JPEG_QUALITY, icc),
        Container::WebP if is_lossless_webp(bytes) => webp::encode_lossless(frame, icc),
        Container::WebP => webp::encode(frame, UPRIGHT_WEBP_QUALITY, icc),
        Container::Png | Container::Gif | Container::Svg => png::encode(frame, icc),
    };
    encoded.map_err(|e| ImageProblem::new(format!("{name} could not be turned upright ({e})")))
}

/// True for a WebP whose image is lossless (VP8L), which must stay lossless.
fn is_lossless_webp(bytes: &[u8]) -> bool {
    strip::riff::chunks(bytes).is_ok_and(|chunks| chunks.iter().any(|c| c.id == b"VP8L"))
}
