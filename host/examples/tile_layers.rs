use sushi_host::net::supernet::SuperNet;
use sushi_host::sched::front::{AccuracyTable, accuracy_table_path, measured_points, pareto_front};
use sushi_host::sched::{Candidate, build_table};
use sushi_hw::HwConfig;
fn main() {
    let path = sushi_host::net::supernet::shipped_path();
    let net = SuperNet::load(&path).unwrap();
    let acc = AccuracyTable::load(&accuracy_table_path(&path), &net).unwrap();
    let cfg = HwConfig::builtin("zynq7020").unwrap();
    let front = pareto_front(&measured_points(&net, &cfg, &acc));
    let cands: Vec<Candidate> = front
        .iter()
        .map(|p| Candidate {
            subnet: p.subnet,
            accuracy: p.accuracy,
        })
        .collect();
    let table = build_table(&net, &cfg, cands).unwrap();
    let m = table.tile_model.clone().unwrap();
    let n = table.candidates.len();
    for c in [0, n / 4, n / 2, 3 * n / 4, n - 1] {
        let l = m.debug_layers(c);
        let tiles: u32 = l.iter().map(|x| x.0).sum();
        let zero: u32 = l.iter().filter(|x| x.1 < 0.5).map(|x| x.0).sum();
        let tot: f64 = l.iter().map(|x| x.0 as f64 * x.1).sum();
        println!(
            "cand {c}: base {} cycles, all-held est {:.0}, tiles {tiles}, tiles saving <0.5 cyc {zero}; layers {:?}",
            table.cycles[c][0],
            table.cycles[c][0] as f64 - tot,
            l.iter()
                .map(|x| format!("{}:{:.1}", x.0, x.1))
                .collect::<Vec<_>>()
        );
    }
}
