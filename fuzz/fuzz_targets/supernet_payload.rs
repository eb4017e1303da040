//! The SuperNet payload past the checksum: the input is stored raw under a header whose lengths
//! and checksum match, so mutations reach the table of contents, the layer table and the SubNet
//! list (the `supernet` target mostly stops at the checksum). Must load or be refused; never
//! panic nor allocate without bound.
#![no_main]
use libfuzzer_sys::fuzz_target;

/// The shipped artifact's header: magic and version; the rest is rewritten per input.
const HEADER: &[u8] = include_bytes!("../../host/supernets/fmnist-mbv2-ofa-v2.sushinet");

fuzz_target!(|payload: &[u8]| {
    let mut file = HEADER[..64].to_vec();
    file[12..16].copy_from_slice(&0u32.to_le_bytes()); // flags: stored raw
    file[24..32].copy_from_slice(&(payload.len() as u64).to_le_bytes());
    file[32..40].copy_from_slice(&(payload.len() as u64).to_le_bytes());
    file[40..48].copy_from_slice(&sushi_host::net::supernet::fnv1a64(payload).to_le_bytes());
    file.extend_from_slice(payload);
    if let Ok(net) = sushi_host::net::supernet::SuperNet::parse("fuzz.sushinet", &file) {
        for s in 0..net.subnets.len().min(4) {
            let _ = net.network(s);
            let _ = net.subnet_weight_bytes(s);
        }
    }
});
