//! A SuperNet artifact must load, or be refused with an error; never panic nor allocate without
//! bound. A loaded one must enumerate and build its SubNets without panicking.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(net) = sushi_host::net::supernet::SuperNet::parse("fuzz.sushinet", data) {
        for s in 0..net.subnets.len().min(4) {
            let _ = net.network(s);
            let _ = net.subnet_weight_bytes(s);
        }
    }
});
