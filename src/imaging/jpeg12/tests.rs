//! The decoder against streams written by a small encoder here (forward DCT, quantization,
//! Huffman coding with short and long codes, restart markers); the integration tests check
//! it against DCMTK's own JPEG encoder and decoder.

use std::f32::consts::PI;

use super::*;

/// A test image of `width × height` 12-bit samples: a ramp, a bright disc and a fine
/// checkerboard, so that every frequency of the blocks is used.
fn picture(width: usize, height: usize) -> Vec<u16> {
    (0..width * height)
        .map(|i| {
            let (x, y) = ((i % width) as f32, (i / width) as f32);
            let ramp = x * 4095.0 / width as f32 * 0.6;
            let disc = if (x - 20.0).hypot(y - 12.0) < 8.0 {
                1500.0
            } else {
                0.0
            };
            let check = if (i % width + i / width).is_multiple_of(2) {
                200.0
            } else {
                0.0
            };
            (ramp + disc + check).min(4095.0) as u16
        })
        .collect()
}

struct Bits {
    out: Vec<u8>,
    acc: u32,
    n: u32,
}

impl Bits {
    fn put(&mut self, code: u32, len: u32) {
        for i in (0..len).rev() {
            self.acc = (self.acc << 1) | ((code >> i) & 1);
            self.n += 1;
            if self.n == 8 {
                let byte = self.acc as u8;
                self.out.push(byte);
                if byte == 0xFF {
                    self.out.push(0);
                }
                self.acc = 0;
                self.n = 0;
            }
        }
    }

    fn flush(&mut self) {
        while self.n != 0 {
            self.put(1, 1);
        }
    }
}

/// DC categories 0..=15 as 5-bit codes; AC symbols below 128 as 8-bit codes, the others as
/// 10-bit codes (longer than the decoder's lookahead).
fn dc_code(s: u8) -> (u32, u32) {
    (u32::from(s), 5)
}

fn ac_code(s: u8) -> (u32, u32) {
    if s < 128 {
        (u32::from(s), 8)
    } else {
        (512 + u32::from(s) - 128, 10)
    }
}

fn category(v: i32) -> u8 {
    (32 - v.unsigned_abs().leading_zeros()) as u8
}

fn put_value(bits: &mut Bits, v: i32, size: u8) {
    if size > 0 {
        let raw = if v < 0 { v + (1 << size) - 1 } else { v };
        bits.put(raw as u32, u32::from(size));
    }
}

fn segment(out: &mut Vec<u8>, marker: u8, body: &[u8]) {
    out.extend([0xFF, marker]);
    out.extend(((body.len() + 2) as u16).to_be_bytes());
    out.extend(body);
}

/// A 12-bit sequential JPEG of `samples`, quantized by `q` (16-bit table), with a restart
/// marker every `restart` blocks (0 for none).
fn encode(samples: &[u16], width: usize, height: usize, q: u16, restart: u16) -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8];
    let mut dqt = vec![0x10];
    for _ in 0..64 {
        dqt.extend(q.to_be_bytes());
    }
    segment(&mut out, 0xDB, &dqt);
    let mut sof = vec![12];
    sof.extend((height as u16).to_be_bytes());
    sof.extend((width as u16).to_be_bytes());
    sof.extend([1, 7, 0x11, 0]);
    segment(&mut out, 0xC1, &sof);
    let mut dht = vec![0x00];
    let mut counts = [0u8; 16];
    counts[4] = 16;
    dht.extend(counts);
    dht.extend(0..16u8);
    dht.push(0x10);
    let mut counts = [0u8; 16];
    counts[7] = 128;
    counts[9] = 128;
    dht.extend(counts);
    dht.extend(0..=255u8);
    segment(&mut out, 0xC4, &dht);
    if restart > 0 {
        segment(&mut out, 0xDD, &restart.to_be_bytes());
    }
    segment(&mut out, 0xDA, &[1, 7, 0x00, 0, 63, 0]);
    let mut bits = Bits {
        out: Vec::new(),
        acc: 0,
        n: 0,
    };
    let (across, down) = (width.div_ceil(8), height.div_ceil(8));
    let mut predictor = 0;
    let mut marker = 0u8;
    for index in 0..across * down {
        if restart > 0 && index > 0 && index % usize::from(restart) == 0 {
            bits.flush();
            bits.out.extend([0xFF, 0xD0 + marker]);
            marker = (marker + 1) % 8;
            predictor = 0;
        }
        let (bx, by) = (index % across * 8, index / across * 8);
        // Edge blocks repeat the last row and column, as encoders do.
        let at = |x: usize, y: usize| {
            f32::from(samples[(by + y).min(height - 1) * width + (bx + x).min(width - 1)]) - 2048.0
        };
        let mut coefficients = [0i32; 64];
        for v in 0..8 {
            for u in 0..8 {
                let c = |k: usize| {
                    if k == 0 {
                        std::f32::consts::FRAC_1_SQRT_2
                    } else {
                        1.0
                    }
                };
                let mut sum = 0.0;
                for y in 0..8 {
                    for x in 0..8 {
                        sum += at(x, y)
                            * (((2 * x + 1) * u) as f32 * PI / 16.0).cos()
                            * (((2 * y + 1) * v) as f32 * PI / 16.0).cos();
                    }
                }
                coefficients[v * 8 + u] = (c(u) * c(v) / 4.0 * sum / f32::from(q)).round() as i32;
            }
        }
        let diff = coefficients[0] - predictor;
        predictor = coefficients[0];
        let size = category(diff);
        let (code, len) = dc_code(size);
        bits.put(code, len);
        put_value(&mut bits, diff, size);
        let mut run = 0;
        for &natural in &ZIGZAG[1..] {
            let c = coefficients[usize::from(natural)];
            if c == 0 {
                run += 1;
                continue;
            }
            while run > 15 {
                let (code, len) = ac_code(0xF0);
                bits.put(code, len);
                run -= 16;
            }
            let size = category(c);
            let (code, len) = ac_code((run << 4) | size);
            bits.put(code, len);
            put_value(&mut bits, c, size);
            run = 0;
        }
        if run > 0 {
            let (code, len) = ac_code(0);
            bits.put(code, len);
        }
    }
    bits.flush();
    out.extend(bits.out);
    out.extend([0xFF, 0xD9]);
    out
}

fn max_error(a: &[u16], b: &[u16]) -> i32 {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| (i32::from(x) - i32::from(y)).abs())
        .max()
        .unwrap()
}

#[test]
fn decodes_what_was_encoded_within_rounding() {
    let (w, h) = (37, 21);
    let original = picture(w, h);
    let jpeg = encode(&original, w, h, 1, 0);
    let image = decode(&jpeg).unwrap();
    assert_eq!((image.width, image.height, image.precision), (37, 21, 12));
    assert_eq!(image.samples.len(), w * h);
    assert!(max_error(&image.samples, &original) <= 2);
}

#[test]
fn restart_markers_and_coarse_quantization() {
    let (w, h) = (64, 40);
    let original = picture(w, h);
    let plain = decode(&encode(&original, w, h, 8, 0)).unwrap();
    let restarted = decode(&encode(&original, w, h, 8, 3)).unwrap();
    assert_eq!(plain, restarted, "restart intervals change nothing");
    // Lossy now, but near: a quantization step of 8 moves a sample by a few units.
    let mean = plain
        .samples
        .iter()
        .zip(&original)
        .map(|(&a, &b)| (f64::from(a) - f64::from(b)).abs())
        .sum::<f64>()
        / original.len() as f64;
    assert!(mean < 8.0, "{mean}");
}

#[test]
fn flat_extremes_stay_in_range() {
    for value in [0u16, 4095] {
        let samples = vec![value; 16 * 8];
        let image = decode(&encode(&samples, 16, 8, 1, 0)).unwrap();
        assert!(image.samples.iter().all(|&v| v == value), "{value}");
    }
}

#[test]
fn other_kinds_of_jpeg_are_named() {
    let jpeg = encode(&picture(8, 8), 8, 8, 1, 0);
    let sof = jpeg.windows(2).position(|w| w == [0xFF, 0xC1]).unwrap();
    for (marker, what) in [
        (0xC2, "progressive JPEG"),
        (0xC3, "lossless JPEG"),
        (0xC9, "arithmetic-coded JPEG"),
    ] {
        let mut other = jpeg.clone();
        other[sof + 1] = marker;
        assert_eq!(decode(&other), Err(JpegError::Unsupported(what)));
    }
    // Three components.
    let mut colour = jpeg.clone();
    colour[sof + 9] = 3;
    assert!(matches!(decode(&colour), Err(JpegError::Unsupported(_))));
    // Sixteen bits of precision.
    let mut sixteen = jpeg;
    sixteen[sof + 4] = 16;
    assert!(matches!(decode(&sixteen), Err(JpegError::Unsupported(_))));
}

#[test]
fn hostile_bytes_give_errors_not_panics() {
    let jpeg = encode(&picture(24, 16), 24, 16, 2, 2);
    assert!(decode(&[]).is_err());
    assert!(decode(b"not a jpeg").is_err());
    for len in 0..jpeg.len() {
        let _ = decode(&jpeg[..len]);
    }
    // Every byte in turn replaced by a few values.
    for i in 0..jpeg.len() {
        for value in [0x00, 0x01, 0x7F, 0xFF] {
            let mut bad = jpeg.clone();
            bad[i] = value;
            let _ = decode(&bad);
        }
    }
    // A header that asks for more samples than accepted.
    let mut huge = jpeg.clone();
    let sof = huge.windows(2).position(|w| w == [0xFF, 0xC1]).unwrap();
    huge[sof + 5..sof + 9].copy_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF]);
    assert!(matches!(decode(&huge), Err(JpegError::Unsupported(_))));
}
