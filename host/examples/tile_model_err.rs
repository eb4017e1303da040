use sushi_host::compile::tiles::TileSet;
use sushi_host::net::supernet::SuperNet;
use sushi_host::sched::front::{AccuracyTable, accuracy_table_path, measured_points, pareto_front};
use sushi_host::sched::tile_plan::PlanScratch;
use sushi_host::sched::{Candidate, TilePricer, build_table};
use sushi_host::serve::AbsPricer;
use sushi_hw::HwConfig;

fn main() {
    let cfgname = std::env::args().nth(1).unwrap_or("zynq7020".into());
    let path = sushi_host::net::supernet::shipped_path();
    let net = SuperNet::load(&path).unwrap();
    let acc = AccuracyTable::load(&accuracy_table_path(&path), &net).unwrap();
    let cfg = HwConfig::builtin(&cfgname).unwrap();
    let front = pareto_front(&measured_points(&net, &cfg, &acc));
    let cands: Vec<Candidate> = front
        .iter()
        .map(|p| Candidate {
            subnet: p.subnet,
            accuracy: p.accuracy,
        })
        .collect();
    let t0 = std::time::Instant::now();
    let table = build_table(&net, &cfg, cands).unwrap();
    println!("table {:.2}s", t0.elapsed().as_secs_f64());
    let model = table.tile_model.clone().unwrap();
    let mut pricer = AbsPricer::new(&net, &cfg);
    let n = table.candidates.len();
    let mut scratch = PlanScratch::default();
    let mut worst = 0f64;
    let mut sum = 0f64;
    let mut k = 0;
    for a in 0..n {
        for b in [a, (a + 7) % n, n - 1] {
            let p = model
                .plan(
                    &mut scratch,
                    &[(a, 3), (b, 2)],
                    &[],
                    &model.bitmap(&[]),
                    1 << 40,
                    1,
                )
                .map(|p| p.tiles)
                .unwrap_or_default();
            let bits = model.bitmap(&p);
            let set = TileSet::new(p.clone());
            for c in [a, b, (a + 3) % n] {
                let est = model.cycles(c, &bits) as f64;
                let real = pricer.price(&table, c, &set).cycles as f64;
                let e = (est - real) / real;
                if e.abs() > worst.abs() {
                    worst = e;
                }
                sum += e.abs();
                k += 1;
                if e.abs() > 0.03 {
                    println!(
                        "a {a} b {b} c {c}: est {est} real {real} base {} err {:.1}%",
                        table.cycles[c][0],
                        100.0 * e
                    );
                }
            }
        }
    }
    println!(
        "{k} pairs: mean |err| {:.2}%, worst {:.2}%",
        100.0 * sum / k as f64,
        100.0 * worst
    );
}
