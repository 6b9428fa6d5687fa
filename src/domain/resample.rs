//! Resizing a rendered frame (8-bit samples, interleaved channels): each output pixel is the
//! average of the input area it covers when shrinking, a bilinear blend when enlarging.

/// An 8-bit picture: `channels` samples per pixel, rows top to bottom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    pub width: u32,
    pub height: u32,
    pub channels: u8,
    pub samples: Vec<u8>,
}

impl Picture {
    /// `picture` at `width`×`height` (itself when the size is already that).
    pub fn resized(self, width: u32, height: u32) -> Picture {
        let (width, height) = (width.max(1), height.max(1));
        if width == self.width && height == self.height {
            return self;
        }
        let samples = if width <= self.width && height <= self.height {
            self.area_average(width, height)
        } else {
            self.bilinear(width, height)
        };
        Picture {
            width,
            height,
            channels: self.channels,
            samples,
        }
    }

    fn sample(&self, x: u32, y: u32, c: usize) -> u32 {
        let i = (y as usize * self.width as usize + x as usize) * usize::from(self.channels) + c;
        u32::from(self.samples.get(i).copied().unwrap_or(0))
    }

    /// Each output pixel averages the input pixels whose centres fall in its area.
    fn area_average(&self, width: u32, height: u32) -> Vec<u8> {
        let ch = usize::from(self.channels);
        let mut out = Vec::with_capacity(width as usize * height as usize * ch);
        let span = |o: u32, out_len: u32, in_len: u32| {
            let start = (u64::from(o) * u64::from(in_len) / u64::from(out_len)) as u32;
            let end = (u64::from(o + 1) * u64::from(in_len) / u64::from(out_len)) as u32;
            (start, end.max(start + 1).min(in_len))
        };
        for oy in 0..height {
            let (y0, y1) = span(oy, height, self.height);
            for ox in 0..width {
                let (x0, x1) = span(ox, width, self.width);
                let count = (y1 - y0) * (x1 - x0);
                for c in 0..ch {
                    let mut sum = 0u32;
                    for y in y0..y1 {
                        for x in x0..x1 {
                            sum += self.sample(x, y, c);
                        }
                    }
                    out.push(((sum + count / 2) / count) as u8);
                }
            }
        }
        out
    }

    fn bilinear(&self, width: u32, height: u32) -> Vec<u8> {
        let ch = usize::from(self.channels);
        let mut out = Vec::with_capacity(width as usize * height as usize * ch);
        let source = |o: u32, out_len: u32, in_len: u32| {
            let f = ((f64::from(o) + 0.5) * f64::from(in_len) / f64::from(out_len) - 0.5)
                .clamp(0.0, f64::from(in_len - 1));
            let i = f.floor() as u32;
            (i, (i + 1).min(in_len - 1), f - f64::from(i))
        };
        for oy in 0..height {
            let (y0, y1, fy) = source(oy, height, self.height);
            for ox in 0..width {
                let (x0, x1, fx) = source(ox, width, self.width);
                for c in 0..ch {
                    let top = f64::from(self.sample(x0, y0, c)) * (1.0 - fx)
                        + f64::from(self.sample(x1, y0, c)) * fx;
                    let bottom = f64::from(self.sample(x0, y1, c)) * (1.0 - fx)
                        + f64::from(self.sample(x1, y1, c)) * fx;
                    out.push((top * (1.0 - fy) + bottom * fy).round().clamp(0.0, 255.0) as u8);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grey(width: u32, height: u32, samples: Vec<u8>) -> Picture {
        Picture {
            width,
            height,
            channels: 1,
            samples,
        }
    }

    #[test]
    fn shrinking_averages_each_area() {
        let p = grey(4, 2, vec![0, 100, 200, 200, 0, 100, 50, 50]);
        let half = p.resized(2, 1);
        assert_eq!(half.samples, vec![50, 125]);
    }

    #[test]
    fn enlarging_blends_neighbours_and_keeps_the_corners() {
        let p = grey(2, 1, vec![0, 200]);
        let big = p.resized(4, 2);
        assert_eq!(big.samples.len(), 8);
        assert_eq!(big.samples[0], 0);
        assert_eq!(big.samples[3], 200);
        assert!(big.samples[1] > 0 && big.samples[1] < big.samples[2]);
    }

    #[test]
    fn colour_channels_stay_apart() {
        let p = Picture {
            width: 2,
            height: 1,
            channels: 3,
            samples: vec![255, 0, 0, 255, 0, 0],
        };
        assert_eq!(p.resized(1, 1).samples, vec![255, 0, 0]);
    }

    #[test]
    fn the_same_size_is_left_alone() {
        let p = grey(3, 1, vec![1, 2, 3]);
        assert_eq!(p.clone().resized(3, 1), p);
    }
}
