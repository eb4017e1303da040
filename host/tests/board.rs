//! The board backend without a board: the mapping layer against regular files
//! (offsets, widths, bounds, volatile order seen through a second mapping), sysfs discovery, and
//! the driver's open sequence, upload, job start, completion wait and watchdog over files, with a
//! thread playing the device's register side. Nothing here shows that a board works.

#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sushi_host::compile::program::{Outputs, compile};
use sushi_host::device::board::mmio::{Mapping, MmioError};
use sushi_host::device::board::{BoardBus, BoardError, BoardOptions, REGISTER_WINDOW_BYTES};
use sushi_host::device::driver::{Accel, DriverError};
use sushi_host::net::network::{RandomSpec, random_network};
use sushi_host::rng::SplitMix64;
use sushi_hw::commands::{COMMAND_BYTES, Command};
use sushi_hw::regs;
use sushi_hw::{Bus, HwConfig};

/// Bus address of the fake DMA buffer.
const PHYS: u64 = 0x3800_0000;
/// Its size.
const DMA_BYTES: u64 = 1 << 20;

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("sushi-board-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn file_of(path: &Path, bytes: u64) {
    let f = std::fs::File::create(path).unwrap();
    f.set_len(bytes).unwrap();
}

/// A fake board: register and buffer files and the sysfs attributes the backend reads.
fn fake_board(name: &str, map0_size: &str) -> BoardOptions {
    let d = temp_dir(name);
    file_of(&d.join("uio0"), REGISTER_WINDOW_BYTES as u64);
    file_of(&d.join("udmabuf0"), DMA_BYTES);
    let sys = d.join("sys");
    let uio = sys.join("class/uio/uio0/maps/map0");
    std::fs::create_dir_all(&uio).unwrap();
    std::fs::write(uio.join("size"), format!("{map0_size}\n")).unwrap();
    let buf = sys.join("class/u-dma-buf/udmabuf0");
    std::fs::create_dir_all(&buf).unwrap();
    std::fs::write(buf.join("phys_addr"), format!("{PHYS:#x}\n")).unwrap();
    std::fs::write(buf.join("size"), format!("{DMA_BYTES}\n")).unwrap();
    BoardOptions {
        uio: d.join("uio0"),
        udmabuf: d.join("udmabuf0"),
        sysfs: sys,
        interrupt: false,
    }
}

fn tiny() -> HwConfig {
    HwConfig::builtin("tiny").unwrap()
}

/// Writes the identity registers a SUSHI device of `config` shows.
fn identify(opts: &BoardOptions, config: &HwConfig) {
    let mut regs = Mapping::open(&opts.uio, 0, REGISTER_WINDOW_BYTES).unwrap();
    regs.write_u32(regs::ID as usize, regs::ID_MAGIC).unwrap();
    regs.write_u32(regs::VERSION as usize, regs::REGMAP_VERSION)
        .unwrap();
    regs.write_u32(regs::CONFIG_HASH as usize, config.derived().config_hash)
        .unwrap();
}

#[test]
fn a_register_write_is_one_little_endian_32_bit_store_at_its_offset() {
    let d = temp_dir("width");
    let path = d.join("regs");
    file_of(&path, 4096);
    let mut m = Mapping::open(&path, 0, 4096).unwrap();
    m.write_u32(0x10, 0x1122_3344).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[0x10..0x14], &[0x44, 0x33, 0x22, 0x11]);
    assert!(
        bytes[..0x10].iter().chain(&bytes[0x14..]).all(|&b| b == 0),
        "no neighbour touched"
    );
    assert_eq!(m.read_u32(0x10).unwrap(), 0x1122_3344);
}

#[test]
fn every_write_reaches_memory_in_program_order() {
    // Two mappings of one file, as host and device see one register: each write is visible to
    // the other side before the next (none merged, elided or reordered).
    let d = temp_dir("order");
    let path = d.join("regs");
    file_of(&path, 4096);
    let mut host = Mapping::open(&path, 0, 4096).unwrap();
    let device = Mapping::open(&path, 0, 4096).unwrap();
    for v in 0..1000u32 {
        host.write_u32(0x40, v).unwrap();
        host.write_u32(0x44, !v).unwrap();
        assert_eq!(device.read_u32(0x40).unwrap(), v);
        assert_eq!(device.read_u32(0x44).unwrap(), !v);
    }
    host.write_bytes(0x100, &[1, 2, 3, 4, 5]).unwrap();
    let mut out = [0u8; 5];
    device.read_bytes(0x100, &mut out).unwrap();
    assert_eq!(out, [1, 2, 3, 4, 5]);
}

#[test]
fn accesses_outside_the_mapping_or_misaligned_are_errors_not_crashes() {
    let d = temp_dir("bounds");
    let path = d.join("regs");
    file_of(&path, 4096);
    let mut m = Mapping::open(&path, 0, 4096).unwrap();
    assert!(matches!(
        m.read_u32(4096),
        Err(MmioError::OutOfBounds { .. })
    ));
    assert!(matches!(
        m.write_u32(4094, 1),
        Err(MmioError::Misaligned { .. })
    ));
    assert!(matches!(
        m.write_u32(usize::MAX - 3, 1),
        Err(MmioError::OutOfBounds { .. })
    ));
    assert!(matches!(
        m.write_bytes(4000, &[0; 97]),
        Err(MmioError::OutOfBounds { .. })
    ));
    let mut out = [0u8; 8];
    assert!(matches!(
        m.read_bytes(usize::MAX, &mut out),
        Err(MmioError::OutOfBounds { .. })
    ));
    // A file shorter than the mapping is refused before anything can fault.
    let e = Mapping::open(&path, 0, 8192).unwrap_err();
    assert!(matches!(e, MmioError::TooShort { .. }), "{e}");
}

#[test]
fn missing_nodes_and_denied_permissions_say_what_to_do() {
    let e = Mapping::open(Path::new("/dev/uio-that-is-not-there"), 0, 4096).unwrap_err();
    assert!(e.to_string().contains("overlay"), "{e}");
    // Root may open anything, so the permission case is checked on the error it maps to.
    let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
    let e = MmioError::open(Path::new("/dev/uio0"), &denied);
    assert!(e.to_string().contains("udev rule"), "{e}");
    // A board whose sysfs lacks the buffer's attributes.
    let mut opts = fake_board("nosysfs", "0x1000");
    opts.sysfs = opts.sysfs.join("elsewhere");
    let e = BoardBus::open(&opts, &tiny()).unwrap_err();
    assert!(matches!(e, BoardError::Sysfs { .. }), "{e}");
    // A register map smaller than the window.
    let opts = fake_board("smallmap", "0x800");
    let e = BoardBus::open(&opts, &tiny()).unwrap_err();
    assert!(e.to_string().contains("4 KiB"), "{e}");
}

#[test]
fn opening_checks_identity_and_sets_the_dma_window_to_the_buffer() {
    let cfg = tiny();
    let opts = fake_board("open", "0x10000");
    // Nothing written: the ID register reads 0.
    let bus = BoardBus::open(&opts, &cfg).unwrap();
    assert_eq!(
        bus.dram(),
        sushi_hw::DramRegion {
            base: PHYS,
            bytes: DMA_BYTES
        }
    );
    let e = Accel::open(bus, &cfg).unwrap_err();
    assert!(matches!(e, DriverError::NotSushi { .. }), "{e}");
    // A device built for another config is refused with the config's name.
    identify(&opts, &HwConfig::builtin("zynq7020").unwrap());
    let e = Accel::open(BoardBus::open(&opts, &cfg).unwrap(), &cfg).unwrap_err();
    assert!(
        matches!(e, DriverError::ConfigMismatch { .. }) && e.to_string().contains("tiny"),
        "{e}"
    );
    identify(&opts, &cfg);
    Accel::open(BoardBus::open(&opts, &cfg).unwrap(), &cfg).unwrap();
    let regs = Mapping::open(&opts.uio, 0, REGISTER_WINDOW_BYTES).unwrap();
    assert_eq!(regs.read_u32(regs::DMA_BASE as usize).unwrap(), PHYS as u32);
    assert_eq!(
        regs.read_u32(regs::DMA_LAST as usize).unwrap(),
        (PHYS + DMA_BYTES - 1) as u32
    );
    // A buffer too small for what the host must place there.
    let bus = BoardBus::open(&opts, &cfg).unwrap();
    let e = bus.require_buffer(DMA_BYTES + 1).unwrap_err();
    assert!(e.to_string().contains("raise the u-dma-buf `size`"), "{e}");
}

/// Plays the device's register side over the files: waits for CTRL.RUN, checks that the command
/// stream CMD_BASE names is in the buffer, shows BUSY for a while, then DONE.
fn fake_device(opts: BoardOptions, first: Command, busy_for: Duration, finish: bool) {
    let mut regs = Mapping::open(&opts.uio, 0, REGISTER_WINDOW_BYTES).unwrap();
    let dma = Mapping::open(&opts.udmabuf, 0, DMA_BYTES as usize).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while regs::CTRL_RUN.get(regs.read_u32(regs::CTRL as usize).unwrap()) == 0 {
        assert!(Instant::now() < deadline, "the host never started a job");
        std::thread::sleep(Duration::from_micros(50));
    }
    let base = u64::from(regs.read_u32(regs::CMD_BASE as usize).unwrap());
    let mut bytes = [0u8; COMMAND_BYTES];
    dma.read_bytes((base - PHYS) as usize, &mut bytes).unwrap();
    assert_eq!(
        Command::from_bytes(&bytes).op(),
        first.op(),
        "CMD_BASE points at the program's first command"
    );
    regs.write_u32(regs::STATUS as usize, regs::STATUS_BUSY.mask())
        .unwrap();
    std::thread::sleep(busy_for);
    if finish {
        regs.write_u32(regs::STATUS as usize, regs::STATUS_DONE.mask())
            .unwrap();
    }
}

#[test]
fn a_job_is_uploaded_started_and_waited_for_through_the_files() {
    let cfg = tiny();
    let opts = fake_board("job", "0x1000");
    identify(&opts, &cfg);
    let mut rng = SplitMix64::new(3);
    let (net, input) = random_network(
        &mut rng,
        RandomSpec {
            max_hw: 6,
            max_c: 4,
            body_layers: 1,
        },
    );
    let mut program = compile(&net, &cfg, Outputs::Last).unwrap();
    program.set_input(&input);
    let first = program.commands[0];
    let mut accel = Accel::open(BoardBus::open(&opts, &cfg).unwrap(), &cfg).unwrap();

    // The device finishes after 30 ms: the host polls until DONE, within a budget of 10 s.
    let device = {
        let opts = opts.clone();
        std::thread::spawn(move || fake_device(opts, first, Duration::from_millis(30), true))
    };
    let report = accel.run_program(&program, 1_000_000_000).unwrap();
    device.join().unwrap();
    assert!(
        report.wait_cycles >= 3_000_000 / 2,
        "waited {} cycles at 100 MHz for a 30 ms job",
        report.wait_cycles
    );
    // The program image is in the buffer where CMD_BASE pointed.
    let mut head = vec![0u8; COMMAND_BYTES];
    accel.bus().read_dram(PHYS, &mut head).unwrap();
    assert_eq!(
        Command::from_bytes(head.as_slice().try_into().unwrap()).op(),
        first.op()
    );

    // A device that never finishes: the watchdog (5 ms at 100 MHz) reports a timeout.
    let mut regs = Mapping::open(&opts.uio, 0, REGISTER_WINDOW_BYTES).unwrap();
    regs.write_u32(regs::STATUS as usize, 0).unwrap();
    regs.write_u32(regs::CTRL as usize, 0).unwrap();
    let device = {
        let opts = opts.clone();
        std::thread::spawn(move || fake_device(opts, first, Duration::ZERO, false))
    };
    let started = Instant::now();
    let e = accel.run_program(&program, 500_000).unwrap_err();
    device.join().unwrap();
    assert!(matches!(e, DriverError::Timeout { .. }), "{e}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the watchdog fired late"
    );
    // And a new job is refused while that one still shows BUSY.
    assert!(matches!(
        accel.run_program(&program, 500_000),
        Err(DriverError::StillBusy)
    ));
}

#[test]
fn board_probe_reports_the_device_or_says_why_not() {
    let cfg = tiny();
    let opts = fake_board("probe", "0x1000");
    let probe = |config: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_sushi"))
            .args(["board", "probe", "--json", "--config", config, "--uio"])
            .arg(&opts.uio)
            .arg("--udmabuf")
            .arg(&opts.udmabuf)
            .arg("--sysfs")
            .arg(&opts.sysfs)
            .output()
            .unwrap()
    };
    // No SUSHI there yet: a clear refusal, no backtrace.
    let out = probe("tiny");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("not a SUSHI accelerator"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    identify(&opts, &cfg);
    let out = probe("tiny");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["id"], format!("{:#010x}", regs::ID_MAGIC));
    assert_eq!(report["dma_base"], format!("{PHYS:#x}"));
    assert_eq!(report["dma_bytes"], DMA_BYTES);
    // The bitstream was built for tiny, the host asks for zynq7020.
    let out = probe("zynq7020");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("different hw config"), "{err}");
}

#[test]
fn buffer_copies_of_any_offset_and_length_land_exactly() {
    // Aligned word accesses in the middle, bytes at the ragged ends: every combination of
    // alignment and length round-trips, and nothing outside the range changes.
    let d = temp_dir("copies");
    let path = d.join("buf");
    file_of(&path, 256);
    let mut m = Mapping::open(&path, 0, 256).unwrap();
    let mut rng = SplitMix64::new(9);
    for offset in 0..16 {
        for len in [0usize, 1, 7, 8, 9, 15, 16, 17, 63, 100] {
            m.write_bytes(0, &[0xee; 256]).unwrap();
            let data = rng.bytes(len);
            m.write_bytes(offset, &data).unwrap();
            let file = std::fs::read(&path).unwrap();
            assert_eq!(
                &file[offset..offset + len],
                &data[..],
                "offset {offset} len {len}"
            );
            assert!(
                file[..offset]
                    .iter()
                    .chain(&file[offset + len..])
                    .all(|&b| b == 0xee),
                "offset {offset} len {len}: bytes outside the range changed"
            );
            let mut back = vec![0u8; len];
            m.read_bytes(offset, &mut back).unwrap();
            assert_eq!(back, data, "read back at offset {offset} len {len}");
        }
    }
}

#[test]
fn waiting_for_an_interrupt_returns_when_one_arrives_and_times_out_otherwise() {
    // The UIO interrupt is a 4-byte read on the device file; a socket pair stands in for it.
    use std::io::Write;
    let (device, host) = std::os::unix::net::UnixStream::pair().unwrap();
    let host = std::fs::File::from(std::os::fd::OwnedFd::from(host));
    let started = Instant::now();
    assert!(
        !sushi_host::device::board::mmio::wait_readable(&host, Duration::from_millis(20)).unwrap()
    );
    assert!(
        started.elapsed() >= Duration::from_millis(15),
        "returned before the timeout"
    );
    (&device).write_all(&1u32.to_ne_bytes()).unwrap();
    assert!(sushi_host::device::board::mmio::wait_readable(&host, Duration::from_secs(5)).unwrap());
}
