# SUSHI on a ZCU104: the design talks to the outside through the processing system only; the one
# fabric pin is user LED0, lit while the accelerator is busy. Pin from the ZCU104 master XDC
# (GPIO_LED_0_LS); check it against your board's revision. Clocks come from the PS (pl_clk0).
set_property -dict {PACKAGE_PIN D5 IOSTANDARD LVCMOS33} [get_ports busy_led]
