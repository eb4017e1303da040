//! The Persistent Buffer's host side on the shipped SuperNet (`hw/docs/persistent-buffer.md`):
//! the tile image is byte-exact against the compact packing of every SubNet, SubGraphs are sets
//! of tiles with `shared` as intersection, refills follow the placement rule, and programs
//! compiled against a PB assemble exactly the SubNet's weights in WMEM.
//!
//! Running those programs on the golden model or the RTL is not here: the model's `COPY_PB` and
//! 2-D moves land separately. The compiler's output is checked by executing its weight moves on
//! byte arrays instead.

use std::sync::OnceLock;

use sushi_host::compile::layout::{self, Array};
use sushi_host::compile::pb_map::PbMap;
use sushi_host::compile::program::{
    Outputs, Program, Reloc, compile, compile_refill, compile_subnet,
};
use sushi_host::compile::tiles::{GridKind, PbError, TileId, TileImage, TileLayout, shared};
use sushi_host::device::driver::{Accel, DriverError};
use sushi_host::device::model::ModelAccel;
use sushi_host::net::network::{Layer, Network, Shape};
use sushi_host::net::supernet::{Role, SlotKind, SuperNet};
use sushi_host::rng::SplitMix64;
use sushi_hw::HwConfig;
use sushi_hw::commands::{Command, Dma, Fields, Format, Op};

fn supernet() -> &'static SuperNet {
    static NET: OnceLock<SuperNet> = OnceLock::new();
    NET.get_or_init(|| SuperNet::load(&sushi_host::net::supernet::shipped_path()).unwrap())
}

fn configs() -> Vec<HwConfig> {
    ["tiny", "tangnano9k", "zynq7020"]
        .iter()
        .map(|n| HwConfig::builtin(n).unwrap())
        .collect()
}

/// The configs with a PB that holds SubGraphs: tiny's 8 KiB and tangnano9k's 24 KiB hold none
/// (`the_real_pbs_of_tiny_and_tangnano9k_hold_no_subgraph`), so for tests of refills and PB
/// programs on their arrays they get zynq7020's 256 KiB.
fn pb_configs() -> Vec<HwConfig> {
    configs()
        .into_iter()
        .map(|mut c| {
            c.spec.buffers.pb_bytes = c.spec.buffers.pb_bytes.max(256 << 10);
            c
        })
        .collect()
}

/// The smallest config vector: depth 1, expand ratio 1 and kernel 1 everywhere, head width 1.
fn smallest_config() -> Vec<u16> {
    let net = supernet();
    let mut cfg = vec![0u16; net.stages + 2 * net.block_slots + 1];
    let mut j = 0;
    for stage in 0..net.stages {
        cfg[stage] = 1;
        let blocks = net
            .slots
            .iter()
            .filter(|s| s.role == Role::Expand && s.stage == Some(stage as u8))
            .count();
        cfg[net.stages + 2 * j] = 1;
        cfg[net.stages + 2 * j + 1] = 1;
        j += blocks;
    }
    let head = cfg.len() - 1;
    cfg[head] = 1;
    cfg
}

/// The shipped SuperNet is sized so that every config's PB holds at least the smallest SubNet
/// whole (tangnano9k's 24 KiB included), and the smallest SubGraph is no larger than it.
#[test]
fn every_configs_pb_holds_subnet_0() {
    let net = supernet();
    let small = smallest_config();
    for cfg in configs() {
        let layout = TileLayout::new(net, Array::of(&cfg));
        let least = layout.bytes(&small).unwrap();
        let subnet_0 = layout.bytes(&net.subnets[0].config).unwrap();
        let pb = cfg.spec.buffers.pb_bytes as usize;
        eprintln!(
            "{}: the smallest SubGraph takes {least} B, SubNet 0 {subnet_0} B, the PB has {pb} B",
            cfg.name
        );
        assert!(least <= subnet_0 && subnet_0 <= pb, "{}", cfg.name);
    }
}

/// SubNets to check: the ends and a spread in between.
fn sample() -> Vec<usize> {
    let n = supernet().subnets.len();
    let mut ids: Vec<usize> = (0..n).step_by(13).collect();
    ids.extend([1, n / 2, n - 2, n - 1]);
    ids.sort();
    ids.dedup();
    ids
}

fn seed(test: &str, default: u64) -> u64 {
    let seed = std::env::var("SUSHI_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default);
    eprintln!("{test}: seed {seed} (reproduce with SUSHI_TEST_SEED={seed})");
    seed
}

/// `(cout, cin, k, dw)` of a weighted layer, None for the others.
fn dims(net: &Network, shapes: &[Shape], li: usize) -> Option<(usize, usize, usize, bool)> {
    match &net.layers[li] {
        Layer::Conv {
            input, k, out_c, ..
        } => Some((*out_c, shapes[*input].2, *k, false)),
        Layer::DwConv { input, k, .. } => Some((shapes[*input].2, 1, *k, true)),
        _ => None,
    }
}

/// The compact packing of layer `li` (what the plain compiler loads).
fn packed(net: &Network, shapes: &[Shape], li: usize, array: Array) -> Vec<u8> {
    match &net.layers[li] {
        Layer::Conv {
            input,
            k,
            out_c,
            weights,
            ..
        } => layout::pack_conv_weights(weights, *out_c, shapes[*input].2, *k, array),
        Layer::DwConv {
            input, k, weights, ..
        } => layout::pack_dw_weights(weights, shapes[*input].2, *k, array),
        _ => Vec::new(),
    }
}

/// Whether byte `[r][c]` of word `i` of layer `li`'s compact packing is a padding position
/// (an output row beyond cout, an input column beyond cin, a tap beyond k^2).
fn padding(
    (cout, cin, k, dw): (usize, usize, usize, bool),
    array: Array,
    i: usize,
    r: usize,
    c: usize,
) -> bool {
    let (r_n, c_n) = (array.rows, array.cols);
    if dw {
        let blocks = (k * k).div_ceil(r_n);
        let (v, b) = (i / blocks, i % blocks);
        v * c_n + c >= cout || b * r_n + r >= k * k
    } else {
        let cv = array.vectors(cin);
        let g = i / (k * k * cv);
        let v = i % cv;
        g * r_n + r >= cout || v * c_n + c >= cin
    }
}

/// `network` as the compiler runs it against `layout`: the first layer unrolled when the layout
/// lays the stem out unrolled (and the two agree on it).
fn compiled_network(network: Network, layout: &TileLayout) -> Network {
    let unrolled = sushi_host::compile::unroll::unroll_first_layer(&network, layout.array());
    assert_eq!(unrolled.is_some(), layout.first_layer_unrolled());
    unrolled.map_or(network, |(n, _)| n)
}

#[test]
fn subnet_weights_are_the_image_tiles_of_their_boxes_except_in_padding() {
    let net = supernet();
    for cfg in configs() {
        let array = Array::of(&cfg);
        let wb = array.word_bytes();
        let image = TileImage::build(net, array);
        for id in sample() {
            // The tile image holds the network the compiler runs: the stem unrolled where it pays.
            let network = compiled_network(net.network(id).unwrap(), image.layout());
            let shapes = network.shapes().unwrap();
            let boxes = image.layout().layer_boxes(net, id).unwrap();
            assert_eq!(boxes.len(), network.layers.len());
            for (li, b) in boxes.iter().enumerate() {
                let what = format!("{} SubNet {id} layer {li}", cfg.name);
                let want = packed(&network, &shapes, li, array);
                let Some(b) = b else {
                    assert!(want.is_empty(), "{what}: weights without a box");
                    continue;
                };
                let d = dims(&network, &shapes, li).unwrap();
                let tiles: Vec<TileId> = b.tiles().collect();
                assert_eq!(tiles.len() * wb, want.len(), "{what}: box size");
                for (i, &t) in tiles.iter().enumerate() {
                    let tile = image.tile_bytes(t);
                    for r in 0..array.rows {
                        for c in 0..array.cols {
                            let (got, exp) =
                                (tile[r * array.cols + c], want[i * wb + r * array.cols + c]);
                            if padding(d, array, i, r, c) {
                                assert_eq!(exp, 0, "{what}: compact padding is zero");
                            } else {
                                assert_eq!(got, exp, "{what}: word {i} [{r}][{c}] (tile {t})");
                            }
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn image_tiles_hold_the_contract_formula() {
    // Independent of the packers: word [r][c] of tile (g, t, v) is w[g*R + r][ring tap t][v*C + c]
    // of the full-size slot, (v, b) is w[v*C + c][tap b*R + r] for depthwise, zero outside.
    let net = supernet();
    let taps = layout::ring_taps();
    let mut rng = SplitMix64::new(seed("contract formula", 5));
    for cfg in configs() {
        let array = Array::of(&cfg);
        let (r_n, c_n) = (array.rows, array.cols);
        let image = TileImage::build(net, array);
        assert_eq!(image.data().len(), image.layout().image_bytes());
        for (si, slot) in net.slots.iter().enumerate() {
            let Some(grid) = image.layout().grid(si).copied() else {
                assert!(matches!(slot.kind, SlotKind::Gap | SlotKind::Add));
                continue;
            };
            let w = &net.weights[slot.weights.clone()];
            let kmax = slot.kmax.max(1);
            let half = (kmax / 2) as isize;
            for _ in 0..64 {
                let a = rng.below(grid.dims[0] as u64) as usize;
                let b = rng.below(grid.dims[1] as u64) as usize;
                let c3 = rng.below(grid.dims[2] as u64) as usize;
                let t = image.layout().tile(si, a, b, c3).unwrap();
                assert_eq!(grid.tile(a, b, c3), Some(t));
                let bytes = image.tile_bytes(t);
                for r in 0..r_n {
                    for c in 0..c_n {
                        let want = match grid.kind {
                            // The unrolled stem: channel j of its one tap is input channel
                            // j mod cin at ring tap j / cin.
                            GridKind::Conv if si == 0 && image.layout().first_layer_unrolled() => {
                                assert_eq!(grid.dims[1], 1, "one tap");
                                let (o, j) = (a * r_n + r, c3 * c_n + c);
                                let (t, i) = (j / slot.cin_max, j % slot.cin_max);
                                if o < slot.cout_max && t < kmax * kmax {
                                    let (dy, dx) = taps[t];
                                    let (ky, kx) = ((dy + half) as usize, (dx + half) as usize);
                                    w[((o * kmax + ky) * kmax + kx) * slot.cin_max + i]
                                } else {
                                    0
                                }
                            }
                            GridKind::Conv => {
                                let (o, i) = (a * r_n + r, c3 * c_n + c);
                                let (dy, dx) = taps[b];
                                let (ky, kx) = ((dy + half) as usize, (dx + half) as usize);
                                if o < slot.cout_max && i < slot.cin_max {
                                    w[((o * kmax + ky) * kmax + kx) * slot.cin_max + i]
                                } else {
                                    0
                                }
                            }
                            GridKind::Dw => {
                                let (ch, tap) = (a * c_n + c, b * r_n + r);
                                if ch < slot.cout_max && tap < kmax * kmax {
                                    let (dy, dx) = taps[tap];
                                    let (ky, kx) = ((dy + half) as usize, (dx + half) as usize);
                                    w[(ch * kmax + ky) * kmax + kx]
                                } else {
                                    0
                                }
                            }
                        };
                        assert_eq!(
                            bytes[r * c_n + c] as i8,
                            want,
                            "{} slot {si} tile {t}",
                            cfg.name
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn box_dims_follow_the_contract() {
    let net = supernet();
    for cfg in configs() {
        let array = Array::of(&cfg);
        let (r_n, c_n) = (array.rows, array.cols);
        let cp = |c: usize| c.div_ceil(r_n) * r_n;
        let layout = TileLayout::new(net, array);
        // The grey 3x3 stem: 9 steps per position become ceil(9 / C).
        assert_eq!(
            layout.first_layer_unrolled(),
            cfg.spec.array.cols >= 4,
            "{}",
            cfg.name
        );
        for id in 0..net.subnets.len() {
            let network = compiled_network(net.network(id).unwrap(), &layout);
            let shapes = network.shapes().unwrap();
            let boxes = layout.layer_boxes(net, id).unwrap();
            for (li, b) in boxes.iter().enumerate() {
                let Some((cout, cin, k, dw)) = dims(&network, &shapes, li) else {
                    assert!(b.is_none());
                    continue;
                };
                let b = b.expect("a weighted layer has a box");
                let slot = &net.slots[b.grid.slot];
                let grid = b.grid;
                if dw {
                    assert_eq!(grid.kind, GridKind::Dw);
                    assert_eq!(b.dims, [cp(cout) / c_n, (k * k).div_ceil(r_n), 1]);
                    assert_eq!(
                        grid.dims,
                        [
                            cp(slot.cout_max) / c_n,
                            (slot.kmax * slot.kmax).div_ceil(r_n),
                            1
                        ]
                    );
                } else {
                    assert_eq!(grid.kind, GridKind::Conv);
                    assert_eq!(b.dims, [cp(cout) / r_n, k * k, cp(cin) / c_n]);
                    let km = slot.kmax.max(1);
                    // The unrolled stem's grid: one tap of kmax*kmax*cin channels.
                    let (taps, cin_max) = if li == 0 && layout.first_layer_unrolled() {
                        (1, km * km * slot.cin_max)
                    } else {
                        (km * km, slot.cin_max)
                    };
                    assert_eq!(
                        grid.dims,
                        [cp(slot.cout_max) / r_n, taps, cp(cin_max) / c_n]
                    );
                }
                assert!(b.dims.iter().zip(grid.dims).all(|(&x, g)| x <= g));
            }
            // The box count equals what the compact packing loads.
            let words: usize = (0..network.layers.len())
                .map(|li| match dims(&network, &shapes, li) {
                    Some((cout, cin, k, false)) => cout.div_ceil(r_n) * k * k * array.vectors(cin),
                    Some((c, _, k, true)) => array.vectors(c) * (k * k).div_ceil(r_n),
                    None => 0,
                })
                .sum();
            assert_eq!(layout.tile_count(&net.subnets[id].config).unwrap(), words);
        }
        // Grids tile the image without gaps, in slot order.
        let mut next = 0;
        for si in 0..net.slots.len() {
            if let Some(g) = layout.grid(si) {
                assert_eq!(g.first as usize, next);
                next += g.len();
            }
        }
        assert_eq!(next, layout.len());
    }
}

#[test]
fn sizes_of_the_image_and_of_subnets() {
    let net = supernet();
    let raw = net.total_weight_bytes();
    for cfg in configs() {
        let array = Array::of(&cfg);
        let layout = TileLayout::new(net, array);
        let pb = cfg.spec.buffers.pb_bytes as usize;
        let bytes: Vec<usize> = net
            .subnets
            .iter()
            .map(|s| layout.bytes(&s.config).unwrap())
            .collect();
        let last = net.subnets.len() - 1;
        // The largest SubNet uses every slot at full size: all of the image.
        assert_eq!(bytes[last], layout.image_bytes(), "{}", cfg.name);
        assert!(layout.image_bytes() >= raw);
        for (id, &b) in bytes.iter().enumerate() {
            assert!(b >= net.subnet_weight_bytes(id).unwrap());
            assert!(b <= layout.image_bytes());
        }
        let fit = bytes.iter().filter(|&&b| b <= pb).count();
        eprintln!(
            "{}: tile image {} B ({:.3}x the {raw} B of raw weights); SubNets {}..{} B; PB {pb} B holds {fit} of {} SubNets",
            cfg.name,
            layout.image_bytes(),
            layout.image_bytes() as f64 / raw as f64,
            bytes.iter().min().unwrap(),
            bytes[last],
            bytes.len()
        );
    }
}

/// A random config vector, not necessarily a listed SubNet: any depth per stage, any expand
/// ratio up to the stored 6, any odd kernel, any head width.
fn random_config(rng: &mut SplitMix64) -> Vec<u16> {
    let net = supernet();
    let mut cfg = vec![0u16; net.stages + 2 * net.block_slots + 1];
    let mut j = 0;
    for stage in 0..net.stages {
        let blocks = net
            .slots
            .iter()
            .filter(|s| s.role == Role::Expand && s.stage == Some(stage as u8))
            .count();
        let depth = 1 + rng.below(blocks as u64) as usize;
        cfg[stage] = depth as u16;
        for b in 0..blocks {
            if b < depth {
                cfg[net.stages + 2 * j] = 1 + rng.below(6) as u16;
                cfg[net.stages + 2 * j + 1] = [1, 3, 5, 7][rng.below(4) as usize];
            }
            j += 1;
        }
    }
    let head = cfg.len() - 1;
    let widest = if rng.below(2) == 0 { 24 } else { 256 };
    cfg[head] = 1 + rng.below(widest) as u16;
    cfg
}

/// A random SubGraph: a SubNet, the shared part of two or three, or a random config vector
/// (alone or shared with a SubNet).
fn random_subgraph(rng: &mut SplitMix64) -> Vec<u16> {
    let net = supernet();
    let n = net.subnets.len() as u64;
    let mut g = if rng.below(2) == 0 {
        net.subnets[rng.below(n) as usize].config.clone()
    } else {
        random_config(rng)
    };
    for _ in 0..rng.below(3) {
        g = shared(&g, &net.subnets[rng.below(n) as usize].config);
    }
    g
}

#[test]
fn shared_subgraphs_are_the_intersections_of_tile_sets() {
    let net = supernet();
    let mut rng = SplitMix64::new(seed("shared", 11));
    for cfg in configs() {
        let layout = TileLayout::new(net, Array::of(&cfg));
        for _ in 0..200 {
            let s = random_subgraph(&mut rng);
            let g = random_subgraph(&mut rng);
            assert_eq!(shared(&s, &s), s);
            assert_eq!(shared(&s, &g), shared(&g, &s));
            let sg = shared(&s, &g);
            let (ts, tg, tsg) = (
                layout.tiles(&s).unwrap(),
                layout.tiles(&g).unwrap(),
                layout.tiles(&sg).unwrap(),
            );
            for t in [&ts, &tg, &tsg] {
                assert!(t.windows(2).all(|w| w[0] < w[1]), "ascending, no repeats");
            }
            let g_set: std::collections::HashSet<_> = tg.iter().collect();
            let inter: Vec<TileId> = ts.iter().copied().filter(|t| g_set.contains(t)).collect();
            assert_eq!(tsg, inter, "{} {s:?} {g:?}", cfg.name);
            let (bs, bg, bsg) = (
                layout.bytes(&s).unwrap(),
                layout.bytes(&g).unwrap(),
                layout.bytes(&sg).unwrap(),
            );
            assert!(bsg <= bs.min(bg));
            assert_eq!(bsg, tsg.len() * layout.array().word_bytes());
        }
    }
}

#[test]
fn config_vectors_that_are_not_subgraphs_are_refused() {
    let net = supernet();
    let layout = TileLayout::new(net, Array { rows: 4, cols: 2 });
    let good = net.subnets[5].config.clone();
    let mut short = good.clone();
    short.pop();
    let mut even_kernel = net.subnets.last().unwrap().config.clone();
    even_kernel[net.stages + 1] = 4;
    let mut beyond_depth = good.clone();
    beyond_depth[0] = 2; // stage 0 depth 2 while its second block is (0, 0)
    let mut no_blocks = good.clone();
    no_blocks[0] = 0;
    no_blocks[net.stages] = 0;
    no_blocks[net.stages + 1] = 0;
    let mut wide_head = good.clone();
    *wide_head.last_mut().unwrap() = 999;
    let mut too_wide = good.clone();
    too_wide[net.stages] = 99;
    for bad in [
        short,
        even_kernel,
        beyond_depth,
        no_blocks,
        wide_head,
        too_wide,
    ] {
        match layout.tiles(&bad) {
            Err(PbError::BadConfig { config, .. }) => assert_eq!(config, bad),
            other => panic!("{bad:?}: {other:?}"),
        }
    }
}

/// Checks the map against the contract's invariants for SubGraph `g`.
fn check_map(map: &PbMap, layout: &TileLayout, g: &[u16]) {
    let tiles = layout.tiles(g).unwrap();
    let mut words: Vec<u32> = Vec::new();
    for &t in &tiles {
        let w = map.word_of(t).expect("every tile of G is cached");
        assert!(w < map.words(), "inside the PB");
        assert_eq!(map.tile_at(w), Some(t));
        words.push(w);
    }
    words.sort();
    words.dedup();
    assert_eq!(words.len(), tiles.len(), "injective");
    assert_eq!(map.used(), tiles.len(), "nothing else cached");
    assert_eq!(map.contents().count(), tiles.len());
    assert_eq!(map.subgraph(), Some(g));
}

#[test]
fn refills_follow_the_placement_rule_and_keep_the_map_exact() {
    let net = supernet();
    let mut rng = SplitMix64::new(seed("refills", 23));
    for cfg in pb_configs() {
        let layout = TileLayout::new(net, Array::of(&cfg));
        let mut map = PbMap::for_config(&cfg);
        let mut refused = 0;
        let mut done = 0;
        for _ in 0..600 {
            let g = random_subgraph(&mut rng);
            let before: Vec<(TileId, u32)> = map.contents().collect();
            let old_sub = map.subgraph().map(<[u16]>::to_vec);
            let need = layout.tile_count(&g).unwrap();
            match map.refill(&layout, &g) {
                Err(PbError::TooLarge { need: n, have, .. }) => {
                    assert_eq!((n, have), (need, map.words() as usize));
                    assert!(need > have);
                    assert_eq!(map.contents().collect::<Vec<_>>(), before, "unchanged");
                    assert_eq!(map.subgraph().map(<[u16]>::to_vec), old_sub);
                    refused += 1;
                }
                Err(e) => panic!("{e}"),
                Ok(refill) => {
                    done += 1;
                    check_map(&map, &layout, &g);
                    let new_tiles = layout.tiles(&g).unwrap();
                    let new_set: std::collections::HashSet<_> = new_tiles.iter().collect();
                    // 1: kept tiles stay where they were.
                    let mut kept = 0;
                    for &(t, w) in &before {
                        if new_set.contains(&t) {
                            assert_eq!(map.word_of(t), Some(w), "kept in place");
                            kept += 1;
                        }
                    }
                    assert_eq!(refill.kept, kept);
                    assert_eq!(refill.freed, before.len() - kept);
                    // 3: the others, in tile order, into the lowest free words.
                    let occupied: std::collections::HashSet<u32> = before
                        .iter()
                        .filter(|(t, _)| new_set.contains(t))
                        .map(|&(_, w)| w)
                        .collect();
                    let free: Vec<u32> =
                        (0..map.words()).filter(|w| !occupied.contains(w)).collect();
                    let was: std::collections::HashSet<TileId> =
                        before.iter().map(|&(t, _)| t).collect();
                    let want: Vec<(TileId, u32)> = new_tiles
                        .iter()
                        .copied()
                        .filter(|t| !was.contains(t))
                        .zip(free)
                        .collect();
                    assert_eq!(refill.moves, want);
                    // The merged LOAD_PB runs are exactly the moves.
                    let pairs: Vec<(u64, u64)> = refill
                        .moves
                        .iter()
                        .map(|&(t, w)| (u64::from(t), u64::from(w)))
                        .collect();
                    assert_eq!(
                        sushi_host::compile::runs::expand_runs(&refill.runs()),
                        pairs
                    );
                    // Refilling the same SubGraph moves nothing.
                    let again = map.refill(&layout, &g).unwrap();
                    assert!(again.moves.is_empty() && again.freed == 0);
                    assert_eq!(again.kept, new_tiles.len());
                }
            }
            if rng.below(40) == 0 {
                map.invalidate();
                assert_eq!(map.used(), 0);
            }
        }
        eprintln!(
            "{}: {done} refills, {refused} SubGraphs too large for the PB",
            cfg.name
        );
        assert!(done >= 100, "{}: only {done} SubGraphs fit", cfg.name);
    }
}

#[test]
fn a_refill_from_empty_loads_each_layer_in_one_run() {
    let net = supernet();
    let mut rng = SplitMix64::new(seed("refill from empty", 3));
    for cfg in pb_configs() {
        let layout = TileLayout::new(net, Array::of(&cfg));
        let mut tested = 0;
        for _ in 0..1000 {
            if tested == 40 {
                break;
            }
            let g = random_subgraph(&mut rng);
            let mut map = PbMap::for_config(&cfg);
            let Ok(refill) = map.refill(&layout, &g) else {
                continue;
            };
            tested += 1;
            let layers = layout.boxes(&g).unwrap().iter().flatten().count();
            let runs = refill.runs();
            assert!(
                runs.len() <= layers,
                "{}: {} runs for {layers} layers",
                cfg.name,
                runs.len()
            );
            // From empty, the PB holds G packed from word 0 in tile order.
            let tiles = layout.tiles(&g).unwrap();
            assert!(
                tiles
                    .iter()
                    .enumerate()
                    .all(|(i, &t)| map.word_of(t) == Some(i as u32))
            );
            assert_eq!(refill.bytes(), tiles.len() * layout.array().word_bytes());
        }
    }
}

#[test]
fn a_subgraph_larger_than_the_pb_is_refused_with_both_sizes() {
    let net = supernet();
    let cfg = HwConfig::default_config();
    let layout = TileLayout::new(net, Array::of(&cfg));
    let largest = &net.subnets.last().unwrap().config;
    let mut map = PbMap::for_config(&cfg);
    let err = map.refill(&layout, largest).unwrap_err();
    let words = layout.tile_count(largest).unwrap();
    assert_eq!(
        err,
        PbError::TooLarge {
            need: words,
            have: 2048,
            word_bytes: 128
        }
    );
    let text = err.to_string();
    assert!(
        text.contains(&words.to_string()) && text.contains("2048"),
        "{text}"
    );
}

// ---- Compiled programs, executed on byte arrays ----

/// The weight-moving part of the datapath: WMEM and PB as byte arrays, DRAM as the program's
/// image plus the tile image.
struct WeightSim<'a> {
    array: Array,
    wmem: Vec<u8>,
    pb: Vec<u8>,
    program: &'a Program,
    tiles: &'a [u8],
    /// WMEM words written since the last compute command.
    written: usize,
}

fn op(c: &Command) -> Op {
    c.op().unwrap()
}

impl<'a> WeightSim<'a> {
    fn new(cfg: &HwConfig, program: &'a Program, tiles: &'a [u8], pb: Vec<u8>) -> Self {
        WeightSim {
            array: Array::of(cfg),
            wmem: vec![0; cfg.spec.buffers.weight_staging_bytes as usize],
            pb,
            program,
            tiles,
            written: 0,
        }
    }

    /// Runs command `i`; for a CONV/DWCONV returns the WMEM bytes it reads.
    fn step(&mut self, i: usize) -> Option<Vec<u8>> {
        let wb = self.array.word_bytes();
        let c = self.program.commands[i];
        match c.decode().unwrap() {
            (op @ (Op::LoadW | Op::LoadPb), Fields::Dma(d)) => {
                let src: &[u8] = match self.program.relocs[i] {
                    Reloc::Image => &self.program.image,
                    Reloc::TileImage => self.tiles,
                    Reloc::None => panic!("a load without a DRAM address"),
                };
                let (dram, sram, count) =
                    (d.dram_addr as usize, d.sram_addr as usize, d.count as usize);
                let (ds, ss) = (d.dram_stride as usize, d.sram_stride as usize);
                let rows = usize::from(d.rows);
                assert!(rows >= 1);
                let dst = if op == Op::LoadW {
                    &mut self.wmem
                } else {
                    &mut self.pb
                };
                for r in 0..rows {
                    let (a, w) = (dram + r * ds, sram + r * ss);
                    dst[w * wb..(w + count) * wb].copy_from_slice(&src[a..a + count * wb]);
                }
                if op == Op::LoadW {
                    self.written += rows * count;
                }
                None
            }
            (_, Fields::Copy(cp)) => {
                let (p, w, count) = (
                    cp.pb_addr as usize,
                    cp.wmem_addr as usize,
                    cp.count as usize,
                );
                let (ps, ws) = (cp.pb_stride as usize, cp.wmem_stride as usize);
                let rows = usize::from(cp.rows);
                assert!(rows >= 1);
                for r in 0..rows {
                    let (a, b) = (p + r * ps, w + r * ws);
                    self.wmem[b * wb..(b + count) * wb]
                        .copy_from_slice(&self.pb[a * wb..(a + count) * wb]);
                }
                self.written += rows * count;
                None
            }
            (op @ (Op::Conv | Op::Dwconv), Fields::Window(win)) => {
                let (k, groups) = (usize::from(win.kernel), usize::from(win.groups));
                let words = if op == Op::Conv {
                    groups * k * k * usize::from(win.in_cv)
                } else {
                    groups * (k * k).div_ceil(self.array.rows)
                };
                let w0 = win.w_addr as usize;
                Some(self.wmem[w0 * wb..(w0 + words) * wb].to_vec())
            }
            _ => None,
        }
    }
}

/// The network with every weight 1: its compact packing marks the real (non-padding) positions.
fn ones(net: &Network) -> Network {
    let mut n = net.clone();
    for l in &mut n.layers {
        if let Layer::Conv { weights, .. } | Layer::DwConv { weights, .. } = l {
            weights.iter_mut().for_each(|w| *w = 1);
        }
    }
    n
}

/// The PB content a map describes, filled by running the refill program.
fn fill_pb(cfg: &HwConfig, image: &TileImage, map: &mut PbMap, g: &[u16]) -> Vec<u8> {
    map.invalidate();
    let refill = map.refill(image, g).unwrap();
    let prog = compile_refill(&refill, image, cfg).unwrap();
    assert_eq!(op(prog.commands.last().unwrap()), Op::End);
    assert!(
        prog.commands[..prog.commands.len() - 1]
            .iter()
            .all(|c| op(c) == Op::LoadPb)
    );
    let mut sim = WeightSim::new(
        cfg,
        &prog,
        image.data(),
        vec![0; cfg.spec.buffers.pb_bytes as usize],
    );
    for i in 0..prog.commands.len() {
        sim.step(i);
    }
    for (t, w) in map.contents() {
        let wb = image.layout().array().word_bytes();
        assert_eq!(
            &sim.pb[w as usize * wb..(w as usize + 1) * wb],
            image.tile_bytes(t)
        );
    }
    sim.pb
}

/// Compiles SubNet `id` plainly and against `image` with `map` (PB holding `pb`), executes the
/// weight moves of both and checks every chunk's WMEM words; returns the PB program.
fn check_subnet(
    cfg: &HwConfig,
    image: &TileImage,
    map: &PbMap,
    pb: &[u8],
    id: usize,
) -> Option<Program> {
    let net = supernet();
    let network = net.network(id).unwrap();
    let plain = match compile(&network, cfg, Outputs::Last) {
        Ok(p) => p,
        Err(_) => return None, // e.g. needs column tiling on tangnano9k; not this test's business
    };
    let mask = compile(&ones(&network), cfg, Outputs::Last).unwrap();
    let prog = compile_subnet(net, id, image, map, cfg, Outputs::Last).unwrap();
    let what = format!("{} SubNet {id}", cfg.name);
    assert_eq!(prog.tile_image, Some(image.layout().id()));
    // Same computation: every command but the weight loads is equal, up to waits (the DMA
    // engine counts more commands) and DRAM addresses (the image holds no weights).
    let strip = |p: &Program| -> Vec<Command> {
        p.commands
            .iter()
            .filter(|c| !matches!(op(c), Op::LoadW | Op::CopyPb))
            .map(|c| {
                let (op, mut fields) = c.decode().unwrap();
                if let Fields::Dma(dma) = &mut fields {
                    dma.dram_addr = 0;
                }
                fields.encode(op, 0)
            })
            .collect()
    };
    assert_eq!(strip(&prog), strip(&plain), "{what}: the same computation");
    let mut a = WeightSim::new(cfg, &prog, image.data(), pb.to_vec());
    let mut b = WeightSim::new(cfg, &plain, &[], vec![]);
    let mut m = WeightSim::new(cfg, &mask, &[], vec![]);
    let computes = |p: &Program| {
        p.commands
            .iter()
            .enumerate()
            .filter(|(_, c)| matches!(op(c), Op::Conv | Op::Dwconv | Op::Gap | Op::Add))
            .map(|(i, _)| i)
            .collect::<Vec<_>>()
    };
    let (ca, cb) = (computes(&prog), computes(&plain));
    assert_eq!(ca.len(), cb.len());
    assert_eq!(computes(&mask), cb);
    let (mut ia, mut ib) = (0, 0);
    for (n, (&ea, &eb)) in ca.iter().zip(&cb).enumerate() {
        while ia < ea {
            a.step(ia);
            ia += 1;
        }
        while ib < eb {
            b.step(ib);
            m.step(ib);
            ib += 1;
        }
        assert_eq!(
            a.written, b.written,
            "{what}: compute {n}: WMEM words written for the chunk"
        );
        a.written = 0;
        b.written = 0;
        let (ga, gb, gm) = (a.step(ea), b.step(eb), m.step(eb));
        ia += 1;
        ib += 1;
        if let (Some(ga), Some(gb), Some(gm)) = (ga, gb, gm) {
            for (j, ((x, y), z)) in ga.iter().zip(&gb).zip(&gm).enumerate() {
                if *z != 0 {
                    assert_eq!(x, y, "{what}: compute {n}: WMEM byte {j}");
                } else {
                    assert_eq!(*y, 0, "{what}: padding");
                }
            }
        }
    }
    // Every weight byte the plain program loads comes from DRAM or from the PB.
    assert_eq!(
        prog.weight_bytes + prog.pb_bytes,
        plain.weight_bytes,
        "{what}"
    );
    let words = |p: &Program, want: Op| -> usize {
        p.commands
            .iter()
            .filter(|c| op(c) == want)
            .map(|c| match c.decode().unwrap().1 {
                Fields::Dma(d) => usize::from(d.rows) * d.count as usize,
                Fields::Copy(cp) => usize::from(cp.rows) * cp.count as usize,
                other => panic!("{other:?} moves no weight words"),
            })
            .sum()
    };
    let wb = image.layout().array().word_bytes();
    assert_eq!(words(&prog, Op::LoadW) * wb, prog.weight_bytes);
    assert_eq!(words(&prog, Op::CopyPb) * wb, prog.pb_bytes);
    Some(prog)
}

#[test]
fn pb_programs_assemble_every_chunk_as_the_compact_packing_in_real_positions() {
    let net = supernet();
    let mut rng = SplitMix64::new(seed("pb programs", 31));
    let n = net.subnets.len();
    for cfg in pb_configs() {
        let image = TileImage::build(net, Array::of(&cfg));
        let layout = image.layout();
        let wb = layout.array().word_bytes();
        let mut map = PbMap::for_config(&cfg);
        let empty = vec![0u8; cfg.spec.buffers.pb_bytes as usize];
        let mut cached: Vec<Vec<u16>> = Vec::new();
        while cached.len() < 4 {
            let g = random_subgraph(&mut rng);
            if layout.tile_count(&g).unwrap() <= map.words() as usize {
                cached.push(g);
            }
        }
        for id in [0, 1, 37, n / 2, n - 1, rng.below(n as u64) as usize] {
            let cfg_s = &net.subnets[id].config;
            let subnet_tiles = layout.tile_count(cfg_s).unwrap();
            // Empty PB: every weight from the tile image.
            map.invalidate();
            let Some(p) = check_subnet(&cfg, &image, &map, &empty, id) else {
                eprintln!("{}: SubNet {id} does not compile (skipped)", cfg.name);
                continue;
            };
            assert_eq!(p.pb_bytes, 0);
            let plain = compile(&net.network(id).unwrap(), &cfg, Outputs::Last).unwrap();
            let resident = plain.weight_bytes == subnet_tiles * wb;
            for g in &cached {
                let pb = fill_pb(&cfg, &image, &mut map, g);
                let p = check_subnet(&cfg, &image, &map, &pb, id).unwrap();
                let inside = layout.tile_count(&shared(cfg_s, g)).unwrap();
                if resident {
                    // Each chunk loaded once: DRAM + PB bytes are the SubNet's tiles, and the PB
                    // serves exactly the tiles the SubNet shares with G.
                    assert_eq!(p.weight_bytes + p.pb_bytes, subnet_tiles * wb);
                    assert_eq!(p.pb_bytes, inside * wb);
                }
                if &shared(cfg_s, g) == cfg_s {
                    assert_eq!(p.weight_bytes, 0, "{}: SubNet {id} inside G", cfg.name);
                }
            }
        }
    }
}

#[test]
fn a_subnet_inside_the_cached_subgraph_reads_no_weights_from_dram() {
    let net = supernet();
    for cfg in pb_configs() {
        let image = TileImage::build(net, Array::of(&cfg));
        let mut map = PbMap::for_config(&cfg);
        // The largest SubNet that fits the PB, cached, then itself and every SubNet inside it.
        let fits: Vec<usize> = (0..net.subnets.len())
            .filter(|&i| {
                image.layout().tile_count(&net.subnets[i].config).unwrap() <= map.words() as usize
            })
            .collect();
        let g_id = *fits
            .iter()
            .max_by_key(|&&i| image.layout().tile_count(&net.subnets[i].config).unwrap())
            .expect("some SubNet fits the PB");
        let g = net.subnets[g_id].config.clone();
        let pb = fill_pb(&cfg, &image, &mut map, &g);
        let mut inside = 0;
        for id in 0..net.subnets.len() {
            let s = &net.subnets[id].config;
            if &shared(s, &g) != s || (id % 5 != 0 && id != g_id) {
                continue;
            }
            if let Some(p) = check_subnet(&cfg, &image, &map, &pb, id) {
                assert_eq!(
                    p.weight_bytes, 0,
                    "{}: SubNet {id} inside SubNet {g_id}",
                    cfg.name
                );
                assert!(p.pb_bytes > 0);
                assert!(!p.commands.iter().any(|c| op(c) == Op::LoadW));
                inside += 1;
            }
        }
        assert!(inside >= 1);
        eprintln!(
            "{}: {inside} SubNets inside cached SubNet {g_id} run with no DRAM weights",
            cfg.name
        );
    }
}

#[test]
fn command_counts_for_an_empty_and_a_warm_pb() {
    // Informational numbers for the report, with a sanity bound: merging keeps the weight
    // commands per chunk small.
    let net = supernet();
    for cfg in pb_configs() {
        let image = TileImage::build(net, Array::of(&cfg));
        let mut map = PbMap::for_config(&cfg);
        let n = net.subnets.len();
        let count = |p: &Program, want: Op| p.commands.iter().filter(|c| op(c) == want).count();
        let g = net.subnets[0].config.clone();
        for id in [0, n / 2, n - 1] {
            let Ok(plain) = compile(&net.network(id).unwrap(), &cfg, Outputs::Last) else {
                continue;
            };
            map.invalidate();
            let cold = compile_subnet(net, id, &image, &map, &cfg, Outputs::Last).unwrap();
            map.refill(&image, &g).unwrap();
            let warm = compile_subnet(net, id, &image, &map, &cfg, Outputs::Last).unwrap();
            let chunks = count(&plain, Op::LoadEpi);
            for p in [&cold, &warm] {
                assert!(count(p, Op::LoadW) + count(p, Op::CopyPb) <= 3 * chunks);
            }
            eprintln!(
                "{} SubNet {id}: plain {} cmds ({} LOAD_W, {} B); empty PB {} cmds ({} LOAD_W, {} B DRAM); PB = SubNet 0: {} cmds ({} LOAD_W {} B, {} COPY_PB {} B); {chunks} chunks",
                cfg.name,
                plain.commands.len(),
                count(&plain, Op::LoadW),
                plain.weight_bytes,
                cold.commands.len(),
                count(&cold, Op::LoadW),
                cold.weight_bytes,
                warm.commands.len(),
                count(&warm, Op::LoadW),
                warm.weight_bytes,
                count(&warm, Op::CopyPb),
                warm.pb_bytes,
            );
        }
    }
}

#[test]
fn tile_image_addresses_relocate_to_the_tile_image_base() {
    let net = supernet();
    let cfg = HwConfig::default_config();
    let image = TileImage::build(net, Array::of(&cfg));
    let map = PbMap::for_config(&cfg);
    let p = compile_subnet(net, 3, &image, &map, &cfg, Outputs::Last).unwrap();
    assert!(p.uses_tile_image());
    assert_eq!(p.relocs.len(), p.commands.len());
    let (base, tiles) = (0x1000_0000u64, 0x2000_0000u64);
    let out = p.relocated_image_with(base, tiles);
    // Word 1 of every command: DRAM_ADDR in a DMA command, left alone in the others.
    let dram_addr = |c: &Command| Dma::decode(c).dram_addr;
    for (i, c) in p.commands.iter().enumerate() {
        let bytes: [u8; 32] = out[i * 32..i * 32 + 32].try_into().unwrap();
        let r = Command::from_bytes(&bytes);
        let want = match p.relocs[i] {
            Reloc::None => dram_addr(c),
            Reloc::Image => dram_addr(c) + base as u32,
            Reloc::TileImage => dram_addr(c) + tiles as u32,
        };
        assert_eq!(dram_addr(&r), want);
        let kind = match op(c) {
            Op::LoadW => Reloc::TileImage,
            o if o.format() == Format::Dma => Reloc::Image,
            _ => Reloc::None,
        };
        assert_eq!(p.relocs[i], kind, "command {i} {}", op(c));
    }
    // A plain program has no tile-image addresses and relocates as before.
    let plain = compile(&net.network(3).unwrap(), &cfg, Outputs::Last).unwrap();
    assert!(!plain.uses_tile_image() && plain.tile_image.is_none());
    assert_eq!(
        plain.relocated_image(base),
        plain.relocated_image_with(base, tiles)
    );
}

#[test]
fn a_map_of_another_image_or_array_is_refused() {
    let net = supernet();
    let zynq = HwConfig::default_config();
    let tiny = HwConfig::builtin("tiny").unwrap();
    let image = TileImage::build(net, Array::of(&zynq));
    let map = PbMap::for_config(&zynq);
    let err = compile_subnet(net, 0, &image, &map, &tiny, Outputs::Last).unwrap_err();
    assert!(err.to_string().contains("array"), "{err}");
    let tiny_layout = TileLayout::new(net, Array::of(&tiny));
    let mut tiny_map = PbMap::new(8192);
    tiny_map
        .refill(&tiny_layout, &net.subnets[0].config)
        .unwrap();
    let mut big = PbMap::new(1 << 16);
    big.refill(&image, &net.subnets[0].config).unwrap();
    assert!(
        compile_subnet(net, 0, &image, &big, &zynq, Outputs::Last).is_err(),
        "a PB larger than the config's"
    );
    // A map of another layout, refilled for this one, starts from empty.
    let before = tiny_map.used();
    let r = tiny_map
        .refill(
            &TileLayout::new(net, Array { rows: 4, cols: 4 }),
            &net.subnets[0].config,
        )
        .unwrap();
    assert!(before > 0 && r.kept == 0 && r.freed == 0);
}

#[test]
fn the_driver_places_the_tile_image_at_the_end_of_the_region_and_requires_it() {
    let net = supernet();
    let cfg = HwConfig::default_config();
    let image = TileImage::build(net, Array::of(&cfg));
    let mut accel = Accel::open(ModelAccel::new(&cfg), &cfg).unwrap();
    let map = PbMap::for_config(&cfg);
    let p = compile_subnet(net, 0, &image, &map, &cfg, Outputs::Last).unwrap();
    // Not uploaded yet: refused before anything runs.
    match accel.run_program(&p, 1000) {
        Err(DriverError::OutsideRegion { what, .. }) => {
            assert!(what.contains("tile image"), "{what}")
        }
        other => panic!("{other:?}"),
    }
    let base = accel.upload_tile_image(&image).unwrap();
    let region = sushi_hw::Bus::dram(accel.bus());
    assert_eq!(base % 4096, 0);
    assert!(base >= region.base && base + image.data().len() as u64 <= region.base + region.bytes);
    assert!(region.base + region.bytes - base < image.data().len() as u64 + 4096);
    assert_eq!(accel.tile_image_base(), Some(base));
    let mut back = vec![0u8; image.data().len()];
    sushi_hw::Bus::read_dram(accel.bus(), base, &mut back).unwrap();
    assert_eq!(back, image.data());
    // 1 MiB of DRAM cannot hold tiny's tile image.
    let mut tiny = HwConfig::builtin("tiny").unwrap();
    tiny.spec.dram.bytes = 1 << 20;
    let mut small = Accel::open(ModelAccel::new(&tiny), &tiny).unwrap();
    let tiny_image = TileImage::build(net, Array::of(&tiny));
    assert!(matches!(
        small.upload_tile_image(&tiny_image),
        Err(DriverError::OutsideRegion {
            what: "tile image",
            ..
        })
    ));
}
