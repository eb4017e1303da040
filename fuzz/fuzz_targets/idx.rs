//! An IDX image/label pair (either possibly gzipped) must parse, or be refused naming the file
//! and field; never panic nor allocate without bound. The input is split at a position taken
//! from its first byte.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Some((&cut, rest)) = data.split_first() else {
        return;
    };
    let at = (usize::from(cut) * rest.len()) / 255;
    let (images, labels) = rest.split_at(at);
    let _ = sushi_host::net::dataset::parse_split(
        Path::new("images.idx"),
        images.to_vec(),
        Path::new("labels.idx"),
        labels.to_vec(),
    );
});
