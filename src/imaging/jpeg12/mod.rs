//! Lossy JPEG with 12-bit samples: DICOM's "JPEG Extended" (process 4, sequential DCT with
//! Huffman coding), which CT and MR modalities write for data of more than 8 bits. The
//! pure-Rust decoder behind dicom-pixeldata (`jpeg-decoder`) refuses 12-bit DCT; the decoders
//! that accept it are C (libjpeg-turbo 3, GDCM), which would bring a C build and a CMake step
//! to every build. So this one is written here, for what DICOM stores: one grey component,
//! sequential, Huffman-coded, 8- or 12-bit precision. Progressive, lossless, hierarchical and
//! arithmetic-coded streams are refused by name (the caller answers 415).
//!
//! Every length and index comes from the stream and is checked: hostile bytes give an error,
//! never a panic or an unbounded allocation.

mod entropy;
mod idct;

use entropy::{BitReader, Huffman, decode_block};
use idct::Idct;

/// A decoded grey image: `width × height` samples in `0 .. 2^precision`, row by row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GreyImage {
    pub width: u16,
    pub height: u16,
    pub precision: u8,
    pub samples: Vec<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JpegError {
    #[error("{0} is not supported")]
    Unsupported(&'static str),
    #[error("corrupt JPEG stream: {0}")]
    Corrupt(&'static str),
}

/// The largest image accepted (samples), so that a forged header cannot ask for gigabytes.
const MAX_SAMPLES: usize = 1 << 26;

/// The natural (row-major) index of the k-th coefficient in zig-zag order.
const ZIGZAG: [u8; 64] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
    13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59,
    52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/// Decodes a single-component, sequential, Huffman-coded JPEG stream.
pub fn decode(data: &[u8]) -> Result<GreyImage, JpegError> {
    let mut parser = Parser::new(data)?;
    loop {
        match parser.next_marker()? {
            0xC0 | 0xC1 => parser.frame()?,
            0xC2 | 0xC6 | 0xCA | 0xCE => return Err(JpegError::Unsupported("progressive JPEG")),
            0xC3 | 0xC7 | 0xCB | 0xCF => return Err(JpegError::Unsupported("lossless JPEG")),
            0xC5 => return Err(JpegError::Unsupported("hierarchical JPEG")),
            0xC9 => return Err(JpegError::Unsupported("arithmetic-coded JPEG")),
            0xC4 => parser.huffman_tables()?,
            0xDB => parser.quantization_tables()?,
            0xDD => parser.restart_interval()?,
            0xDA => return parser.scan(),
            0xD9 => return Err(JpegError::Corrupt("the image ends before any scan")),
            0xD0..=0xD7 | 0x01 => {}
            _ => parser.skip_segment()?,
        }
    }
}

struct Frame {
    precision: u8,
    width: u16,
    height: u16,
    component_id: u8,
    quant_table: usize,
}

struct Parser<'a> {
    data: &'a [u8],
    pos: usize,
    quant: [Option<[u16; 64]>; 4],
    dc: [Option<Huffman>; 4],
    ac: [Option<Huffman>; 4],
    restart_interval: u16,
    frame: Option<Frame>,
}

impl<'a> Parser<'a> {
    fn new(data: &'a [u8]) -> Result<Parser<'a>, JpegError> {
        if data.get(..2) != Some(&[0xFF, 0xD8]) {
            return Err(JpegError::Corrupt("no start-of-image marker"));
        }
        Ok(Parser {
            data,
            pos: 2,
            quant: [None; 4],
            dc: [None, None, None, None],
            ac: [None, None, None, None],
            restart_interval: 0,
            frame: None,
        })
    }

    /// The next marker code, after any fill bytes.
    fn next_marker(&mut self) -> Result<u8, JpegError> {
        while self.data.get(self.pos) != Some(&0xFF) {
            if self.pos >= self.data.len() {
                return Err(JpegError::Corrupt("the stream ends without an image"));
            }
            self.pos += 1;
        }
        while self.data.get(self.pos) == Some(&0xFF) {
            self.pos += 1;
        }
        let code = *self
            .data
            .get(self.pos)
            .ok_or(JpegError::Corrupt("the stream ends inside a marker"))?;
        self.pos += 1;
        Ok(code)
    }

    /// The body of the segment that starts here (after its length), and moves past it.
    fn segment(&mut self) -> Result<&'a [u8], JpegError> {
        let data = self.data;
        let len = data
            .get(self.pos..self.pos + 2)
            .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
            .ok_or(JpegError::Corrupt("a segment is cut short"))?;
        let body = len
            .checked_sub(2)
            .and_then(|n| data.get(self.pos + 2..self.pos + 2 + n))
            .ok_or(JpegError::Corrupt("a segment is cut short"))?;
        self.pos += len;
        Ok(body)
    }

    fn skip_segment(&mut self) -> Result<(), JpegError> {
        self.segment().map(|_| ())
    }

    fn frame(&mut self) -> Result<(), JpegError> {
        let body = self.segment()?;
        if self.frame.is_some() {
            return Err(JpegError::Corrupt("two frame headers"));
        }
        let [precision, h1, h0, w1, w0, components, rest @ ..] = body else {
            return Err(JpegError::Corrupt("the frame header is cut short"));
        };
        if *precision != 8 && *precision != 12 {
            return Err(JpegError::Unsupported(
                "a JPEG sample precision other than 8 or 12",
            ));
        }
        if *components != 1 {
            return Err(JpegError::Unsupported(
                "12-bit JPEG of more than one component",
            ));
        }
        let (width, height) = (
            u16::from_be_bytes([*w1, *w0]),
            u16::from_be_bytes([*h1, *h0]),
        );
        if width == 0 || height == 0 {
            return Err(JpegError::Unsupported(
                "a JPEG whose height is given after the scan",
            ));
        }
        if usize::from(width) * usize::from(height) > MAX_SAMPLES {
            return Err(JpegError::Unsupported("a JPEG image this large"));
        }
        let [component_id, _sampling, quant_table, ..] = rest else {
            return Err(JpegError::Corrupt("the frame header is cut short"));
        };
        if *quant_table > 3 {
            return Err(JpegError::Corrupt("a quantization table number above 3"));
        }
        self.frame = Some(Frame {
            precision: *precision,
            width,
            height,
            component_id: *component_id,
            quant_table: usize::from(*quant_table),
        });
        Ok(())
    }

    fn quantization_tables(&mut self) -> Result<(), JpegError> {
        let mut body = self.segment()?;
        while let [spec, rest @ ..] = body {
            let (sixteen, id) = (spec >> 4, usize::from(spec & 15));
            let size = if sixteen == 0 { 64 } else { 128 };
            if sixteen > 1 || id > 3 || rest.len() < size {
                return Err(JpegError::Corrupt("a bad quantization table"));
            }
            let mut table = [0u16; 64];
            for (k, q) in table.iter_mut().enumerate() {
                *q = if sixteen == 0 {
                    u16::from(rest[k])
                } else {
                    u16::from_be_bytes([rest[2 * k], rest[2 * k + 1]])
                };
            }
            self.quant[id] = Some(table);
            body = &rest[size..];
        }
        Ok(())
    }

    fn huffman_tables(&mut self) -> Result<(), JpegError> {
        let mut body = self.segment()?;
        while let [spec, rest @ ..] = body {
            let (class, id) = (spec >> 4, usize::from(spec & 15));
            if class > 1 || id > 3 || rest.len() < 16 {
                return Err(JpegError::Corrupt("a bad Huffman table"));
            }
            let counts: [u8; 16] = rest[..16].try_into().expect("16 bytes");
            let total: usize = counts.iter().map(|&c| usize::from(c)).sum();
            let values = rest
                .get(16..16 + total)
                .ok_or(JpegError::Corrupt("a Huffman table is cut short"))?;
            let table = Huffman::new(&counts, values)?;
            if class == 0 {
                self.dc[id] = Some(table);
            } else {
                self.ac[id] = Some(table);
            }
            body = &rest[16 + total..];
        }
        Ok(())
    }

    fn restart_interval(&mut self) -> Result<(), JpegError> {
        let body = self.segment()?;
        let [hi, lo, ..] = body else {
            return Err(JpegError::Corrupt("the restart interval is cut short"));
        };
        self.restart_interval = u16::from_be_bytes([*hi, *lo]);
        Ok(())
    }

    /// Decodes the (only) scan of a one-component image.
    fn scan(&mut self) -> Result<GreyImage, JpegError> {
        let body = self.segment()?;
        let frame = self
            .frame
            .as_ref()
            .ok_or(JpegError::Corrupt("a scan before the frame header"))?;
        let [1, component, tables, ..] = body else {
            return Err(JpegError::Corrupt("a bad scan header"));
        };
        if *component != frame.component_id {
            return Err(JpegError::Corrupt("the scan names another component"));
        }
        let (dc_id, ac_id) = (usize::from(tables >> 4), usize::from(tables & 15));
        let dc = self.dc.get(dc_id).and_then(Option::as_ref);
        let ac = self.ac.get(ac_id).and_then(Option::as_ref);
        let quant = self.quant[frame.quant_table].as_ref();
        let (Some(dc), Some(ac), Some(quant)) = (dc, ac, quant) else {
            return Err(JpegError::Corrupt(
                "a scan uses a table that was not defined",
            ));
        };
        let (width, height) = (usize::from(frame.width), usize::from(frame.height));
        let (across, down) = (width.div_ceil(8), height.div_ceil(8));
        let centre = 1i32 << (frame.precision - 1);
        let max = (1i32 << frame.precision) - 1;
        let mut samples = vec![0u16; width * height];
        let mut bits = BitReader::new(&self.data[self.pos..]);
        let idct = Idct::new();
        let mut predictor = 0i32;
        let mut coefficients = [0i32; 64];
        let mut block = [0f32; 64];
        let interval = usize::from(self.restart_interval);
        for index in 0..across * down {
            if interval > 0 && index > 0 && index % interval == 0 {
                bits.restart()?;
                predictor = 0;
            }
            coefficients.fill(0);
            decode_block(&mut bits, dc, ac, quant, &mut predictor, &mut coefficients)?;
            idct.run(&coefficients, &mut block);
            let (bx, by) = (index % across * 8, index / across * 8);
            for y in 0..8.min(height - by) {
                let row = &mut samples[(by + y) * width + bx..];
                for x in 0..8.min(width - bx) {
                    let v = block[y * 8 + x].round() as i32 + centre;
                    row[x] = v.clamp(0, max) as u16;
                }
            }
        }
        Ok(GreyImage {
            width: frame.width,
            height: frame.height,
            precision: frame.precision,
            samples,
        })
    }
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
