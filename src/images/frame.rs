//! Pixels in the two layouts everything here works in: 8-bit RGB, and RGBA when some pixel is
//! not opaque.

use image::DynamicImage;

/// Decoded, upright pixels, row by row, no padding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Frame {
    pub(crate) width: u32,
    pub(crate) height: u32,
    /// RGBA when true, RGB when false.
    pub(crate) alpha: bool,
    pub(crate) pixels: Vec<u8>,
}

impl Frame {
    /// `image` as 8-bit RGB(A): 16-bit samples are scaled down, grey becomes RGB, and an
    /// alpha channel with every pixel opaque is dropped (it would only cost bytes).
    pub(crate) fn from_image(image: DynamicImage) -> Frame {
        let (width, height) = (image.width(), image.height());
        if image.color().has_alpha() {
            let rgba = image.into_rgba8();
            if rgba.pixels().any(|pixel| pixel.0[3] != 255) {
                return Frame {
                    width,
                    height,
                    alpha: true,
                    pixels: rgba.into_raw(),
                };
            }
            let rgb = DynamicImage::ImageRgba8(rgba).into_rgb8();
            return Frame {
                width,
                height,
                alpha: false,
                pixels: rgb.into_raw(),
            };
        }
        Frame {
            width,
            height,
            alpha: false,
            pixels: image.into_rgb8().into_raw(),
        }
    }

    /// Bytes a pixel takes.
    #[cfg(test)]
    pub(crate) fn channels(&self) -> usize {
        if self.alpha { 4 } else { 3 }
    }

    /// The pixel count, the weight of holding this frame.
    pub(crate) fn area(&self) -> u64 {
        u64::from(self.width) * u64::from(self.height)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageBuffer, Luma, Rgba};

    #[test]
    fn layouts_are_tamed() {
        let grey16 = ImageBuffer::from_pixel(2, 1, Luma([0xFFFFu16]));
        let frame = Frame::from_image(DynamicImage::ImageLuma16(grey16));
        assert_eq!((frame.alpha, frame.pixels), (false, vec![255; 6]));

        let opaque = ImageBuffer::from_pixel(1, 1, Rgba([1u8, 2, 3, 255]));
        let frame = Frame::from_image(DynamicImage::ImageRgba8(opaque));
        assert_eq!(
            (frame.alpha, frame.channels(), frame.pixels),
            (false, 3, vec![1, 2, 3])
        );

        let clear = ImageBuffer::from_pixel(1, 1, Rgba([1u8, 2, 3, 4]));
        let frame = Frame::from_image(DynamicImage::ImageRgba8(clear));
        assert_eq!(
            (frame.alpha, frame.area(), frame.pixels),
            (true, 1, vec![1, 2, 3, 4])
        );
    }
}
