//! Fashion-MNIST in IDX format (optionally gzip-compressed), as Debian's `dataset-fashion-mnist`
//! ships it in `/usr/share/datasets/fashion-mnist/`. Every field is checked before anything is
//! allocated; an error names the file and the field.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::net::int8::Act;

/// Where Debian installs the data set.
pub const DEBIAN_DIR: &str = "/usr/share/datasets/fashion-mnist";

/// Images and labels of one split.
#[derive(Debug, Clone)]
pub struct Split {
    /// Rows per image.
    pub rows: usize,
    /// Columns per image.
    pub cols: usize,
    /// `count * rows * cols` pixels, 0..=255.
    pub pixels: Vec<u8>,
    /// One label (0..=9) per image.
    pub labels: Vec<u8>,
}

impl Split {
    /// Images in the split.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when the split has no images.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Image `i` as the network input: `q = p >> 1` (scale 2/255), 28 x 28 x 1.
    pub fn input(&self, i: usize) -> Act {
        let n = self.rows * self.cols;
        let data = self.pixels[i * n..(i + 1) * n]
            .iter()
            .map(|&p| (p >> 1) as i8)
            .collect();
        Act::from_vec(self.rows, self.cols, 1, data)
    }
}

/// Why a data set file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    /// The file could not be opened or read.
    #[error(
        "{path}: {source}; install the data set with `apt-get install -y dataset-fashion-mnist`"
    )]
    Io {
        /// File.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// The content is not what the format says.
    #[error("{path}: {field}: {message}")]
    Format {
        /// File.
        path: PathBuf,
        /// Field.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
}

/// Images larger than this are refused before allocating (Fashion-MNIST has 60,000 of 28 x 28).
const MAX_PIXELS: u64 = 1 << 28;

fn read_file(path: &Path) -> Result<Vec<u8>, DatasetError> {
    std::fs::read(path).map_err(|source| DatasetError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// The IDX bytes of a file's contents: gunzipped when it starts with the gzip magic.
fn decode(path: &Path, raw: Vec<u8>) -> Result<Vec<u8>, DatasetError> {
    let io = |source| DatasetError::Io {
        path: path.to_path_buf(),
        source,
    };
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        // Bound the decompressed size too: a hostile gzip cannot make us allocate without limit.
        flate2::read::GzDecoder::new(&raw[..])
            .take(MAX_PIXELS + 64)
            .read_to_end(&mut out)
            .map_err(io)?;
        Ok(out)
    } else {
        Ok(raw)
    }
}

fn be_u32(bytes: &[u8], at: usize, path: &Path, field: &'static str) -> Result<u32, DatasetError> {
    bytes
        .get(at..at + 4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or_else(|| DatasetError::Format {
            path: path.to_path_buf(),
            field,
            message: "file ends inside the header".into(),
        })
}

/// Reads an IDX3 image file (magic 0x00000803) and an IDX1 label file (magic 0x00000801).
pub fn read_split(images: &Path, labels: &Path) -> Result<Split, DatasetError> {
    let img = read_file(images)?;
    let lab = read_file(labels)?;
    parse_split(images, img, labels, lab)
}

/// [`read_split`] of file contents already read (`images` and `labels` name them in errors);
/// either may be gzipped.
pub fn parse_split(
    images: &Path,
    img: Vec<u8>,
    labels: &Path,
    lab: Vec<u8>,
) -> Result<Split, DatasetError> {
    let img = decode(images, img)?;
    let bad = |path: &Path, field: &'static str, message: String| DatasetError::Format {
        path: path.to_path_buf(),
        field,
        message,
    };
    let magic = be_u32(&img, 0, images, "magic")?;
    if magic != 0x0000_0803 {
        return Err(bad(
            images,
            "magic",
            format!("{magic:#010x}, expected 0x00000803 (IDX unsigned bytes, 3 dimensions)"),
        ));
    }
    let count = be_u32(&img, 4, images, "image count")? as u64;
    let rows = be_u32(&img, 8, images, "rows")? as u64;
    let cols = be_u32(&img, 12, images, "cols")? as u64;
    if rows == 0 || cols == 0 || rows > 255 || cols > 255 {
        return Err(bad(
            images,
            "rows/cols",
            format!("{rows} x {cols}; the accelerator takes 1..=255 per side"),
        ));
    }
    let pixels = count
        .checked_mul(rows * cols)
        .filter(|&n| n <= MAX_PIXELS)
        .ok_or_else(|| {
            bad(
                images,
                "image count",
                format!("{count} images of {rows}x{cols} is more than this reader accepts"),
            )
        })?;
    if img.len() as u64 != 16 + pixels {
        return Err(bad(
            images,
            "data",
            format!(
                "{} bytes after the header, the header declares {pixels}",
                img.len().saturating_sub(16)
            ),
        ));
    }
    let lab = decode(labels, lab)?;
    let magic = be_u32(&lab, 0, labels, "magic")?;
    if magic != 0x0000_0801 {
        return Err(bad(
            labels,
            "magic",
            format!("{magic:#010x}, expected 0x00000801 (IDX unsigned bytes, 1 dimension)"),
        ));
    }
    let n_labels = be_u32(&lab, 4, labels, "label count")? as u64;
    if n_labels != count {
        return Err(bad(
            labels,
            "label count",
            format!(
                "{n_labels} labels for {count} images in {}",
                images.display()
            ),
        ));
    }
    if lab.len() as u64 != 8 + n_labels {
        return Err(bad(
            labels,
            "data",
            format!(
                "{} bytes after the header, the header declares {n_labels}",
                lab.len().saturating_sub(8)
            ),
        ));
    }
    if let Some(i) = lab[8..].iter().position(|&l| l > 9) {
        return Err(bad(
            labels,
            "label",
            format!("label {} at index {i} is not a class 0..=9", lab[8 + i]),
        ));
    }
    Ok(Split {
        rows: rows as usize,
        cols: cols as usize,
        pixels: img[16..].to_vec(),
        labels: lab[8..].to_vec(),
    })
}

/// The 10,000 test images from `dir` (default [`DEBIAN_DIR`]).
pub fn test_split(dir: &Path) -> Result<Split, DatasetError> {
    read_split(
        &dir.join("t10k-images-idx3-ubyte.gz"),
        &dir.join("t10k-labels-idx1-ubyte.gz"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, bytes).expect("write fixture");
        p
    }

    fn idx3(count: u32, rows: u32, cols: u32, data: &[u8]) -> Vec<u8> {
        let mut v = vec![0, 0, 8, 3];
        for x in [count, rows, cols] {
            v.extend_from_slice(&x.to_be_bytes());
        }
        v.extend_from_slice(data);
        v
    }

    fn idx1(labels: &[u8]) -> Vec<u8> {
        let mut v = vec![0, 0, 8, 1];
        v.extend_from_slice(&(labels.len() as u32).to_be_bytes());
        v.extend_from_slice(labels);
        v
    }

    #[test]
    fn a_small_split_reads_and_quantises_its_pixels() {
        let dir = std::env::temp_dir().join(format!("sushi-idx-ok-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let imgs = write(&dir, "i", &idx3(2, 2, 2, &[0, 255, 10, 11, 1, 2, 3, 4]));
        let labs = write(&dir, "l", &idx1(&[3, 9]));
        let s = read_split(&imgs, &labs).unwrap();
        assert_eq!((s.len(), s.rows, s.cols), (2, 2, 2));
        assert_eq!(s.input(0).data, vec![0, 127, 5, 5]);
        assert_eq!(s.labels, vec![3, 9]);
    }

    #[test]
    fn hostile_files_are_errors_naming_the_file_and_field() {
        let dir = std::env::temp_dir().join(format!("sushi-idx-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let labs = write(&dir, "l", &idx1(&[1]));
        let cases: Vec<(&str, Vec<u8>, &str)> = vec![
            ("truncated", vec![0, 0, 8], "file ends inside the header"),
            (
                "magic",
                idx3(1, 1, 1, &[0])
                    .iter()
                    .enumerate()
                    .map(|(i, &b)| if i == 3 { 9 } else { b })
                    .collect(),
                "magic",
            ),
            (
                "huge",
                idx3(u32::MAX, 255, 255, &[]),
                "more than this reader accepts",
            ),
            (
                "short data",
                idx3(1, 2, 2, &[1, 2]),
                "the header declares 4",
            ),
            ("zero rows", idx3(1, 0, 2, &[]), "rows/cols"),
        ];
        for (name, bytes, expect) in cases {
            let imgs = write(&dir, name, &bytes);
            let err = read_split(&imgs, &labs).unwrap_err().to_string();
            assert!(err.contains(name) && err.contains(expect), "{name}: {err}");
        }
        let imgs = write(&dir, "ok", &idx3(1, 1, 1, &[7]));
        let err = read_split(&imgs, &write(&dir, "badlabel", &idx1(&[10])))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("badlabel") && err.contains("not a class"),
            "{err}"
        );
        let err = read_split(&imgs, &write(&dir, "twolabels", &idx1(&[1, 2])))
            .unwrap_err()
            .to_string();
        assert!(err.contains("2 labels for 1 images"), "{err}");
    }

    #[test]
    fn the_debian_test_split_loads() {
        // scripts/setup.sh installs dataset-fashion-mnist.
        let s = test_split(Path::new(DEBIAN_DIR)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((s.len(), s.rows, s.cols), (10_000, 28, 28));
        let mut per_class = [0usize; 10];
        for &l in &s.labels {
            per_class[l as usize] += 1;
        }
        assert_eq!(
            per_class, [1000; 10],
            "Fashion-MNIST's test split is balanced"
        );
    }
}
