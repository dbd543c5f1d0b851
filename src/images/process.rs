//! One raster image made into its variants: the checks that cost nothing come first (its
//! structure, its declared size), then decoding and encoding, inside the gate.

use image::ImageError;
use serde::{Deserialize, Serialize};

use super::animation::{self, MAX_FRAMES};
use super::colour;
use super::config::{Format, ImagesConfig};
use super::decode::{self, limits};
use super::encode::Encoding;
use super::exif::ExifFacts;
use super::gate::Gate;
use super::picture::Kind;
use super::problem::ImageProblem;
use super::sniff::Container;
use super::strip::{self, Stripped};
use super::variants::{self, Variant};

/// A source that passed the checks made before any decoding.
pub(crate) struct Admitted {
    pub(crate) container: Container,
    /// As stored, before orientation.
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) stripped: Stripped,
    pub(crate) facts: ExifFacts,
}

impl Admitted {
    /// Pixels held while it is processed: every frame of an animation.
    fn weight(&self) -> u64 {
        u64::from(self.width) * u64::from(self.height) * u64::from(self.stripped.frames.max(1))
    }

    /// Width and height once upright: orientations 5 to 8 turn the image a quarter.
    pub(crate) fn upright(&self) -> (u32, u32) {
        match self.facts.orientation {
            5..=8 => (self.height, self.width),
            _ => (self.width, self.height),
        }
    }
}

/// What a picture is, kept with its variants in the cache.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Meta {
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) kind: Kind,
    pub(crate) gps: bool,
}

/// A picture's facts and files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Processed {
    pub(crate) meta: Meta,
    pub(crate) variants: Vec<Variant>,
}

/// Walks `bytes` (named `name`) and reads its declared size, refusing what is damaged or
/// larger than `[images] max_pixels`.
pub(crate) fn admit(
    name: &str,
    bytes: &[u8],
    container: Container,
    config: &ImagesConfig,
) -> Result<Admitted, ImageProblem> {
    let stripped = strip::strip(container, bytes, None)
        .map_err(|damage| ImageProblem::new(damage.describe(name)))?;
    let (width, height) =
        decode::declared_size(bytes, container).map_err(|e| decode_problem(name, &e))?;
    let pixels = u64::from(width) * u64::from(height);
    let over = |what: String| {
        ImageProblem::new(format!(
            "{name} {what}, over [images] max_pixels ({})",
            config.max_pixels
        ))
        .with_help("it is published as it is; raise max_pixels in site.toml to make variants of it")
    };
    if pixels > config.max_pixels {
        return Err(over(format!("declares {width} × {height} pixels")));
    }
    let frames = stripped.frames;
    if frames > MAX_FRAMES {
        return Err(ImageProblem::new(format!(
            "{name} has {frames} frames, more than the {MAX_FRAMES} made into an animated WebP"
        ))
        .with_help("it is published as it is; a video would be far smaller"));
    }
    if pixels.saturating_mul(u64::from(frames)) > config.max_pixels {
        return Err(over(format!(
            "has {frames} frames of {width} × {height} pixels"
        )));
    }
    let facts = ExifFacts::read(stripped.exif.as_deref());
    Ok(Admitted {
        container,
        width,
        height,
        stripped,
        facts,
    })
}

/// The variants of an admitted image, made once `gate` lets it in.
pub(crate) fn process(
    name: &str,
    bytes: &[u8],
    admitted: Admitted,
    config: &ImagesConfig,
    gate: &Gate,
) -> Result<Processed, ImageProblem> {
    let _pass = gate.enter(admitted.weight());
    match (admitted.container, admitted.stripped.frames > 1) {
        (Container::Gif, true) => animated_gif(name, bytes, admitted, config),
        (Container::WebP, true) => Ok(as_it_is(admitted, Kind::WebP, Encoding::Webp)),
        _ => still(name, bytes, &admitted, config),
    }
}

fn still(
    name: &str,
    bytes: &[u8],
    admitted: &Admitted,
    config: &ImagesConfig,
) -> Result<Processed, ImageProblem> {
    let limits = limits(config.max_pixels);
    let decoded = decode::decode(
        bytes,
        admitted.container,
        admitted.facts.orientation,
        limits,
    )
    .map_err(|e| decode_problem(name, &e))?;
    let kind = match admitted.container {
        Container::Jpeg => Kind::Photo,
        Container::Gif => Kind::Gif,
        Container::WebP => Kind::WebP,
        Container::Png | Container::Svg => Kind::Png,
    };
    let fallback = fallback_encoding(kind);
    let mut encodings: Vec<Encoding> = (config.formats().into_iter().map(Encoding::from))
        .filter(|&encoding| encoding != fallback)
        .collect();
    encodings.push(fallback);
    let frame = decoded.frame;
    let icc = colour::rgb_profile(decoded.icc);
    let widths = config.widths_for(frame.width);
    let variants = variants::make(
        &frame,
        icc.as_deref(),
        &widths,
        &encodings,
        config.quality(),
    )
    .map_err(|e| ImageProblem::new(format!("{name} could not be encoded ({e})")))?;
    let (width, height) = (frame.width, frame.height);
    Ok(Processed {
        meta: Meta {
            width,
            height,
            kind,
            gps: admitted.facts.gps,
        },
        variants,
    })
}

/// A GIF of many frames: the GIF itself (stripped), and an animated WebP at its own width
/// when that is smaller.
fn animated_gif(
    name: &str,
    bytes: &[u8],
    admitted: Admitted,
    config: &ImagesConfig,
) -> Result<Processed, ImageProblem> {
    let webp = match config.formats().contains(&Format::Webp) {
        true => {
            let animation = animation::decode_gif(bytes, limits(config.max_pixels))
                .map_err(|e| decode_problem(name, &e))?;
            let webp = animation::encode_webp(&animation)
                .map_err(|e| ImageProblem::new(format!("{name} could not be encoded ({e})")))?;
            Some(webp).filter(|webp| webp.len() < admitted.stripped.bytes.len())
        }
        false => None,
    };
    let mut processed = as_it_is(admitted, Kind::AnimatedGif, Encoding::Gif);
    if let Some(webp) = webp {
        let width = processed.meta.width;
        processed
            .variants
            .insert(0, Variant::new(Encoding::Webp, width, webp.into()));
    }
    Ok(processed)
}

/// The stripped source as the only variant.
fn as_it_is(admitted: Admitted, kind: Kind, encoding: Encoding) -> Processed {
    let (width, height) = (admitted.width, admitted.height);
    let bytes = admitted.stripped.bytes.into();
    let meta = Meta {
        width,
        height,
        kind,
        gps: admitted.facts.gps,
    };
    Processed {
        meta,
        variants: vec![Variant::new(encoding, width, bytes)],
    }
}

/// The format of a kind's `<img>`.
pub(crate) fn fallback_encoding(kind: Kind) -> Encoding {
    match kind {
        Kind::Photo => Encoding::Jpeg,
        Kind::Png | Kind::Gif | Kind::Svg => Encoding::Png,
        Kind::WebP => Encoding::Webp,
        Kind::AnimatedGif => Encoding::Gif,
    }
}

/// A decoder's error as a sentence about `name`.
pub(crate) fn decode_problem(name: &str, error: &ImageError) -> ImageProblem {
    match error {
        ImageError::Limits(_) => ImageProblem::new(format!(
            "{name} needs more memory to decode than [images] max_pixels allows"
        )),
        ImageError::IoError(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            ImageProblem::new(format!("{name} is truncated"))
        }
        ImageError::Unsupported(e) => ImageProblem::new(format!(
            "{name} uses something this build cannot decode ({e})"
        )),
        e => ImageProblem::new(format!("{name} could not be decoded ({e})")),
    }
}
