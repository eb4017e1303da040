//! Deposits (`LOAD_W_PB`, `hw/docs/persistent-buffer.md` section 4) on the host side and the
//! golden model: planning keeps the map equal to what the PB holds, the compiler deposits exactly
//! the listed streamed tiles and refuses lists that would break that, and a SubNet reading the
//! deposited words later computes what streaming computes. `SUSHI_LONG=1` runs longer random
//! sequences; `SUSHI_TEST_SEED` replays one.

use std::collections::HashSet;
use std::sync::OnceLock;

use sushi_host::compile::layout::Array;
use sushi_host::compile::pb_map::{Deposit, PbMap};
use sushi_host::compile::program::{
    CompileError, DepositError, Outputs, Program, Reloc, compile, compile_refill, compile_subnet,
    compile_subnet_depositing,
};
use sushi_host::compile::tiles::{PbError, TileId, TileImage, shared};
use sushi_host::device::driver::{Accel, DriverError, RunReport};
use sushi_host::device::model::ModelAccel;
use sushi_host::net::int8::Act;
use sushi_host::net::supernet::SuperNet;
use sushi_host::rng::SplitMix64;
use sushi_hw::HwConfig;
use sushi_hw::commands::{Dma, Fields, LoadWPb, Op};
use sushi_hw::regs::ErrorCode;

fn supernet() -> &'static SuperNet {
    static NET: OnceLock<SuperNet> = OnceLock::new();
    NET.get_or_init(|| SuperNet::load(&sushi_host::net::supernet::shipped_path()).unwrap())
}

fn seed(test: &str, default: u64) -> u64 {
    let seed = std::env::var("SUSHI_TEST_SEED")
        .ok()
        .map_or(default, |s| s.trim().parse().expect("SUSHI_TEST_SEED"));
    eprintln!("{test}: seed {seed} (reproduce with SUSHI_TEST_SEED={seed})");
    seed
}

fn long_run() -> bool {
    std::env::var("SUSHI_LONG").is_ok_and(|v| v != "0")
}

fn zynq() -> HwConfig {
    HwConfig::builtin("zynq7020").unwrap()
}

/// The tiles SubNet `s` reads, ascending.
fn tiles_of(image: &TileImage, s: usize) -> Vec<TileId> {
    image.tiles(&supernet().subnets[s].config).unwrap()
}

/// SubNets below `max_subnet` that compile on `cfg` at all.
fn runnable(cfg: &HwConfig, max_subnet: usize) -> Vec<usize> {
    let net = supernet();
    (0..max_subnet)
        .filter(|&s| {
            net.network(s)
                .ok()
                .is_some_and(|n| compile(&n, cfg, Outputs::Last).is_ok())
        })
        .collect()
}

fn random_input(rng: &mut SplitMix64, (h, w, c): (usize, usize, usize)) -> Act {
    Act {
        h,
        w,
        c,
        data: (0..h * w * c).map(|_| rng.next_u64() as i8).collect(),
    }
}

/// Runs SubNet `s`'s `program` on `input` and checks its output against the int8 reference.
fn run_subnet(
    accel: &mut Accel<ModelAccel>,
    program: &mut Program,
    s: usize,
    input: &Act,
    what: &str,
) -> RunReport {
    program.set_input(input);
    let report = accel
        .run_program(program, 0)
        .unwrap_or_else(|e| panic!("{what}: SubNet {s}: {e}"));
    let want = supernet()
        .network(s)
        .unwrap()
        .run_reference(input)
        .pop()
        .unwrap();
    assert_eq!(
        report.outputs.last().unwrap().1,
        want,
        "{what}: SubNet {s} output"
    );
    assert_eq!(
        report.traffic.dram_read_weight_bytes, program.weight_bytes as u64,
        "{what}: DRAM weight bytes as compiled"
    );
    report
}

/// Every word the map names holds its tile's bytes in the model's PB.
fn assert_pb_holds_the_map(model: &ModelAccel, map: &PbMap, image: &TileImage, what: &str) {
    let wb = image.layout().array().word_bytes();
    for (tile, word) in map.contents() {
        let w = word as usize;
        assert_eq!(
            &model.pb()[w * wb..(w + 1) * wb],
            image.tile_bytes(tile),
            "{what}: PB word {word} should hold tile {tile}"
        );
    }
}

/// The (tile, PB word) pairs the program's `LOAD_W_PB` commands deposit, and the tiles its plain
/// `LOAD_W` commands stream, read back from the commands.
fn deposits_and_streams(
    p: &Program,
    image: &TileImage,
) -> (HashSet<(TileId, u32)>, HashSet<TileId>) {
    let wb = image.layout().array().word_bytes() as u64;
    let (mut deposited, mut streamed) = (HashSet::new(), HashSet::new());
    for (i, c) in p.commands.iter().enumerate() {
        let (op, fields) = c.decode().unwrap();
        let (load, pb) = match fields {
            Fields::Deposit(d) => (d.load(), Some((d.pb_addr, u32::from(d.pb_stride)))),
            Fields::Dma(d) if op == Op::LoadW => (d, None),
            _ => continue,
        };
        assert_eq!(
            p.relocs[i],
            Reloc::TileImage,
            "command {i}: weights come from the tile image"
        );
        for r in 0..u32::from(load.rows) {
            for j in 0..load.count {
                let byte = u64::from(load.dram_addr) + u64::from(r) * u64::from(load.dram_stride);
                let tile = (byte / wb) as TileId + j;
                match pb {
                    Some((pb0, stride)) => {
                        deposited.insert((tile, pb0 + r * stride + j));
                    }
                    None => {
                        streamed.insert(tile);
                    }
                }
            }
        }
    }
    (deposited, streamed)
}

/// The point of a deposit: a SubNet that keeps its own tiles reads each from DRAM once, where
/// streaming it and then refilling the PB with it reads each twice.
#[test]
fn a_subnet_that_deposits_its_own_tiles_reads_them_once_and_next_time_runs_from_the_pb() {
    let cfg = zynq();
    let net = supernet();
    let image = TileImage::build(net, Array::of(&cfg));
    let mut accel = Accel::open(ModelAccel::new(&cfg), &cfg).unwrap();
    accel.upload_tile_image(&image).unwrap();
    let mut rng = SplitMix64::new(7);
    let s = 0;
    let tiles = tiles_of(&image, s);
    let wb = Array::of(&cfg).word_bytes();

    let mut map = PbMap::for_config(&cfg);
    let before = map.clone();
    let plan = map.plan_deposits(&image, &tiles, &tiles).unwrap();
    assert_eq!(plan.deposit.len(), tiles.len(), "every tile is streamed");
    assert!(plan.refill.moves.is_empty(), "nothing is left to refill");
    let mut p =
        compile_subnet_depositing(net, s, &image, &before, &plan.deposit, &cfg, Outputs::Last)
            .unwrap();
    assert_eq!(p.weight_bytes, tiles.len() * wb);
    assert_eq!(
        p.deposited_bytes, p.weight_bytes,
        "every streamed byte is kept"
    );
    let ops: HashSet<Op> = p.commands.iter().filter_map(|c| c.op()).collect();
    assert!(ops.contains(&Op::LoadWPb));
    assert!(!ops.contains(&Op::LoadW) && !ops.contains(&Op::LoadPb));
    let input = random_input(&mut rng, net.network(s).unwrap().input);
    let first = run_subnet(&mut accel, &mut p, s, &input, "depositing run");
    assert_eq!(first.traffic.pb_fill_bytes, 0, "no refill read");
    assert_eq!(first.traffic.pb_read_bytes, 0);
    assert_pb_holds_the_map(accel.bus(), &map, &image, "after the depositing run");

    let mut again = compile_subnet(net, s, &image, &map, &cfg, Outputs::Last).unwrap();
    let second = run_subnet(&mut accel, &mut again, s, &input, "cached run");
    assert_eq!(second.traffic.dram_read_weight_bytes, 0);
    assert_eq!(second.traffic.pb_read_bytes, (tiles.len() * wb) as u64);
    assert_eq!(second.outputs, first.outputs);

    // Without deposits the same end state costs the tiles twice: streamed, then filled.
    let mut plain_map = PbMap::for_config(&cfg);
    let mut streaming = compile_subnet(net, s, &image, &plain_map, &cfg, Outputs::Last).unwrap();
    let streamed = run_subnet(&mut accel, &mut streaming, s, &input, "streaming run");
    let refill = plain_map.refill_tiles(&image, &tiles).unwrap();
    let fill = accel
        .run_program(&compile_refill(&refill, &image, &cfg).unwrap(), 0)
        .unwrap();
    assert_eq!(
        streamed.traffic.dram_read_weight_bytes + fill.traffic.pb_fill_bytes,
        2 * first.traffic.dram_read_weight_bytes
    );
    eprintln!(
        "SubNet {s} on {}: {} DRAM weight bytes with deposits, {} streamed then refilled",
        cfg.name,
        first.traffic.dram_read_weight_bytes,
        streamed.traffic.dram_read_weight_bytes + fill.traffic.pb_fill_bytes
    );
}

/// A target to plan for: a SubGraph around SubNet `s` or another one, or a bare tile set mixing
/// what is cached and what `s` reads.
fn random_target(
    rng: &mut SplitMix64,
    image: &TileImage,
    map: &PbMap,
    s: usize,
    others: &[usize],
) -> Vec<TileId> {
    let net = supernet();
    let other = &net.subnets[others[rng.below(others.len() as u64) as usize]].config;
    let mine = &net.subnets[s].config;
    match rng.below(4) {
        0 => image.tiles(mine).unwrap(),
        1 => image.tiles(&shared(mine, other)).unwrap(),
        2 => image.tiles(other).unwrap(),
        _ => {
            let mut tiles: Vec<TileId> = map
                .contents()
                .map(|(t, _)| t)
                .chain(tiles_of(image, s))
                .filter(|_| rng.below(2) == 0)
                .collect();
            tiles.sort_unstable();
            tiles.dedup();
            tiles.truncate(map.words() as usize);
            tiles
        }
    }
}

/// Checks what a plan promises against the map it was made from (`before`) and the map after.
fn check_plan(
    before: &PbMap,
    after: &PbMap,
    plan: &sushi_host::compile::pb_map::DepositPlan,
    subnet: &[TileId],
    target: &[TileId],
    what: &str,
) {
    let read: HashSet<TileId> = subnet.iter().copied().collect();
    let mut words = HashSet::new();
    for &(t, w) in &plan.deposit.moves {
        assert!(words.insert(w), "{what}: word {w} deposited twice");
        assert!(
            read.contains(&t) && before.word_of(t).is_none(),
            "{what}: tile {t} is not streamed"
        );
        assert!(
            target.binary_search(&t).is_ok(),
            "{what}: tile {t} is not a target"
        );
        if let Some(holds) = before.tile_at(w) {
            assert!(
                !read.contains(&holds),
                "{what}: word {w} is read by the program"
            );
            assert!(
                target.binary_search(&holds).is_err(),
                "{what}: word {w} holds a kept tile"
            );
        }
        assert_eq!(
            after.word_of(t),
            Some(w),
            "{what}: a deposit moved afterwards"
        );
    }
    let got: Vec<TileId> = {
        let mut v: Vec<TileId> = after.contents().map(|(t, _)| t).collect();
        v.sort_unstable();
        v
    };
    assert_eq!(got, target, "{what}: the map is the target afterwards");
    for &t in target {
        if let Some(w) = before.word_of(t) {
            assert_eq!(after.word_of(t), Some(w), "{what}: kept tile {t} moved");
        }
    }
    let deposited: HashSet<TileId> = plan.deposit.moves.iter().map(|m| m.0).collect();
    let refilled: HashSet<TileId> = plan.refill.moves.iter().map(|m| m.0).collect();
    let want: HashSet<TileId> = target
        .iter()
        .copied()
        .filter(|t| before.word_of(*t).is_none() && !deposited.contains(t))
        .collect();
    assert_eq!(refilled, want, "{what}: the refill brings exactly the rest");
    // Deposits take every streamed target tile while a writable word is left.
    let writable = (0..before.words())
        .filter(|&w| {
            before
                .tile_at(w)
                .is_none_or(|t| !read.contains(&t) && target.binary_search(&t).is_err())
        })
        .count();
    let streamable = target
        .iter()
        .filter(|t| read.contains(t) && before.word_of(**t).is_none())
        .count();
    assert_eq!(plan.deposit.len(), streamable.min(writable), "{what}");
}

/// Planning alone, over many random maps and targets: deposits go only to words the program may
/// overwrite, the map ends at the target, and a plan that does not fit changes nothing.
#[test]
fn deposit_plans_never_touch_a_word_the_program_reads_and_end_at_the_target() {
    let seed = seed("deposit plans", 808);
    let net = supernet();
    let mut rng = SplitMix64::new(seed);
    for name in ["zynq7020", "tiny"] {
        let cfg = HwConfig::builtin(name).unwrap();
        let image = TileImage::build(net, Array::of(&cfg));
        let all: Vec<usize> = (0..net.subnets.len()).collect();
        let mut map = PbMap::for_config(&cfg);
        let (mut planned, mut refused, mut deposits) = (0, 0, 0);
        for step in 0..if long_run() { 4000 } else { 300 } {
            let what = format!("{name} step {step} (seed {seed})");
            let s = all[rng.below(all.len() as u64) as usize];
            let subnet = tiles_of(&image, s);
            let target = random_target(&mut rng, &image, &map, s, &all);
            let before = map.clone();
            match map.plan_deposits(&image, &subnet, &target) {
                Ok(plan) => {
                    check_plan(&before, &map, &plan, &subnet, &target, &what);
                    planned += 1;
                    deposits += plan.deposit.len();
                }
                Err(PbError::TooLarge { .. }) => {
                    assert!(target.len() > map.words() as usize, "{what}");
                    let same: Vec<_> = map.contents().collect();
                    assert_eq!(same, before.contents().collect::<Vec<_>>(), "{what}");
                    refused += 1;
                }
                Err(e) => panic!("{what}: {e}"),
            }
        }
        eprintln!("{name}: {planned} plans ({deposits} deposits), {refused} too large");
        assert!(
            planned > 0 && deposits > 0,
            "{name}: the plans must deposit something"
        );
    }
}

#[test]
fn a_plan_against_a_map_of_another_layout_is_refused() {
    let net = supernet();
    let image = TileImage::build(net, Array::of(&zynq()));
    let other = TileImage::build(net, Array::of(&HwConfig::builtin("tiny").unwrap()));
    let mut map = PbMap::for_config(&zynq());
    map.refill(&other, &net.subnets[0].config).unwrap();
    let tiles = tiles_of(&image, 0);
    assert_eq!(
        map.plan_deposits(&image, &tiles, &tiles),
        Err(PbError::OtherLayout)
    );
}

/// A map that caches what SubNet `s` shares with SubNet 0 (so `s` copies those tiles from the
/// PB) and one tile `s` does not use; `s` streams the rest of its tiles.
struct Hazards {
    cfg: HwConfig,
    image: TileImage,
    map: PbMap,
    s: usize,
    /// A tile `s` streams.
    streamed: TileId,
    /// A word holding a tile `s` copies from the PB.
    read_word: u32,
    /// The word holding the tile `s` does not use.
    foreign_word: u32,
    /// A word holding nothing.
    free_word: u32,
}

fn hazards() -> Hazards {
    let cfg = zynq();
    let net = supernet();
    let image = TileImage::build(net, Array::of(&cfg));
    let n = net.subnets.len();
    // A SubNet in the middle of the list: it shares tiles with SubNet 0, streams more, and leaves
    // some tiles of the SuperNet unused.
    let (s, mine, shared_tiles, foreign) = (n / 2..n)
        .find_map(|s| {
            let mine = tiles_of(&image, s);
            let common = image
                .tiles(&shared(&net.subnets[0].config, &net.subnets[s].config))
                .unwrap();
            let foreign =
                (0..image.layout().len() as TileId).find(|t| mine.binary_search(t).is_err())?;
            (!common.is_empty() && common.len() < mine.len()).then_some((s, mine, common, foreign))
        })
        .expect("a SubNet sharing some tiles with SubNet 0 and leaving others unused");
    let mut cached = shared_tiles.clone();
    cached.push(foreign);
    cached.sort_unstable();
    let mut map = PbMap::for_config(&cfg);
    map.refill_tiles(&image, &cached).unwrap();
    let streamed = *mine
        .iter()
        .find(|t| map.word_of(**t).is_none())
        .expect("the SubNet streams something");
    Hazards {
        read_word: map.word_of(shared_tiles[0]).unwrap(),
        foreign_word: map.word_of(foreign).unwrap(),
        free_word: (0..map.words())
            .find(|&w| map.tile_at(w).is_none())
            .unwrap(),
        cfg,
        image,
        map,
        s,
        streamed,
    }
}

fn compile_with(h: &Hazards, moves: Vec<(TileId, u32)>) -> Result<Program, CompileError> {
    compile_subnet_depositing(
        supernet(),
        h.s,
        &h.image,
        &h.map,
        &Deposit::new(moves),
        &h.cfg,
        Outputs::Last,
    )
}

/// The hazard: the program copies the tile a word holds; a deposit there would change what it
/// copies (or what the map says the word holds afterwards). The compiler refuses it.
#[test]
fn a_deposit_into_a_word_the_program_copies_from_is_refused_with_a_hazard() {
    let h = hazards();
    let holds = h.map.tile_at(h.read_word).unwrap();
    assert_eq!(
        compile_with(&h, vec![(h.streamed, h.read_word)]).unwrap_err(),
        CompileError::Deposit(DepositError::Hazard {
            word: h.read_word,
            holds,
            tile: h.streamed,
        })
    );
    // A free word, and a word whose tile the SubNet never reads, are fine.
    for word in [h.free_word, h.foreign_word] {
        let p = compile_with(&h, vec![(h.streamed, word)]).unwrap();
        let (deposited, streamed) = deposits_and_streams(&p, &h.image);
        assert_eq!(deposited, HashSet::from([(h.streamed, word)]));
        assert!(!streamed.contains(&h.streamed));
    }
}

#[test]
fn deposits_of_tiles_not_streamed_outside_the_pb_or_named_twice_are_refused() {
    let h = hazards();
    let cached = h.map.tile_at(h.read_word).unwrap();
    let mine = tiles_of(&h.image, h.s);
    let unused = (0..h.image.layout().len() as TileId)
        .find(|&t| mine.binary_search(&t).is_err() && h.map.word_of(t).is_none())
        .unwrap();
    let pb_words = h.map.words();
    let next_free = (h.free_word + 1..h.map.words())
        .find(|&w| h.map.tile_at(w).is_none())
        .unwrap();
    let other_streamed = *mine
        .iter()
        .find(|&&t| h.map.word_of(t).is_none() && t != h.streamed)
        .unwrap();
    let cases: Vec<(Vec<(TileId, u32)>, DepositError)> = vec![
        (
            vec![(cached, h.free_word)],
            DepositError::NotStreamed {
                tile: cached,
                subnet: h.s,
                cached: true,
            },
        ),
        (
            vec![(unused, h.free_word)],
            DepositError::NotStreamed {
                tile: unused,
                subnet: h.s,
                cached: false,
            },
        ),
        (
            vec![(h.streamed, h.map.words())],
            DepositError::OutsidePb {
                word: h.map.words(),
                pb_words,
            },
        ),
        (
            vec![(h.streamed, h.free_word), (h.streamed, next_free)],
            DepositError::Repeated {
                what: "tile",
                value: h.streamed,
            },
        ),
        (
            vec![(h.streamed, h.free_word), (other_streamed, h.free_word)],
            DepositError::Repeated {
                what: "PB word",
                value: h.free_word,
            },
        ),
    ];
    for (moves, want) in cases {
        assert_eq!(
            compile_with(&h, moves.clone()).unwrap_err(),
            CompileError::Deposit(want),
            "{moves:?}"
        );
    }
}

/// The compiler's side of the contract: `LOAD_W_PB` for exactly the listed tiles (each to its
/// word), `LOAD_W` for the other streamed tiles, and with nothing listed the program of
/// `compile_subnet`, command for command.
#[test]
fn the_compiler_deposits_exactly_the_listed_streamed_tiles_and_streams_the_rest_plainly() {
    let seed = seed("deposit commands", 909);
    let mut rng = SplitMix64::new(seed);
    let net = supernet();
    for name in ["zynq7020", "tiny", "tangnano9k"] {
        let cfg = HwConfig::builtin(name).unwrap();
        let image = TileImage::build(net, Array::of(&cfg));
        let subnets = runnable(&cfg, net.subnets.len());
        for case in 0..8 {
            let what = format!("{name} case {case} (seed {seed})");
            let s = subnets[rng.below(subnets.len() as u64) as usize];
            let mut map = PbMap::for_config(&cfg);
            let g = &net.subnets[subnets[rng.below(subnets.len() as u64) as usize]].config;
            let _ = map.refill(&image, &shared(g, &net.subnets[s].config));
            let tiles = tiles_of(&image, s);
            let streamed: Vec<TileId> = tiles
                .iter()
                .copied()
                .filter(|t| map.word_of(*t).is_none())
                .collect();
            let mut free = (0..map.words()).filter(|&w| map.tile_at(w).is_none());
            let moves: Vec<(TileId, u32)> = streamed
                .iter()
                .copied()
                .filter(|_| rng.below(3) != 0)
                .zip(free.by_ref())
                .collect();
            let deposit = Deposit::new(moves.clone());
            let p = compile_subnet_depositing(net, s, &image, &map, &deposit, &cfg, Outputs::Last)
                .unwrap_or_else(|e| panic!("{what}: {e}"));
            let (deposited, plain) = deposits_and_streams(&p, &image);
            assert_eq!(deposited, moves.iter().copied().collect(), "{what}");
            let kept: HashSet<TileId> = moves.iter().map(|m| m.0).collect();
            let rest: HashSet<TileId> = streamed
                .iter()
                .copied()
                .filter(|t| !kept.contains(t))
                .collect();
            assert_eq!(plain, rest, "{what}: the other streamed tiles load plainly");
            let plain_program = compile_subnet(net, s, &image, &map, &cfg, Outputs::Last).unwrap();
            assert_eq!(p.weight_bytes, plain_program.weight_bytes, "{what}");
            assert_eq!(p.pb_bytes, plain_program.pb_bytes, "{what}");
            let none = compile_subnet_depositing(
                net,
                s,
                &image,
                &map,
                &Deposit::default(),
                &cfg,
                Outputs::Last,
            )
            .unwrap();
            assert_eq!(none.commands, plain_program.commands, "{what}");
            assert_eq!(none.deposited_bytes, 0);
        }
    }
}

/// The coherence property with deposits: random SubNets, each planning a deposit toward a random
/// target; after its job and the refill the model's PB holds exactly what the map says, and a
/// later SubNet copying those words computes what the same SubNet streaming everything computes.
#[test]
fn after_jobs_with_deposits_the_pb_is_the_map_and_later_subnets_stay_exact_on_the_model() {
    let seed = seed("deposit coherence (model)", 505);
    let net = supernet();
    let steps = if long_run() { 200 } else { 10 };
    for name in ["zynq7020", "tiny"] {
        let cfg = HwConfig::builtin(name).unwrap();
        let image = TileImage::build(net, Array::of(&cfg));
        let mut accel = Accel::open(ModelAccel::new(&cfg), &cfg).unwrap();
        accel.upload_tile_image(&image).unwrap();
        let max = if name == "tiny" {
            net.subnets.len() / 4
        } else {
            net.subnets.len()
        };
        let subnets = runnable(&cfg, max);
        let mut rng = SplitMix64::new(seed);
        let mut map = PbMap::for_config(&cfg);
        let (mut deposited_bytes, mut copied) = (0u64, 0u64);
        for step in 0..steps {
            let what = format!("{name} step {step} (seed {seed})");
            let s = subnets[rng.below(subnets.len() as u64) as usize];
            let tiles = tiles_of(&image, s);
            let target = random_target(&mut rng, &image, &map, s, &subnets);
            let before = map.clone();
            let Ok(plan) = map.plan_deposits(&image, &tiles, &target) else {
                continue;
            };
            let mut p = compile_subnet_depositing(
                net,
                s,
                &image,
                &before,
                &plan.deposit,
                &cfg,
                Outputs::Last,
            )
            .unwrap_or_else(|e| panic!("{what}: {e}"));
            let input = random_input(&mut rng, net.network(s).unwrap().input);
            let r = run_subnet(&mut accel, &mut p, s, &input, &what);
            assert_eq!(
                r.traffic.pb_fill_bytes, 0,
                "{what}: a deposit fills nothing"
            );
            deposited_bytes += p.deposited_bytes as u64;
            let fill = accel
                .run_program(&compile_refill(&plan.refill, &image, &cfg).unwrap(), 0)
                .unwrap();
            assert_eq!(
                fill.traffic.pb_fill_bytes,
                plan.refill.bytes() as u64,
                "{what}"
            );
            assert_pb_holds_the_map(accel.bus(), &map, &image, &what);

            // A later SubNet (half the time the same one) from the PB, against streaming.
            let later = if rng.below(2) == 0 {
                s
            } else {
                subnets[rng.below(subnets.len() as u64) as usize]
            };
            let input = random_input(&mut rng, net.network(later).unwrap().input);
            let mut cached = compile_subnet(net, later, &image, &map, &cfg, Outputs::Last).unwrap();
            let from_pb = run_subnet(&mut accel, &mut cached, later, &input, &what);
            let empty = PbMap::for_config(&cfg);
            let mut streaming =
                compile_subnet(net, later, &image, &empty, &cfg, Outputs::Last).unwrap();
            let from_dram = run_subnet(&mut accel, &mut streaming, later, &input, &what);
            assert_eq!(from_pb.outputs, from_dram.outputs, "{what}: SubNet {later}");
            copied += from_pb.traffic.pb_read_bytes;
        }
        eprintln!(
            "{name}: {steps} steps, {deposited_bytes} bytes deposited, {copied} bytes later copied from the PB"
        );
        assert!(
            deposited_bytes > 0 && copied > 0,
            "{name}: the sequence must exercise both"
        );
    }
}

/// The host's checks (first line) refuse a deposit reaching beyond the PB with the RTL's code
/// before the program reaches the device.
#[test]
fn the_driver_refuses_a_deposit_beyond_the_pb_with_err_pb_overflow_before_sending() {
    let h = hazards();
    let mut p = compile_with(&h, vec![(h.streamed, h.free_word)]).unwrap();
    let at = p
        .commands
        .iter()
        .position(|c| c.op() == Some(Op::LoadWPb))
        .unwrap();
    let d = LoadWPb::decode(&p.commands[at]);
    let last_fitting = h.map.words() - d.count;
    let moved = LoadWPb {
        pb_addr: last_fitting + 1,
        ..d
    };
    p.commands[at] = moved.encode(Op::LoadWPb, p.commands[at].wait_count());
    let mut accel = Accel::open(ModelAccel::new(&h.cfg), &h.cfg).unwrap();
    accel.upload_tile_image(&h.image).unwrap();
    p.set_input(&Act {
        h: p.input_shape.0,
        w: p.input_shape.1,
        c: p.input_shape.2,
        data: vec![0; p.input_shape.0 * p.input_shape.1 * p.input_shape.2],
    });
    match accel.run_program(&p, 0) {
        Err(DriverError::Rejected(r)) => {
            assert_eq!(
                (r.index, r.rejection.code),
                (at, ErrorCode::PbOverflow),
                "{r}"
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    // The same LOAD_W as a plain load would pass: only the PB side is wrong.
    let load: Dma = moved.load();
    p.commands[at] = load.encode(Op::LoadW, p.commands[at].wait_count());
    accel.run_program(&p, 0).expect("the load alone is fine");
}
