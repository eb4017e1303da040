//! SubNets of the shipped SuperNet on the RTL: the same logits (hence the same class) as the
//! bit-exact int8 kernels, image by image. `SUSHI_LONG=1` runs 200 test images per SubNet.

use sushi_host::compile::program::{Outputs, compile};
use sushi_host::device::driver::Accel;
use sushi_host::net::supernet::SuperNet;
use sushi_sim::Stalls;
use sushi_tests::{config, long_run, rtl};

#[test]
fn subnets_on_the_rtl_give_the_models_logits() {
    let path = sushi_tests::shipped_supernet_path();
    let net = SuperNet::load(&path).unwrap();
    let split = sushi_host::net::dataset::test_split(std::path::Path::new(
        sushi_host::net::dataset::DEBIAN_DIR,
    ))
    .unwrap();
    let cfg = config("zynq7020");
    let images = if long_run() { 200 } else { 3 };
    let mut accel = Accel::open(rtl(&cfg, Stalls::none(), 1), &cfg).unwrap();
    for id in [0, net.subnets.len() / 2, net.subnets.len() - 1] {
        let network = net.network(id).unwrap();
        let mut program = compile(&network, &cfg, Outputs::Last).unwrap();
        let (mut agree, mut cycles) = (0, 0);
        for i in 0..images {
            let input = split.input(i);
            program.set_input(&input);
            let r = accel
                .run_program(&program, 1 << 32)
                .unwrap_or_else(|e| panic!("SubNet {id} image {i}: {e}"));
            let want = sushi_host::net::fast::run_last(&network, &input);
            assert_eq!(r.outputs[0].1, want, "SubNet {id} image {i}: logits");
            agree += usize::from(
                sushi_host::net::int8::argmax(&r.outputs[0].1)
                    == sushi_host::net::int8::argmax(&want),
            );
            cycles += r.counters.busy_cycles;
        }
        eprintln!(
            "SubNet {id}: {agree}/{images} images same class; {} cycles per image",
            cycles / images as u64
        );
    }
}
