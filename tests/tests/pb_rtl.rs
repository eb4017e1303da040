//! The Persistent Buffer on the RTL: random sequences of refills and
//! SubNets of the shipped SuperNet on `tiny`, under random AXI stalls, agree with the golden model
//! bit for bit and counter for counter (PB fill and read bytes, DRAM weight bytes), and a SubNet
//! inside the cached SubGraph reads no weights from DRAM. With deposits (`LOAD_W_PB`) likewise,
//! and the PB, read back through the datapath, holds what the host's map says on both.
//! `SUSHI_LONG=1` runs more steps.

use sushi_host::compile::layout::Array;
use sushi_host::compile::pb_map::PbMap;
use sushi_host::compile::program::{
    Outputs, Program, compile, compile_refill, compile_subnet, compile_subnet_depositing,
};
use sushi_host::compile::tiles::{TileId, TileImage, shared};
use sushi_host::device::driver::{Accel, RunReport};
use sushi_host::device::model::ModelAccel;
use sushi_host::net::int8::Act;
use sushi_host::net::supernet::SuperNet;
use sushi_sim::{RtlSim, Stalls};
use sushi_tests::{TestRng, config, long_run, read_pb, rtl, seed};

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

fn random_input(rng: &mut TestRng, (h, w, c): (usize, usize, usize)) -> Act {
    Act {
        h,
        w,
        c,
        data: (0..h * w * c).map(|_| rng.next_u64() as i8).collect(),
    }
}

/// Reads back the words the map names on both backends; each holds its tile, byte for byte, and
/// the golden model's read-back is its PB (the read-back itself is right).
fn assert_pb_holds_the_map(
    hw: &mut Accel<RtlSim>,
    model: &mut Accel<ModelAccel>,
    map: &PbMap,
    image: &TileImage,
    what: &str,
) {
    let cfg = model.bus().config().clone();
    let Some(last) = map.contents().map(|(_, w)| w).max() else {
        return;
    };
    let first = map.contents().map(|(_, w)| w).min().unwrap_or(0);
    let got = read_pb(hw, &cfg, first..last + 1);
    let modelled = read_pb(model, &cfg, first..last + 1);
    let wb = image.layout().array().word_bytes();
    for (tile, word) in map.contents() {
        let at = (word - first) as usize * wb;
        let want = image.tile_bytes(tile);
        assert_eq!(
            &got[at..at + wb],
            want,
            "{what}: the RTL's PB word {word}, tile {tile}"
        );
        assert_eq!(
            &modelled[at..at + wb],
            want,
            "{what}: the model's PB word {word}"
        );
        let w = word as usize;
        assert_eq!(
            &model.bus().pb()[w * wb..(w + 1) * wb],
            want,
            "{what}: the model's PB"
        );
    }
}

#[test]
fn deposits_on_tiny_agree_with_the_model_and_leave_the_pb_equal_to_the_map_under_random_stalls() {
    let seed = seed("deposits on the RTL", 78);
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
    let small: Vec<usize> = (0..net.subnets.len() / 8)
        .filter(|&s| {
            net.network(s)
                .ok()
                .is_some_and(|n| compile(&n, &cfg, Outputs::Last).is_ok())
        })
        .collect();
    let mut map = PbMap::for_config(&cfg);
    let steps = if long_run() { 30 } else { 4 };
    let (mut deposited, mut copied) = (0, 0);
    for step in 0..steps {
        let what = format!("step {step} (seed {seed})");
        let s = small[rng.below(small.len() as u64) as usize];
        let other = &net.subnets[small[rng.below(small.len() as u64) as usize]].config;
        let tiles = image.tiles(&net.subnets[s].config).unwrap();
        // A target around this SubNet: its own tiles, what it shares with another, or a random
        // half of what is cached and what it reads.
        let target: Vec<TileId> = match rng.below(3) {
            0 => tiles.clone(),
            1 => image.tiles(&shared(&net.subnets[s].config, other)).unwrap(),
            _ => {
                let mut t: Vec<TileId> = map
                    .contents()
                    .map(|(t, _)| t)
                    .chain(tiles.iter().copied())
                    .filter(|_| rng.below(2) == 0)
                    .collect();
                t.sort_unstable();
                t.dedup();
                t.truncate(map.words() as usize);
                t
            }
        };
        let before = map.clone();
        let Ok(plan) = map.plan_deposits(&image, &tiles, &target) else {
            continue;
        };
        let mut program =
            compile_subnet_depositing(net, s, &image, &before, &plan.deposit, &cfg, Outputs::Last)
                .expect("compiles");
        program.set_input(&random_input(&mut rng, net.network(s).unwrap().input));
        let r = both(
            &mut hw,
            &mut model,
            &program,
            &format!("{what}: SubNet {s} depositing"),
        );
        assert_eq!(r.traffic.pb_fill_bytes, 0, "{what}");
        deposited += program.deposited_bytes;
        let refill = compile_refill(&plan.refill, &image, &cfg).expect("compiles");
        both(&mut hw, &mut model, &refill, &format!("{what}: refill"));
        assert_pb_holds_the_map(&mut hw, &mut model, &map, &image, &what);

        // A later SubNet copying from the PB computes what it computes streaming everything.
        let later = if rng.below(2) == 0 {
            s
        } else {
            small[rng.below(small.len() as u64) as usize]
        };
        let input = random_input(&mut rng, net.network(later).unwrap().input);
        let mut cached = compile_subnet(net, later, &image, &map, &cfg, Outputs::Last).unwrap();
        cached.set_input(&input);
        let from_pb = both(
            &mut hw,
            &mut model,
            &cached,
            &format!("{what}: SubNet {later} cached"),
        );
        let mut streaming = compile_subnet(
            net,
            later,
            &image,
            &PbMap::for_config(&cfg),
            &cfg,
            Outputs::Last,
        )
        .unwrap();
        streaming.set_input(&input);
        let from_dram = both(
            &mut hw,
            &mut model,
            &streaming,
            &format!("{what}: SubNet {later} streaming"),
        );
        assert_eq!(from_pb.outputs, from_dram.outputs, "{what}: SubNet {later}");
        copied += from_pb.traffic.pb_read_bytes;
    }
    assert!(
        deposited > 0 && copied > 0,
        "the sequence must deposit and later copy ({deposited}, {copied})"
    );
    let stats = hw.into_bus().stats();
    assert_eq!(stats.violations, 0, "{:?}", stats.first_violation);
    eprintln!(
        "tiny: {steps} deposit steps exact on the RTL, {deposited} bytes deposited, {copied} later copied"
    );
}
