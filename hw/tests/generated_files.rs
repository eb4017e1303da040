//! Every file under `hw/gen/` is what the generator makes of today's configs and register map.
//! A stale file is rewritten and the test fails, so the fix is to commit the rewritten file.

#[test]
fn committed_generated_files_are_fresh() {
    let hw_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let stale = sushi_hw::generate::check(hw_dir, true).expect("hw/gen is writable");
    assert!(
        stale.is_empty(),
        "these generated files were stale and have been regenerated; review and commit them: {stale:?}"
    );
}

#[test]
fn verilog_header_names_every_register_and_field() {
    let vh = sushi_hw::generate::verilog_regs();
    for r in sushi_hw::regs::REGISTERS {
        assert!(
            vh.contains(&format!(
                "localparam [11:0] REG_{} = 12'h{:03x};",
                r.name, r.offset
            )),
            "{}",
            r.name
        );
    }
    assert!(vh.contains("localparam integer STATUS_ERROR_CODE_LSB = 8;"));
    assert!(vh.contains("localparam integer STATUS_ERROR_CODE_BITS = 4;"));
    assert!(vh.contains("localparam [31:0] ID_MAGIC = 32'h53555348;"));
}

#[test]
fn register_offsets_are_unique_aligned_and_in_the_4k_window() {
    let mut seen = std::collections::BTreeSet::new();
    for r in sushi_hw::regs::REGISTERS {
        assert_eq!(r.offset % 4, 0, "{} is not word aligned", r.name);
        assert!(r.offset < 4096, "{} is outside the 4 KiB window", r.name);
        assert!(
            seen.insert(r.offset),
            "{} reuses offset {:#x}",
            r.name,
            r.offset
        );
    }
}
