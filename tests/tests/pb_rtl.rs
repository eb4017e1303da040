//! The Persistent Buffer on the RTL: random sequences of refills and
//! SubNets of the shipped SuperNet on `tiny`, under random AXI stalls, agree with the golden model
//! bit for bit and counter for counter (PB fill and read bytes, DRAM weight bytes), and a SubNet
//! inside the cached SubGraph reads no weights from DRAM. `SUSHI_LONG=1` runs more steps.

use sushi_host::compile::layout::Array;
use sushi_host::compile::pb_map::PbMap;
use sushi_host::compile::program::{Outputs, Program, compile, compile_refill, compile_subnet};
use sushi_host::compile::tiles::{TileImage, shared};
use sushi_host::device::driver::{Accel, RunReport};
use sushi_host::device::model::ModelAccel;
use sushi_host::net::int8::Act;
use sushi_host::net::supernet::SuperNet;
use sushi_sim::{RtlSim, Stalls};
use sushi_tests::{TestRng, config, long_run, rtl, seed};

fn supernet() -> &'static SuperNet {
    sushi_tests::shipped_supernet()
}

fn both(
    hw: &mut Accel<RtlSim>,
    model: &mut Accel<ModelAccel>,
    program: &Program,
    what: &str,
) -> RunReport {
    let got = hw
        .run_program(program, 200_000_000)
        .unwrap_or_else(|e| panic!("{what} on the RTL: {e}"));
    let want = model
        .run_program(program, 0)
        .unwrap_or_else(|e| panic!("{what} on the model: {e}"));
    assert_eq!(got.outputs, want.outputs, "{what}: outputs");
    assert_eq!(
        got.traffic, want.traffic,
        "{what}: traffic (PB bytes included)"
    );
    got
}

#[test]
fn refills_and_subnets_on_tiny_agree_with_the_model_under_random_stalls() {
    let seed = seed("pb on the RTL", 77);
    let mut rng = TestRng::new(seed);
    let cfg = config("tiny");
    let net = supernet();
    let image = TileImage::build(net, Array::of(&cfg));
    let mut hw = Accel::open(rtl(&cfg, Stalls::random(seed, 300), seed), &cfg).expect("opens");
    let mut model = Accel::open(ModelAccel::new(&cfg), &cfg).expect("opens");
    assert_eq!(
        hw.upload_tile_image(&image).unwrap(),
        model.upload_tile_image(&image).unwrap()
    );
    // Small SubNets that compile on tiny (its ACT holds their tensors).
    let small: Vec<usize> = (0..net.subnets.len() / 8)
        .filter(|&s| {
            net.network(s)
                .ok()
                .is_some_and(|n| compile(&n, &cfg, Outputs::Last).is_ok())
        })
        .collect();
    let mut map = PbMap::for_config(&cfg);
    let steps = if long_run() { 40 } else { 5 };
    let mut inside = 0;
    for step in 0..steps {
        let a = small[rng.below(small.len() as u64) as usize];
        let b = small[rng.below(small.len() as u64) as usize];
        let g = if step % 2 == 0 {
            net.subnets[a].config.clone()
        } else {
            shared(&net.subnets[a].config, &net.subnets[b].config)
        };
        let what = format!("step {step} (seed {seed})");
        if let Ok(refill) = map.refill(&image, &g) {
            let program = compile_refill(&refill, &image, &cfg).expect("compiles");
            let r = both(&mut hw, &mut model, &program, &format!("{what}: refill"));
            assert_eq!(r.traffic.pb_fill_bytes, refill.bytes() as u64, "{what}");
        }
        let s = if step % 2 == 0 { a } else { b };
        let mut program =
            compile_subnet(net, s, &image, &map, &cfg, Outputs::Last).expect("compiles");
        let network = net.network(s).unwrap();
        let (h, w, c) = network.input;
        program.set_input(&Act {
            h,
            w,
            c,
            data: (0..h * w * c).map(|_| rng.next_u64() as i8).collect(),
        });
        let r = both(
            &mut hw,
            &mut model,
            &program,
            &format!("{what}: SubNet {s}"),
        );
        let tiles = image.tiles(&net.subnets[s].config).unwrap();
        let cached = image
            .tiles(map.subgraph().unwrap_or(&[]))
            .unwrap_or_default();
        if tiles.iter().all(|t| cached.binary_search(t).is_ok()) {
            inside += 1;
            assert_eq!(r.traffic.dram_read_weight_bytes, 0, "{what}: inside");
            assert_eq!(r.traffic.pb_read_bytes, program.pb_bytes as u64, "{what}");
        }
    }
    assert!(
        inside > 0,
        "the sequence must include a SubNet inside the cached SubGraph"
    );
    let stats = hw.into_bus().stats();
    assert_eq!(stats.violations, 0, "{:?}", stats.first_violation);
    eprintln!("tiny: {steps} refill + SubNet steps exact on the RTL, {inside} wholly cached");
}
