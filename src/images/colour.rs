//! Colour profiles: which ones still describe the pixels once they are RGB, and turning
//! pixels into sRGB for an encoder that cannot carry a profile.

use moxcms::{ColorProfile, Layout, TransformOptions};

use super::frame::Frame;

/// `icc` if it describes RGB. A CMYK profile (the decoder has already made the pixels RGB) or
/// a grey one (grey pixels are widened to RGB) no longer describes them: attached to a
/// variant it would show wrong colours, so it goes and the pixels are taken as sRGB.
pub(crate) fn rgb_profile(icc: Option<Vec<u8>>) -> Option<Vec<u8>> {
    icc.filter(|profile| profile.get(16..20) == Some(b"RGB "))
}

/// `frame`, in profile `icc`, converted to sRGB; `None` when the profile cannot be read, and
/// the pixels are then taken as sRGB as they are.
pub(crate) fn to_srgb(frame: &Frame, icc: &[u8]) -> Option<Frame> {
    let source = ColorProfile::new_from_slice(icc).ok()?;
    let layout = if frame.alpha {
        Layout::Rgba
    } else {
        Layout::Rgb
    };
    let srgb = ColorProfile::new_srgb();
    let transform = source
        .create_transform_8bit(layout, &srgb, layout, TransformOptions::default())
        .ok()?;
    let mut pixels = vec![0; frame.pixels.len()];
    transform.transform(&frame.pixels, &mut pixels).ok()?;
    Some(Frame {
        pixels,
        ..frame.clone()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_p3_red_is_clipped_to_srgb_red_and_only_rgb_profiles_are_kept() {
        let p3 = ColorProfile::new_display_p3().encode().unwrap();
        let red = Frame {
            width: 1,
            height: 1,
            alpha: false,
            pixels: vec![255, 0, 0],
        };
        let srgb = to_srgb(&red, &p3).unwrap();
        assert!(
            srgb.pixels[0] == 255 && srgb.pixels[1] < 40 && srgb.pixels[2] < 40,
            "{srgb:?}"
        );
        let half = Frame {
            pixels: vec![128, 128, 128],
            ..red.clone()
        };
        let grey = to_srgb(&half, &p3).unwrap();
        assert!(
            grey.pixels.iter().all(|&v| v.abs_diff(128) <= 2),
            "{grey:?}"
        );
        assert_eq!(to_srgb(&red, b"not a profile"), None);

        assert!(rgb_profile(Some(p3.clone())).is_some());
        let mut cmyk = p3;
        cmyk[16..20].copy_from_slice(b"CMYK");
        assert_eq!(rgb_profile(Some(cmyk)), None);
    }
}
