# SPDX-License-Identifier: Apache-2.0
#
# SUSHI on a ZCU104 (xczu7ev-ffvc1156-2-e): sushi_top on the fabric, registers at 0xA000_0000
# behind M_AXI_HPM0_FPD, DMA through S_AXI_HP0_FPD (64 bits wide, to match the config) to the PS
# DDR, the interrupt on pl_ps_irq0[0], busy on user LED0, everything at pl_clk0 = 100 MHz.
#
#   vivado -mode batch -source hw/boards/zcu104/build.tcl [-tclargs CONFIG [JOBS]]
#
# CONFIG defaults to zynq7020: the same accelerator (a config with a larger array for the
# ZU7EV's 1,728 DSPs is the obvious next step; add it under hw/configs/). Outputs go to
# build/zcu104/. Untested here: Vivado is not installed where SUSHI is developed.
set config [expr {$argc > 0 ? [lindex $argv 0] : "zynq7020"}]
set jobs [expr {$argc > 1 ? [lindex $argv 1] : 4}]
set here [file dirname [file normalize [info script]]]
set root [file normalize $here/../../..]
set out $root/build/zcu104
source $root/hw/boards/common/sushi_bd.tcl

sushi_project $root $out xczu7ev-ffvc1156-2-e $here/zcu104.xdc
set preset [expr {[catch {set_property board_part xilinx.com:zcu104:part0:1.1 [current_project]}] == 0}]
set ps [create_bd_cell -type ip -vlnv [sushi_ip zynq_ultra_ps_e] ps]
# The PS's DDR4 and MIO settings come from the board files only.
if {!$preset} {
    error "the ZCU104 board files (xilinx.com:zcu104) are not installed: install them from Vivado's board store"
}
apply_bd_automation -rule xilinx.com:bd_rule:zynq_ultra_ps_e -config {apply_board_preset "1"} $ps
set_property -dict [list \
    CONFIG.PSU__USE__M_AXI_GP0 1 \
    CONFIG.PSU__USE__M_AXI_GP1 0 \
    CONFIG.PSU__USE__M_AXI_GP2 0 \
    CONFIG.PSU__USE__S_AXI_GP2 1 \
    CONFIG.PSU__SAXIGP2__DATA_WIDTH 64 \
    CONFIG.PSU__USE__IRQ0 1 \
    CONFIG.PSU__FPGA_PL0_ENABLE 1 \
    CONFIG.PSU__CRL_APB__PL0_REF_CTRL__FREQMHZ 100] $ps
connect_bd_net [get_bd_pins ps/pl_clk0] [get_bd_pins ps/maxihpm0_fpd_aclk]
connect_bd_net [get_bd_pins ps/pl_clk0] [get_bd_pins ps/saxihp0_fpd_aclk]

sushi_connect $root $config ps/M_AXI_HPM0_FPD ps/S_AXI_HP0_FPD ps/pl_clk0 ps/pl_resetn0 \
    ps/pl_ps_irq0 0xA0000000
sushi_build $out $jobs
