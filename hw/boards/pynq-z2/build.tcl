# SPDX-License-Identifier: Apache-2.0
#
# SUSHI on a PYNQ-Z2 (xc7z020clg400-1): sushi_top on the fabric, registers at 0x43C0_0000 behind
# M_AXI_GP0, DMA through the 64-bit S_AXI_HP0 to the PS DDR, the interrupt on IRQ_F2P[0], busy on
# LED0, everything at FCLK_CLK0 = the config's freq_mhz (100 MHz for zynq7020).
#
#   vivado -mode batch -source hw/boards/pynq-z2/build.tcl [-tclargs CONFIG [JOBS]]
#
# CONFIG defaults to zynq7020 (its parameters come from hw/gen/CONFIG/params.f); outputs go to
# build/pynq-z2/. Untested here: Vivado is not installed where SUSHI is developed (hw/boards/README.md).
set config [expr {$argc > 0 ? [lindex $argv 0] : "zynq7020"}]
set jobs [expr {$argc > 1 ? [lindex $argv 1] : 4}]
set here [file dirname [file normalize [info script]]]
set root [file normalize $here/../../..]
set out $root/build/pynq-z2
source $root/hw/boards/common/sushi_bd.tcl

sushi_project $root $out xc7z020clg400-1 $here/pynq-z2.xdc
# The board files (tul.com.tw) give the DDR3 timing; without them, the part number and width.
set preset [expr {[catch {set_property board_part tul.com.tw:pynq-z2:part0:1.0 [current_project]}] == 0}]
set ps [create_bd_cell -type ip -vlnv [sushi_ip processing_system7] ps7]
if {$preset} {
    apply_bd_automation -rule xilinx.com:bd_rule:processing_system7 \
        -config {make_external "FIXED_IO, DDR" apply_board_preset "1"} $ps
} else {
    apply_bd_automation -rule xilinx.com:bd_rule:processing_system7 \
        -config {make_external "FIXED_IO, DDR" apply_board_preset "0"} $ps
    set_property -dict [list \
        CONFIG.PCW_UIPARAM_DDR_PARTNO {MT41K256M16 RE-125} \
        CONFIG.PCW_UIPARAM_DDR_BUS_WIDTH {16 Bit}] $ps
}
set_property -dict [list \
    CONFIG.PCW_USE_M_AXI_GP0 1 \
    CONFIG.PCW_USE_S_AXI_HP0 1 \
    CONFIG.PCW_S_AXI_HP0_DATA_WIDTH 64 \
    CONFIG.PCW_USE_FABRIC_INTERRUPT 1 \
    CONFIG.PCW_IRQ_F2P_INTR 1 \
    CONFIG.PCW_FPGA0_PERIPHERAL_FREQMHZ 100] $ps
connect_bd_net [get_bd_pins ps7/FCLK_CLK0] [get_bd_pins ps7/M_AXI_GP0_ACLK]
connect_bd_net [get_bd_pins ps7/FCLK_CLK0] [get_bd_pins ps7/S_AXI_HP0_ACLK]

sushi_connect $root $config ps7/M_AXI_GP0 ps7/S_AXI_HP0 ps7/FCLK_CLK0 ps7/FCLK_RESET0_N \
    ps7/IRQ_F2P 0x43C00000
sushi_build $out $jobs
