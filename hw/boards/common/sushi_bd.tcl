# SPDX-License-Identifier: Apache-2.0
#
# The board-independent half of the SUSHI Vivado flow, sourced by hw/boards/<board>/build.tcl:
# project, sources, the accelerator cell with a hw config's parameters, its clock, reset and
# interconnects to the processing system's ports, and the bitstream. Each board script creates
# its PS cell and names the PS pins; see hw/boards/README.md. Never run in CI (needs Vivado).

# The newest version of a Xilinx IP in this Vivado's catalog (scripts outlive IP versions).
proc sushi_ip {name} {
    set defs [lsort -dictionary [get_ipdefs -all -filter "VLNV =~ xilinx.com:ip:${name}:*"]]
    if {[llength $defs] == 0} {
        error "IP xilinx.com:ip:$name is not in this Vivado's catalog"
    }
    return [lindex $defs end]
}

# The -GName=value lines of hw/gen/<config>/params.f as a CONFIG.Name value list.
proc sushi_params {root config} {
    set path $root/hw/gen/$config/params.f
    if {![file exists $path]} {
        error "no $path: `sushi hw gen` writes it for built-in configs; pass one of [glob -tails -directory $root/hw/gen -types d *]"
    }
    set f [open $path r]
    set props {}
    while {[gets $f line] >= 0} {
        if {[regexp {^-G([A-Za-z]+)=(.+)$} $line -> name value]} {
            # Verilog sized literals (32'hcb2c3561) become 0x-prefixed hex for Vivado.
            if {[regexp {^[0-9]+'h([0-9a-fA-F]+)$} $value -> hex]} { set value 0x$hex }
            lappend props CONFIG.$name $value
        }
    }
    close $f
    return $props
}

# Creates the project and adds the RTL, the shell and the board's constraints.
proc sushi_project {root out part xdc} {
    create_project -force sushi $out/project -part $part
    add_files [glob $root/rtl/*.v] $root/hw/boards/common/sushi_axi_shell.v
    set_property include_dirs [list $root/hw/gen] [current_fileset]
    add_files -fileset constrs_1 $xdc
    create_bd_design sushi
}

# Adds the accelerator and wires it to the PS: `gp` is the PS's AXI master port for registers,
# `hp` its AXI slave port to DDR, `clk`/`resetn` its fabric clock and reset, `irq` its fabric
# interrupt input, `reg_base` the register window's address.
proc sushi_connect {root config gp hp clk resetn irq reg_base} {
    set accel [create_bd_cell -type module -reference sushi_axi_shell sushi]
    set_property -dict [sushi_params $root $config] $accel
    set rst [create_bd_cell -type ip -vlnv [sushi_ip proc_sys_reset] rst]
    set ic_gp [create_bd_cell -type ip -vlnv [sushi_ip smartconnect] ic_gp]
    set ic_hp [create_bd_cell -type ip -vlnv [sushi_ip smartconnect] ic_hp]
    set_property -dict [list CONFIG.NUM_SI 1 CONFIG.NUM_MI 1] $ic_gp
    set_property -dict [list CONFIG.NUM_SI 1 CONFIG.NUM_MI 1] $ic_hp

    connect_bd_intf_net [get_bd_intf_pins $gp] [get_bd_intf_pins ic_gp/S00_AXI]
    connect_bd_intf_net [get_bd_intf_pins ic_gp/M00_AXI] [get_bd_intf_pins sushi/s_axil]
    connect_bd_intf_net [get_bd_intf_pins sushi/m_axi] [get_bd_intf_pins ic_hp/S00_AXI]
    connect_bd_intf_net [get_bd_intf_pins ic_hp/M00_AXI] [get_bd_intf_pins $hp]

    # One clock for everything: the config's freq_mhz is the PS fabric clock's.
    foreach pin [list sushi/clk rst/slowest_sync_clk ic_gp/aclk ic_hp/aclk] {
        connect_bd_net [get_bd_pins $clk] [get_bd_pins $pin]
    }
    connect_bd_net [get_bd_pins $resetn] [get_bd_pins rst/ext_reset_in]
    connect_bd_net [get_bd_pins rst/peripheral_aresetn] [get_bd_pins sushi/rst_n]
    connect_bd_net [get_bd_pins rst/interconnect_aresetn] [get_bd_pins ic_gp/aresetn]
    connect_bd_net [get_bd_pins rst/interconnect_aresetn] [get_bd_pins ic_hp/aresetn]
    connect_bd_net [get_bd_pins sushi/irq] [get_bd_pins $irq]
    make_bd_pins_external [get_bd_pins sushi/busy_led]
    set_property name busy_led [get_bd_ports busy_led_0]

    assign_bd_address
    set seg [get_bd_addr_segs -of_objects [get_bd_addr_spaces -of_objects [get_bd_intf_pins $gp]] -filter {NAME =~ "*sushi*"}]
    set_property offset $reg_base $seg
    set_property range 4K $seg
    validate_bd_design
    save_bd_design
}

# Synthesis, implementation, bitstream; copies sushi.bit, sushi.bin (for fpga_manager) and
# sushi.hwh with the utilisation and timing reports to `out`.
proc sushi_build {out jobs} {
    set bd [get_files sushi.bd]
    make_wrapper -files $bd -top
    add_files -norecurse [glob [file dirname $bd]/hdl/sushi_wrapper.v]
    set_property top sushi_wrapper [current_fileset]
    launch_runs impl_1 -to_step write_bitstream -jobs $jobs
    wait_on_run impl_1
    if {[get_property PROGRESS [get_runs impl_1]] != "100%"} {
        error "implementation failed: see $out/project/sushi.runs/impl_1/runme.log"
    }
    open_run impl_1
    report_utilization -file $out/utilization.rpt
    report_timing_summary -file $out/timing.rpt
    set bit [glob $out/project/sushi.runs/impl_1/*.bit]
    file copy -force $bit $out/sushi.bit
    write_cfgmem -force -format bin -interface smapx32 -disablebitswap -loadbit "up 0 $out/sushi.bit" $out/sushi.bin
    foreach hwh [glob -nocomplain $out/project/sushi.gen/sources_1/bd/sushi/hw_handoff/*.hwh] {
        file copy -force $hwh $out/sushi.hwh
    }
    puts "sushi: bitstream in $out (sushi.bit, sushi.bin, sushi.hwh, utilization.rpt, timing.rpt)"
}
